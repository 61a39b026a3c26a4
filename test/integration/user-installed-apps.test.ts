/**
 * User-installed applications over real HTTP and the gateway: installing through POST /oauth2/authorize with
 * integration_type=1 and scope applications.commands; a global command with integration_types [1] then works in a
 * guild its bot is not in (context 0) and in a DM between two users (context 2), with authorizing_integration_owners
 * {"1": user id}, @everyone's app_permissions in the guild, and the reply posted by the bot user where the bot is
 * not a member. Without the install, or for a guild-install-only command, the invocation is refused (50001).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

let t: TestServer;
let dev: TestUser;
let alice: TestUser;
let bob: TestUser;
let guild: any;
let channel: any;
let app: any;
let bot: TestUser;
let anywhere: any;
let guildOnly: any;
let botGw: GatewayClient;
let aliceGw: GatewayClient;

before(async () => {
  t = await startTestServer();
  dev = await t.register();
  alice = await t.register();
  bob = await t.register();
  // Bob's guild, with Alice in it; the application's bot is never added.
  guild = await t.createGuild(bob, 'No bots here');
  await t.join(bob, guild.id, alice);
  channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: bob })).body.find((c: any) => c.type === 0);
  ({ app, bot } = await makeBot(t, dev, 'Pocket App'));
  const a = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'roll', description: 'Rolls a die', integration_types: [0, 1], contexts: [0, 1, 2] } });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  anywhere = a.body;
  assert.deepEqual(anywhere.integration_types, [0, 1]);
  assert.deepEqual(anywhere.contexts, [0, 1, 2]);
  const g = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'server', description: 'Guild installs only' } });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  guildOnly = g.body;
  assert.deepEqual(guildOnly.integration_types, [0]);
  botGw = await GatewayClient.connect(t.url);
  await botGw.identify(bot.token);
  aliceGw = await GatewayClient.connect(t.url);
  await aliceGw.identify(alice.token);
});

after(async () => {
  await botGw?.close();
  await aliceGw?.close();
  await t?.close();
});

let seq = 0;
const invoke = (user: TestUser, channelId: string, command: any, extra: Record<string, unknown> = {}) =>
  t.request('POST', '/interactions', {
    auth: user,
    body: { type: 2, application_id: app.id, channel_id: channelId, session_id: 's', data: { id: command.id, name: command.name, type: 1, version: command.version }, ...extra },
  });

/** Alice invokes `command` in `channelId`; the INTERACTION_CREATE the bot got. */
async function aliceInvokes(channelId: string, command: any, extra: Record<string, unknown> = {}): Promise<any> {
  const nonce = `u${++seq}`;
  const res = await invoke(alice, channelId, command, { nonce, ...extra });
  assert.equal(res.status, 204, JSON.stringify(res.body));
  const mine = await aliceGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
  return (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
}

describe('user-installed applications', () => {
  it('without a user install, a guild the bot is not in refuses the command (50001)', async () => {
    assertError(await invoke(alice, channel.id, anywhere, { guild_id: guild.id }), 403, 50001);
  });

  it('installs through OAuth2 (integration_type=1, applications.commands); bot and missing scopes are refused', async () => {
    const path = `/oauth2/authorize?client_id=${app.id}&integration_type=1&scope=applications.commands`;
    assertError(await t.request('POST', `/oauth2/authorize?client_id=${app.id}&integration_type=1&scope=bot`, { auth: alice, body: { authorize: true } }), 400, 50035);
    assertError(await t.request('POST', `/oauth2/authorize?client_id=${app.id}&integration_type=2&scope=applications.commands`, { auth: alice, body: { authorize: true } }), 400, 50035);
    const consent = await t.request('GET', path, { auth: alice });
    assert.equal(consent.status, 200, JSON.stringify(consent.body));
    // Both installation types are open (Discord's integration_types_config keys).
    assert.deepEqual(consent.body.application.integration_types_config, { 0: {}, 1: {} });
    const res = await t.request('POST', path, { auth: alice, body: { authorize: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.location, /\/oauth2\/authorized$/);
    // No bot joined anything.
    assertError(await t.request('GET', `/guilds/${guild.id}/members/${bot.id}`, { auth: bob }), 404, 10007);
  });

  it('the command indexes offer the installed app where a user install covers it, and only its user-install commands', async () => {
    const names = (body: any) => body.application_commands.map((c: any) => c.name).sort();
    const mine = await t.request('GET', '/users/@me/application-command-index', { auth: alice });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(names(mine.body), ['roll']);
    assert.equal(mine.body.applications[0].id, app.id);
    const inGuild = await t.request('GET', `/channels/${channel.id}/application-command-index`, { auth: alice });
    assert.deepEqual(names(inGuild.body), ['roll']);
    // Bob did not install it: nothing for him in the same channel.
    const bobs = await t.request('GET', `/channels/${channel.id}/application-command-index`, { auth: bob });
    assert.deepEqual(names(bobs.body), []);
    const dm = await t.request('POST', '/users/@me/channels', { auth: alice, body: { recipient_id: bob.id } });
    const inDm = await t.request('GET', `/channels/${dm.body.id}/application-command-index`, { auth: alice });
    assert.deepEqual(names(inDm.body), ['roll']);
  });

  it('in a guild without the bot: context 0, owners {"1": user}, @everyone’s app_permissions, the reply posted as the bot', async () => {
    const i = await aliceInvokes(channel.id, anywhere, { guild_id: guild.id });
    assert.deepEqual(i.authorizing_integration_owners, { 1: alice.id });
    assert.equal(i.context, 0);
    assert.equal(i.guild_id, guild.id);
    assert.equal(i.member.user.id, alice.id);
    const everyone = BigInt((await t.request('GET', `/guilds/${guild.id}/roles`, { auth: bob })).body.find((r: any) => r.id === guild.id).permissions);
    assert.equal(BigInt(i.app_permissions), everyone);
    assert.equal(BigInt(i.app_permissions) & Permissions.ADMINISTRATOR, 0n);

    const reply = await t.request('POST', `/interactions/${i.id}/${i.token}/callback?with_response=true`, { body: { type: 4, data: { content: 'rolled a 4' } } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const message = reply.body.resource.message;
    assert.equal(message.author.id, bot.id);
    assert.deepEqual(message.interaction_metadata.authorizing_integration_owners, { 1: alice.id });
    const history = await t.request('GET', `/channels/${channel.id}/messages?limit=10`, { auth: bob });
    const seen = history.body.find((m: any) => m.id === message.id);
    assert.ok(seen, 'the reply is in the channel');
    assert.equal(seen.author.id, bot.id);
    assert.equal(seen.content, 'rolled a 4');
    assert.deepEqual(seen.interaction_metadata.authorizing_integration_owners, { 1: alice.id });
    // A follow-up too.
    const follow = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'again: 6' } });
    assert.equal(follow.status, 200, JSON.stringify(follow.body));
    assert.equal(follow.body.author.id, bot.id);
  });

  it('outside a server it is installed in, a user-installed app sends at most five follow-ups (40094); installed there, no such limit', async () => {
    const i = await aliceInvokes(channel.id, anywhere, { guild_id: guild.id });
    assert.deepEqual(i.authorizing_integration_owners, { 1: alice.id });
    assert.equal((await t.request('POST', `/interactions/${i.id}/${i.token}/callback`, { body: { type: 4, data: { content: 'rolling' } } })).status, 204);
    for (let n = 1; n <= 5; n++) {
      const res = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: `follow-up ${n}`, flags: n === 5 ? 64 : 0 } });
      assert.equal(res.status, 200, `follow-up ${n}: ${JSON.stringify(res.body)}`);
    }
    const sixth = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'follow-up 6' } });
    assertError(sixth, 400, 40094);
    const history = (await t.request('GET', `/channels/${channel.id}/messages?limit=20`, { auth: bob })).body.map((m: any) => m.content);
    assert.ok(!history.includes('follow-up 6'), 'nothing was posted');
    // Editing the response is no follow-up: still allowed.
    assert.equal((await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/@original`, { body: { content: 'rolled a 2' } })).status, 200);

    // In a server where the app is installed (its bot added): owners name the guild, and follow-ups are not limited.
    const home = await t.createGuild(bob, 'Bots welcome');
    await t.join(bob, home.id, alice);
    const perms = ((1n << 10n) | (1n << 11n)).toString();
    const added = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot%20applications.commands&permissions=${perms}`, { auth: bob, body: { guild_id: home.id, permissions: perms, authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const homeChannel = (await t.request('GET', `/guilds/${home.id}/channels`, { auth: bob })).body.find((c: any) => c.type === 0);
    const j = await aliceInvokes(homeChannel.id, anywhere, { guild_id: home.id });
    assert.equal(j.authorizing_integration_owners['0'], home.id);
    assert.equal((await t.request('POST', `/interactions/${j.id}/${j.token}/callback`, { body: { type: 4, data: { content: 'rolling' } } })).status, 204);
    for (let n = 1; n <= 6; n++) {
      const res = await t.request('POST', `/webhooks/${app.id}/${j.token}`, { body: { content: `home follow-up ${n}` } });
      assert.equal(res.status, 200, `home follow-up ${n}: ${JSON.stringify(res.body)}`);
    }
  });

  it('a guild-install-only command stays refused there; another user without the install is refused too', async () => {
    assertError(await invoke(alice, channel.id, guildOnly, { guild_id: guild.id }), 403, 50001);
    assertError(await invoke(bob, channel.id, anywhere, { guild_id: guild.id }), 403, 50001);
  });

  it('in a DM between two users: context 2, owners {"1": user}, the reply in the DM', async () => {
    const dm = await t.request('POST', '/users/@me/channels', { auth: alice, body: { recipient_id: bob.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const i = await aliceInvokes(dm.body.id, anywhere);
    assert.equal(i.context, 2);
    assert.deepEqual(i.authorizing_integration_owners, { 1: alice.id });
    assert.equal(i.user.id, alice.id);
    const dmPermissions = BigInt(i.app_permissions);
    const documented = Permissions.ATTACH_FILES | Permissions.EMBED_LINKS | Permissions.MENTION_EVERYONE;
    assert.equal(dmPermissions & documented, documented);
    assert.equal(dmPermissions & Permissions.USE_EXTERNAL_EMOJIS, 0n);
    const reply = await t.request('POST', `/interactions/${i.id}/${i.token}/callback?with_response=true`, { body: { type: 4, data: { content: 'rolled a 2' } } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const history = await t.request('GET', `/channels/${dm.body.id}/messages?limit=10`, { auth: bob });
    const seen = history.body.find((m: any) => m.id === reply.body.resource.message.id);
    assert.ok(seen, 'the reply is in the DM');
    assert.equal(seen.author.id, bot.id);
    // The guild-install-only command has no guild install in a DM between users.
    assertError(await invoke(alice, dm.body.id, guildOnly), 403, 50001);
    // Contexts still apply: a command without context 2 is refused there.
    const noPrivate = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'guildish', description: 'Guilds only', integration_types: [1], contexts: [0] } });
    assert.equal(noPrivate.status, 201, JSON.stringify(noPrivate.body));
    assertError(await invoke(alice, dm.body.id, noPrivate.body), 403, 50001);
  });
});
