/**
 * Fan-out benchmark: one guild, S identified sessions, M messages posted through REST at a fixed rate; every
 * message must reach every session exactly once.
 *
 *   node --import tsx bench/run.ts fanout [--quick] [--sessions S] [--messages M] [--rate R | --rate 0 --in-flight K] [--compress both|none|zlib]
 *                                         [--users U] [--workers W] [--no-floor] [--profile] [--log-level L]
 *
 * Accord runs as its own process (as `npm start` runs it; rate limits raised and a password hash cost of 15: MEMORY_LOAD_LIMITS),
 * the sessions live in 1–2 forked load workers, and worker 0 also posts the messages. Each message's content
 * carries its index and the wall-clock time its REST call started, so latency is REST call start → receipt at
 * each session. Then the same clients and sender run against the floor server (bench/lib/floor-server.ts) and
 * the table shows Accord as a ratio of that floor.
 *
 * Sessions are user sessions (they receive everything) identifying with GUILDS|GUILD_MESSAGES|MESSAGE_CONTENT,
 * spread round-robin over U registered users (registration costs a scrypt hash, so U ≤ S by default).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect as connectNats } from 'nats';
import {
  Args, cpuSeconds, gatewayUrl, memory, memoryBreakdown, Intents, log, MEMORY_LOAD_LIMITS, mb, measureWindow, round, sleep, startAccord, startFloor, startWorkers, table, writeResults,
  type LatencySummary, type MemoryBreakdown, type ServerProcess, type WorkerClient,
} from './lib/common.ts';
import { stopWithProfile, type ProfileSummary } from './lib/profile-summary.ts';
import { collect, openSessions, sendMessages, sessionTokens, waitDeliveries, type RateLimitWaits } from './lib/sessions.ts';
import { guildWithMembers, registerUsers } from './lib/setup.ts';

interface Params {
  sessions: number;
  messages: number;
  rate: number;
  modes: Array<'none' | 'zlib'>;
  users: number;
  workers: number;
  senders: number;
  /** REST calls the sender keeps outstanding at most (with --rate 0: always, back to back). */
  inFlight: number;
  connectRate: number;
  floor: boolean;
  profile: boolean;
  logLevel: string;
  /** Server processes per run (ACCORD_WORKERS); with any above 1, every run is on NATS so the runs compare. */
  serverProcesses: number[];
}

export interface ModeResult {
  /** 'accord', 'accord×N' for a run of N server processes, or 'floor'. */
  target: string;
  compress: 'none' | 'zlib';
  sessions: number;
  sessionsReady: number;
  messagesSent: number;
  sendErrors: Record<string, number>;
  /** 429 + Retry-After waits of the sender, reported apart from the latencies (which exclude them). */
  rateLimited: RateLimitWaits;
  expectedDeliveries: number;
  deliveries: number;
  deliveriesPerSecond: number;
  offeredPerSecond: number;
  latency: LatencySummary;
  restLatency: LatencySummary;
  missed: number;
  duplicated: number;
  unexpected: number;
  idMismatch: number;
  otherEvents: Record<string, number>;
  failures: Record<string, number>;
  clientBytes: number;
  serverCpuSeconds: number;
  serverCpuPer1000Deliveries: number;
  serverPeakRssMb: number;
  serverVmHwmMb: number;
  /** Accord's memory as the deliveries end (heap, Buffers, RSS anonymous / file-backed); null for the floor. */
  serverMemory: MemoryBreakdown | null;
  wallSeconds: number;
  /** CPU seconds of the load workers over the same window: near wallSeconds × workers means the clients were the limit. */
  loadCpuSeconds: number;
}

function parse(args: string[]): Params {
  const a = new Args(args);
  const quick = a.has('quick');
  const sessions = a.int('sessions', quick ? 200 : 1000, 1, 10_000);
  // The issue's defaults are S = 1,000 and M = 2,000. Plain and zlib-stream plus a floor run for each take ~7 min
  // on two cores (zlib is bound by the clients inflating), so the default run is plain with its floor (~3 min);
  // `--compress zlib` or `both` measures zlib-stream. The quick form runs both modes.
  const compress = a.choice('compress', ['both', 'none', 'zlib'] as const, quick ? 'both' : 'none');
  return {
    sessions,
    messages: a.int('messages', quick ? 200 : 2000, 1, 1_000_000),
    // --rate 0 is closed loop: the sender keeps --in-flight REST calls outstanding, back to back (the ceiling).
    rate: a.num('rate', quick ? 25 : 30, 0, 100_000),
    inFlight: a.int('in-flight', 64, 1, 1024),
    modes: compress === 'both' ? ['none', 'zlib'] : [compress],
    users: a.int('users', Math.min(sessions, quick ? 50 : 250), 1, 10_000),
    workers: a.int('workers', sessions >= 500 ? 2 : 1, 1, 8),
    senders: a.int('senders', 4, 1, 64),
    connectRate: a.int('connect-rate', 1000, 1, 100_000),
    floor: !a.has('no-floor'),
    profile: a.has('profile'),
    logLevel: a.str('log-level') ?? 'warn',
    serverProcesses: (a.str('server-processes') ?? '1').split(',').map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 32) throw new Error('--server-processes takes counts 1..32, e.g. 1,2');
      return n;
    }),
  };
}

