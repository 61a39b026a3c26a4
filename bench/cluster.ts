/**
 * Cluster benchmark: what splitting roles into processes costs and buys on one machine.
 *
 *   node --import tsx bench/run.ts cluster [--quick] [--sessions S] [--messages M] [--rate R] [--send-messages N]
 *                                          [--concurrency C] [--only fanout|send] [--log-level L]
 *
 * Every layout runs on PostgreSQL (a database of its own on the machine's server, dropped afterwards) and, where
 * processes are split, on a nats-server of its own (started on a free port with JetStream in a temp folder, so the
 * run neither disturbs nor is disturbed by anything else on the machine's NATS).
 *
 * Fan-out, at the same offered load (S sessions in one guild, M messages at R/s, every message to every session):
 *   - `one process`   — every role in one process, in-memory bus: the reference;
 *   - `1 sessions`    — api (+ guild, presence and the workers) in one process, sessions in another, over NATS:
 *                       the cost of the NATS hop;
 *   - `2 sessions`    — the same with two sessions processes, the sessions split half and half.
 * Message create, closed loop (C concurrent senders, no sessions):
 *   - `1 api` / `2 api` — one or two api processes (senders split evenly), the other roles in one more process.
 *
 * This machine has 2 cores shared with the load generator, so capacity cannot double with a second node; CPU per
 * delivery and per message (summed over every server process) is what shows the scaling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  Args, cpuSeconds, freePort, gatewayUrl, Hist, Intents, LOAD_LIMITS, log, mb, memory, round, sleep, startAccord, startWorkers, stopProcess, table, writeResults,
  type LatencySummary, type ServerProcess, type WorkerClient,
} from './lib/common.ts';
import { collect, openSessions, sendMessages, sessionTokens, waitDeliveries, type RateLimitWaits } from './lib/sessions.ts';
import { createTextChannels, guildWithMembers, registerUsers } from './lib/setup.ts';

const DATABASE_URL = process.env.ACCORD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_SERVER = process.env.ACCORD_BENCH_NATS_SERVER ?? '/usr/sbin/nats-server';
const WORKER_ROLES = 'guild,presence,cdn,embed,search,push';

interface Params {
  sessions: number;
  messages: number;
  rate: number;
  sendMessages: number;
  concurrency: number;
  users: number;
  only: 'both' | 'fanout' | 'send';
  logLevel: string;
}

interface Node {
  name: string;
  roles: string;
  server: ServerProcess;
}

interface FanoutResult {
  layout: string;
  processes: number;
  sessionsNodes: number;
  sessionsReady: number;
  messagesSent: number;
  rateLimited: RateLimitWaits;
  expectedDeliveries: number;
  deliveries: number;
  deliveriesPerSecond: number;
  offeredPerSecond: number;
  latency: LatencySummary;
  missed: number;
  duplicated: number;
  serverCpuSeconds: number;
  cpuPer1000Deliveries: number;
  sessionsCpuPer1000Deliveries: number;
  serverPeakRssMb: number;
  wallSeconds: number;
}

interface SendResult {
  layout: string;
  apiNodes: number;
  messages: number;
  errors: number;
  messagesPerSecond: number;
  latency: LatencySummary;
  serverCpuSeconds: number;
  cpuMsPerMessage: number;
  apiCpuMsPerMessage: number;
}

function parse(args: string[]): Params {
  const a = new Args(args);
  const quick = a.has('quick');
  const sessions = a.int('sessions', quick ? 100 : 300, 2, 5000);
  return {
    sessions,
    messages: a.int('messages', quick ? 100 : 600, 1, 100_000),
    rate: a.num('rate', quick ? 20 : 30, 0.1, 10_000),
    sendMessages: a.int('send-messages', quick ? 1000 : 6000, 1, 1_000_000),
    concurrency: a.int('concurrency', 32, 2, 512),
    users: a.int('users', Math.min(sessions, 50), 1, 1000),
    only: a.choice('only', ['both', 'fanout', 'send'] as const, 'both'),
    logLevel: a.str('log-level') ?? 'warn',
  };
}

/** A nats-server with JetStream of the benchmark's own. */
async function startNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(os.tmpdir(), 'accord-bench-nats-'));
  const proc: ChildProcess = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nats-server exited with ${proc.exitCode} (is ${NATS_SERVER} installed?)`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('nats-server did not come up');
    await sleep(100);
  }
  return {
    url,
    async stop() {
      await stopProcess(proc, 'SIGTERM', 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh PostgreSQL database for one layout; dropped by the returned function. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `accord_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Starts the layout's processes in order (the first one runs api: setup goes through it). */
