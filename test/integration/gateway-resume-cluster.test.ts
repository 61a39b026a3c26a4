/**
 * Two sessions nodes on one real NATS: node A is a child process (sessions role only), node B runs in this process
 * with every role; both share one SQLite store.
 *
 * - Fan-out by interest: A, whose only session is in guild G, receives none of guild H's events; a user joining a
 *   guild that no session on their node is in still gets its GUILD_CREATE and its messages.
 * - Resume across nodes: a client on A sees messages, A is killed with SIGKILL, more messages are sent through B,
 *   and the client resumes on B with its session_id and seq: every missed MESSAGE_CREATE, in order, none twice,
 *   then RESUMED. An unknown session, or a seq beyond what the session sent, gets op 9 (d: false).
 * - A JetStream outage makes the journal stand aside: what a node skipped meanwhile is written again from its
 *   resume deques at a graceful stop (before op 7) or once the backoff is over, so those sessions still move.
 *
 * Every subject and stream lives under this run's prefix (NatsBus); the streams are deleted at the end.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { NatsBus } from '../../src/bus/nats.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { apiRequest as http, serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';
import { GatewayClient } from './gateway-client.ts';
import { guildPartition } from '../../src/contracts/guild.ts';
import { addFillerMembers } from '../helpers/members.ts';
import { JOURNAL_BACKOFF_MS, JOURNAL_INLINE_MAX_BYTES, JOURNAL_LOG, recordSubject, RESUME_GAP_OVERLAP_MS, type SessionRecord } from '../../src/sessions/resume-journal.ts';

async function startChild(dataDir: string, prefix: string, nodeId: string, guildPartitions?: number): Promise<{ child: ChildProcess; url: string }> {
  const args = [dataDir, TEST_NATS_URL, prefix, nodeId, ...(guildPartitions ? [String(guildPartitions)] : [])];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../helpers/sessions-node.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('url ')) {
      clearTimeout(timer);
      return { child, url: line.slice(4) };
    }
  }
  throw new Error('sessions node exited before listening');
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `metric ${name}`);
  return Number(line.split(' ')[1]);
}

describe('gateway: fan-out by interest and resume across nodes (NATS)', { skip: await serviceSkip('nats') }, () => {
  const run = `${process.pid}${Date.now().toString(36)}`;
  const prefix = `T${run}-resume`;
  let dataDir: string;
  let store: Store;
  let bus: NatsBus;
  let b: RunningServer;
  let a: { child: ChildProcess; url: string } | null = null;
  const clients: GatewayClient[] = [];

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-resume-'));
    store = await openStore({ dataDir });
    await store.migrate();
    const { NatsBus } = await import('../../src/bus/nats.ts');
    bus = await NatsBus.connect({ servers: TEST_NATS_URL, name: 'accord-test-resume-b', streamPrefix: prefix });
    const config = loadConfig({
      env: {},
      overrides: {
        port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000,
        nodeId: `resume-${run}-b`, workerId: 1, processId: 1,
      },
    });
    b = await startServer(config, { store, bus, log: silentLogger });
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    a?.child.kill('SIGKILL');
    await b?.close().catch(() => {});
    await bus?.destroyQueues().catch(() => {});
    await bus?.close().catch(() => {});
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function register(username: string) {
    const res = await http(b.url, 'POST', '/auth/register', undefined, { username, password: 'correct horse battery staple', email: `${username}@example.test` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const me = await http(b.url, 'GET', '/users/@me', res.body.token);
    return { id: me.body.id as string, token: res.body.token as string };
  }

  async function textChannel(guildId: string, token: string): Promise<string> {
    const res = await http(b.url, 'GET', `/guilds/${guildId}/channels`, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const channels = res.body;
    return channels.find((c: any) => c.type === 0).id;
  }

  const send = async (channelId: string, token: string, content: string): Promise<string> => {
    const res = await http(b.url, 'POST', `/channels/${channelId}/messages`, token, { content });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  };

  /** SIGKILLs a node and waits until it has exited. */
  const killNode = async (child: ChildProcess): Promise<void> => {
    const died = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await died;
  };

  /** A new connection to B that sends RESUME for the session once HELLO came. */
  const sendResumeToB = async (token: string, sessionId: string, seq: number): Promise<GatewayClient> => {
    const client = await GatewayClient.connect(b.url);
    clients.push(client);
    await client.waitForOp(10);
    client.send(6, { token, session_id: sessionId, seq });
    return client;
  };

  it('node A receives only its sessions\' guilds; a client of the killed node A resumes on B without loss or duplicates', { timeout: 120_000 }, async () => {
    const alice = await register(`alice${run}`.slice(0, 32));
    const bob = await register(`bob${run}`.slice(0, 32));
    const g = (await http(b.url, 'POST', '/guilds', alice.token, { name: 'Guild G' })).body;
    assert.ok(g.id, JSON.stringify(g));
    const h = (await http(b.url, 'POST', '/guilds', bob.token, { name: 'Guild H' })).body;
    const gText = await textChannel(g.id, alice.token);
    const hText = await textChannel(h.id, bob.token);
    const invite = await http(b.url, 'POST', `/channels/${gText}/invites`, alice.token, {});
    // Bob's join posts a join message moments before Alice identifies: the resume below must not route it to her
    // (it is in the event log's overlap window, but older than her session).
    assert.equal((await http(b.url, 'POST', `/invites/${invite.body.code}`, bob.token)).status, 200);

    a = await startChild(dataDir, prefix, `resume-${run}-a`);
    const onA = await GatewayClient.connect(a.url);
    clients.push(onA);
    const ready = await onA.identify(alice.token);
    await onA.waitForDispatch('GUILD_CREATE', (d) => d.id === g.id);

    // Interest: guild H traffic (Bob's guild, nobody on A is in it) never reaches A.
    const inBefore = await metric(a.url, 'accord_gateway_guild_events_in_total');
    for (let i = 0; i < 10; i++) await send(hText, bob.token, `h ${i}`);
    const barrier = await send(gText, bob.token, 'barrier');
    await onA.waitForDispatch('MESSAGE_CREATE', (d) => d.id === barrier);
    // B publishes H's events before G's on one connection: had A subscribed to H, all ten would be counted by now.
    // (G may carry a presence update or two meanwhile.)
    const received = (await metric(a.url, 'accord_gateway_guild_events_in_total')) - inBefore;
    assert.ok(received >= 1 && received < 10, `A received ${received} guild events: G's only`);
    assert.equal(await metric(a.url, 'accord_gateway_guild_events_unrouted_total'), 0);
    assert.equal(await metric(a.url, 'accord_gateway_guild_subscriptions'), 1);

    // Messages flow to the client on A. It will resume from before the last three (as if they were lost in
    // flight): those come back from A's journal, the rest from the event log.
    const seq = onA.lastSeq!;
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push(await send(gText, bob.token, `before ${i}`));
    await onA.waitForDispatch('MESSAGE_CREATE', (d) => d.id === seen[2]);

    // A dies without a word; messages keep coming through B.
    const died = new Promise((resolve) => a!.child.once('exit', (_c, signal) => resolve(signal)));
    a.child.kill('SIGKILL');
    assert.equal(await died, 'SIGKILL');
    a = null;
    const missed: string[] = [];
    for (let i = 0; i < 4; i++) missed.push(await send(gText, bob.token, `while down ${i}`));

    // Resume on B (through the proxy in production; directly here).
    const onB = await GatewayClient.connect(b.url);
    clients.push(onB);
    await onB.waitForOp(10);
    onB.send(6, { token: alice.token, session_id: ready.session_id, seq });
    const resumed = await onB.waitForDispatch('RESUMED', () => true, 15_000);
    const creates = onB.payloads.filter((p) => p.t === 'MESSAGE_CREATE' && p.s! < resumed.s!);
    assert.deepEqual(creates.map((p) => p.d.id), [...seen, ...missed], 'every missed message, in order, none twice');
    assert.deepEqual(creates.slice(0, 3).map((p) => p.s), onA.dispatches('MESSAGE_CREATE').slice(-3).map((p) => p.s), 'journaled ones keep their seq');
    const seqs = onB.payloads.filter((p) => p.op === 0).map((p) => p.s!);
    assert.deepEqual(seqs, seqs.map((_, i) => seq + 1 + i), 'seqs continue from the client\'s');

    // The session lives on B now: a new message arrives once, after RESUMED.
    const afterId = await send(gText, bob.token, 'after resume');
    await onB.waitForDispatch('MESSAGE_CREATE', (d) => d.id === afterId);
    const barrier2 = await send(gText, bob.token, 'barrier 2');
    await onB.waitForDispatch('MESSAGE_CREATE', (d) => d.id === barrier2);
    const ids = onB.dispatches('MESSAGE_CREATE').map((p) => p.d.id);
    assert.equal(new Set(ids).size, ids.length, 'no message twice');
  });

  it('a join reaches a node not subscribed to the guild; a resume with an unknown session, or a seq the session never reached, gets op 9 (d: false)', { timeout: 60_000 }, async () => {
    const carol = await register(`carol${run}`.slice(0, 32));
    const bob = await register(`bobby${run}`.slice(0, 32));
    const k = (await http(b.url, 'POST', '/guilds', bob.token, { name: 'Guild K' })).body;
    const kText = await textChannel(k.id, bob.token);
    const unknown = await GatewayClient.connect(b.url);
    clients.push(unknown);
    await unknown.waitForOp(10);
    unknown.send(6, { token: carol.token, session_id: 'f'.repeat(32), seq: 3 });
    assert.equal((await unknown.waitForOp(9)).d, false);

    // A session held by the killed node: beyond its last seq the journal cannot tell what the client has.
    const node = await startChild(dataDir, prefix, `resume-${run}-c`);
    try {
      const client = await GatewayClient.connect(node.url);
      clients.push(client);
      const ready = await client.identify(carol.token);
      // Carol joins K, which no session on her node is in: GUILD_MEMBER_ADD also goes to her user subject, her
      // node loads (and subscribes to) K, and K's messages reach her.
      const invite = await http(b.url, 'POST', `/channels/${kText}/invites`, bob.token, {});
      assert.equal((await http(b.url, 'POST', `/invites/${invite.body.code}`, carol.token)).status, 200);
      await client.waitForDispatch('GUILD_CREATE', (d) => d.id === k.id);
      const hello = await send(kText, bob.token, 'welcome');
      await client.waitForDispatch('MESSAGE_CREATE', (d) => d.id === hello);
      const last = client.lastSeq!;
      await killNode(node.child);
      const ahead = await sendResumeToB(carol.token, ready.session_id, last + 50);
      assert.equal((await ahead.waitForOp(9, 15_000)).d, false);
      // Invalidated, the client identifies afresh on the same socket.
      ahead.send(2, { token: carol.token, properties: { os: 'linux', browser: 'test', device: 'test' }, intents: 513 });
      await ahead.waitForDispatch('READY');
    } finally {
      node.child.kill('SIGKILL');
    }
  });

  it("a user's member subscriptions (op 37) move with the session: resumed on B, a large guild's presences still reach it only for whom it subscribed to", { timeout: 60_000 }, async () => {
    const owner = await register(`olga${run}`.slice(0, 32));
    const [bob, carol] = [await register(`bert${run}`.slice(0, 32)), await register(`cleo${run}`.slice(0, 32))];
    const l = (await http(b.url, 'POST', '/guilds', owner.token, { name: 'Guild L' })).body;
    const lText = await textChannel(l.id, owner.token);
    for (const u of [bob, carol]) {
      const invite = await http(b.url, 'POST', `/channels/${lText}/invites`, owner.token, {});
      assert.equal((await http(b.url, 'POST', `/invites/${invite.body.code}`, u.token)).status, 200);
    }
    // 53 members: above the default large_threshold (50).
    await addFillerMembers(store, l.id, 50);
    const node = await startChild(dataDir, prefix, `resume-${run}-s`);
    try {
      const onNode = await GatewayClient.connect(node.url);
      clients.push(onNode);
      const ready = await onNode.identify(owner.token);
      await onNode.waitForDispatch('GUILD_CREATE', (d) => d.id === l.id);
      onNode.send(37, { subscriptions: { [l.id]: { members: [bob.id] } } });
      // No dispatch follows the op: the journal writes the session's record for it alone.
      await waitFor(async () => {
        const records = await bus.readLog<SessionRecord>(JOURNAL_LOG, { subjects: [recordSubject(ready.session_id)], sinceMs: 0 });
        return records.at(-1)?.payload.subscriptions?.members.some(([g, ids]) => g === l.id && ids.includes(bob.id));
      }, { what: 'the record with the subscription', timeoutMs: 10_000 });
      const seq = onNode.lastSeq!;
      await killNode(node.child);
      const onB = await sendResumeToB(owner.token, ready.session_id, seq);
      await onB.waitForDispatch('RESUMED', () => true, 15_000);
      for (const u of [bob, carol]) {
        await bus.publish(`gateway.guild.${l.id}`, { t: 'PRESENCE_UPDATE', guildId: l.id, d: { user: { id: u.id }, guild_id: l.id, status: 'dnd', activities: [], client_status: { desktop: 'dnd' } } });
      }
      const mark = await send(lText, owner.token, 'mark');
      const from = onB.payloads.findIndex((p) => p.t === 'RESUMED');
      await onB.waitForDispatch('MESSAGE_CREATE', (d) => d.id === mark, 5000, from);
      const upTo = onB.payloads.findIndex((p) => p.t === 'MESSAGE_CREATE' && p.d.id === mark);
      const presences = onB.payloads.slice(from, upTo).filter((p) => p.t === 'PRESENCE_UPDATE' && p.d.status === 'dnd').map((p) => p.d.user.id);
      assert.deepEqual(presences, [bob.id], 'bob (subscribed on the killed node), not carol');
    } finally {
      node.child.kill('SIGKILL');
    }
  });

  it('a resume where the guild role does not answer: a guild the node already routes flows at once, another is GUILD_DELETE unavailable', { timeout: 60_000 }, async () => {
    const erin = await register(`erin${run}`.slice(0, 32));
    const dave = await register(`dave${run}`.slice(0, 32));
    // Node D counts 4096 partitions where the guild role (on B) serves 64: a guild whose partition under 4096 is
    // 64 or more gets no answer from D's guild client, as if its guild node were down.
    let y: any;
    for (let i = 0; i < 8 && !(y && guildPartition(y.id, 4096) >= 64); i++) y = (await http(b.url, 'POST', '/guilds', erin.token, { name: `Guild Y${i}` })).body;
    assert.ok(guildPartition(y.id, 4096) >= 64, 'a guild outside the served partitions');
    const yText = await textChannel(y.id, erin.token);
    const nodeA = await startChild(dataDir, prefix, `resume-${run}-a2`);
    const nodeD = await startChild(dataDir, prefix, `resume-${run}-d`, 4096);
    try {
      // Dave, on D, creates X: its GUILD_CREATE comes as a user event (no snapshot), so D routes X.
      const daveOnD = await GatewayClient.connect(nodeD.url);
      clients.push(daveOnD);
      await daveOnD.identify(dave.token);
      const x = (await http(b.url, 'POST', '/guilds', dave.token, { name: 'Guild X' })).body;
      await daveOnD.waitForDispatch('GUILD_CREATE', (d) => d.id === x.id);
      const xText = await textChannel(x.id, dave.token);
      const invite = await http(b.url, 'POST', `/channels/${xText}/invites`, dave.token, {});
      assert.equal((await http(b.url, 'POST', `/invites/${invite.body.code}`, erin.token)).status, 200);

      const onA = await GatewayClient.connect(nodeA.url);
      clients.push(onA);
      const ready = await onA.identify(erin.token);
      await onA.waitForDispatch('GUILD_CREATE', (d) => d.id === x.id);
      await onA.waitForDispatch('GUILD_CREATE', (d) => d.id === y.id);
      // The log is read from RESUME_GAP_OVERLAP_MS before the journal's last batch, and what it holds from before
      // READY (Y's creation, Erin joining X) would be routed again: let the last batch come after that window.
      await new Promise((r) => setTimeout(r, RESUME_GAP_OVERLAP_MS + 100));
      const later = await send(xText, dave.token, 'later');
      await onA.waitForDispatch('MESSAGE_CREATE', (d) => d.id === later);
      const seq = onA.lastSeq!;
      const died = new Promise((resolve) => nodeA.child.once('exit', resolve));
      nodeA.child.kill('SIGKILL');
      await died;

      const onD = await GatewayClient.connect(nodeD.url);
      clients.push(onD);
      await onD.waitForOp(10);
      onD.send(6, { token: erin.token, session_id: ready.session_id, seq });
      await onD.waitForDispatch('RESUMED', () => true, 15_000);
      const gone = await onD.waitForDispatch('GUILD_DELETE', (d) => d.id === y.id, 10_000);
      assert.deepEqual(gone.d, { id: y.id, unavailable: true });
      assert.equal(onD.dispatches('GUILD_DELETE').filter((p) => p.d.id === x.id).length, 0, 'X stays available');
      const inX = await send(xText, dave.token, 'X flows on the resumed session');
      await onD.waitForDispatch('MESSAGE_CREATE', (d) => d.id === inX, 10_000);
      const inY = await send(yText, erin.token, 'Y is unavailable here');
      const barrier = await send(xText, dave.token, 'barrier');
      await onD.waitForDispatch('MESSAGE_CREATE', (d) => d.id === barrier, 10_000);
      assert.equal(onD.dispatches('MESSAGE_CREATE').filter((p) => p.d.id === inY).length, 0, 'no event of an unavailable guild');
    } finally {
      nodeA.child.kill('SIGKILL');
      nodeD.child.kill('SIGKILL');
    }
  });

  it('a dispatch too large for the journal: a resume elsewhere from before it gets op 9 (d: false), one from after it is served', { timeout: 120_000 }, async () => {
    const hank = await register(`hank${run}`.slice(0, 32));
    const bob = await register(`bo${run}`.slice(0, 32));
    const guild = (await http(b.url, 'POST', '/guilds', hank.token, { name: 'Guild L' })).body;
    const text = await textChannel(guild.id, hank.token);
    const invite = await http(b.url, 'POST', `/channels/${text}/invites`, hank.token, {});
    assert.equal((await http(b.url, 'POST', `/invites/${invite.body.code}`, bob.token)).status, 200);
    // Channels with the longest topic until the guild's GUILD_CREATE outgrows what the journal keeps inline.
    const channels = Math.ceil((JOURNAL_INLINE_MAX_BYTES * 1.2) / 1200);
    for (let i = 0; i < channels; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, channels - i) }, async (_, j) => {
        const res = await http(b.url, 'POST', `/guilds/${guild.id}/channels`, hank.token, { name: `topic-${i + j}`, type: 0, topic: 't'.repeat(1024) });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }));
    }
    const node = await startChild(dataDir, prefix, `resume-${run}-l`);
    try {
      const client = await GatewayClient.connect(node.url);
      clients.push(client);
      const ready = await client.identify(hank.token);
      const created = await client.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id, 15_000);
      assert.ok(JSON.stringify(created.d).length > JOURNAL_INLINE_MAX_BYTES, 'the GUILD_CREATE is larger than the journal keeps');
      // As in the test before: the channels' creation, from before READY, must fall outside the window of the event
      // log that a resume reads (RESUME_GAP_OVERLAP_MS before the journal's last batch).
      await new Promise((r) => setTimeout(r, RESUME_GAP_OVERLAP_MS + 100));
      const later = await send(text, bob.token, 'after the large guild');
      const laterSeen = await client.waitForDispatch('MESSAGE_CREATE', (d) => d.id === later);
      assert.equal(laterSeen.s, created.s! + 1);
      await killNode(node.child);

      // From before the GUILD_CREATE: the journal holds only a mark that it was sent, so B cannot replay it.
      const before = await sendResumeToB(hank.token, ready.session_id, created.s! - 1);
      assert.equal((await before.waitForOp(9, 15_000)).d, false);
      assert.equal(before.dispatches().length, 0, 'nothing replayed');

      // From the GUILD_CREATE on: everything missed is in the journal, and the refusal above ended nothing.
      const after = await sendResumeToB(hank.token, ready.session_id, created.s!);
      const resumed = await after.waitForDispatch('RESUMED', () => true, 15_000);
      const replayed = after.payloads.filter((p) => p.op === 0 && p.s! < resumed.s!);
      assert.deepEqual(replayed.map((p) => [p.t, p.s]), [['MESSAGE_CREATE', laterSeen.s]]);
      assert.equal(replayed[0]!.d.id, later);
    } finally {
      node.child.kill('SIGKILL');
    }
  });

  /**
   * Node S (in this process, sessions only) whose JetStream writes fail while `down`: acked appends fail and the
   * journal's plain publishes are lost, as when the streams are gone after a NATS restart. Frank's session there
   * trips the journal into standing aside (JOURNAL_BACKOFF_MS); Gina's session then lives wholly inside that
   * window, and gets a message: none of it reaches the journal. Then JetStream is back (`down` false).
   */
  async function sessionInsideOutage(name: string) {
    const frank = await register(`f${name}${run}`.slice(0, 32));
    const gina = await register(`g${name}${run}`.slice(0, 32));
    const guild = (await http(b.url, 'POST', '/guilds', frank.token, { name: `Guild ${name}` })).body;
    const text = await textChannel(guild.id, frank.token);
    const invite = await http(b.url, 'POST', `/channels/${text}/invites`, frank.token, {});
    assert.equal((await http(b.url, 'POST', `/invites/${invite.body.code}`, gina.token)).status, 200);

    const { NatsBus } = await import('../../src/bus/nats.ts');
    const real = await NatsBus.connect({ servers: TEST_NATS_URL, name: `accord-test-resume-${name}`, streamPrefix: prefix });
    let down = false;
    const flaky = new Proxy(real, {
      get(target, prop) {
        if (prop === 'append') {
          return (subject: string, payload: unknown) => (down ? Promise.reject(new Error('TIMEOUT')) : target.append(subject, payload));
        }
        if (prop === 'publish') {
          return (subject: string, payload: unknown) => (down && subject.startsWith('gateway.resume.') ? undefined : target.publish(subject, payload));
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const config = loadConfig({
      env: {},
      overrides: {
        port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000,
        nodeId: `resume-${run}-${name}`, workerId: 3, processId: 4, roles: ['sessions'],
      },
    });
    const s = await startServer(config, { store, bus: flaky, log: silentLogger });
    const startedAt = Date.now();
    down = true;
    const first = await GatewayClient.connect(s.url);
    clients.push(first);
    await first.identify(frank.token);
    await first.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    await waitFor(async () => (await metric(s.url, 'accord_gateway_resume_journal_failures_total')) >= 1, { timeoutMs: 10_000, what: 'a failed journal write' });
    const c = await GatewayClient.connect(s.url);
    clients.push(c);
    const ready = await c.identify(gina.token);
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    const seq = c.lastSeq!;
    const during = await send(text, frank.token, 'while the journal stood aside');
    const missed = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === during);
    down = false;
    assert.ok(Date.now() - startedAt < JOURNAL_BACKOFF_MS, 'still inside the backoff');
    return { s, real, c, ready, seq, during, missedSeq: missed.s!, frank, gina, text };
  }

  /** RESUME on B from `seq` (before the message Gina got during the outage, as if it was lost in flight). */
  async function resumeOnB(token: string, sessionId: string, seq: number, during: string, missedSeq: number) {
    const onB = await sendResumeToB(token, sessionId, seq);
    const answer = await onB.waitFor((p) => (p.op === 0 && p.t === 'RESUMED') || p.op === 9, 'RESUMED or INVALID_SESSION', 15_000);
    assert.equal(answer.op, 0, 'RESUMED, not INVALID_SESSION');
    const replayed = onB.payloads.filter((p) => p.op === 0 && p.s! < answer.s!);
    assert.deepEqual(replayed.filter((p) => p.t === 'MESSAGE_CREATE').map((p) => p.d.id), [during], 'the missed message, once');
    assert.equal(replayed.find((p) => p.t === 'MESSAGE_CREATE')!.s, missedSeq, 'with the seq the old node gave it');
    return onB;
  }

  it('a graceful stop stores what the journal skipped while JetStream failed: its client follows op 7, RESUMEs on B and gets the missed events', { timeout: 60_000 }, async () => {
    const { s, real, c, ready, seq, during, missedSeq, frank, gina, text } = await sessionInsideOutage('stop');
    let sOpen = true;
    try {
      // S stops gracefully, still inside the backoff.
      const stopped = s.close();
      sOpen = false;
      await c.waitForOp(7, 10_000);
      await stopped;
      await c.waitForClose(10_000);
      const onB = await resumeOnB(gina.token, ready.session_id, seq, during, missedSeq);
      const after = await send(text, frank.token, 'after the move');
      await onB.waitForDispatch('MESSAGE_CREATE', (d) => d.id === after, 10_000);
    } finally {
      if (sOpen) await s.close().catch(() => {});
      await real.close().catch(() => {});
    }
  });

  it('once the backoff is over the journal heals by itself: the session can move to B although S never dispatched again', { timeout: 60_000 }, async () => {
    const { s, real, c, ready, seq, during, missedSeq, gina } = await sessionInsideOutage('heal');
    try {
      await new Promise((r) => setTimeout(r, JOURNAL_BACKOFF_MS + 500));
      // The client moves to B while S still holds the session (S's copy ends quietly: sessions.takeover).
      await c.close();
      await resumeOnB(gina.token, ready.session_id, seq, during, missedSeq);
    } finally {
      await s.close().catch(() => {});
      await real.close().catch(() => {});
    }
  });
});
