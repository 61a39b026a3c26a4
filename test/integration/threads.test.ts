/**
 * Threads and forum channels over real HTTP and the gateway: starting a thread from a message (160004 the second
 * time, HAS_THREAD on the message, the starter message) and on its own (public with the THREAD_CREATED line,
 * private visible only to members and MANAGE_THREADS), sending with SEND_MESSAGES_IN_THREADS, archived threads
 * unarchived by a send, locked ones refused (160005 / 50083), thread members (@me and others, list with_member and
 * after), active and archived lists with has_more, PATCH and DELETE with audit entries 110–112, auto-archive by the
 * sweeper, the THREAD_* events, and forum channels (tags, posts with their first message, moderated tags, no plain
 * messages). On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from './fixtures.guilds.ts';
import { assertError, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';
import { freshPostgresStore, serviceSkip, waitFor } from '../helpers/services.ts';

let t: TestServer;
let f: GuildFixture;
const clients: GatewayClient[] = [];
const online = async (user: TestUser) => {
  const c = await GatewayClient.connect(t.url);
  clients.push(c);
  await c.identifyAndLoad(user.token);
  return c;
};
const req = (method: string, path: string, auth: TestUser, body?: unknown) => t.request(method, path, { auth, ...(body === undefined ? {} : { body }) });
const ok = async (method: string, path: string, auth: TestUser, body?: unknown, status = 200) => {
  const res = await req(method, path, auth, body);
  assert.equal(res.status, status, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

const pgSkip = await serviceSkip('postgres');
for (const kind of ['sqlite', 'postgres'] as const) {
describe(`threads (${kind})`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    const pg = kind === 'postgres' ? await freshPostgresStore() : undefined;
    drop = pg?.drop;
    t = await startTestServer({ heartbeatIntervalMs: 5000, threadArchiveMinuteMs: 5 }, pg ? { store: pg.store } : {});
    f = await guildFixture(t);
  });
  after(async () => {
    for (const c of clients.splice(0)) await c.close();
    await t.close();
    await drop?.();
  });

  it('a thread from a message: thread id = message id, HAS_THREAD, starter message, events, 160004 the second time', async () => {
    const c = await online(f.member);
    const m = await send(t, f.owner, f.channel.id, 'start here');
    const th = await ok('POST', `/channels/${f.channel.id}/messages/${m.id}/threads`, f.owner, { name: 'Talk', auto_archive_duration: 1440 }, 201);
    assert.equal(th.id, m.id);
    assert.equal(th.type, 11);
    assert.equal(th.parent_id, f.channel.id);
    assert.equal(th.owner_id, f.owner.id);
    assert.equal(th.guild_id, f.guild.id);
    assert.equal(th.thread_metadata.archived, false);
    assert.equal(th.thread_metadata.auto_archive_duration, 1440);
    assert.equal(th.thread_metadata.locked, false);
    assert.ok(th.thread_metadata.create_timestamp);
    assert.equal(th.member.user_id, f.owner.id);
    assert.equal(th.member_count, 1);
    const created = await c.waitForDispatch('THREAD_CREATE', (d) => d.id === m.id);
    assert.equal(created.d.newly_created, true);
    const upd = await c.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === m.id);
    assert.equal(upd.d.flags & 32, 32);
    assert.equal(upd.d.thread.id, m.id);
    const got = await ok('GET', `/channels/${f.channel.id}/messages/${m.id}`, f.owner);
    assert.equal(got.flags & 32, 32);
    const inThread = await ok('GET', `/channels/${m.id}/messages`, f.member);
    assert.equal(inThread.length, 1);
    assert.equal(inThread[0].type, 21);
    assert.equal(inThread[0].message_reference.message_id, m.id);
    assertError(await req('POST', `/channels/${f.channel.id}/messages/${m.id}/threads`, f.owner, { name: 'again' }), 400, 160004);
    assertError(await req('POST', `/channels/${f.channel.id}/messages/${m.id}/threads`, f.owner, {}), 400, 50035);
    const audit = await ok('GET', `/guilds/${f.guild.id}/audit-logs?action_type=110`, f.owner);
    assert.ok(audit.audit_log_entries.some((e: any) => e.target_id === m.id));
    assert.ok(audit.threads.some((x: any) => x.id === m.id && x.name === 'Talk'));
  });

  it('sending in a thread: SEND_MESSAGES_IN_THREADS, MESSAGE_CREATE to parent viewers, counts, sender joins', async () => {
    const c = await online(f.owner);
    const m = await send(t, f.owner, f.channel.id, 'root');
    const th = await ok('POST', `/channels/${f.channel.id}/messages/${m.id}/threads`, f.owner, { name: 'replies' }, 201);
    const reply = await send(t, f.member, th.id, 'in the thread');
    assert.equal(reply.channel_id, th.id);
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === reply.id);
    const members = await c.waitForDispatch('THREAD_MEMBERS_UPDATE', (d) => d.id === th.id && d.added_members?.some((a: any) => a.user_id === f.member.id));
    assert.equal(members.d.member_count, 2);
    const after = await ok('GET', `/channels/${th.id}`, f.member);
    // The starter message (type 21) is not counted, as on Discord.
    assert.equal(after.message_count, 1);
    assert.equal(after.total_message_sent, 1);
    assert.equal(after.member.user_id, f.member.id);
    // SEND_MESSAGES denied, SEND_MESSAGES_IN_THREADS allowed: threads still take messages.
    await overwrite(t, f.owner, f.channel.id, f.member.id, 1, Permissions.SEND_MESSAGES_IN_THREADS, Permissions.SEND_MESSAGES);
    await send(t, f.member, th.id, 'still here');
    await ok('POST', `/channels/${th.id}/typing`, f.member, undefined, 204);
    assertError(await req('POST', `/channels/${f.channel.id}/typing`, f.member), 403, 50013);
    assertError(await req('POST', `/channels/${f.channel.id}/messages`, f.member, { content: 'x' }), 403, 50013);
    await overwrite(t, f.owner, f.channel.id, f.member.id, 1, Permissions.SEND_MESSAGES, Permissions.SEND_MESSAGES_IN_THREADS);
    assertError(await req('POST', `/channels/${th.id}/messages`, f.member, { content: 'x' }), 403, 50013);
    await ok('DELETE', `/channels/${f.channel.id}/permissions/${f.member.id}`, f.owner, undefined, 204);
  });

  it('archive, unarchive by sending, lock (160005 for members, managers may), PATCH rules and audit 111', async () => {
    const c = await online(f.member);
    const th = await ok('POST', `/channels/${f.channel.id}/threads`, f.member, { name: 'arch', type: 11 }, 201);
    assert.equal(th.type, 11);
    // The public thread's line in the parent.
    const line = (await ok('GET', `/channels/${f.channel.id}/messages?limit=5`, f.owner)).find((x: any) => x.type === 18);
    assert.equal(line.message_reference.channel_id, th.id);
    const archived = await ok('PATCH', `/channels/${th.id}`, f.member, { archived: true });
    assert.equal(archived.thread_metadata.archived, true);
    await c.waitForDispatch('THREAD_UPDATE', (d) => d.id === th.id && d.thread_metadata.archived === true);
    assertError(await req('PATCH', `/channels/${th.id}`, f.member, { name: 'renamed' }), 400, 50083);
    assertError(await req('PUT', `/channels/${th.id}/thread-members/@me`, f.owner), 400, 50083);
    // A send unarchives it.
    await send(t, f.member, th.id, 'wake up');
    await c.waitForDispatch('THREAD_UPDATE', (d) => d.id === th.id && d.thread_metadata.archived === false);
    // Only MANAGE_THREADS locks.
    assertError(await req('PATCH', `/channels/${th.id}`, f.member, { locked: true }), 403, 50013);
    const locked = await ok('PATCH', `/channels/${th.id}`, f.owner, { locked: true, name: 'locked one' });
    assert.equal(locked.thread_metadata.locked, true);
    assert.equal(locked.name, 'locked one');
    assertError(await req('POST', `/channels/${th.id}/messages`, f.member, { content: 'no' }), 400, 160005);
    await send(t, f.owner, th.id, 'mods may');
    await ok('PATCH', `/channels/${th.id}`, f.owner, { archived: true });
    assertError(await req('POST', `/channels/${th.id}/messages`, f.member, { content: 'no' }), 400, 50083);
    assertError(await req('PATCH', `/channels/${th.id}`, f.member, { archived: false }), 400, 160005);
    const audit = await ok('GET', `/guilds/${f.guild.id}/audit-logs?action_type=111`, f.owner);
    assert.ok(audit.audit_log_entries.some((e: any) => e.target_id === th.id && e.changes.some((ch: any) => ch.key === 'locked')));
    assertError(await req('PATCH', `/channels/${th.id}`, f.owner, { auto_archive_duration: 99 }), 400, 50035);
  });

  it('private threads: CREATE_PRIVATE_THREADS, seen only by members and MANAGE_THREADS, members added and removed', async () => {
    const third = await t.register();
    await t.join(f.owner, f.guild.id, third);
    const c3 = await online(third);
    const cm = await online(f.member);
    const th = await ok('POST', `/channels/${f.channel.id}/threads`, f.member, { name: 'secret', invitable: false }, 201);
    assert.equal(th.type, 12);
    assert.equal(th.thread_metadata.invitable, false);
    assertError(await req('GET', `/channels/${th.id}`, third), 403, 50001);
    await ok('GET', `/channels/${th.id}`, f.owner); // the owner may MANAGE_THREADS
    const secret = await send(t, f.member, th.id, 'psst');
    assertError(await req('GET', `/channels/${th.id}/messages`, third), 403, 50001);
    // The creator adds the third user: THREAD_CREATE to them, then they see it.
    await ok('PUT', `/channels/${th.id}/thread-members/${third.id}`, f.member, undefined, 204);
    await c3.waitForDispatch('THREAD_CREATE', (d) => d.id === th.id);
    await c3.waitForDispatch('THREAD_MEMBER_UPDATE', (d) => d.id === th.id && d.user_id === third.id);
    await cm.waitForDispatch('THREAD_MEMBERS_UPDATE', (d) => d.id === th.id && d.added_members?.some((a: any) => a.user_id === third.id));
    const msgs = await ok('GET', `/channels/${th.id}/messages`, third);
    assert.ok(msgs.some((x: any) => x.id === secret.id));
    const after = await send(t, f.member, th.id, 'now you see it');
    await c3.waitForDispatch('MESSAGE_CREATE', (d) => d.id === after.id);
    // A non-invitable private thread: a plain member cannot add others.
    const fourth = await t.register();
    await t.join(f.owner, f.guild.id, fourth);
    assertError(await req('PUT', `/channels/${th.id}/thread-members/${fourth.id}`, third), 403, 50013);
    assertError(await req('PUT', `/channels/${th.id}/thread-members/${f.stranger.id}`, f.member), 404, 10007);
    // Members: get one, the list, with_member + after + limit.
    const one = await ok('GET', `/channels/${th.id}/thread-members/${third.id}?with_member=true`, f.member);
    assert.equal(one.user_id, third.id);
    assert.equal(one.member.user.id, third.id);
    assertError(await req('GET', `/channels/${th.id}/thread-members/${fourth.id}`, f.member), 404, 10007);
    const all = await ok('GET', `/channels/${th.id}/thread-members`, f.member);
    assert.deepEqual(all.map((x: any) => x.user_id).sort(), [f.member.id, third.id].sort());
    const sorted = [f.member.id, third.id].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const page = await ok('GET', `/channels/${th.id}/thread-members?with_member=true&limit=1&after=${sorted[0]}`, f.member);
    assert.deepEqual(page.map((x: any) => x.user_id), [sorted[1]]);
    assert.ok(page[0].member);
    // Removing someone else needs MANAGE_THREADS (or being the private thread's creator); leaving is free.
    assertError(await req('DELETE', `/channels/${th.id}/thread-members/${f.member.id}`, third), 403, 50013);
    await ok('DELETE', `/channels/${th.id}/thread-members/@me`, third, undefined, 204);
    await cm.waitForDispatch('THREAD_MEMBERS_UPDATE', (d) => d.id === th.id && d.removed_member_ids?.includes(third.id));
    assertError(await req('GET', `/channels/${th.id}`, third), 403, 50001);
    // A plain member without CREATE_PRIVATE_THREADS.
    await overwrite(t, f.owner, f.channel.id, third.id, 1, 0n, Permissions.CREATE_PRIVATE_THREADS | Permissions.CREATE_PUBLIC_THREADS);
    assertError(await req('POST', `/channels/${f.channel.id}/threads`, third, { name: 'nope' }), 403, 50013);
    const m = await send(t, third, f.channel.id, 'x');
    assertError(await req('POST', `/channels/${f.channel.id}/messages/${m.id}/threads`, third, { name: 'nope' }), 403, 50013);
  });

  it('a private thread’s events reach who may manage threads through a role or an overwrite, not other members', async () => {
    const [mod, chan, plain] = [await t.register(), await t.register(), await t.register()];
    for (const u of [mod, chan, plain]) await t.join(f.owner, f.guild.id, u);
    const role = await ok('POST', `/guilds/${f.guild.id}/roles`, f.owner, { name: 'mods', permissions: Permissions.MANAGE_THREADS.toString() });
    await ok('PUT', `/guilds/${f.guild.id}/members/${mod.id}/roles/${role.id}`, f.owner, undefined, 204);
    await overwrite(t, f.owner, f.channel.id, chan.id, 1, Permissions.MANAGE_THREADS, 0n);
    const [cMod, cChan, cPlain] = [await online(mod), await online(chan), await online(plain)];
    const th = await ok('POST', `/channels/${f.channel.id}/threads`, f.member, { name: 'staff only', type: 12 }, 201);
    await cMod.waitForDispatch('THREAD_CREATE', (d) => d.id === th.id);
    await cChan.waitForDispatch('THREAD_CREATE', (d) => d.id === th.id);
    const msg = await send(t, f.member, th.id, 'for managers');
    await cMod.waitForDispatch('MESSAGE_CREATE', (d) => d.id === msg.id);
    // The plain member saw neither: by the time both managers had the message, the events had been routed.
    assert.ok(!cPlain.dispatches('THREAD_CREATE').some((p) => p.d.id === th.id));
    assert.ok(!cPlain.dispatches('MESSAGE_CREATE').some((p) => p.d.id === msg.id));
  });

  it('active and archived lists, has_more, joined private archived, and the MANAGE_THREADS rules', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'lists' });
    const a = await ok('POST', `/channels/${ch.id}/threads`, f.member, { name: 'a', type: 11 }, 201);
    const b = await ok('POST', `/channels/${ch.id}/threads`, f.member, { name: 'b', type: 11 }, 201);
    const p = await ok('POST', `/channels/${ch.id}/threads`, f.member, { name: 'p' }, 201);
    const active = await ok('GET', `/guilds/${f.guild.id}/threads/active`, f.member);
    for (const x of [a, b, p]) assert.ok(active.threads.some((y: any) => y.id === x.id), x.name);
    assert.ok(active.members.some((m: any) => m.id === a.id && m.user_id === f.member.id));
    const strangerView = await ok('GET', `/guilds/${f.guild.id}/threads/active`, (await (async () => { const u = await t.register(); await t.join(f.owner, f.guild.id, u); return u; })()));
    assert.ok(!strangerView.threads.some((y: any) => y.id === p.id));
    for (const x of [a, b, p]) await ok('PATCH', `/channels/${x.id}`, f.member, { archived: true });
    const pub = await ok('GET', `/channels/${ch.id}/threads/archived/public?limit=1`, f.member);
    assert.equal(pub.threads.length, 1);
    assert.equal(pub.has_more, true);
    const all = await ok('GET', `/channels/${ch.id}/threads/archived/public`, f.member);
    assert.deepEqual(all.threads.map((x: any) => x.id).sort(), [a.id, b.id].sort());
    assert.equal(all.has_more, false);
    const before = await ok('GET', `/channels/${ch.id}/threads/archived/public?before=${encodeURIComponent(all.threads[0].thread_metadata.archive_timestamp)}`, f.member);
    assert.ok(!before.threads.some((x: any) => x.id === all.threads[0].id));
    assertError(await req('GET', `/channels/${ch.id}/threads/archived/private`, f.member), 403, 50013);
    const priv = await ok('GET', `/channels/${ch.id}/threads/archived/private`, f.owner);
    assert.deepEqual(priv.threads.map((x: any) => x.id), [p.id]);
    const joined = await ok('GET', `/channels/${ch.id}/users/@me/threads/archived/private`, f.member);
    assert.deepEqual(joined.threads.map((x: any) => x.id), [p.id]);
    assert.equal(joined.has_more, false);
    const none = await ok('GET', `/channels/${ch.id}/users/@me/threads/archived/private?before=${p.id}`, f.member);
    assert.equal(none.threads.length, 0);
    assertError(await req('GET', `/channels/${ch.id}/threads/archived/public?before=yesterday`, f.member), 400, 50035);
  });

  it('DELETE a thread: MANAGE_THREADS, THREAD_DELETE, audit 112; deleting the parent takes its threads', async () => {
    const c = await online(f.member);
    const th = await ok('POST', `/channels/${f.channel.id}/threads`, f.member, { name: 'gone', type: 11 }, 201);
    assertError(await req('DELETE', `/channels/${th.id}`, f.member), 403, 50013);
    await ok('DELETE', `/channels/${th.id}`, f.owner);
    const del = await c.waitForDispatch('THREAD_DELETE', (d) => d.id === th.id);
    assert.deepEqual(del.d, { id: th.id, guild_id: f.guild.id, parent_id: f.channel.id, type: 11 });
    assertError(await req('GET', `/channels/${th.id}`, f.owner), 404, 10003);
    const audit = await ok('GET', `/guilds/${f.guild.id}/audit-logs?action_type=112`, f.owner);
    assert.ok(audit.audit_log_entries.some((e: any) => e.target_id === th.id));
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'parent' });
    const child = await ok('POST', `/channels/${ch.id}/threads`, f.owner, { name: 'child', type: 11 }, 201);
    await ok('DELETE', `/channels/${ch.id}`, f.owner);
    assertError(await req('GET', `/channels/${child.id}`, f.owner), 404, 10003);
  });

  it('auto-archive: idle past auto_archive_duration (one "minute" = ACCORD_THREAD_ARCHIVE_MINUTE_MS) archives with THREAD_UPDATE', async () => {
    const c = await online(f.member);
    const th = await ok('POST', `/channels/${f.channel.id}/threads`, f.member, { name: 'sleepy', type: 11, auto_archive_duration: 60 }, 201);
    // 60 "minutes" of 5 ms: 300 ms.
    const upd = await c.waitForDispatch('THREAD_UPDATE', (d) => d.id === th.id && d.thread_metadata.archived === true, 10_000);
    assert.equal(upd.d.thread_metadata.auto_archive_duration, 60);
    const got = await ok('GET', `/channels/${th.id}`, f.member);
    assert.equal(got.thread_metadata.archived, true);
  });

  it('webhook execute with thread_id: the message lands in the thread (unarchiving it); other channels answer 10003', async () => {
    const hook = await ok('POST', `/channels/${f.channel.id}/webhooks`, f.owner, { name: 'Hooky' });
    const th = await ok('POST', `/channels/${f.channel.id}/threads`, f.owner, { name: 'hooked', type: 11 }, 201);
    await ok('PATCH', `/channels/${th.id}`, f.owner, { archived: true });
    const res = await t.request('POST', `/webhooks/${hook.id}/${hook.token}?wait=true&thread_id=${th.id}`, { body: { content: 'from a hook' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.channel_id, th.id);
    const got = await ok('GET', `/channels/${th.id}`, f.owner);
    assert.equal(got.thread_metadata.archived, false);
    assert.equal(got.message_count, 1);
    const elsewhere = await textChannel(t, f.owner, f.guild.id, { name: 'elsewhere' });
    const other = await ok('POST', `/channels/${elsewhere.id}/threads`, f.owner, { name: 'not yours', type: 11 }, 201);
    assertError(await t.request('POST', `/webhooks/${hook.id}/${hook.token}?thread_id=${other.id}`, { body: { content: 'x' } }), 404, 10003);
  });

  it('GUILD_CREATE carries the active threads the user may see (with member), and messages carry their thread', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'ready' });
    const m = await send(t, f.owner, ch.id, 'thread root');
    const pub = await ok('POST', `/channels/${ch.id}/messages/${m.id}/threads`, f.owner, { name: 'visible' }, 201);
    const priv = await ok('POST', `/channels/${ch.id}/threads`, f.owner, { name: 'owner only' }, 201);
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identify(f.member.token);
    const created = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === f.guild.id);
    const ids = created.d.threads.map((x: any) => x.id);
    assert.ok(ids.includes(pub.id));
    assert.ok(!ids.includes(priv.id));
    const co = await GatewayClient.connect(t.url);
    clients.push(co);
    await co.identify(f.owner.token);
    const mine = (await co.waitForDispatch('GUILD_CREATE', (d) => d.id === f.guild.id)).d.threads;
    assert.equal(mine.find((x: any) => x.id === priv.id)?.member?.user_id, f.owner.id);
    const root = await ok('GET', `/channels/${ch.id}/messages/${m.id}`, f.member);
    assert.equal(root.thread.id, pub.id);
    assert.equal(root.thread.name, 'visible');
  });

  it('THREAD_LIST_SYNC: gaining VIEW_CHANNEL on a channel (overwrite or role) sends its active threads the user may see', async () => {
    const hidden = await textChannel(t, f.owner, f.guild.id, { name: 'staff' });
    await overwrite(t, f.owner, hidden.id, f.guild.id, 0, 0n, Permissions.VIEW_CHANNEL);
    const open = await ok('POST', `/channels/${hidden.id}/threads`, f.owner, { name: 'plans', type: 11 }, 201);
    const secret = await ok('POST', `/channels/${hidden.id}/threads`, f.owner, { name: 'owners only', type: 12 }, 201);
    const c = await online(f.member);
    // A member overwrite lets them in: the channel's public thread, not the private one they are not in.
    await overwrite(t, f.owner, hidden.id, f.member.id, 1, Permissions.VIEW_CHANNEL, 0n);
    const sync = await c.waitForDispatch('THREAD_LIST_SYNC', (d) => d.guild_id === f.guild.id);
    assert.deepEqual(sync.d.channel_ids, [hidden.id]);
    assert.deepEqual(sync.d.threads.map((x: any) => x.id), [open.id]);
    assert.equal(sync.d.threads[0].parent_id, hidden.id);
    assert.deepEqual(sync.d.members, []);
    assert.ok(!sync.d.threads.some((x: any) => x.id === secret.id));
    // Taken away, then given back through a role: a second sync.
    await t.request('DELETE', `/channels/${hidden.id}/permissions/${f.member.id}`, { auth: f.owner });
    const role = await ok('POST', `/guilds/${f.guild.id}/roles`, f.owner, { name: 'staff' });
    await overwrite(t, f.owner, hidden.id, role.id, 0, Permissions.VIEW_CHANNEL, 0n);
    const before = c.dispatches('THREAD_LIST_SYNC').length;
    await ok('PUT', `/guilds/${f.guild.id}/members/${f.member.id}/roles/${role.id}`, f.owner, undefined, 204);
    await waitFor(() => c.dispatches('THREAD_LIST_SYNC').length > before, { what: 'a second THREAD_LIST_SYNC after the role' });
    const again = c.dispatches('THREAD_LIST_SYNC').at(-1)!;
    assert.deepEqual(again.d.threads.map((x: any) => x.id), [open.id]);
  });

  it('forum webhooks: thread_name makes a post (first message id = post id), 220001 / 220002 / 220003; webhook messages by thread_id', async () => {
    const forum = await ok('POST', `/guilds/${f.guild.id}/channels`, f.owner, { name: 'hooks', type: 15, available_tags: [{ name: 'news' }] }, 201);
    const hook = await ok('POST', `/channels/${forum.id}/webhooks`, f.owner, { name: 'Poster' });
    assertError(await t.request('POST', `/webhooks/${hook.id}/${hook.token}`, { body: { content: 'x' } }), 400, 220001);
    const res = await t.request('POST', `/webhooks/${hook.id}/${hook.token}?wait=true`, { body: { content: 'release notes', thread_name: 'v2', applied_tags: [forum.available_tags[0].id] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const post = await ok('GET', `/channels/${res.body.channel_id}`, f.owner);
    assert.equal(post.id, res.body.id);
    assert.equal(post.parent_id, forum.id);
    assert.equal(post.owner_id, hook.id);
    assert.deepEqual(post.applied_tags, [forum.available_tags[0].id]);
    assertError(await t.request('POST', `/webhooks/${hook.id}/${hook.token}?thread_id=${post.id}`, { body: { content: 'x', thread_name: 'y' } }), 400, 220002);
    const more = await t.request('POST', `/webhooks/${hook.id}/${hook.token}?wait=true&thread_id=${post.id}`, { body: { content: 'more notes' } });
    assert.equal(more.status, 200, JSON.stringify(more.body));
    const edited = await t.request('PATCH', `/webhooks/${hook.id}/${hook.token}/messages/${more.body.id}?thread_id=${post.id}`, { body: { content: 'edited notes' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.content, 'edited notes');
    assertError(await t.request('GET', `/webhooks/${hook.id}/${hook.token}/messages/${more.body.id}`), 404, 10008);
    const textHook = await ok('POST', `/channels/${f.channel.id}/webhooks`, f.owner, { name: 'Plain' });
    assertError(await t.request('POST', `/webhooks/${textHook.id}/${textHook.token}`, { body: { content: 'x', thread_name: 'y' } }), 400, 220003);
    // Tags edited on the forum keep the ids of the tags they keep.
    const patched = await ok('PATCH', `/channels/${forum.id}`, f.owner, { available_tags: [...forum.available_tags, { name: 'docs', moderated: true }] });
    assert.equal(patched.available_tags.length, 2);
    assert.equal(patched.available_tags[0].id, forum.available_tags[0].id);
    assert.equal(patched.available_tags[1].moderated, true);
  });

  it('guild search finds messages in threads the user may read, not in private threads they are not in', async () => {
    const pub = await ok('POST', `/channels/${f.channel.id}/threads`, f.owner, { name: 'searchable', type: 11 }, 201);
    const priv = await ok('POST', `/channels/${f.channel.id}/threads`, f.owner, { name: 'hidden' }, 201);
    const seen = await send(t, f.owner, pub.id, 'quokka sighting');
    const unseen = await send(t, f.owner, priv.id, 'quokka secret');
    const search = (user: TestUser, want: number) => waitFor(async () => {
      const res = await req('GET', `/guilds/${f.guild.id}/messages/search?content=quokka`, user);
      if (res.status === 202) return null;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.total_results === want ? res.body : null;
    }, { timeoutMs: 15_000, intervalMs: 50, what: 'search' });
    const owner = await search(f.owner, 2);
    assert.deepEqual(owner.messages.map((h: any[]) => h[0].id).sort(), [seen.id, unseen.id].sort());
    const member = await search(f.member, 1);
    assert.equal(member.messages[0][0].id, seen.id);
  });

  it('a bot without GUILD_MEMBERS gets THREAD_MEMBERS_UPDATE only when it is added or removed itself', async () => {
    const { app, bot } = await makeBot(t, f.owner, 'Thready');
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: f.owner, body: { guild_id: f.guild.id, permissions: '0', authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identify(bot.token, { intents: 1 });
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === f.guild.id);
    const th = await ok('POST', `/channels/${f.channel.id}/threads`, f.owner, { name: 'bots welcome', type: 11 }, 201);
    await c.waitForDispatch('THREAD_CREATE', (d) => d.id === th.id);
    await ok('PUT', `/channels/${th.id}/thread-members/${bot.id}`, f.owner, undefined, 204);
    await c.waitForDispatch('THREAD_MEMBERS_UPDATE', (d) => d.id === th.id && d.added_members?.some((m: any) => m.user_id === bot.id));
    await ok('PUT', `/channels/${th.id}/thread-members/@me`, f.member, undefined, 204);
    await ok('PATCH', `/channels/${th.id}`, f.owner, { name: 'marker' });
    await c.waitForDispatch('THREAD_UPDATE', (d) => d.id === th.id && d.name === 'marker');
    assert.ok(!c.dispatches('THREAD_MEMBERS_UPDATE').some((p) => p.d.added_members?.some((m: any) => m.user_id === f.member.id)));
  });

  it('forum channels: tags, posts with their first message and applied_tags, moderated tags, no plain messages', async () => {
    const c = await online(f.member);
    const forum = await ok('POST', `/guilds/${f.guild.id}/channels`, f.owner, {
      name: 'Help', type: 15, default_reaction_emoji: { emoji_name: '👍' }, default_thread_rate_limit_per_user: 10, default_forum_layout: 2,
      available_tags: [{ name: 'bug' }, { name: 'staff', moderated: true, emoji_name: '🛡️' }],
    }, 201);
    assert.equal(forum.type, 15);
    assert.equal(forum.available_tags.length, 2);
    assert.ok(forum.available_tags.every((x: any) => /^\d+$/.test(x.id)));
    assert.deepEqual(forum.default_reaction_emoji, { emoji_id: null, emoji_name: '👍' });
    assert.equal(forum.default_forum_layout, 2);
    assert.equal(forum.default_thread_rate_limit_per_user, 10);
    const [bug, staff] = forum.available_tags;
    assert.equal(staff.moderated, true);
    const got = await ok('GET', `/channels/${forum.id}`, f.member);
    assert.equal(got.available_tags.length, 2);
    const listed = (await ok('GET', `/guilds/${f.guild.id}/channels`, f.member)).find((x: any) => x.id === forum.id);
    assert.deepEqual(listed.available_tags, forum.available_tags);
    const fresh = await online(f.member);
    const gc = (await fresh.waitForDispatch('GUILD_CREATE', (d) => d.id === f.guild.id)).d;
    assert.deepEqual(gc.channels.find((x: any) => x.id === forum.id).available_tags, forum.available_tags);
    assertError(await req('POST', `/channels/${forum.id}/messages`, f.member, { content: 'hi' }), 400, 40058);
    assertError(await req('POST', `/channels/${forum.id}/threads`, f.member, { name: 'no message' }), 400, 50035);
    assertError(await req('POST', `/channels/${forum.id}/threads`, f.member, { name: 'bad tag', message: { content: 'x' }, applied_tags: ['1'] }), 400, 50035);
    assertError(await req('POST', `/channels/${forum.id}/threads`, f.member, { name: 'mod tag', message: { content: 'x' }, applied_tags: [staff.id] }), 403, 50013);
    const post = await ok('POST', `/channels/${forum.id}/threads`, f.member, { name: 'It crashes', message: { content: 'steps to reproduce' }, applied_tags: [bug.id] }, 201);
    assert.equal(post.type, 11);
    assert.equal(post.parent_id, forum.id);
    assert.deepEqual(post.applied_tags, [bug.id]);
    assert.equal(post.rate_limit_per_user, 10);
    assert.equal(post.message.id, post.id);
    assert.equal(post.message.content, 'steps to reproduce');
    assert.equal(post.message_count, 0, 'the initial message is not counted');
    await c.waitForDispatch('THREAD_CREATE', (d) => d.id === post.id);
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === post.id);
    const modPost = await ok('POST', `/channels/${forum.id}/threads`, f.owner, { name: 'Rules', message: { content: 'read me' }, applied_tags: [staff.id, bug.id] }, 201);
    const pinned = await ok('PATCH', `/channels/${modPost.id}`, f.owner, { flags: 2 });
    assert.equal(pinned.flags, 2);
    assertError(await req('PATCH', `/channels/${post.id}`, f.member, { applied_tags: [bug.id, staff.id] }), 403, 50013);
    const retag = await ok('PATCH', `/channels/${post.id}`, f.member, { applied_tags: [] });
    assert.deepEqual(retag.applied_tags, []);
    assertError(await req('POST', `/channels/${forum.id}/threads`, f.member, { name: 'too many', message: { content: 'x' }, applied_tags: ['1', '2', '3', '4', '5', '6'] }), 400, 50035);
    const media = await ok('POST', `/guilds/${f.guild.id}/channels`, f.owner, { name: 'media', type: 16, available_tags: [] }, 201);
    assert.equal(media.type, 16);
    assert.equal(media.default_forum_layout, undefined);
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ name: `t${i}` }));
    assertError(await req('POST', `/guilds/${f.guild.id}/channels`, f.owner, { name: 'x', type: 15, available_tags: tooMany }), 400, 50035);
  });
});
}
