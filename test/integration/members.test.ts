import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { addMember, assertError, giveRole, guildWithMember, setPositions } from './fixtures.guilds.ts';

const KICK_MEMBERS = 1n << 1n;
const MANAGE_NICKNAMES = 1n << 27n;
const MANAGE_ROLES = 1n << 28n;
const MODERATE_MEMBERS = 1n << 40n;
const CHANGE_NICKNAME = 1n << 26n;
const DAY = 24 * 60 * 60 * 1000;

describe('member routes', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('lists members (limit, after) and searches them; strangers get 50001', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const ids = [owner.id, member.id].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const one = await t.request('GET', `/guilds/${guild.id}/members`, { auth: member });
    assert.equal(one.status, 200);
    assert.equal(one.body.length, 1, 'the default limit is 1');
    const all = await t.request('GET', `/guilds/${guild.id}/members?limit=1000`, { auth: member });
    assert.deepEqual(all.body.map((m: any) => m.user.id), ids);
    const after = await t.request('GET', `/guilds/${guild.id}/members?limit=10&after=${ids[0]}`, { auth: member });
    assert.deepEqual(after.body.map((m: any) => m.user.id), [ids[1]]);
    assertError(await t.request('GET', `/guilds/${guild.id}/members?limit=1001`, { auth: member }), 400, 50035);
    const found = await t.request('GET', `/guilds/${guild.id}/members/search?query=${member.username.slice(0, 6)}&limit=10`, { auth: owner });
    assert.ok(found.body.some((m: any) => m.user.id === member.id));
    assertError(await t.request('GET', `/guilds/${guild.id}/members/search?limit=10`, { auth: owner }), 400, 50035);
    const stranger = await t.register();
    assertError(await t.request('GET', `/guilds/${guild.id}/members`, { auth: stranger }), 403, 50001);
    assertError(await t.request('GET', `/guilds/${guild.id}/members/${member.id}`, { auth: stranger }), 403, 50001);
  });

  it('GET /members/{user}: 200; 10007 for a non-member, 50035 for a malformed id', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const res = await t.request('GET', `/guilds/${guild.id}/members/${member.id}`, { auth: owner });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.id, member.id);
    for (const key of ['roles', 'joined_at', 'deaf', 'mute', 'nick', 'communication_disabled_until', 'flags', 'pending']) assert.ok(key in res.body, key);
    const stranger = await t.register();
    assertError(await t.request('GET', `/guilds/${guild.id}/members/${stranger.id}`, { auth: owner }), 404, 10007);
    assertError(await t.request('GET', `/guilds/${guild.id}/members/nope`, { auth: owner }), 400, 50035);
  });

  it('PATCH /members/@me {nick}: own nickname with CHANGE_NICKNAME → GUILD_MEMBER_UPDATE', async () => {
    const { member, guild } = await guildWithMember(t);
    const from = t.events.length;
    const res = await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { nick: 'Nicky' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.nick, 'Nicky');
    const ev = await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => e.d.user.id === member.id, from);
    assert.equal(ev.d.guild_id, guild.id);
    assert.equal(ev.d.nick, 'Nicky');
    assert.deepEqual(ev.d.roles, []);
    assert.equal(typeof ev.d.joined_at, 'string');
    assert.equal((await t.store.members.get(guild.id, member.id))!.nick, 'Nicky');
    const cleared = await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { nick: '' } });
    assert.equal(cleared.body.nick, null);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { nick: 'x'.repeat(33) } }), 400, 50035);
    // Without CHANGE_NICKNAME on @everyone, a plain member cannot rename themselves.
    await t.store.roles.update(guild.id, guild.id, { permissions: (BigInt(guild.roles[0].permissions) & ~CHANGE_NICKNAME).toString() });
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { nick: 'again' } }), 403, 50013);
  });

  it('PATCH another member’s nick needs MANAGE_NICKNAMES and a higher role; the owner’s nick is the owner’s', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const target = await t.register();
    await addMember(t, guild.id, target);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { nick: 'x' } }), 403, 50013);
    await giveRole(t, owner, guild.id, member, MANAGE_NICKNAMES);
    const res = await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { nick: 'renamed' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.nick, 'renamed');
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${owner.id}`, { auth: member, body: { nick: 'boss' } }), 403, 50013);
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/members/${member.id}`, { auth: owner, body: { nick: 'by owner' } })).status, 200);
  });

  it('PATCH roles: MANAGE_ROLES and only roles below the caller’s top role; GUILD_MEMBER_UPDATE with the new roles', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const target = await t.register();
    await addMember(t, guild.id, target);
    const manager = await giveRole(t, owner, guild.id, member, MANAGE_ROLES, 'manager');
    const low = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'low' } })).body;
    const high = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'high' } })).body;
    await setPositions(t, owner, guild.id, [[low.id, 1], [manager.id, 2], [high.id, 3]]);
    const from = t.events.length;
    const res = await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { roles: [low.id] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.roles, [low.id]);
    const ev = await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => e.d.user.id === target.id, from);
    assert.deepEqual(ev.d.roles, [low.id]);
    assert.deepEqual((await t.store.members.get(guild.id, target.id))!.roles, [low.id]);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { roles: [low.id, high.id] } }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { roles: [manager.id] } }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { roles: ['123456789012345678'] } }), 400, 50035);
    const plain = await t.register();
    await addMember(t, guild.id, plain);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: plain, body: { roles: [] } }), 403, 50013);
  });

  it('PUT/DELETE /members/{user}/roles/{role}: 204 with GUILD_MEMBER_UPDATE; hierarchy, unknown role 10011, unknown member 10007', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const role = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'tag' } })).body;
    let from = t.events.length;
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${role.id}`, { auth: owner })).status, 204);
    let ev = await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => e.d.user.id === member.id, from);
    assert.deepEqual(ev.d.roles, [role.id]);
    assert.deepEqual((await t.store.members.get(guild.id, member.id))!.roles, [role.id]);
    from = t.events.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${member.id}/roles/${role.id}`, { auth: owner })).status, 204);
    ev = await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => e.d.user.id === member.id, from);
    assert.deepEqual(ev.d.roles, []);
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/123456789012345678`, { auth: owner }), 404, 10011);
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${guild.id}`, { auth: owner }), 404, 10011);
    const stranger = await t.register();
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${stranger.id}/roles/${role.id}`, { auth: owner }), 404, 10007);
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${role.id}`, { auth: member }), 403, 50013);
  });

  it('timeouts: MODERATE_MEMBERS, at most 28 days, never on the owner or an admin; clearing with null', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const target = await t.register();
    const admin = await t.register();
    await addMember(t, guild.id, target);
    await addMember(t, guild.id, admin);
    const mod = await giveRole(t, owner, guild.id, member, MODERATE_MEMBERS, 'mod');
    const adminRole = await giveRole(t, owner, guild.id, admin, 8n, 'admin');
    await setPositions(t, owner, guild.id, [[adminRole.id, 1], [mod.id, 2]]);
    const until = new Date(Date.now() + DAY).toISOString();
    const from = t.events.length;
    const res = await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { communication_disabled_until: until } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.communication_disabled_until, until);
    const ev = await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => e.d.user.id === target.id, from);
    assert.equal(ev.d.communication_disabled_until, until);
    assert.equal((await t.store.members.get(guild.id, target.id))!.communicationDisabledUntil, Date.parse(until));
    // The timed-out member can no longer act (only view and read history).
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: target, body: { nick: 'muted' } }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { communication_disabled_until: new Date(Date.now() + 29 * DAY).toISOString() } }), 400, 50035);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { communication_disabled_until: 'tomorrow' } }), 400, 50035);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${owner.id}`, { auth: member, body: { communication_disabled_until: until } }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${admin.id}`, { auth: member, body: { communication_disabled_until: until } }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${admin.id}`, { auth: owner, body: { communication_disabled_until: until } }), 403, 50013);
    const cleared = await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { communication_disabled_until: null } });
    assert.equal(cleared.body.communication_disabled_until, null);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: target, body: { communication_disabled_until: until } }), 403, 50013);
  });

  it('mute/deaf need MUTE_MEMBERS/DEAFEN_MEMBERS, then 400 40032: nobody is connected to voice; nothing of the request is written', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${member.id}`, { auth: owner, body: { nick: 'quiet', mute: true, deaf: true } }), 400, 40032);
    const stored = (await t.store.members.get(guild.id, member.id))!;
    assert.equal(stored.mute, false);
    assert.equal(stored.nick, null);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${owner.id}`, { auth: member, body: { mute: true } }), 403, 50013);
  });

  it('flags: only BYPASSES_VERIFICATION is set, by MANAGE_GUILD, MANAGE_ROLES or MODERATE_MEMBERS with KICK and BAN_MEMBERS', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const target = await t.register();
    await addMember(t, guild.id, target);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { flags: 4 } }), 403, 50013);
    await giveRole(t, owner, guild.id, member, (1n << 40n) | KICK_MEMBERS | (1n << 2n), 'moderators');
    const set = await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: member, body: { flags: 4 | 1 | 8 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.flags, 4, 'DID_REJOIN and COMPLETED_ONBOARDING are not the caller\'s to set');
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: owner, body: { flags: 0 } })).body.flags, 0);
  });

  it('kick: KICK_MEMBERS above the target → 204, GUILD_MEMBER_REMOVE; never the owner; 10007 for non-members', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const target = await t.register();
    const peer = await t.register();
    await addMember(t, guild.id, target);
    await addMember(t, guild.id, peer);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/members/${target.id}`, { auth: member }), 403, 50013);
    const kicker = await giveRole(t, owner, guild.id, member, KICK_MEMBERS, 'kicker');
    await t.request('PUT', `/guilds/${guild.id}/members/${peer.id}/roles/${kicker.id}`, { auth: owner });
    assertError(await t.request('DELETE', `/guilds/${guild.id}/members/${peer.id}`, { auth: member }), 403, 50013);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/members/${owner.id}`, { auth: member }), 403, 50013);
    const from = t.events.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${target.id}`, { auth: member })).status, 204);
    const ev = await t.waitForEvent('GUILD_MEMBER_REMOVE', (e) => e.d.user.id === target.id, from);
    assert.deepEqual(Object.keys(ev.d).sort(), ['guild_id', 'user']);
    assert.equal(ev.d.guild_id, guild.id);
    assert.equal(await t.store.members.get(guild.id, target.id), null);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/members/${target.id}`, { auth: member }), 404, 10007);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${peer.id}`, { auth: owner })).status, 204);
  });
});