export async function runMode(
  target: string, server: ServerProcess, workers: WorkerClient[], tokens: string[], senderTokens: string[], channelId: string,
  compress: 'none' | 'zlib', p: Params,
): Promise<{ result: ModeResult; sample: string | null }> {
  log(`  ${target}/${compress}: opening ${p.sessions} sessions`);
  const open = await openSessions(workers, gatewayUrl(server.url, compress === 'zlib'), sessionTokens(tokens, p.sessions), {
    compress: compress === 'zlib', intents: Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT, rate: p.connectRate, timeoutMs: 120_000,
  });
  if (open.complete < p.sessions) log(`  WARNING: only ${open.complete}/${p.sessions} sessions got READY + GUILD_CREATE: ${JSON.stringify(open.failures)}`);
  await sleep(2000); // the identify storm's presence updates drain before measuring
  const tag = randomBytes(4).toString('hex');
  await Promise.all(workers.map((w) => w.call('track', { messages: p.messages, tag })));
  const window = measureWindow(server.pid);
  const loadCpu0 = workers.map((wk) => cpuSeconds(wk.proc.pid!));
  const sendSeconds = p.rate > 0 ? p.messages / p.rate : p.messages / 100;
  log(`  ${target}/${compress}: sending ${p.messages} messages ${p.rate > 0 ? `at ${p.rate}/s (${sendSeconds.toFixed(0)} s)` : `back to back, ${p.inFlight} in flight`}`);
  const sendStart = performance.timeOrigin + performance.now();
  const sent = await sendMessages(workers[0]!, {
    base: server.url, tokens: senderTokens, channelIds: [channelId], count: p.messages, rate: p.rate, concurrency: p.inFlight, tag, timeoutMs: sendSeconds * 2000 + 30_000,
  });
  const expected = sent.ok * open.complete;
  await waitDeliveries(workers, expected, 10_000, 120_000);
  const w = window.stop();
  const serverMemory = target === 'floor' ? null : await memoryBreakdown(server.url, server.pid);
  if (serverMemory) log(`  ${target}/${compress}: memory ${JSON.stringify(serverMemory)}`);
  const loadCpuSeconds = round(workers.reduce((a, wk, i) => a + cpuSeconds(wk.proc.pid!) - loadCpu0[i]!, 0), 2);
  const c = await collect(workers, sent.okFlags);
  const sample = await workers[0]!.call<string | null>('sample');
  const hwm = memory(server.pid).hwm;
  await Promise.all(workers.map((wk) => wk.call('closeAll', {}, 30_000)));
  const spanS = (c.lastDelivery - sendStart) / 1000;
  const result: ModeResult = {
    target, compress, sessions: p.sessions, sessionsReady: open.complete, messagesSent: sent.ok, sendErrors: sent.errors, rateLimited: sent.rateLimited, expectedDeliveries: expected,
    deliveries: c.deliveries, deliveriesPerSecond: round(c.deliveries / spanS, 0), offeredPerSecond: round(p.rate * open.complete, 0),
    latency: c.lat.summary(), restLatency: sent.latency.summary(), missed: c.missed, duplicated: c.duplicated, unexpected: c.unexpected, idMismatch: c.idMismatch,
    otherEvents: c.otherEvents, failures: c.failures, clientBytes: c.bytes,
    serverCpuSeconds: w.cpuSeconds, serverCpuPer1000Deliveries: round((1000 * w.cpuSeconds) / Math.max(1, c.deliveries), 4),
    serverPeakRssMb: mb(w.peakRss), serverVmHwmMb: mb(hwm), serverMemory, wallSeconds: w.wallSeconds, loadCpuSeconds,
  };
  log(`  ${target}/${compress}: ${c.deliveries}/${expected} deliveries, p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms, missed ${c.missed}, dup ${c.duplicated}`);
  await sleep(1000);
  return { result, sample };
}