async function startLayout(layout: Array<{ name: string; roles: string }>, env: Record<string, string>, logLevel: string): Promise<Node[]> {
  const nodes: Node[] = [];
  try {
    for (const n of layout) {
      const server = await startAccord({ logLevel, env: { ...env, ACCORD_ROLES: n.roles, ACCORD_NODE_ID: `bench-${n.name}-${randomBytes(2).toString('hex')}` } });
      nodes.push({ ...n, server });
    }
  } catch (err) {
    await stopLayout(nodes);
    throw err;
  }
  return nodes;
}

async function stopLayout(nodes: Node[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.server.stop()));
}

function cpuOf(nodes: Node[]): number[] {
  return nodes.map((n) => cpuSeconds(n.server.pid));
}

async function fanoutLayout(
  name: string, layout: Array<{ name: string; roles: string }>, withNats: boolean, workers: WorkerClient[], p: Params,
): Promise<FanoutResult> {
  const db = await freshDatabase();
  const nats = withNats ? await startNats() : undefined;
  const env: Record<string, string> = { ACCORD_DATABASE_URL: db.url, ...(nats ? { ACCORD_NATS_URL: nats.url } : {}) };
  let nodes: Node[] = [];
  try {
    log(`  ${name}: starting ${layout.map((l) => `${l.name}(${l.roles})`).join(', ')}`);
    nodes = await startLayout(layout, env, p.logLevel);
    const api = nodes[0]!.server.url;
    const sessionsNodes = nodes.filter((n) => n.roles.split(',').includes('sessions'));
    const users = await registerUsers(api, p.users);
    const g = await guildWithMembers(api, users);
    const tokens = sessionTokens(users.map((u) => u.token), p.sessions);
    // Sessions split evenly over the sessions nodes (what a balancer in front of them does).
    const shares = sessionsNodes.map((_, i) => tokens.filter((_, k) => k % sessionsNodes.length === i));
    let ready = 0;
    for (const [i, node] of sessionsNodes.entries()) {
      const open = await openSessions(workers, gatewayUrl(node.server.url, false), shares[i]!, {
        compress: false, intents: Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT, rate: 500, timeoutMs: 120_000,
      });
      if (open.complete < shares[i]!.length) log(`  WARNING: ${node.name}: ${open.complete}/${shares[i]!.length} sessions complete: ${JSON.stringify(open.failures)}`);
      ready += open.complete;
    }
    await sleep(2000);
    const tag = randomBytes(4).toString('hex');
    await Promise.all(workers.map((w) => w.call('track', { messages: p.messages, tag })));
    const cpu0 = cpuOf(nodes);
    const t0 = performance.now();
    const sendStart = performance.timeOrigin + t0;
    const sent = await sendMessages(workers[0]!, {
      base: api, tokens: users.slice(0, 4).map((u) => u.token), channelIds: [g.channelId], count: p.messages, rate: p.rate, concurrency: 64, tag,
      timeoutMs: (p.messages / p.rate) * 2000 + 30_000,
    });
    const expected = sent.ok * ready;
    await waitDeliveries(workers, expected, 10_000, 120_000);
    const cpu = cpuOf(nodes).map((c, i) => c - cpu0[i]!);
    const wallSeconds = (performance.now() - t0) / 1000;
    const c = await collect(workers, sent.okFlags);
    const peakRss = nodes.reduce((a, n) => a + memory(n.server.pid).hwm, 0);
    await Promise.all(workers.map((w) => w.call('closeAll', {}, 30_000)));
    const total = cpu.reduce((a, b) => a + b, 0);
    const sessionsCpu = nodes.reduce((a, n, i) => a + (sessionsNodes.includes(n) ? cpu[i]! : 0), 0);
    const spanS = (c.lastDelivery - sendStart) / 1000;
    const r: FanoutResult = {
      layout: name, processes: nodes.length, sessionsNodes: sessionsNodes.length, sessionsReady: ready, messagesSent: sent.ok, expectedDeliveries: expected,
      deliveries: c.deliveries, deliveriesPerSecond: round(c.deliveries / spanS, 0), offeredPerSecond: round(p.rate * ready, 0), latency: c.lat.summary(),
      rateLimited: sent.rateLimited, missed: c.missed, duplicated: c.duplicated, serverCpuSeconds: round(total, 2), cpuPer1000Deliveries: round((1000 * total) / Math.max(1, c.deliveries), 4),
      sessionsCpuPer1000Deliveries: round((1000 * sessionsCpu) / Math.max(1, c.deliveries), 4), serverPeakRssMb: mb(peakRss), wallSeconds: round(wallSeconds, 1),
    };
    log(`  ${name}: ${c.deliveries}/${expected} deliveries, p99 ${r.latency.p99Ms} ms, max ${r.latency.maxMs} ms, missed ${c.missed}, dup ${c.duplicated}`);
    return r;
  } finally {
    await stopLayout(nodes);
    await nats?.stop();
    await db.drop();
  }
}

