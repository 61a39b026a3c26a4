import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, giveRole, guildWithMember, makeBot, setPositions } from './fixtures.guilds.ts';

const MANAGE_ROLES = 1n << 28n;
const KICK_MEMBERS = 1n << 1n;
const BAN_MEMBERS = 1n << 2n;

describe('role routes', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('GET /guilds/{id}/roles and /roles/{role}: members only; 10011 for unknown roles', async () => {
    const { member, guild } = await guildWithMember(t);
    const list = await t.request('GET', `/guilds/${guild.id}/roles`, { auth: member });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.map((r: any) => r.id), [guild.id]);
    const one = await t.request('GET', `/guilds/${guild.id}/roles/${guild.id}`, { auth: member });
    assert.equal(one.body.name, '@everyone');
    assertError(await t.request('GET', `/guilds/${guild.id}/roles/123456789012345678`, { auth: member }), 404, 10011);
    assertError(await t.request('GET', `/guilds/${guild.id}/roles`, { auth: await t.register() }), 403, 50001);
  });

  it('POST creates a role (200, GUILD_ROLE_CREATE {guild_id, role}); defaults to @everyone’s permissions', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    assertError(await t.request('POST', `/guilds/${guild.id}/roles`, { auth: member, body: { name: 'x' } }), 403, 50013);
    const from = t.events.length;
    const res = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'Mods', color: 0x00ff00, hoist: true, mentionable: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'Mods');
    assert.equal(res.body.color, 0x00ff00);
    assert.equal(res.body.permissions, guild.roles[0].permissions);
    assert.equal(res.body.managed, false);
    assert.equal(res.body.position, 1);
    const ev = await t.waitForEvent('GUILD_ROLE_CREATE', (e) => e.d.guild_id === guild.id, from);
    assert.deepEqual(ev.d, { guild_id: guild.id, role: res.body });
    assert.equal((await t.store.roles.get(guild.id, res.body.id))!.hoist, true);
    const empty = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner });
    assert.equal(empty.body.name, 'new role');
    assertError(await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { permissions: 'lots' } }), 400, 50035);
    assertError(await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { color: 0x1000000 } }), 400, 50035);
  });

  it('what permission checks read is kept in memory, and a permission taken away is refused by the very next request', async () => {
    const reads = async () => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const of = (result: string) => Number(new RegExp(`^accord_access_cache_reads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
      return { hit: of('hit'), miss: of('miss') };
    };
    const { owner, member, guild } = await guildWithMember(t);
    const role = await giveRole(t, owner, guild.id, member, BAN_MEMBERS, 'banners');
    assert.equal((await t.request('GET', `/guilds/${guild.id}/bans`, { auth: member })).status, 200);
    const before = await reads();
    assert.equal((await t.request('GET', `/guilds/${guild.id}/bans`, { auth: member })).status, 200);
    const warm = await reads();
    assert.deepEqual([warm.hit - before.hit, warm.miss - before.miss], [3, 0], 'the guild, its roles and the member from memory');
    // The role loses the bit: refused at once.
    const patched = await t.request('PATCH', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner, body: { permissions: '0' } });
    assert.equal(patched.status, 200);
    assertError(await t.request('GET', `/guilds/${guild.id}/bans`, { auth: member }), 403, 50013);
    // The bit back, then the role taken from the member: refused at once.
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner, body: { permissions: BAN_MEMBERS.toString() } })).status, 200);
    assert.equal((await t.request('GET', `/guilds/${guild.id}/bans`, { auth: member })).status, 200);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${member.id}/roles/${role.id}`, { auth: owner })).status, 204);
    assertError(await t.request('GET', `/guilds/${guild.id}/bans`, { auth: member }), 403, 50013);
    // A channel hidden from @everyone by an overwrite: its messages are refused at once.
    const channelId = guild.channels?.[0]?.id ?? (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body[0].id;
    assert.equal((await t.request('GET', `/channels/${channelId}/messages`, { auth: member })).status, 200);
    const hide = await t.request('PUT', `/channels/${channelId}/permissions/${guild.id}`, { auth: owner, body: { type: 0, allow: '0', deny: (1n << 10n).toString() } });
    assert.equal(hide.status, 204);
    assertError(await t.request('GET', `/channels/${channelId}/messages`, { auth: member }), 403, 50001);
    // Kicked: no longer a member at the next request.
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${member.id}`, { auth: owner })).status, 204);
    assertError(await t.request('GET', `/guilds/${guild.id}/roles`, { auth: member }), 403, 50001);
  });

  it('a manager cannot grant bits they lack, nor manage roles at or above their top role', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const mine = await giveRole(t, owner, guild.id, member, MANAGE_ROLES | KICK_MEMBERS, 'manager');
    const high = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'high' } })).body;
    await setPositions(t, owner, guild.id, [[mine.id, 2], [high.id, 3]]);
    assertError(await t.request('POST', `/guilds/${guild.id}/roles`, { auth: member, body: { permissions: BAN_MEMBERS.toString() } }), 403, 50013);
    const ok = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: member, body: { name: 'kickers', permissions: KICK_MEMBERS.toString() } });
    assert.equal(ok.status, 200);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles/${high.id}`, { auth: member, body: { name: 'mine now' } }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles/${mine.id}`, { auth: member, body: { name: 'same level' } }), 403, 50013);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/roles/${high.id}`, { auth: member }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles/${ok.body.id}`, { auth: member, body: { permissions: (KICK_MEMBERS | BAN_MEMBERS).toString() } }), 403, 50013);
    // Moving a lower role past the caller's own is refused; to the same position it stays beneath (the older
    // role ranks higher among equals), so that is allowed.
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: member, body: [{ id: ok.body.id, position: 3 }] }), 403, 50013);
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: member, body: [{ id: ok.body.id, position: 2 }] })).status, 200);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles/${ok.body.id}`, { auth: member, body: { permissions: (KICK_MEMBERS | BAN_MEMBERS).toString() } }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: member, body: [{ id: high.id, position: 1 }] }), 403, 50013);
    // Admins may grant anything.
    const admin = await t.register();
    await t.store.members.add({ guildId: guild.id, userId: admin.id, nick: null, avatar: null, roles: [], joinedAt: Date.now(), deaf: false, mute: false, pending: false, communicationDisabledUntil: null, flags: 0 });
    const adminRole = await giveRole(t, owner, guild.id, admin, 8n, 'admin');
    await setPositions(t, owner, guild.id, [[adminRole.id, 5]]);
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${ok.body.id}`, { auth: admin, body: { permissions: (1n << 40n).toString() } })).status, 200);
  });

  it('PATCH /roles/{role}: 200, GUILD_ROLE_UPDATE, stored; @everyone keeps its name', async () => {
    const { owner, guild } = await guildWithMember(t);
    const role = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'old' } })).body;
    const from = t.events.length;
    const res = await t.request('PATCH', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner, body: { name: 'new', permissions: '2', mentionable: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const ev = await t.waitForEvent('GUILD_ROLE_UPDATE', (e) => e.d.role.id === role.id, from);
    assert.deepEqual(ev.d, { guild_id: guild.id, role: res.body });
    const stored = await t.store.roles.get(guild.id, role.id);
    assert.equal(stored!.name, 'new');
    assert.equal(stored!.permissions, '2');
    // "All parameters to this endpoint are optional and nullable": null leaves a field as it is.
    const nulls = await t.request('PATCH', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner, body: { name: null, permissions: null, color: null, hoist: null, mentionable: null } });
    assert.equal(nulls.status, 200, JSON.stringify(nulls.body));
    assert.equal(nulls.body.name, 'new');
    assert.equal(nulls.body.permissions, '2');
    assert.equal(nulls.body.mentionable, true);
    const everyone = await t.request('PATCH', `/guilds/${guild.id}/roles/${guild.id}`, { auth: owner, body: { name: 'renamed', permissions: '1024' } });
    assert.equal(everyone.body.name, '@everyone');
    assert.equal(everyone.body.permissions, '1024');
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles/123456789012345678`, { auth: owner, body: {} }), 404, 10011);
  });

  it('role colors: a gradient (secondary_color), the holographic style enforced by any tertiary_color, `color` setting the primary alone', async () => {
    const { owner, guild } = await guildWithMember(t);
    const made = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'sunset', colors: { primary_color: 0xff7a00, secondary_color: 0x8a2be2 } } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.color, 0xff7a00);
    assert.deepEqual(made.body.colors, { primary_color: 0xff7a00, secondary_color: 0x8a2be2, tertiary_color: null });
    const listed = (await t.request('GET', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner })).body;
    assert.deepEqual(listed.colors, made.body.colors);
    // The legacy field changes the primary color and keeps the gradient.
    const legacy = await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { color: 0x00ff00 } });
    assert.deepEqual(legacy.body.colors, { primary_color: 0x00ff00, secondary_color: 0x8a2be2, tertiary_color: null });
    // Any tertiary color makes it holographic, with Discord's three values.
    const from = t.events.length;
    const holo = await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { colors: { primary_color: 1, secondary_color: 2, tertiary_color: 3 } } });
    assert.deepEqual(holo.body.colors, { primary_color: 11127295, secondary_color: 16759788, tertiary_color: 16761760 });
    assert.equal(holo.body.color, 11127295);
    const ev = await t.waitForEvent('GUILD_ROLE_UPDATE', (e) => e.d.role.id === made.body.id, from);
    assert.deepEqual(ev.d.role.colors, holo.body.colors);
    // A colors object replaces all three: a single color again.
    const solid = await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { colors: { primary_color: 0x123456 } } });
    assert.deepEqual(solid.body.colors, { primary_color: 0x123456, secondary_color: null, tertiary_color: null });
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { colors: { primary_color: 0x1000000 } } }), 400, 50035);
  });

  it('GET /roles/member-counts: every role but @everyone with how many members hold it, 0 for none; members only', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const third = await t.register();
    await t.join(owner, guild.id, third);
    const made = async (name: string) => (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name } })).body;
    const [crew, lead, empty] = [await made('crew'), await made('lead'), await made('empty')];
    for (const [who, role] of [[member, crew], [third, crew], [third, lead]] as const) {
      assert.equal((await t.request('PUT', `/guilds/${guild.id}/members/${who.id}/roles/${role.id}`, { auth: owner })).status, 204);
    }
    const res = await t.request('GET', `/guilds/${guild.id}/roles/member-counts`, { auth: member });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { [crew.id]: 2, [lead.id]: 1, [empty.id]: 0 });
    assert.equal(res.body[guild.id], undefined, 'not @everyone');
    // Taken away, the count follows.
    await t.request('DELETE', `/guilds/${guild.id}/members/${third.id}/roles/${crew.id}`, { auth: owner });
    assert.equal((await t.request('GET', `/guilds/${guild.id}/roles/member-counts`, { auth: owner })).body[crew.id], 1);
    const stranger = await t.register();
    assertError(await t.request('GET', `/guilds/${guild.id}/roles/member-counts`, { auth: stranger }), 403, 50001);
  });

  it('unicode_emoji: one standard emoji, kept fully qualified; anything else 50035; null or empty clears it', async () => {
    const { owner, guild } = await guildWithMember(t);
    const made = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'hearts', unicode_emoji: '❤' } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.unicode_emoji, '❤️');
    for (const bad of ['hello', '👍👍', '<:custom:123456789012345678>']) {
      const res = await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { unicode_emoji: bad } });
      assertError(res, 400, 50035);
      assert.ok(res.body.errors.unicode_emoji, JSON.stringify(res.body));
    }
    assertError(await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'x', unicode_emoji: 'nope' } }), 400, 50035);
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { unicode_emoji: '🎉' } })).body.unicode_emoji, '🎉');
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { unicode_emoji: '' } })).body.unicode_emoji, null);
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { unicode_emoji: '🎉' } })).body.unicode_emoji, '🎉');
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: owner, body: { unicode_emoji: null } })).body.unicode_emoji, null);
  });

  it('PATCH /roles reorders: returns all roles, GUILD_ROLE_UPDATE per moved role', async () => {
    const { owner, guild } = await guildWithMember(t);
    const a = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'a' } })).body;
    const b = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'b' } })).body;
    const from = t.events.length;
    const res = await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: owner, body: [{ id: a.id, position: 2 }, { id: b.id, position: 1 }] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.length, 3);
    assert.equal(res.body.find((r: any) => r.id === a.id).position, 2);
    const ev = await t.waitForEvent('GUILD_ROLE_UPDATE', (e) => e.d.role.id === a.id, from);
    assert.equal(ev.d.role.position, 2);
    assert.equal((await t.store.roles.get(guild.id, a.id))!.position, 2);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: owner, body: [{ id: '123456789012345678', position: 1 }] }), 400, 50035);
  });

  it('DELETE: 204, GUILD_ROLE_DELETE {guild_id, role_id}, removed from members; @everyone and managed roles refused (400 50028)', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const role = await giveRole(t, owner, guild.id, member, 0n, 'temp');
    const from = t.events.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner })).status, 204);
    const ev = await t.waitForEvent('GUILD_ROLE_DELETE', (e) => e.d.role_id === role.id, from);
    assert.deepEqual(ev.d, { guild_id: guild.id, role_id: role.id });
    assert.equal(await t.store.roles.get(guild.id, role.id), null);
    assert.deepEqual((await t.store.members.get(guild.id, member.id))!.roles, []);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner }), 404, 10011);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/roles/${guild.id}`, { auth: owner }), 400, 50028);

    const { app } = await makeBot(t, owner, 'Managed');
    await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, permissions: '1024', authorize: true } });
    const managed = (await t.store.roles.listByGuild(guild.id)).find((r) => r.managed)!;
    assertError(await t.request('DELETE', `/guilds/${guild.id}/roles/${managed.id}`, { auth: owner }), 400, 50028);
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${managed.id}`, { auth: owner }), 403, 50013);
  });

  it('roles sharing a position rank by id: a bot manages the role it just created, and may renumber every role as discord.js does', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    // A role made before the bot joined ranks above the bot's own at the same position.
    const older = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'older' } })).body;
    const { app, bot } = await makeBot(t, owner, 'Role Maker');
    const authorized = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, permissions: MANAGE_ROLES.toString(), authorize: true } });
    assert.ok(authorized.status < 300, JSON.stringify(authorized.body));
    const managed = (await t.store.roles.listByGuild(guild.id)).find((r) => r.managed)!;
    // Both at position 1, as new roles are; the bot's own role is the older, so it ranks above.
    const made = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: bot.auth, body: { name: 'made by bot' } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.position, managed.position);
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${made.body.id}`, { auth: bot.auth })).status, 204);
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: bot.auth, body: { name: 'renamed by bot' } })).status, 200);
    const newest = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: bot.auth, body: { name: 'newest' } })).body;
    // discord.js's setPosition sends every role with its index in the hierarchy: the bot's role and those above
    // keep their order, only `newest` moves (up past `made`), so it is allowed.
    const current = (await t.request('GET', `/guilds/${guild.id}/roles`, { auth: bot.auth })).body as any[];
    const order = current.filter((r) => r.id !== guild.id).sort((a, b) => a.position - b.position || (BigInt(b.id) < BigInt(a.id) ? -1 : 1)).map((r) => r.id);
    assert.deepEqual(order, [newest.id, made.body.id, managed.id, older.id]);
    const reordered = [made.body.id, newest.id, managed.id, older.id].map((id, i) => ({ id, position: i + 1 }));
    const res = await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: bot.auth, body: [{ id: guild.id, position: 0 }, ...reordered] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // Moving its own role, or one past it, is not.
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: bot.auth, body: [{ id: newest.id, position: 9 }] }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/roles/${older.id}`, { auth: bot.auth, body: { name: 'not yours' } }), 403, 50013);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/roles/${made.body.id}`, { auth: bot.auth })).status, 204);
  });

  it('refuses the 251st role with 30005', async () => {
    const { owner, guild } = await guildWithMember(t);
    for (let i = 1; i < 250; i++) {
      await t.store.roles.create({
        id: (BigInt(guild.id) + BigInt(i)).toString(), guildId: guild.id, name: `r${i}`, color: 0, hoist: false, position: 1, permissions: '0',
        managed: false, mentionable: false, icon: null, unicodeEmoji: null, botId: null, flags: 0,
      });
    }
    assertError(await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'one too many' } }), 400, 30005);
  });
});
