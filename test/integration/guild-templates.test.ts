/**
 * Guild templates over REST (api/routes/guild-templates.ts), on SQLite and PostgreSQL: create (one per guild,
 * 30031), Discord's shape with the serialized guild and placeholder ids, is_dirty until synced, modify, use (a new
 * guild with the roles, channels, categories, overwrites and system channel of the snapshot, owned by the caller,
 * with its GUILD_CREATE; usage_count counts), delete; MANAGE_GUILD for the guild's routes, 10057 for an unknown
 * code. Also POST /guilds with channels' permission_overwrites naming role placeholders.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { addMember, assertError } from './fixtures.guilds.ts';

const VIEW_CHANNEL = 1n << 10n;
const SEND_MESSAGES = 1n << 11n;

for (const backend of ['sqlite', 'postgres'] as const) describe(`guild templates (${backend})`, { skip: backend === 'postgres' ? await serviceSkip('postgres') : false }, () => {
  let t: TestServer;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  let guild: any;

  before(async () => {
    if (backend === 'postgres') {
      fresh = await freshPostgresStore();
      await fresh.store.migrate();
    }
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, fresh ? { store: fresh.store } : {});
    owner = await t.register();
    member = await t.register();
    stranger = await t.register();
    // A guild made with POST /guilds' placeholders: roles, a category with a private channel in it.
    const res = await t.request('POST', '/guilds', {
      auth: owner,
      body: {
        name: 'Template Source',
        roles: [{ id: 0, permissions: String(VIEW_CHANNEL | SEND_MESSAGES) }, { id: 1, name: 'Staff', color: 0x3498db, hoist: true, permissions: String(1n << 13n) }],
        channels: [
          { id: 10, name: 'Staff Area', type: 4 },
          { id: 11, name: 'staff-chat', type: 0, parent_id: 10, topic: 'Staff only', permission_overwrites: [{ id: 0, type: 0, deny: String(VIEW_CHANNEL) }, { id: 1, type: 0, allow: String(VIEW_CHANNEL) }] },
          { id: 12, name: 'welcome', type: 0, rate_limit_per_user: 10 },
          { id: 13, name: 'Lounge', type: 2, user_limit: 5 },
        ],
        system_channel_id: 12,
        system_channel_flags: 1,
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    guild = res.body;
    await addMember(t, guild.id, member);
  });
  after(async () => {
    await t.close();
    await fresh?.drop();
  });

  const channelsOf = async (auth: TestUser, guildId: string) => (await t.request('GET', `/guilds/${guildId}/channels`, { auth })).body as any[];

  test('POST /guilds creates channels\' overwrites for role placeholders, and refuses an unknown one', async () => {
    const channels = await channelsOf(owner, guild.id);
    const staffChat = channels.find((c) => c.name === 'staff-chat');
    const staff = guild.roles.find((r: any) => r.name === 'Staff');
    assert.deepEqual(
      staffChat.permission_overwrites.map((o: any) => [o.id, o.type, o.allow, o.deny]).sort(),
      [[guild.id, 0, '0', String(VIEW_CHANNEL)], [staff.id, 0, String(VIEW_CHANNEL), '0']].sort(),
    );
    assert.equal(staffChat.parent_id, channels.find((c) => c.name === 'Staff Area').id);
    const bad = await t.request('POST', '/guilds', { auth: owner, body: { name: 'Bad', roles: [{ id: 0 }], channels: [{ id: 1, name: 'x', type: 0, permission_overwrites: [{ id: 9, type: 0 }] }] } });
    assertError(bad, 400, 50035);
    assert.ok(bad.body.errors.channels['0'].permission_overwrites['0'].id);
  });

  test('create a template with Discord\'s shape; one per guild; managers only; dirty until synced', async () => {
    assertError(await t.request('POST', `/guilds/${guild.id}/templates`, { auth: member, body: { name: 'Mine' } }), 403, 50013);
    assertError(await t.request('POST', `/guilds/${guild.id}/templates`, { auth: owner, body: { name: '' } }), 400, 50035);
    const res = await t.request('POST', `/guilds/${guild.id}/templates`, { auth: owner, body: { name: 'Community kit', description: 'Roles and channels' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const tpl = res.body;
    assert.match(tpl.code, /^[A-Za-z0-9]{12}$/);
    assert.deepEqual(
      [tpl.name, tpl.description, tpl.usage_count, tpl.creator_id, tpl.creator.id, tpl.source_guild_id, tpl.is_dirty],
      ['Community kit', 'Roles and channels', 0, owner.id, owner.id, guild.id, null],
    );
    assert.ok(Date.parse(tpl.created_at) > 0 && tpl.updated_at === tpl.created_at);
    const s = tpl.serialized_source_guild;
    assert.equal(s.name, 'Template Source');
    assert.deepEqual(s.roles.map((r: any) => [r.id, r.name]), [[0, '@everyone'], [1, 'Staff']]);
    assert.deepEqual(s.channels.map((c: any) => [c.id, c.name, c.type, c.parent_id]), [[1, 'Staff Area', 4, null], [2, 'staff-chat', 0, 1], [3, 'welcome', 0, null], [4, 'Lounge', 2, null]]);
    assert.deepEqual(s.channels[1].permission_overwrites.map((o: any) => o.id).sort(), [0, 1]);
    assert.equal(s.system_channel_id, 3);
    assert.equal(s.system_channel_flags, 1);
    assertError(await t.request('POST', `/guilds/${guild.id}/templates`, { auth: owner, body: { name: 'Second' } }), 400, 30031);

    // Anyone signed in reads it by code; a guild manager lists it.
    assert.equal((await t.request('GET', `/guilds/templates/${tpl.code}`, { auth: stranger })).body.name, 'Community kit');
    assertError(await t.request('GET', '/guilds/templates/nope', { auth: stranger }), 404, 10057);
    assert.deepEqual(((await t.request('GET', `/guilds/${guild.id}/templates`, { auth: owner })).body as any[]).map((x) => x.code), [tpl.code]);
    assertError(await t.request('GET', `/guilds/${guild.id}/templates`, { auth: member }), 403, 50013);

    // A change makes it dirty; syncing takes the change in.
    await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'announcements', type: 0 } });
    assert.equal((await t.request('GET', `/guilds/templates/${tpl.code}`, { auth: owner })).body.is_dirty, true);
    const synced = await t.request('PUT', `/guilds/${guild.id}/templates/${tpl.code}`, { auth: owner });
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.equal(synced.body.is_dirty, null);
    assert.ok(synced.body.serialized_source_guild.channels.some((c: any) => c.name === 'announcements'));
    const renamed = await t.request('PATCH', `/guilds/${guild.id}/templates/${tpl.code}`, { auth: owner, body: { name: 'Kit', description: null } });
    assert.deepEqual([renamed.body.name, renamed.body.description], ['Kit', null]);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/templates/${tpl.code}`, { auth: owner, body: { description: 'x'.repeat(121) } }), 400, 50035);
  });

  test('a guild made from the template has its roles, channels, overwrites and system channel, and counts a use', async () => {
    const [tpl] = (await t.request('GET', `/guilds/${guild.id}/templates`, { auth: owner })).body as any[];
    const from = t.events.length;
    const res = await t.request('POST', `/guilds/templates/${tpl.code}`, { auth: stranger, body: { name: 'My Copy' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const copy = res.body;
    assert.equal(copy.name, 'My Copy');
    assert.equal(copy.owner_id, stranger.id);
    assert.notEqual(copy.id, guild.id);
    assert.deepEqual(copy.roles.map((r: any) => r.name).sort(), ['@everyone', 'Staff']);
    const staff = copy.roles.find((r: any) => r.name === 'Staff');
    assert.deepEqual([staff.color, staff.hoist, staff.permissions], [0x3498db, true, String(1n << 13n)]);
    assert.equal(copy.roles.find((r: any) => r.name === '@everyone').permissions, String(VIEW_CHANNEL | SEND_MESSAGES));
    const channels = await channelsOf(stranger, copy.id);
    const byName = (n: string) => channels.find((c) => c.name === n);
    assert.deepEqual(channels.map((c) => c.name).sort(), ['Lounge', 'Staff Area', 'announcements', 'staff-chat', 'welcome']);
    assert.equal(byName('staff-chat').parent_id, byName('Staff Area').id);
    assert.equal(byName('staff-chat').topic, 'Staff only');
    assert.equal(byName('welcome').rate_limit_per_user, 10);
    assert.equal(byName('Lounge').user_limit, 5);
    assert.deepEqual(
      byName('staff-chat').permission_overwrites.map((o: any) => [o.id, o.allow, o.deny]).sort(),
      [[copy.id, '0', String(VIEW_CHANNEL)], [staff.id, String(VIEW_CHANNEL), '0']].sort(),
    );
    const full = (await t.request('GET', `/guilds/${copy.id}`, { auth: stranger })).body;
    assert.equal(full.system_channel_id, byName('welcome').id);
    assert.equal(full.system_channel_flags, 1);
    await t.waitForEvent('GUILD_CREATE', (e) => e.d.id === copy.id, from);
    assert.equal((await t.request('GET', `/guilds/templates/${tpl.code}`, { auth: owner })).body.usage_count, 1);
    assertError(await t.request('POST', `/guilds/templates/${tpl.code}`, { auth: stranger, body: { name: 'x' } }), 400, 50035);
  });

  test('delete answers the template; then it is unknown', async () => {
    const [tpl] = (await t.request('GET', `/guilds/${guild.id}/templates`, { auth: owner })).body as any[];
    assertError(await t.request('DELETE', `/guilds/${guild.id}/templates/${tpl.code}`, { auth: member }), 403, 50013);
    const res = await t.request('DELETE', `/guilds/${guild.id}/templates/${tpl.code}`, { auth: owner });
    assert.equal(res.status, 200);
    assert.equal(res.body.code, tpl.code);
    assertError(await t.request('GET', `/guilds/templates/${tpl.code}`, { auth: owner }), 404, 10057);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/templates/${tpl.code}`, { auth: owner }), 404, 10057);
    assert.equal((await t.request('POST', `/guilds/${guild.id}/templates`, { auth: owner, body: { name: 'Again' } })).status, 200, 'a new one may be made');
  });
});