async function sendLayout(name: string, apiNodes: number, workers: WorkerClient[], p: Params): Promise<SendResult> {
  const db = await freshDatabase();
  const nats = await startNats();
  const env = { ACCORD_DATABASE_URL: db.url, ACCORD_NATS_URL: nats.url };
  const layout = [
    ...Array.from({ length: apiNodes }, (_, i) => ({ name: `api${i + 1}`, roles: 'api' })),
    { name: 'rest', roles: `sessions,${WORKER_ROLES}` },
  ];
  let nodes: Node[] = [];
  try {
    log(`  ${name}: starting ${layout.map((l) => `${l.name}(${l.roles})`).join(', ')}`);
    nodes = await startLayout(layout, env, p.logLevel);
    const apis = nodes.filter((n) => n.roles === 'api');
    const users = await registerUsers(apis[0]!.server.url, 16);
    const g = await guildWithMembers(apis[0]!.server.url, users);
    const channels = await createTextChannels(apis[0]!.server.url, g.owner, g.guildId, 50);
    const tokens = users.map((u) => u.token);
    const run = (count: number, tag: string) => Promise.all(apis.map((a, i) => sendMessages(workers[i % workers.length]!, {
      base: a.server.url, tokens, channelIds: channels, count: Math.ceil(count / apis.length), rate: 0, concurrency: Math.max(1, Math.floor(p.concurrency / apis.length)),
      tag: `${tag}${i}`, timeoutMs: 240_000,
    })));
    await run(Math.min(400, p.sendMessages), 'warm'); // JIT and statement caches, not measured
    await sleep(500);
    const cpu0 = cpuOf(nodes);
    const t0 = performance.now();
    const parts = await run(p.sendMessages, randomBytes(3).toString('hex'));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuOf(nodes).map((c, i) => c - cpu0[i]!);
    const lat = new Hist();
    let ok = 0;
    let errors = 0;
    for (const part of parts) {
      lat.merge(part.latency.toJSON());
      ok += part.ok;
      errors += Object.values(part.errors).reduce((a, b) => a + b, 0);
    }
    const total = cpu.reduce((a, b) => a + b, 0);
    const apiCpu = nodes.reduce((a, n, i) => a + (n.roles === 'api' ? cpu[i]! : 0), 0);
    const r: SendResult = {
      layout: name, apiNodes, messages: ok, errors, messagesPerSecond: round(ok / seconds, 0), latency: lat.summary(), serverCpuSeconds: round(total, 2),
      cpuMsPerMessage: round((1000 * total) / Math.max(1, ok), 3), apiCpuMsPerMessage: round((1000 * apiCpu) / Math.max(1, ok), 3),
    };
    log(`  ${name}: ${ok} messages, ${r.messagesPerSecond}/s, p99 ${r.latency.p99Ms} ms, errors ${errors}`);
    return r;
  } finally {
    await stopLayout(nodes);
    await nats.stop();
    await db.drop();
  }
}