const NATS_URL = process.env.ACCORD_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Deletes a run's JetStream streams, KV and object buckets (their names carry the prefix): JetStream reserves their bounds on disk. */
async function dropNatsPrefix(prefix: string): Promise<void> {
  const nc = await connectNats({ servers: NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    const mine: string[] = [];
    for await (const si of jsm.streams.list()) if (si.config.name.includes(prefix)) mine.push(si.config.name);
    for (const name of mine) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}

export function fanoutTable(results: ModeResult[]): string {
  const rows: Array<Array<string | number>> = [[
    'target', 'compress', 'sessions', 'msgs', 'deliveries/s', 'offered/s', 'p50 ms', 'p99 ms', 'max ms', '429s', '429 wait s', 'missed', 'dup', 'cpu s', 'cpu s/1k deliv', 'peak RSS MB', 'load cpu s', 'window s',
  ]];
  for (const r of results) {
    rows.push([r.target, r.compress, r.sessionsReady, r.messagesSent, r.deliveriesPerSecond, r.offeredPerSecond, r.latency.p50Ms, r.latency.p99Ms, r.latency.maxMs,
      r.rateLimited.responses, round(r.rateLimited.waitMs / 1000, 1), r.missed, r.duplicated, r.serverCpuSeconds, r.serverCpuPer1000Deliveries, r.serverPeakRssMb, r.loadCpuSeconds, r.wallSeconds]);
  }
  for (const compress of ['none', 'zlib'] as const) {
    const f = results.find((r) => r.target === 'floor' && r.compress === compress);
    for (const a of results.filter((r) => r.target !== 'floor' && r.compress === compress)) {
      if (!f) continue;
      rows.push([`${a.target}/floor`, compress, '', '', `${(a.deliveriesPerSecond / f.deliveriesPerSecond).toFixed(2)}x`, '', `${(a.latency.p50Ms / f.latency.p50Ms).toFixed(1)}x`,
        `${(a.latency.p99Ms / f.latency.p99Ms).toFixed(1)}x`, `${(a.latency.maxMs / f.latency.maxMs).toFixed(1)}x`, '', '', '', '', `${(a.serverCpuSeconds / f.serverCpuSeconds).toFixed(1)}x`,
        `${(a.serverCpuPer1000Deliveries / f.serverCpuPer1000Deliveries).toFixed(1)}x`, `${(a.serverPeakRssMb / f.serverPeakRssMb).toFixed(1)}x`]);
    }
  }
  return table(rows);
}

export async function main(args: string[]): Promise<void> {
  const p = parse(args);
  const loadBefore = os.loadavg();
  log(`fanout bench: ${p.sessions} sessions (${p.users} users) in one guild, ${p.messages} messages at ${p.rate}/s, compress ${p.modes.join('+')}, ` +
    `${p.workers} load worker(s); server rate limits raised (ACCORD_RATE_LIMIT_SCALE=${MEMORY_LOAD_LIMITS.ACCORD_RATE_LIMIT_SCALE}, ACCORD_RATE_LIMIT_GLOBAL=${MEMORY_LOAD_LIMITS.ACCORD_RATE_LIMIT_GLOBAL}), password hash cost ${MEMORY_LOAD_LIMITS.ACCORD_PASSWORD_HASH_COST}`);
  const workers = await startWorkers(p.workers);
  const results: ModeResult[] = [];
  let profile: ProfileSummary | undefined;
  let sample: string | null = null;
  try {
    const pooled = p.serverProcesses.some((n) => n > 1);
    for (const processes of p.serverProcesses) {
      const prefix = `bench-${randomBytes(4).toString('hex')}`;
      // A pool of processes meets on NATS; a single process is put on NATS too when it is compared with one.
      const env: Record<string, string> = {
        ...MEMORY_LOAD_LIMITS,
        ...(pooled ? { ACCORD_WORKERS: String(processes), ACCORD_NATS_URL: NATS_URL, ACCORD_NATS_PREFIX: prefix, ACCORD_BLOB_MAX_BYTES: String(64 * 1024 * 1024) } : {}),
      };
      const target = pooled ? `accord×${processes}` : 'accord';
      const server = await startAccord({ profile: p.profile, logLevel: p.logLevel, env });
      log(`  ${target} pid ${server.pid} on ${server.url} (data ${server.dataDir})`);
      try {
        const users = await registerUsers(server.url, p.users);
        const g = await guildWithMembers(server.url, users);
        const tokens = users.map((u) => u.token);
        const senderTokens = tokens.slice(0, p.senders);
        for (const mode of p.modes) {
          const r = await runMode(target, server, workers, tokens, senderTokens, g.channelId, mode, p);
          results.push(r.result);
          sample ??= r.sample;
        }
      } finally {
        profile = await stopWithProfile(server);
        if (pooled) await dropNatsPrefix(prefix);
      }
    }
    if (p.floor) {
      let templateFile: string | undefined;
      if (sample) writeFileSync((templateFile = join(mkdtempSync(join(os.tmpdir(), 'accord-floor-tpl-')), 'message.json')), sample);
      const floor = await startFloor(templateFile);
      log(`  floor pid ${floor.pid} on ${floor.url}`);
      try {
        const tokens = Array.from({ length: p.users }, (_, i) => `floor-${i}`);
        for (const mode of p.modes) results.push((await runMode('floor', floor, workers, tokens, tokens.slice(0, p.senders), '1', mode, p)).result);
      } finally {
        await floor.stop();
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  console.log(fanoutTable(results));
  console.log('latency = REST call start → MESSAGE_CREATE received at each session; cpu = server utime+stime over the send window (summed over its processes)');
  writeResults('fanout', { ...p, serverEnv: MEMORY_LOAD_LIMITS, intents: 'GUILDS|GUILD_MESSAGES|MESSAGE_CONTENT' }, loadBefore, { modes: results, profile });
}
