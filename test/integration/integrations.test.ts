/**
 * Guild integrations as Discord shows bots (api/integrations.ts): adding a bot creates its integration
 * (INTEGRATION_CREATE, GUILD_INTEGRATIONS_UPDATE, audit BOT_ADD); GET lists it (Manage Server); DELETE removes the
 * bot with its managed role (audit INTEGRATION_DELETE); a bot kicked, banned or leaving takes its managed role
 * along. Also the voice regions and the (empty) connections list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from './fixtures.guilds.ts';
import { assertError } from './fixtures.messages.ts';

const BOT_ADD = 28;
const INTEGRATION_DELETE = 82;

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

/** A guild of a new owner with a bot added holding `permissions` (a managed role when not 0). */
async function guildWithBot(permissions = '2048'): Promise<{ owner: TestUser; guild: any; app: any; bot: TestUser; from: number }> {
  const owner = await t.register();
  const guild = await t.createGuild(owner);
  const { app, bot } = await makeBot(t, owner, `Integration Bot ${Math.random().toString(36).slice(2, 8)}`);
  const from = t.events.length;
  const res = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, permissions, authorize: true } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { owner, guild, app, bot, from };
}

const managedRoles = async (owner: TestUser, guildId: string, botId: string) =>
  ((await t.request('GET', `/guilds/${guildId}/roles`, { auth: owner })).body as any[]).filter((r) => r.managed && r.tags?.bot_id === botId);

describe('guild integrations', () => {
  test('adding a bot creates its integration: events, audit BOT_ADD, and the list', async () => {
    const { owner, guild, app, bot, from } = await guildWithBot();
    const created = await t.waitForEvent('INTEGRATION_CREATE', (e) => e.d.guild_id === guild.id, from);
    assert.equal(created.d.id, app.id);
    assert.equal(created.d.type, 'discord');
    assert.deepEqual(created.d.account, { id: bot.id, name: bot.username });
    await t.waitForEvent('GUILD_INTEGRATIONS_UPDATE', (e) => e.d.guild_id === guild.id, from);

    const list = await t.request('GET', `/guilds/${guild.id}/integrations`, { auth: owner });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.equal(list.body.length, 1);
    const [integration] = list.body;
    assert.equal(integration.id, app.id);
    assert.equal(integration.name, app.name);
    assert.equal(integration.enabled, true);
    assert.deepEqual(integration.scopes, ['bot', 'applications.commands']);
    assert.equal(integration.application.id, app.id);
    assert.equal(integration.application.bot.id, bot.id);
    assert.equal(integration.application.bot.bot, true);

    const log = await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=${BOT_ADD}`, { auth: owner });
    assert.equal(log.status, 200);
    assert.deepEqual(log.body.audit_log_entries.map((e: any) => [e.target_id, e.user_id]), [[bot.id, owner.id]]);

    // Manage Server only.
    const member = await t.register();
    await t.join(owner, guild.id, member);
    assertError(await t.request('GET', `/guilds/${guild.id}/integrations`, { auth: member }), 403, 50013);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/integrations/${app.id}`, { auth: member }), 403, 50013);
    assert.equal((await t.request('GET', `/guilds/${guild.id}/members/${bot.id}`, { auth: owner })).status, 200, 'the bot stays');
  });

  test('deleting the integration removes the bot and its managed role; an unknown one is 10005', async () => {
    const { owner, guild, app, bot } = await guildWithBot();
    assert.equal((await managedRoles(owner, guild.id, bot.id)).length, 1);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/integrations/123456789012345678`, { auth: owner }), 404, 10005);

    const from = t.events.length;
    const res = await t.request('DELETE', `/guilds/${guild.id}/integrations/${app.id}`, { auth: owner });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assertError(await t.request('GET', `/guilds/${guild.id}/members/${bot.id}`, { auth: owner }), 404, 10007);
    assert.deepEqual(await managedRoles(owner, guild.id, bot.id), []);
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/integrations`, { auth: owner })).body, []);
    await t.waitForEvent('GUILD_MEMBER_REMOVE', (e) => e.d.guild_id === guild.id && e.d.user.id === bot.id, from);
    await t.waitForEvent('GUILD_ROLE_DELETE', (e) => e.d.guild_id === guild.id, from);
    const deleted = await t.waitForEvent('INTEGRATION_DELETE', (e) => e.d.guild_id === guild.id, from);
    assert.deepEqual(deleted.d, { id: app.id, guild_id: guild.id, application_id: app.id });
    const log = await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=${INTEGRATION_DELETE}`, { auth: owner });
    assert.deepEqual(log.body.audit_log_entries.map((e: any) => [e.target_id, e.user_id]), [[app.id, owner.id]]);
    // Gone from the guild: the bot cannot read it.
    assert.equal((await t.request('GET', `/guilds/${guild.id}`, { auth: bot })).status, 403);
  });

  test('a bot kicked, banned or leaving takes its managed role along', async () => {
    const kicked = await guildWithBot();
    assert.equal((await t.request('DELETE', `/guilds/${kicked.guild.id}/members/${kicked.bot.id}`, { auth: kicked.owner })).status, 204);
    assert.deepEqual(await managedRoles(kicked.owner, kicked.guild.id, kicked.bot.id), []);

    const banned = await guildWithBot();
    assert.equal((await t.request('PUT', `/guilds/${banned.guild.id}/bans/${banned.bot.id}`, { auth: banned.owner, body: {} })).status, 204);
    assert.deepEqual(await managedRoles(banned.owner, banned.guild.id, banned.bot.id), []);

    const left = await guildWithBot();
    assert.equal((await t.request('DELETE', `/users/@me/guilds/${left.guild.id}`, { auth: left.bot })).status, 204);
    assert.deepEqual(await managedRoles(left.owner, left.guild.id, left.bot.id), []);
    const from = t.events.length;
    // Added again, it gets a new managed role.
    const again = await t.request('POST', `/oauth2/authorize?client_id=${left.app.id}&scope=bot`, { auth: left.owner, body: { guild_id: left.guild.id, permissions: '2048', authorize: true } });
    assert.equal(again.status, 200);
    assert.equal((await managedRoles(left.owner, left.guild.id, left.bot.id)).length, 1);
    await t.waitForEvent('INTEGRATION_CREATE', (e) => e.d.guild_id === left.guild.id, from);
  });

  test('a managed role stays undeletable while its bot is a member; one left behind may be deleted', async () => {
    const { owner, guild, bot } = await guildWithBot();
    const [role] = await managedRoles(owner, guild.id, bot.id);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner }), 400, 50028);
    // As a failure between the membership's removal and its role's would leave it.
    await t.store.members.remove(guild.id, bot.id);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner })).status, 204);
    assert.deepEqual(await managedRoles(owner, guild.id, bot.id), []);
  });
});

describe('voice regions and connections', () => {
  test('GET /voice/regions and /guilds/{id}/regions answer the one region; connections are empty', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const region = { id: 'accord', name: 'Accord', optimal: true, deprecated: false, custom: false };
    const all = await t.request('GET', '/voice/regions', { auth: owner });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body, [region]);
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/regions`, { auth: owner })).body, [region]);
    const stranger = await t.register();
    assert.equal((await t.request('GET', `/guilds/${guild.id}/regions`, { auth: stranger })).status, 403);
    assert.deepEqual((await t.request('GET', '/users/@me/connections', { auth: owner })).body, []);
  });
});