export async function main(args: string[]): Promise<void> {
  const p = parse(args);
  const loadBefore = os.loadavg();
  log(`cluster bench: fan-out ${p.sessions} sessions × ${p.messages} messages at ${p.rate}/s; send ${p.sendMessages} messages, ${p.concurrency} senders; ` +
    `PostgreSQL ${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}, a nats-server of its own`);
  const workers = await startWorkers(2);
  const fanout: FanoutResult[] = [];
  const send: SendResult[] = [];
  try {
    if (p.only !== 'send') {
      fanout.push(await fanoutLayout('one process', [{ name: 'all', roles: `api,sessions,${WORKER_ROLES}` }], false, workers, p));
      fanout.push(await fanoutLayout('1 sessions', [{ name: 'api', roles: `api,${WORKER_ROLES}` }, { name: 'sessions1', roles: 'sessions' }], true, workers, p));
      fanout.push(await fanoutLayout('2 sessions', [
        { name: 'api', roles: `api,${WORKER_ROLES}` }, { name: 'sessions1', roles: 'sessions' }, { name: 'sessions2', roles: 'sessions' },
      ], true, workers, p));
    }
    if (p.only !== 'fanout') {
      send.push(await sendLayout('1 api', 1, workers, p));
      send.push(await sendLayout('2 api', 2, workers, p));
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  if (fanout.length) {
    console.log(table([
      ['layout', 'processes', 'sessions nodes', 'sessions', 'deliveries/s', 'offered/s', 'p50 ms', 'p99 ms', 'max ms', '429s', '429 wait s', 'missed', 'dup', 'cpu s (all)', 'cpu s/1k deliv', 'sessions cpu s/1k', 'RSS MB (all)'],
      ...fanout.map((r) => [r.layout, r.processes, r.sessionsNodes, r.sessionsReady, r.deliveriesPerSecond, r.offeredPerSecond, r.latency.p50Ms, r.latency.p99Ms, r.latency.maxMs,
        r.rateLimited.responses, round(r.rateLimited.waitMs / 1000, 1), r.missed, r.duplicated, r.serverCpuSeconds, r.cpuPer1000Deliveries, r.sessionsCpuPer1000Deliveries, r.serverPeakRssMb]),
    ]));
    console.log('latency = REST call start → MESSAGE_CREATE at each session (a 429 is waited out and retried; the wait is counted apart, not in latency); cpu summed over every server process over the send window');
  }
  if (send.length) {
    console.log(table([
      ['layout', 'api nodes', 'messages', 'errors', 'msg/s', 'p50 ms', 'p99 ms', 'max ms', 'cpu s (all)', 'cpu ms/msg (all)', 'api cpu ms/msg'],
      ...send.map((r) => [r.layout, r.apiNodes, r.messages, r.errors, r.messagesPerSecond, r.latency.p50Ms, r.latency.p99Ms, r.latency.maxMs, r.serverCpuSeconds, r.cpuMsPerMessage, r.apiCpuMsPerMessage]),
    ]));
  }
  writeResults('cluster', { ...p, serverEnv: LOAD_LIMITS }, loadBefore, { fanout, send });
}
