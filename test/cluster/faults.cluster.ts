/**
 * Fault tests on a real local cluster (fixture.ts): 2 api, 2 sessions, 2 guild, 1 presence, cdn, search, push and
 * embed nodes as separate processes on a private PostgreSQL and NATS, behind HAProxy. Each test breaks one thing
 * the way production breaks (kill -9, a server restart), checks what clients see meanwhile, and measures how long
 * until the service is whole again. Run with `npm run test:cluster` (scripts/test-cluster.mjs); the table of
 * recovery times is printed at the end and written to ACCORD_CLUSTER_RESULTS (default data/cluster-results.json).
 *
 * Recovery times are measured and reported, never asserted: the machine is shared.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALL_INTENTS } from '../../src/protocol/intents.ts';
import { GatewayClient } from '../integration/gateway-client.ts';
import { portOpen } from '../../scripts/cluster/services.ts';
import { GUILD_RETRY } from '../../src/sessions/guild-loader.ts';
import { ClusterFixture, GUILD_PARTITION_TTL_MS, now, until, type User } from './fixture.ts';

const RESULTS_FILE = process.env.ACCORD_CLUSTER_RESULTS ?? 'data/cluster-results.json';

describe('a local cluster behind HAProxy, under faults', { timeout: 900_000 }, () => {
  const f = new ClusterFixture();
  let owner: User;
  let member: User;
  let guildId: string;
  let channelId: string;
  let failed = false;
  const clients: GatewayClient[] = [];

  /** A gateway session through the proxy; READY's d. */
  const online = async (user: User): Promise<{ c: GatewayClient; ready: any }> => {
    const c = await GatewayClient.connect(f.proxy);
    clients.push(c);
    const ready = await c.identify(user.token, { intents: ALL_INTENTS });
    return { c, ready };
  };
  const nodeOf = (ready: any): string => String(ready.resume_gateway_url).split('/').pop()!;
  /** One session per sessions node (leastconn alternates; bounded tries). */
  const onEveryGatewayNode = async (user: User): Promise<Map<string, GatewayClient>> => {
    // A node restarted by the test before is routed to only once HAProxy has seen it healthy.
    for (const id of ['sessions-1', 'sessions-2']) await until(`HAProxy sees ${id} UP`, 30_000, async () => (await f.cluster.proxyServerStatus(id)).gateway === 'UP');
    const byNode = new Map<string, GatewayClient>();
    for (let i = 0; i < 8 && byNode.size < 2; i++) {
      const { c, ready } = await online(user);
      await c.waitForDispatch('GUILD_CREATE', () => true, 20_000);
      if (!byNode.has(nodeOf(ready))) byNode.set(nodeOf(ready), c);
    }
    assert.equal(byNode.size, 2, 'a session on each sessions node');
    return byNode;
  };
  const searchTotal = async (word: string): Promise<number | null> => {
    const res = await f.request('GET', `/guilds/${guildId}/messages/search?content=${word}`, { auth: owner });
    return res.status === 200 ? res.body.total_results : null;
  };
  const embedsOf = async (messageId: string): Promise<any[]> => (await f.request('GET', `/channels/${channelId}/messages/${messageId}`, { auth: owner })).body.embeds;

  before(async () => {
    await f.start();
    owner = await f.register();
    member = await f.register();
    ({ guildId, channelId } = await f.guild(owner, member));
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    if (f.results.length) f.report(RESULTS_FILE);
    if (failed || f.unexpectedExits.length) console.log(`# logs kept in ${f.dir}/logs`);
    await f.stop(failed || f.unexpectedExits.length > 0);
  });

  /** A test whose failure keeps the logs; whatever it stopped is running again afterwards, for the next test. */
  const guarded = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        if (!(await portOpen(f.postgres.port))) await f.postgres.start().catch(() => {});
        if (!(await portOpen(f.nats.port))) await f.nats.start().catch(() => {});
        for (const n of f.cluster.nodes) if (!n.child) await f.cluster.startNode(n.spec.id).catch(() => {});
      }
    });

  guarded('the proxy: GET /gateway names it, and READY\'s resume_gateway_url reaches the node that holds the session', async () => {
    const gateway = await f.request('GET', '/gateway');
    assert.deepEqual(gateway.body, { url: `${f.proxy.replace(/^http/, 'ws')}/gateway` });
    const { c, ready } = await online(owner);
    assert.match(ready.resume_gateway_url, new RegExp(`^${f.proxy.replace(/^http/, 'ws')}/gateway-node/sessions-[12]$`));
    await c.waitForDispatch('GUILD_CREATE', () => true, 20_000);
    const sent = await f.send(owner, channelId, 'before the resume');
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id, 10_000);
    const seq = c.lastSeq;
    await c.close();
    const missed = await f.send(owner, channelId, 'missed while away');
    assert.equal(missed.status, 200);
    // Libraries append the query to resume_gateway_url as given.
    const r = await GatewayClient.connect(ready.resume_gateway_url, { path: '' });
    clients.push(r);
    await r.waitForOp(10);
    r.send(6, { token: owner.token, session_id: ready.session_id, seq });
    await r.waitForDispatch('MESSAGE_CREATE', (d) => d.id === missed.body.id, 10_000);
    await r.waitForDispatch('RESUMED', () => true, 10_000);
    await r.close();
  });

  guarded('kill -9 an api node: requests keep working through the proxy; it rejoins when restarted', async () => {
    await f.cluster.stopNode('api-1', 'SIGKILL');
    const killedAt = now();
    let failures = 0;
    for (let i = 0; i < 30; i++) {
      const res = i % 3 === 0 ? await f.send(owner, channelId, `while api-1 is dead ${i}`) : await f.request('GET', '/users/@me', { auth: owner });
      if (res.status !== 200) failures++;
    }
    assert.equal(failures, 0, 'every request answered by the other api node');
    const restartAt = now();
    await f.cluster.startNode('api-1');
    const healthyAt = now();
    await until('HAProxy sees api-1 UP', 30_000, async () => (await f.cluster.proxyServerStatus('api-1')).api === 'UP');
    const upAt = now();
    f.record({
      test: 'd',
      fault: 'kill -9 api-1, then restart it',
      recoveryMs: upAt - restartAt,
      details: { requestsWhileDead: 30, failedRequests: failures, deadForMs: restartAt - killedAt, processStartMs: healthyAt - restartAt, proxyRiseMs: upAt - healthyAt },
    });
  });

  guarded('kill -9 the presence node: READY still comes and messages flow; presences work again once it is back', async () => {
    const watcher = (await online(owner)).c;
    await watcher.waitForDispatch('GUILD_CREATE', () => true, 20_000);
    await f.cluster.stopNode('presence-1', 'SIGKILL');
    const killedAt = now();

    const identifyStarted = now();
    const { c: late, ready } = await online(member);
    const readyMs = now() - identifyStarted;
    assert.equal(typeof ready.session_id, 'string');
    const guildCreate = await late.waitForDispatch('GUILD_CREATE', () => true, 20_000);
    assert.notEqual(guildCreate.d.unavailable, true, 'the guild itself is served while presence is down');
    const sent = await f.send(member, channelId, 'presence is down');
    assert.equal(sent.status, 200);
    await watcher.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id, 10_000);

    const restartAt = now();
    const fromRestart = watcher.payloads.length;
    await f.cluster.startNode('presence-1');
    const startedAt = now();
    // The restarted node knew nothing; it asks the sessions nodes for their sessions' presences, so the member —
    // whose IDENTIFY came while it was down — shows up online without doing anything.
    await watcher.waitForDispatch('PRESENCE_UPDATE', (d) => d.user?.id === member.id && d.status === 'online', 30_000, fromRestart);
    const presencesBackMs = now() - restartAt;
    // Recovered when a status change of the member reaches the owner again (op 3 → presence → PRESENCE_UPDATE).
    let flips = 0;
    await until('a PRESENCE_UPDATE after the restart', 60_000, async () => {
      const status = flips++ % 2 === 0 ? 'dnd' : 'idle';
      const from = watcher.payloads.length;
      late.send(3, { since: null, activities: [], status, afk: false });
      return watcher.waitForDispatch('PRESENCE_UPDATE', (d) => d.user?.id === member.id && d.status === status, 1000, from).then(
        () => true,
        () => false,
      );
    }, 0);
    const recoveredAt = now();
    f.record({
      test: 'a',
      fault: 'kill -9 presence-1, then restart it',
      recoveryMs: recoveredAt - restartAt,
      details: { readyWhileDownMs: readyMs, downForMs: restartAt - killedAt, processStartMs: startedAt - restartAt, presencesBackMs, statusFlips: flips },
    });
  });

  guarded('restart NATS: every process reconnects, messages flow again, queued jobs run once', async () => {
    const byNode = await onEveryGatewayNode(owner);
    // A job queued before the restart (in JetStream's file store) and one written while NATS is down (outbox).
    const word = (n: number) => `zebra${Date.now().toString(36)}x${n}`;
    const before = { word: word(1), page: `/before-${Date.now()}` };
    const during = { word: word(2), page: `/during-${Date.now()}` };
    const first = await f.send(owner, channelId, `${before.word} ${f.pages.url(before.page)}`);
    assert.equal(first.status, 200);

    await f.nats.stop();
    const downAt = now();
    const written = await f.send(owner, channelId, `${during.word} ${f.pages.url(during.page)}`);
    assert.equal(written.status, 200, `a write while NATS is down is accepted (outbox): ${JSON.stringify(written.body)}`);
    const writeWhileDownMs = written.ms;
    await f.nats.start();
    const upAt = now();

    // Recovered when a new message reaches a session on each sessions node.
    let probes = 0;
    await until('a message through the bus to both sessions nodes', 90_000, async () => {
      const sent = await f.send(owner, channelId, `probe ${probes++}`, 10_000);
      if (sent.status !== 200) return false;
      const seen = await Promise.all([...byNode.values()].map((c) => c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id, 2000).then(() => true, () => false)));
      return seen.every(Boolean);
    }, 0);
    const flowingAt = now();
    // The MESSAGE_CREATE of the message written while NATS was down reaches the gateway: the relay does not
    // publish on a disconnected bus (the client library would buffer it and send it before subscribers are back),
    // so the record stays in the outbox and a sweep publishes it after the reconnect.
    const deliveredDuringOutage = (
      await Promise.all([...byNode.values()].map((c) => c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === written.body.id, 20_000).then(() => true, () => false)))
    ).filter(Boolean).length;
    assert.equal(deliveredDuringOutage, byNode.size, 'the message written during the outage reached a session on every sessions node');

    // New sessions work end to end again (sessions → guild snapshot over the bus).
    const { c: fresh } = await online(member);
    const gc = await fresh.waitForDispatch('GUILD_CREATE', () => true, 20_000);
    assert.notEqual(gc.d.unavailable, true);

    // The search and embed jobs of both messages ran, and their effect is there once.
    for (const m of [before, during]) {
      const total = await until(`search finds ${m.word}`, 60_000, async () => (await searchTotal(m.word)) || null, 500);
      assert.equal(total, 1, `${m.word} indexed once`);
    }
    for (const [id, m] of [[first.body.id, before], [written.body.id, during]] as const) {
      const embeds = await until(`the embed of ${m.page}`, 60_000, async () => {
        const e = await embedsOf(id);
        return e.length ? e : null;
      }, 500);
      assert.equal(embeds.length, 1, 'one embed, not two');
      assert.equal(embeds[0].title, `Cluster page ${m.page}`);
    }
    const doneAt = now();
    assert.deepEqual(f.unexpectedExits, [], 'no node died');
    f.record({
      test: 'b',
      fault: 'restart NATS (SIGTERM, start again)',
      recoveryMs: flowingAt - upAt,
      details: {
        natsDownMs: upAt - downAt,
        writeWhileDownMs,
        sessionsNodesGotOutageMessage: deliveredDuringOutage,
        probes,
        jobsDoneAfterUpMs: doneAt - upAt,
        pageFetchesBefore: f.pages.hits.get(before.page) ?? 0,
        pageFetchesDuring: f.pages.hits.get(during.page) ?? 0,
      },
    });
  });

  guarded('restart PostgreSQL: writes fail fast with 503 and Retry-After, no acknowledged write is lost, recovery is automatic', async () => {
    const watcher = (await online(owner)).c;
    await watcher.waitForDispatch('GUILD_CREATE', () => true, 20_000);
    const acknowledged: string[] = [];
    const refusals: Array<{ status: number; retryAfter: string | null; body: any; ms: number }> = [];
    let stop = false;
    let n = 0;
    // One writer, a message every 100 ms, through the whole outage.
    const writer = (async () => {
      while (!stop && n < 2000) {
        const res = await f.send(owner, channelId, `write ${n++}`, 30_000).catch((err) => ({ status: 0, headers: new Headers(), body: String(err), ms: 30_000 }));
        if (res.status === 200) acknowledged.push(res.body.id);
        else refusals.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body, ms: res.ms });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await until('some writes before the restart', 30_000, () => acknowledged.length >= 3);
    await f.postgres.stop();
    const downAt = now();
    await until('writes refused while PostgreSQL is down', 30_000, () => refusals.length >= 5);
    await f.postgres.start();
    const upAt = now();
    const before = acknowledged.length;
    await until('a write acknowledged after the restart', 60_000, () => acknowledged.length > before);
    const recoveredAt = now();
    stop = true;
    await writer;

    for (const r of refusals) {
      assert.ok(r.status >= 500 && r.status < 600, `a 5xx, not ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body?.code, 'number', `Discord's error shape: ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body?.message, 'string');
      assert.ok(r.retryAfter && Number(r.retryAfter) > 0, `Retry-After on ${r.status}`);
    }
    for (const id of acknowledged) {
      const got = await f.request('GET', `/channels/${channelId}/messages/${id}`, { auth: owner });
      assert.equal(got.status, 200, `acknowledged message ${id} is stored`);
    }
    for (const id of acknowledged) await watcher.waitForDispatch('MESSAGE_CREATE', (d) => d.id === id, 30_000);
    assert.deepEqual(f.unexpectedExits, [], 'no node died');
    f.record({
      test: 'c',
      fault: 'restart PostgreSQL (fast shutdown, start again)',
      recoveryMs: recoveredAt - upAt,
      details: {
        pgDownMs: upAt - downAt,
        acknowledged: acknowledged.length,
        refused: refusals.length,
        statuses: [...new Set(refusals.map((r) => r.status))],
        slowestRefusalMs: Math.max(...refusals.map((r) => r.ms)),
        firstWriteAfterDownMs: recoveredAt - downAt,
      },
    });
  });

  guarded('stop a sessions node: its clients get op 7 and RESUME at their resume URL on the other node', async () => {
    const byNode = await onEveryGatewayNode(member);
    const c = byNode.get('sessions-1')!;
    const ready = c.dispatches('READY')[0]!.d;
    const stopAt = now();
    await f.cluster.stopNode('sessions-1', 'SIGTERM');
    await c.waitForOp(7, 20_000);
    const seq = c.lastSeq;
    await c.close();
    // Until HAProxy's health checks see the node gone (about 2 s), its resume path answers a Discord-shaped 503.
    await until('HAProxy sees sessions-1 DOWN', 30_000, async () => {
      const status = await f.cluster.proxyServerStatus('sessions-1');
      return status.gateway !== 'UP' && status['resume_sessions-1'] !== 'UP';
    });
    // What a library does after op 7: RESUME at resume_gateway_url; the proxy sends it to a live node.
    const r = await GatewayClient.connect(ready.resume_gateway_url, { path: '' });
    clients.push(r);
    await r.waitForOp(10, 10_000);
    r.send(6, { token: member.token, session_id: ready.session_id, seq });
    const answer = await r.waitFor((p) => (p.op === 0 && p.t === 'RESUMED') || p.op === 9, 'RESUMED or INVALID_SESSION', 20_000);
    // By design the resume succeeds: a graceful stop ends its sessions without the journal's tombstone (only a
    // session ended for good writes one: closed, expired, invalidated), so sessions-2 rebuilds it from the journal.
    assert.notEqual(answer.op, 9, 'a session of a gracefully stopped node resumes on another node');
    const outcome = 'resumed';
    const session = r;
    const sent = await f.send(owner, channelId, 'after the sessions node went away');
    await session.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id, 10_000);
    const servedAt = now();
    await f.cluster.startNode('sessions-1');
    await until('HAProxy sees sessions-1 UP', 30_000, async () => (await f.cluster.proxyServerStatus('sessions-1')).gateway === 'UP');
    f.record({
      test: 'e',
      fault: 'SIGTERM sessions-1 (graceful), client follows op 7',
      recoveryMs: servedAt - stopAt,
      details: { outcome, nodeBackUpMs: now() - servedAt },
    });
  });

  guarded('kill -9 a sessions node under load: its clients RESUME through the proxy on the other node and get every missed message once, in order', async () => {
    const byNode = await onEveryGatewayNode(member);
    const c = byNode.get('sessions-1')!;
    const ready = c.dispatches('READY')[0]!.d;
    // A steady writer: one message every 50 ms, in order (each send waits for the one before).
    const acknowledged: string[] = [];
    let stop = false;
    let n = 0;
    let refused = 0;
    const writer = (async () => {
      while (!stop && n < 2000) {
        const res = await f.send(owner, channelId, `steady ${n++}`).catch(() => null);
        if (res?.status === 200) acknowledged.push(res.body.id);
        else refused++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await until('the load reaches the session on sessions-1', 30_000, () => acknowledged.length >= 5 && c.dispatches('MESSAGE_CREATE').some((p) => p.d.id === acknowledged[4]));
      await f.cluster.stopNode('sessions-1', 'SIGKILL');
      const killedAt = now();
      await c.waitForClose(10_000);
      const seq = c.lastSeq;
      const seenBefore = c.dispatches('MESSAGE_CREATE').map((p) => p.d.id as string);
      // What a library does on a dropped socket: reconnect to resume_gateway_url (with backoff) and RESUME. Until
      // HAProxy's checks mark the node down the path answers 503; then the proxy sends it to sessions-2.
      let attempts = 0;
      const r = await until('a socket at the resume URL', 30_000, async () => {
        attempts++;
        const ws = await GatewayClient.connect(ready.resume_gateway_url, { path: '' }).catch(() => null);
        if (!ws) return null;
        clients.push(ws);
        return ws.waitForOp(10, 3000).then(() => ws, async () => (await ws.close(), null));
      }, 250);
      const sentResumeAt = acknowledged.length;
      r.send(6, { token: member.token, session_id: ready.session_id, seq });
      const answer = await r.waitFor((p) => (p.op === 0 && p.t === 'RESUMED') || p.op === 9, 'RESUMED or INVALID_SESSION', 30_000);
      const resumedAt = now();
      assert.notEqual(answer.op, 9, 'the resume on the other node is accepted (see sessions-2\'s log for why not)');
      const resumedIndex = r.payloads.indexOf(answer);
      // Let some live messages flow on the resumed session, then stop writing and wait for the last one.
      const afterResume = acknowledged.length;
      await until('messages after the resume', 30_000, () => acknowledged.length >= afterResume + 5);
      stop = true;
      await writer;
      await r.waitForDispatch('MESSAGE_CREATE', (d) => d.id === acknowledged.at(-1), 30_000);

      const got = r.dispatches('MESSAGE_CREATE').map((p) => p.d.id as string).filter((id) => acknowledged.includes(id));
      const all = [...seenBefore.filter((id) => acknowledged.includes(id)), ...got];
      assert.equal(new Set(all).size, all.length, 'no message twice');
      assert.deepEqual(all, acknowledged, 'every acknowledged message, in order');
      // Everything acknowledged before the RESUME was sent was missed, so it comes before RESUMED.
      const replayed = r.payloads.slice(0, resumedIndex).filter((p) => p.op === 0 && p.t === 'MESSAGE_CREATE').map((p) => p.d.id as string);
      for (const id of acknowledged.slice(0, sentResumeAt)) if (!seenBefore.includes(id)) assert.ok(replayed.includes(id), `missed message ${id} replayed before RESUMED`);
      const seqs = r.payloads.filter((p) => p.s != null).map((p) => p.s as number);
      assert.deepEqual(seqs, seqs.map((_, i) => seq! + 1 + i), 'seqs continue from the client\'s without a gap');
      f.record({
        test: 'f',
        fault: 'kill -9 sessions-1 under a message every 50 ms; client RESUMEs at resume_gateway_url',
        recoveryMs: resumedAt - killedAt,
        details: { connectAttempts: attempts, replayedBeforeResumed: replayed.length, missedWhileDown: acknowledged.slice(0, sentResumeAt).filter((id) => !seenBefore.includes(id)).length, sent: acknowledged.length, refusedSends: refused },
      });
    } finally {
      stop = true;
      await writer;
    }
  });

  guarded('kill -9 a guild node: READY degrades (its partitions\' guilds unavailable) and their GUILD_CREATE comes once the other node takes over', async () => {
    // Enough guilds that both guild nodes hold some.
    const guilds = [guildId];
    for (let i = 0; i < 7; i++) guilds.push((await f.guild(owner, member)).guildId);
    const owners = new Map<string, string | null>();
    await until('every guild\'s partition has an owner', 30_000, async () => {
      for (const g of guilds) owners.set(g, await f.partitionOwner(g));
      return [...owners.values()].every(Boolean);
    });
    const victim = owners.get(guildId)!;
    const survivor = victim === 'guild-1' ? 'guild-2' : 'guild-1';
    const lost = guilds.filter((g) => owners.get(g) === victim);
    const kept = guilds.filter((g) => owners.get(g) !== victim);
    await f.cluster.stopNode(victim, 'SIGKILL');
    const killedAt = now();

    const { c, ready } = await online(owner);
    const readyMs = now() - killedAt;
    const inReady = new Set<string>(ready.guilds.map((g: any) => g.id));
    for (const g of guilds) assert.ok(inReady.has(g), `guild ${g} listed in READY`);
    for (const g of ready.guilds) assert.equal(g.unavailable, true, 'READY lists guilds as unavailable; GUILD_CREATE follows');
    const arrived = new Map<string, number>();
    const arrivalOf = async (g: string) => {
      const p = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === g, 60_000);
      assert.notEqual(p.d.unavailable, true);
      arrived.set(g, now() - killedAt);
    };
    await Promise.all(kept.map(arrivalOf));
    // Degraded: the live partitions' guilds are served while the dead node's are still unavailable.
    const stillUnavailable = lost.filter((g) => !c.dispatches('GUILD_CREATE').some((p) => p.d.id === g));
    assert.ok(stillUnavailable.length > 0, `the dead node's guilds are not served before the takeover (${lost.length} lost, all already back)`);
    await Promise.all(lost.map(arrivalOf));
    const backAt = now();
    // The bound (docs/guild-partitions.md): takeover within TTL + TTL/3, then the new owner's announcement retries
    // the waiting guilds spread over GUILD_RETRY.servedSpreadMs; a second on top for building the snapshots.
    const boundMs = Math.round((GUILD_PARTITION_TTL_MS * 4) / 3) + GUILD_RETRY.servedSpreadMs + 1000;
    assert.ok(backAt - killedAt <= boundMs, `every lost guild back within ${boundMs} ms (took ${backAt - killedAt} ms)`);
    for (const g of lost) assert.equal(await f.partitionOwner(g), survivor, `${survivor} holds ${g}'s partition now`);
    // The same guilds through REST and a live event: the new owner serves them.
    const sent = await f.send(owner, channelId, 'after the guild takeover');
    assert.equal(sent.status, 200);
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id, 10_000);
    f.record({
      test: 'g',
      fault: `kill -9 ${victim} (partition TTL ${GUILD_PARTITION_TTL_MS} ms, guilds back bound ${boundMs} ms)`,
      recoveryMs: backAt - killedAt,
      details: {
        guildsLost: lost.length,
        guildsKept: kept.length,
        readyMs,
        keptBackMs: Math.max(...kept.map((g) => arrived.get(g)!)),
        lostFirstBackMs: Math.min(...lost.map((g) => arrived.get(g)!)),
        lostLastBackMs: backAt - killedAt,
      },
    });
  });

  guarded('kill -9 an api node mid-send with enforce_nonce: retries of the same nonce get the same message, stored once', async () => {
    const tag = Date.now().toString(36);
    const body = (nonce: string) => ({ content: `nonce ${nonce}`, nonce, enforce_nonce: true });
    const api1 = f.cluster.node('api-1').spec.port;
    /** A send straight to api-1 (so it is in flight there when it dies), answered or not. */
    const direct = (nonce: string) =>
      fetch(`http://127.0.0.1:${api1}/api/v10/channels/${channelId}/messages`, {
        method: 'POST',
        headers: { authorization: owner.token, 'content-type': 'application/json' },
        body: JSON.stringify(body(nonce)),
        signal: AbortSignal.timeout(30_000),
      }).then(async (res) => ({ status: res.status, id: res.status === 200 ? ((await res.json()) as any).id as string : null }), () => ({ status: 0, id: null }));
    // Sends through the proxy too (round robin: some land on api-1), all with their own nonce.
    const nonces = Array.from({ length: 16 }, (_, i) => `${tag}-${i}`);
    const first = new Map<string, Promise<{ status: number; id: string | null }>>();
    for (const [i, nonce] of nonces.entries()) {
      first.set(nonce, i % 2 === 0 ? direct(nonce) : f.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: body(nonce) }).then((r) => ({ status: r.status, id: r.status === 200 ? r.body.id : null }), () => ({ status: 0, id: null })));
      if (i === 7) {
        // Mid-send: half the sends are out, some still in api-1's hands.
        await new Promise((r) => setTimeout(r, 5));
        await f.cluster.stopNode('api-1', 'SIGKILL');
      }
    }
    const killedAt = now();
    const answers = new Map<string, { status: number; id: string | null }>();
    for (const [nonce, p] of first) answers.set(nonce, await p);
    const unanswered = nonces.filter((n) => answers.get(n)!.status !== 200);
    // The client retries every send (answered or not) with the same nonce through the proxy, twice.
    const retryIds = new Map<string, string[]>();
    for (const nonce of nonces) {
      const ids: string[] = [];
      for (let k = 0; k < 2; k++) {
        const res = await f.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: body(nonce) });
        assert.equal(res.status, 200, `retry of ${nonce}: ${JSON.stringify(res.body)}`);
        ids.push(res.body.id);
      }
      retryIds.set(nonce, ids);
    }
    const recoveredAt = now();
    for (const nonce of nonces) {
      const ids = retryIds.get(nonce)!;
      assert.equal(ids[0], ids[1], `the retries of ${nonce} answer the same message`);
      const a = answers.get(nonce)!;
      if (a.id) assert.equal(ids[0], a.id, `the retry of ${nonce} answers the message its first send created`);
    }
    // History: exactly one message per nonce.
    const history = await f.request('GET', `/channels/${channelId}/messages?limit=100`, { auth: owner });
    assert.equal(history.status, 200);
    for (const nonce of nonces) {
      const stored = history.body.filter((m: any) => m.content === `nonce ${nonce}`);
      assert.equal(stored.length, 1, `one message for nonce ${nonce}, not ${stored.length}`);
      assert.equal(stored[0].id, retryIds.get(nonce)![0]);
    }
    f.record({
      test: 'h',
      fault: 'kill -9 api-1 mid-send (enforce_nonce), client retries the same nonce',
      recoveryMs: recoveredAt - killedAt,
      details: { sends: nonces.length, unansweredFirstSends: unanswered.length, retries: nonces.length * 2, statuses: [...new Set([...answers.values()].map((a) => a.status))] },
    });
  });

  guarded('no node died along the way, except the ones the tests killed', async () => {
    assert.deepEqual(f.unexpectedExits, []);
    for (const n of f.cluster.nodes) assert.ok(n.child, `${n.spec.id} is running`);
  });
});
