/**
 * The guild audit log over real HTTP and the gateway: entries recorded by kicks, bans (with the
 * X-Audit-Log-Reason header), unbans, role updates, channel overwrites, member role changes and a moderator's
 * message delete; Discord's filters and paging; 403 without VIEW_AUDIT_LOG; retention; and
 * GUILD_AUDIT_LOG_ENTRY_CREATE reaching a moderator's session but not a plain member's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewaySessions } from './gateway-client.ts';
import { addMember, assertError, giveRole, guildWithMember, makeBot } from './fixtures.guilds.ts';
import { Intents } from '../../src/protocol/intents.ts';

const VIEW_AUDIT_LOG = 1n << 7n;
const KICK_MEMBERS = 1n << 1n;
const MANAGE_MESSAGES = 1n << 13n;

describe('guild audit log', () => {
  let t: TestServer;
  const sessions = new GatewaySessions(() => t.url);
  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
  });

  const online = (user: TestUser, extra: Record<string, unknown> = {}) => sessions.online(user, extra);
  const log = (guildId: string, who: TestUser, query = '') => t.request('GET', `/guilds/${guildId}/audit-logs${query}`, { auth: who });

  it('records a kick, a ban with its reason header, and an unban; the response has Discord\'s shape', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const other = await t.register();
    await addMember(t, guild.id, other);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${member.id}`, { auth: owner, headers: { 'X-Audit-Log-Reason': encodeURIComponent('too loud') } })).status, 204);
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/bans/${other.id}`, {
      auth: owner, body: { delete_message_seconds: 0 }, headers: { 'X-Audit-Log-Reason': encodeURIComponent('spam & abuse ✓') },
    })).status, 204);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/bans/${other.id}`, { auth: owner })).status, 204);

    const res = await log(guild.id, owner);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), [
      'application_commands', 'audit_log_entries', 'auto_moderation_rules', 'guild_scheduled_events', 'integrations', 'threads', 'users', 'webhooks',
    ]);
    const [unban, ban, kick] = res.body.audit_log_entries;
    assert.equal(unban.action_type, 23);
    assert.equal(unban.target_id, other.id);
    assert.equal(unban.user_id, owner.id);
    assert.equal('reason' in unban, false);
    assert.equal(ban.action_type, 22);
    assert.equal(ban.target_id, other.id);
    assert.equal(ban.reason, 'spam & abuse ✓');
    assert.equal(kick.action_type, 20);
    assert.equal(kick.target_id, member.id);
    assert.equal(kick.reason, 'too loud');
    assert.ok(BigInt(unban.id) > BigInt(ban.id) && BigInt(ban.id) > BigInt(kick.id), 'newest first');
    const userIds = res.body.users.map((u: any) => u.id).sort();
    assert.deepEqual(userIds, [owner.id, member.id, other.id].sort());
    // The ban keeps its reason as before.
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/bans/${other.id}`, { auth: owner, headers: { 'X-Audit-Log-Reason': 'again' } })).status, 204);
    assert.equal((await t.request('GET', `/guilds/${guild.id}/bans/${other.id}`, { auth: owner })).body.reason, 'again');
  });

  it('records role updates, member role changes, channel overwrites and a moderator\'s message delete with changes', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const role = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'Helpers', permissions: '0' } });
    assert.equal(role.status, 200);
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${role.body.id}`, { auth: owner, body: { name: 'Mods', permissions: MANAGE_MESSAGES.toString() } })).status, 200);
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${role.body.id}`, { auth: owner })).status, 204);
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/members/${member.id}`, { auth: owner, body: { nick: 'Nicky' } })).status, 200);
    const channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    assert.equal((await t.request('PUT', `/channels/${channel.id}/permissions/${role.body.id}`, { auth: owner, body: { type: 0, allow: '1024', deny: '2048' } })).status, 204);
    assert.equal((await t.request('PUT', `/channels/${channel.id}/permissions/${role.body.id}`, { auth: owner, body: { type: 0, allow: '1024', deny: '0' } })).status, 204);
    assert.equal((await t.request('DELETE', `/channels/${channel.id}/permissions/${role.body.id}`, { auth: owner })).status, 204);
    const sent = await t.request('POST', `/channels/${channel.id}/messages`, { auth: owner, body: { content: 'owner speaks' } });
    const own = await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { content: 'mine' } });
    assert.equal((await t.request('DELETE', `/channels/${channel.id}/messages/${sent.body.id}`, { auth: member, headers: { 'X-Audit-Log-Reason': 'off topic' } })).status, 204);
    assert.equal((await t.request('DELETE', `/channels/${channel.id}/messages/${own.body.id}`, { auth: member })).status, 204);

    const entries = (await log(guild.id, owner)).body.audit_log_entries as any[];
    const of = (type: number) => entries.filter((e) => e.action_type === type);
    const create = of(30)[0];
    assert.equal(create.target_id, role.body.id);
    assert.deepEqual(create.changes.find((c: any) => c.key === 'name'), { key: 'name', new_value: 'Helpers' });
    const update = of(31)[0];
    assert.deepEqual(update.changes.find((c: any) => c.key === 'name'), { key: 'name', old_value: 'Helpers', new_value: 'Mods' });
    assert.deepEqual(update.changes.find((c: any) => c.key === 'permissions'), { key: 'permissions', old_value: '0', new_value: MANAGE_MESSAGES.toString() });
    const roles = of(25)[0];
    assert.equal(roles.target_id, member.id);
    assert.deepEqual(roles.changes, [{ key: '$add', new_value: [{ id: role.body.id, name: 'Mods' }] }]);
    assert.deepEqual(of(24)[0].changes, [{ key: 'nick', new_value: 'Nicky' }]);
    const [owDelete] = of(15);
    const [owUpdate] = of(14);
    const [owCreate] = of(13);
    assert.equal(owCreate.target_id, channel.id);
    assert.deepEqual(owCreate.options, { id: role.body.id, type: '0', role_name: 'Mods' });
    assert.deepEqual(owCreate.changes.filter((c: any) => c.key === 'allow' || c.key === 'deny'), [{ key: 'allow', new_value: '1024' }, { key: 'deny', new_value: '2048' }]);
    assert.deepEqual(owUpdate.changes, [{ key: 'deny', old_value: '2048', new_value: '0' }]);
    assert.deepEqual(owDelete.options, { id: role.body.id, type: '0', role_name: 'Mods' });
    const deletes = of(72);
    assert.equal(deletes.length, 1, 'deleting one\'s own message is not logged');
    assert.equal(deletes[0].target_id, owner.id);
    assert.equal(deletes[0].user_id, member.id);
    assert.deepEqual(deletes[0].options, { channel_id: channel.id, count: '1' });
    assert.equal(deletes[0].reason, 'off topic');
  });

  it('filters by user_id and action_type, pages with before / after and limit, validates the query', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    await giveRole(t, owner, guild.id, member, KICK_MEMBERS | VIEW_AUDIT_LOG, 'Kicker');
    const targets: TestUser[] = [];
    for (let i = 0; i < 4; i++) {
      const u = await t.register();
      await addMember(t, guild.id, u);
      targets.push(u);
    }
    for (const u of targets.slice(0, 2)) assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${u.id}`, { auth: member })).status, 204);
    for (const u of targets.slice(2)) assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${u.id}`, { auth: owner })).status, 204);

    const kicks = (await log(guild.id, member, '?action_type=20')).body.audit_log_entries as any[];
    assert.deepEqual(kicks.map((e) => e.target_id), targets.map((u) => u.id).reverse());
    const byMember = (await log(guild.id, owner, `?user_id=${member.id}&action_type=20`)).body.audit_log_entries as any[];
    assert.deepEqual(byMember.map((e) => e.target_id), [targets[1]!.id, targets[0]!.id]);
    const all = (await log(guild.id, owner)).body.audit_log_entries as any[];
    assert.ok(all.some((e) => e.action_type === 30) && all.some((e) => e.action_type === 25), 'role create and role add recorded too');

    const first = (await log(guild.id, owner, '?action_type=20&limit=2')).body.audit_log_entries as any[];
    assert.deepEqual(first.map((e) => e.target_id), [targets[3]!.id, targets[2]!.id]);
    const next = (await log(guild.id, owner, `?action_type=20&limit=2&before=${first[1].id}`)).body.audit_log_entries as any[];
    assert.deepEqual(next.map((e) => e.target_id), [targets[1]!.id, targets[0]!.id]);
    const forward = (await log(guild.id, owner, `?action_type=20&limit=2&after=${kicks[3].id}`)).body.audit_log_entries as any[];
    assert.deepEqual(forward.map((e) => e.target_id), [targets[1]!.id, targets[2]!.id], 'after alone: oldest first');
    assertError(await log(guild.id, owner, '?limit=101'), 400, 50035);
    assertError(await log(guild.id, owner, '?limit=0'), 400, 50035);
    assertError(await log(guild.id, owner, '?user_id=abc'), 400, 50035);
  });

  it('needs VIEW_AUDIT_LOG (50013), membership (50001), a known guild (10004); old entries are not returned', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    assertError(await log(guild.id, member), 403, 50013);
    assertError(await log(guild.id, await t.register()), 403, 50001);
    assertError(await log('123456789012345678', owner), 404, 10004);
    const old = Date.now() - 46 * 24 * 3600 * 1000;
    const oldId = ((BigInt(old) - 1420070400000n) << 22n).toString();
    await t.store.auditLog.create({ id: oldId, guildId: guild.id, userId: owner.id, targetId: member.id, actionType: 20, changes: null, options: null, reason: 'ancient', createdAt: old });
    const res = await log(guild.id, owner);
    assert.equal(res.body.audit_log_entries.some((e: any) => e.id === oldId), false);
    assert.equal(await t.store.auditLog.prune(Date.now() - 45 * 24 * 3600 * 1000), 1);
  });

  it('GUILD_AUDIT_LOG_ENTRY_CREATE reaches a moderator\'s session but not a plain member\'s', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const mod = await t.register();
    await addMember(t, guild.id, mod);
    await giveRole(t, owner, guild.id, mod, VIEW_AUDIT_LOG, 'Auditor');
    const victim = await t.register();
    await addMember(t, guild.id, victim);
    const modSocket = await online(mod);
    const memberSocket = await online(member);
    const modFrom = modSocket.payloads.length;
    const memberFrom = memberSocket.payloads.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${victim.id}`, { auth: owner, headers: { 'X-Audit-Log-Reason': 'bye' } })).status, 204);
    const event = await modSocket.waitForDispatch('GUILD_AUDIT_LOG_ENTRY_CREATE', (d) => d.action_type === 20, 5000, modFrom);
    assert.equal(event.d.guild_id, guild.id);
    assert.equal(event.d.target_id, victim.id);
    assert.equal(event.d.user_id, owner.id);
    assert.equal(event.d.reason, 'bye');
    // The plain member saw the GUILD_MEMBER_REMOVE but no audit entry.
    await memberSocket.waitForDispatch('GUILD_MEMBER_REMOVE', (d) => d.user.id === victim.id, 5000, memberFrom);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(memberSocket.payloads.slice(memberFrom).filter((p) => p.t === 'GUILD_AUDIT_LOG_ENTRY_CREATE').length, 0);
  });

  it('bots with VIEW_AUDIT_LOG get GUILD_AUDIT_LOG_ENTRY_CREATE only with the GUILD_MODERATION intent', async () => {
    const { owner, guild } = await guildWithMember(t);
    const { bot, app } = await makeBot(t, owner, 'Audit Bot');
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, {
      auth: owner, body: { guild_id: guild.id, permissions: VIEW_AUDIT_LOG.toString(), authorize: true },
    });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    const without = await online(bot, { intents: Intents.GUILDS });
    const withIt = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_MODERATION });
    const from = [without.payloads.length, withIt.payloads.length];
    const role = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'Watched' } });
    const event = await withIt.waitForDispatch('GUILD_AUDIT_LOG_ENTRY_CREATE', (d) => d.action_type === 30, 5000, from[1]);
    assert.equal(event.d.target_id, role.body.id);
    assert.equal(event.d.guild_id, guild.id);
    await without.waitForDispatch('GUILD_ROLE_CREATE', (d) => d.role.id === role.body.id, 5000, from[0]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(without.dispatches('GUILD_AUDIT_LOG_ENTRY_CREATE').length, 0);
  });
});
