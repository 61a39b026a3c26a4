/**
 * discord.js v14's REST client (the `REST` it exports, from @discordjs/rest), unpatched, through OAuth2 as a site
 * that signs people in does it: the code exchange with a form body (Routes.oauth2TokenExchange,
 * passThroughBody with URLSearchParams), then `authPrefix: 'Bearer'` for /users/@me, /users/@me/guilds and
 * /oauth2/@me, the refresh exchange, and the bot adding the user with Routes.guildMember (PUT with access_token).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REST, Routes, DiscordAPIError } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { botWorld, type BotWorld } from './setup.ts';

const REDIRECT = 'https://dashboard.example/callback';

describe('discord.js REST and OAuth2', () => {
  let t: TestServer;
  let world: BotWorld;
  let user: TestUser;
  let secret: string;

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'djs oauth2', Permissions.VIEW_CHANNEL | Permissions.CREATE_INSTANT_INVITE);
    user = await t.register();
    await t.request('PATCH', `/applications/${world.appId}`, { auth: world.owner, body: { redirect_uris: [REDIRECT] } });
    secret = (await t.request('POST', `/applications/${world.appId}/reset`, { auth: world.owner })).body.secret;
  });
  after(async () => {
    await t?.close();
  });

  const code = async (scope: string) => {
    const res = await t.request('POST', `/oauth2/authorize?response_type=code&client_id=${world.appId}&scope=${encodeURIComponent(scope)}&redirect_uri=${encodeURIComponent(REDIRECT)}`, { auth: user, body: { authorize: true } });
    return new URL(res.body.location).searchParams.get('code')!;
  };
  /** The token exchange as @discordjs/rest sends a form: no auth header of its own, the body passed through. */
  const exchange = (rest: REST, fields: Record<string, string>) => rest.post(Routes.oauth2TokenExchange(), {
    auth: false, passThroughBody: true, body: new URLSearchParams({ client_id: world.appId, client_secret: secret, ...fields }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  }) as Promise<any>;

  it('exchanges a code, reads the user with Bearer, refreshes, and the bot adds the user to its guild', async () => {
    const plain = new REST({ api: `${t.url}/api` });
    const tokens = await exchange(plain, { grant_type: 'authorization_code', code: await code('identify guilds guilds.join'), redirect_uri: REDIRECT });
    assert.equal(tokens.token_type, 'Bearer');
    const asUser = new REST({ api: `${t.url}/api`, authPrefix: 'Bearer' }).setToken(tokens.access_token);
    const me = (await asUser.get(Routes.user())) as any;
    assert.equal(me.id, user.id);
    assert.ok(Array.isArray(await asUser.get(Routes.userGuilds())));
    const current = (await asUser.get(Routes.oauth2CurrentAuthorization())) as any;
    assert.deepEqual(current.scopes, ['identify', 'guilds', 'guilds.join']);
    await assert.rejects(asUser.get(Routes.channel(world.channel.id)), (err: unknown) => err instanceof Error && /401|Unauthorized/.test(String((err as any).status ?? err)));

    const refreshed = await exchange(plain, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    assert.notEqual(refreshed.access_token, tokens.access_token);
    await assert.rejects(exchange(plain, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }), (err: unknown) => (err as any).status === 400);

    const asBot = new REST({ api: `${t.url}/api` }).setToken(world.bot.token);
    const member = (await asBot.put(Routes.guildMember(world.guild.id, user.id), { body: { access_token: refreshed.access_token } })) as any;
    assert.equal(member.user.id, user.id);
    // Already in: 204, which @discordjs/rest answers with an empty body.
    const again = await asBot.put(Routes.guildMember(world.guild.id, user.id), { body: { access_token: refreshed.access_token } });
    assert.ok(again === undefined || again === null || (typeof again === 'object' && Object.keys(again as object).length === 0) || (again as ArrayBuffer).byteLength === 0);
    const other = await t.register();
    await assert.rejects(asBot.put(Routes.guildMember(world.guild.id, other.id), { body: { access_token: refreshed.access_token } }), (err: unknown) => err instanceof DiscordAPIError && err.code === 50025);
  });
});
