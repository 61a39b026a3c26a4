/**
 * Lobbies through an unmodified @discordjs/rest client (raw routes: discord.js has no lobby API): a game's backend
 * with its bot token creates a lobby and manages its members, a player's game client with an `sdk.social_layer`
 * access token (authPrefix Bearer) joins by secret, chats and leaves, and Discord's errors arrive as
 * DiscordAPIError (10031 Unknown lobby, 50035 for bad bodies).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { issueAccessToken } from '../../src/api/oauth2.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { botWorld } from './setup.ts';

interface LobbyJson {
  id: string;
  application_id: string;
  metadata: Record<string, string> | null;
  members: Array<{ id: string; metadata: Record<string, string> | null; flags: number; additional_name?: string }>;
}

describe('@discordjs/rest: lobbies', () => {
  let t: TestServer;
  let player: TestUser;
  let backend: REST;
  let game: REST;
  let appId: string;
  const restFor = (token: string, authPrefix: 'Bearer' | 'Bot') =>
    new REST({ api: `${t.url}/api`, version: '10', retries: 1, timeout: 10_000, authPrefix }).setToken(token);

  before(async () => {
    t = await startTestServer();
    const world = await botWorld(t, 'Lobby Game');
    appId = world.appId;
    player = await t.register();
    backend = restFor(world.bot.token, 'Bot');
    const { access_token } = await issueAccessToken(t.store, { applicationId: appId, userId: player.id, scopes: ['openid', 'sdk.social_layer'] }, Date.now());
    game = restFor(access_token, 'Bearer');
  });
  after(() => t.close());

  test('the backend makes a lobby, the player joins by secret, chats, is moderated and leaves', async () => {
    const made = (await backend.post('/lobbies', { body: { metadata: { mode: 'duel' }, idle_timeout_seconds: 120 } })) as LobbyJson;
    assert.equal(made.application_id, appId);
    assert.deepEqual(made.members, []);
    await assert.rejects(backend.post('/lobbies', { body: { idle_timeout_seconds: 1 } }), (err: unknown) => err instanceof DiscordAPIError && err.code === 50035 && err.status === 400);

    const joined = (await game.put('/lobbies', { body: { secret: 'duel-7', member_metadata: { deck: 'fire' } } })) as LobbyJson;
    assert.deepEqual(joined.members, [{ id: player.id, metadata: { deck: 'fire' }, flags: 0 }]);
    const member = (await backend.put(`/lobbies/${joined.id}/members/${player.id}`, { body: { additional_name: 'Pyro', flags: 1 } })) as LobbyJson['members'][number];
    assert.deepEqual(member, { id: player.id, metadata: { deck: 'fire' }, flags: 1, additional_name: 'Pyro' });

    const sent = (await game.post(`/lobbies/${joined.id}/messages`, { body: { content: 'gg' } })) as any;
    assert.equal(sent.lobby_id, joined.id);
    assert.deepEqual(sent.lobby_member, { additional_name: 'Pyro' });
    await backend.put(`/lobbies/${joined.id}/messages/${sent.id}/moderation-metadata`, { body: { toxicity: '0.01' } });
    const history = (await game.get(`/lobbies/${joined.id}/messages`)) as any[];
    assert.deepEqual(history.map((m) => [m.content, m.moderation_metadata]), [['gg', { toxicity: '0.01' }]]);

    await game.delete(`/lobbies/${joined.id}/members/@me`);
    assert.deepEqual(((await backend.get(`/lobbies/${joined.id}`)) as LobbyJson).members, []);
    await backend.delete(`/lobbies/${joined.id}`);
    await assert.rejects(backend.get(`/lobbies/${joined.id}`), (err: unknown) => err instanceof DiscordAPIError && err.code === 10031 && err.status === 404);
  });
});
