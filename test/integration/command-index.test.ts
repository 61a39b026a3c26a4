/**
 * The application command index Discord's client reads (GET /guilds/{id}/application-command-index, the channel
 * and @me variants): only applications whose bot is in the guild, global commands usable in guilds plus the
 * guild's own, filtered by default_member_permissions, command permission overwrites (user and channel entries)
 * and contexts; a DM with a bot lists its DM commands; 10004 for an unknown guild, 50001 for a stranger.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';

let t: TestServer;
let owner: TestUser;
let member: TestUser;
let stranger: TestUser;
let guild: any;
let channel: any;
let app: any;
let bot: TestUser;
let outsider: any;
const ids: Record<string, string> = {};

const names = (index: any) => index.application_commands.map((c: any) => c.name).sort();

before(async () => {
  t = await startTestServer();
  owner = await t.register();
  member = await t.register();
  stranger = await t.register();
  guild = await t.createGuild(owner, 'Index');
  await t.join(owner, guild.id, member);
  channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  ({ app, bot } = await makeBot(t, owner, 'Index Bot'));
  const added = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const defs: Array<[string, Record<string, unknown>]> = [
    ['global', { name: 'hello', description: 'Everywhere' }],
    ['global', { name: 'dmonly', description: 'Only in DMs', contexts: [1] }],
    ['guild', { name: 'echo', description: 'Echoes', options: [{ type: 3, name: 'text', description: 'What', required: true }] }],
    ['guild', { name: 'admin', description: 'Managers only', default_member_permissions: Permissions.MANAGE_GUILD.toString() }],
    ['guild', { name: 'locked', description: 'Denied to the member' }],
    ['guild', { name: 'elsewhere', description: 'Denied in the channel' }],
    ['guild', { name: 'Poke', type: 2 }],
  ];
  for (const [scope, body] of defs) {
    const path = scope === 'global' ? `/applications/${app.id}/commands` : `/applications/${app.id}/guilds/${guild.id}/commands`;
    const res = await t.request('POST', path, { auth: bot, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids[body.name as string] = res.body.id;
  }
  const base = `/applications/${app.id}/guilds/${guild.id}/commands`;
  const lock = await t.request('PUT', `${base}/${ids.locked}/permissions`, { auth: `Bearer ${owner.token}`, body: { permissions: [{ id: member.id, type: 2, permission: false }] } });
  assert.equal(lock.status, 200, JSON.stringify(lock.body));
  const away = await t.request('PUT', `${base}/${ids.elsewhere}/permissions`, { auth: `Bearer ${owner.token}`, body: { permissions: [{ id: channel.id, type: 3, permission: false }] } });
  assert.equal(away.status, 200, JSON.stringify(away.body));
  // An application whose bot is not in the guild: its commands are not offered there.
  const other = await makeBot(t, owner, 'Outside Bot');
  outsider = other.app;
  const res = await t.request('POST', `/applications/${outsider.id}/commands`, { auth: other.bot, body: { name: 'outside', description: 'Not here' } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
});

after(async () => {
  await t?.close();
});

describe('application command index', () => {
  it('lists the guild bots\' commands a plain member may use, with their partial application', async () => {
    const res = await t.request('GET', `/guilds/${guild.id}/application-command-index`, { auth: member });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(names(res.body), ['Poke', 'echo', 'elsewhere', 'hello']);
    assert.equal(res.body.applications.length, 1);
    const a = res.body.applications[0];
    assert.equal(a.id, app.id);
    assert.equal(a.name, 'Index Bot');
    assert.equal(a.bot_id, bot.id);
    assert.ok('icon' in a);
    const echo = res.body.application_commands.find((c: any) => c.name === 'echo');
    assert.equal(echo.application_id, app.id);
    assert.equal(echo.guild_id, guild.id);
    assert.equal(echo.options[0].name, 'text');
    assert.match(echo.version, /^\d+$/);
    assert.match(res.body.version, /^\d+$/);
    assert.ok(res.body.application_commands.every((c: any) => BigInt(c.version) <= BigInt(res.body.version)));
  });

  it('the owner gets every guild command, including default_member_permissions and overwritten ones', async () => {
    const res = await t.request('GET', `/guilds/${guild.id}/application-command-index`, { auth: owner });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(names(res.body), ['Poke', 'admin', 'echo', 'elsewhere', 'hello', 'locked']);
  });

  it('the channel index applies the command\'s channel entry', async () => {
    const res = await t.request('GET', `/channels/${channel.id}/application-command-index`, { auth: member });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(names(res.body), ['Poke', 'echo', 'hello']);
  });

  it('a member granted MANAGE_GUILD gets the admin command', async () => {
    const role = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'mods', permissions: (Permissions.MANAGE_GUILD | Permissions.USE_APPLICATION_COMMANDS | Permissions.VIEW_CHANNEL).toString() } });
    assert.equal(role.status, 200, JSON.stringify(role.body));
    const put = await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${role.body.id}`, { auth: owner });
    assert.equal(put.status, 204, JSON.stringify(put.body));
    const res = await t.request('GET', `/guilds/${guild.id}/application-command-index`, { auth: member });
    assert.deepEqual(names(res.body), ['Poke', 'admin', 'echo', 'elsewhere', 'hello']);
    await t.request('DELETE', `/guilds/${guild.id}/members/${member.id}/roles/${role.body.id}`, { auth: owner });
  });

  it('without USE_APPLICATION_COMMANDS nothing is offered', async () => {
    const everyone = (await t.request('GET', `/guilds/${guild.id}/roles`, { auth: owner })).body.find((r: any) => r.id === guild.id);
    const without = (BigInt(everyone.permissions) & ~Permissions.USE_APPLICATION_COMMANDS).toString();
    const patched = await t.request('PATCH', `/guilds/${guild.id}/roles/${guild.id}`, { auth: owner, body: { permissions: without } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    try {
      const res = await t.request('GET', `/guilds/${guild.id}/application-command-index`, { auth: member });
      assert.deepEqual(res.body.application_commands, []);
      assert.deepEqual(res.body.applications, []);
    } finally {
      await t.request('PATCH', `/guilds/${guild.id}/roles/${guild.id}`, { auth: owner, body: { permissions: everyone.permissions } });
    }
  });

  it('a DM with the bot lists its global commands usable in DMs', async () => {
    const dm = await t.request('POST', '/users/@me/channels', { auth: member, body: { recipient_id: bot.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const res = await t.request('GET', `/channels/${dm.body.id}/application-command-index`, { auth: member });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(names(res.body), ['dmonly', 'hello']);
    assert.equal(res.body.applications[0].id, app.id);
  });

  it('@me lists nothing for a user who installed no application', async () => {
    const res = await t.request('GET', '/users/@me/application-command-index', { auth: member });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { applications: [], application_commands: [], version: '0' });
  });

  it('refuses an unknown guild (10004) and a stranger (50001)', async () => {
    assertError(await t.request('GET', '/guilds/1/application-command-index', { auth: member }), 404, 10004);
    assertError(await t.request('GET', `/guilds/${guild.id}/application-command-index`, { auth: stranger }), 403, 50001);
    assertError(await t.request('GET', `/channels/${channel.id}/application-command-index`, { auth: stranger }), 403, 50001);
  });
});
