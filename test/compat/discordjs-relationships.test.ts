/**
 * Friends through an unmodified @discordjs/rest client (raw routes: discord.js has no friend API, bots have no
 * friends): two user accounts, each with its own REST instance holding its user token (`Bearer`, which Accord takes
 * as a user token), go through Discord's friend flow — a request by username, the list on both sides, accepting,
 * removing — with Discord's errors as DiscordAPIError (80004, 80007), and a bot refused with 20001.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { botWorld } from './setup.ts';

/** Discord's relationship types (discord-api-types keeps them with its RPC types). */
const RelationshipType = { Friend: 1, Blocked: 2, PendingIncoming: 3, PendingOutgoing: 4 } as const;

interface RelationshipJson {
  id: string;
  type: number;
  user: { id: string; username: string };
  nickname: string | null;
  since: string;
}

describe('@discordjs/rest: friends with user tokens', () => {
  let t: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let asAlice: REST;
  let asBob: REST;
  const restFor = (token: string, authPrefix: 'Bearer' | 'Bot' = 'Bearer') =>
    new REST({ api: `${t.url}/api`, version: '10', retries: 1, timeout: 10_000, authPrefix }).setToken(token);
  const list = async (rest: REST) => (await rest.get('/users/@me/relationships')) as RelationshipJson[];

  before(async () => {
    t = await startTestServer();
    alice = await t.register();
    bob = await t.register();
    asAlice = restFor(alice.token);
    asBob = restFor(bob.token);
  });
  after(() => t.close());

  test('request by username, accept, list on both sides, remove', async () => {
    await assert.rejects(
      asAlice.post('/users/@me/relationships', { body: { username: `${bob.username}_not_here`, discriminator: null } }),
      (err: unknown) => err instanceof DiscordAPIError && err.code === 80004 && err.status === 400,
    );
    // 204 No Content, which @discordjs/rest hands back as an empty body.
    await asAlice.post('/users/@me/relationships', { body: { username: bob.username, discriminator: null } });
    const incoming = await list(asBob);
    assert.equal(incoming.length, 1);
    assert.equal(incoming[0]!.id, alice.id);
    assert.equal(incoming[0]!.type, RelationshipType.PendingIncoming);
    assert.equal(incoming[0]!.user.username, alice.username);
    assert.equal((await list(asAlice))[0]!.type, RelationshipType.PendingOutgoing);

    await asBob.put(`/users/@me/relationships/${alice.id}`, { body: {} });
    for (const [rest, other] of [[asAlice, bob], [asBob, alice]] as const) {
      const [r] = await list(rest);
      assert.equal(r!.id, other.id);
      assert.equal(r!.type, RelationshipType.Friend);
      assert.equal(r!.nickname, null);
      assert.ok(!Number.isNaN(Date.parse(r!.since)));
    }
    await assert.rejects(asAlice.put(`/users/@me/relationships/${bob.id}`, { body: {} }), (err: unknown) => err instanceof DiscordAPIError && err.code === 80007);

    await asAlice.delete(`/users/@me/relationships/${bob.id}`);
    assert.deepEqual(await list(asAlice), []);
    assert.deepEqual(await list(asBob), []);
  });

  test('a bot token is refused with 20001 "Bots cannot use this endpoint"', async () => {
    const w = await botWorld(t, 'Friendless');
    await assert.rejects(
      restFor(w.bot.token, 'Bot').get('/users/@me/relationships'),
      (err: unknown) => err instanceof DiscordAPIError && err.code === 20001 && err.status === 403 && err.message === 'Bots cannot use this endpoint',
    );
  });
});
