/**
 * Connection storm: S sessions open at a fixed rate through HELLO → IDENTIFY → READY + GUILD_CREATE.
 *
 *   node --import tsx bench/run.ts connect [--quick] [--sessions S] [--rate R] [--users U] [--compress none|zlib]
 *                                          [--large-threshold N] [--accounts users|bots] [--bots B] [--settle SECONDS] [--workers W] [--no-floor]
 *                                          [--profile] [--log-level L]
 *
 * All sessions are user sessions of U registered users (round-robin) in one guild, which is large (U above
 * IDENTIFY's default large_threshold, 50): as on Discord, a user session there gets the presences of the members
 * it subscribed to (src/sessions/member-subscriptions.ts), and these subscribe to nobody. `--large-threshold 250`
 * (with U ≤ 250) makes the guild small for every session, the worst case for presence: a user's first session
 * going online is then a PRESENCE_UPDATE to every session already in the guild.
 * `--accounts bots`: the sessions are those of B bots (default 10) added to the same guild (round-robin), with the
 * same intents (GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, no GUILD_PRESENCES): as Discord documents, their
 * GUILD_CREATE lists only the bot itself. Each bot brings its managed role, which every GUILD_CREATE lists: a few
 * bots, as guilds have, not hundreds. The server allows each bot 64 IDENTIFYs per 5 s (max_concurrency).
 * Reports identifies/s (READYs over the time from the first connect to the last READY), READY and
 * READY+GUILD_CREATE latency from the start of the TCP connect, server CPU over the storm, and server RSS per
 * idle session: (VmRSS after a settle period − VmRSS before the storm) / sessions. No GC is forced (the server
 * runs as `npm start` does, without --expose-gc), so this includes garbage not yet collected.
 * Then, unless `--no-floor`, the same clients open as many sessions at the same rate against the bare-WebSocket
 * floor (bench/lib/floor-server.ts: a small READY and GUILD_CREATE): the machine's own share of the latency (its
 * TCP, its scheduler, the load workers), measured in the same run.
 */
import os from 'node:os';
import {
  Args, cpuSeconds, gatewayUrl, Intents, LOAD_LIMITS, log, mb, measureWindow, memory, round, sleep, startAccord, startFloor, startWorkers, table, writeResults,
  type LatencySummary, type WorkerClient,
} from './lib/common.ts';
import { stopWithProfile, type ProfileSummary } from './lib/profile-summary.ts';
import { openSessions, sessionTokens } from './lib/sessions.ts';
import { addBots, guildWithMembers, registerUsers } from './lib/setup.ts';

/** A bot storm's server: each bot may IDENTIFY 64 times per 5 s (Discord's max_concurrency for large bots is 16+). */
const BOT_STORM_ENV = { ACCORD_IDENTIFY_MAX_CONCURRENCY: '64' };

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const sessions = a.int('sessions', quick ? 1000 : 10_000, 1, 100_000);
  const p = {
    sessions,
    // 250/s is what one 2-core node sustains with its own load generator beside it (500/s left ~1% timing out).
    rate: a.num('rate', quick ? 500 : 250, 1, 100_000),
    users: a.int('users', Math.min(sessions, quick ? 50 : 250), 1, 10_000),
    compress: a.choice('compress', ['none', 'zlib'] as const, 'none'),
    /** Sent in IDENTIFY when given; the server's default (50) otherwise. */
    largeThreshold: a.has('large-threshold') ? a.int('large-threshold', 50, 50, 250) : undefined,
    accounts: a.choice('accounts', ['users', 'bots'] as const, 'users'),
    bots: a.int('bots', 10, 1, 1000),
    settleSeconds: a.num('settle', quick ? 3 : 10, 0, 600),
    workers: a.int('workers', sessions >= 500 ? 2 : 1, 1, 8),
    floor: !a.has('no-floor'),
    profile: a.has('profile'),
    logLevel: a.str('log-level') ?? 'warn',
  };
  const loadBefore = os.loadavg();
  log(`connect bench: ${p.sessions} sessions of ${p.accounts === 'bots' ? `${p.bots} bots in one guild of ${p.users} users and them` : `${p.users} users in one guild`} at ${p.rate}/s, compress ${p.compress}, large_threshold ${p.largeThreshold ?? 'default'}, ${p.workers} load worker(s); ` +
    `server rate limits raised (${Object.entries(LOAD_LIMITS).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  const workers = await startWorkers(p.workers);
  let profile: ProfileSummary | undefined;
  let result: Record<string, unknown> = {};
  let floor: FloorStorm | undefined;
  try {
    const server = await startAccord({ profile: p.profile, logLevel: p.logLevel, env: p.accounts === 'bots' ? BOT_STORM_ENV : {} });
    log(`  accord pid ${server.pid} on ${server.url}`);
    try {
      const users = await registerUsers(server.url, p.users);
      const guild = await guildWithMembers(server.url, users);
      const accounts = p.accounts === 'bots' ? await addBots(server.url, guild, p.bots) : users;
      await sleep(2000);
      const before = memory(server.pid);
      const window = measureWindow(server.pid);
      const loadCpu0 = workers.map((w) => cpuSeconds(w.proc.pid!));
      log(`  opening ${p.sessions} sessions`);
      const open = await openSessions(workers, gatewayUrl(server.url, p.compress === 'zlib'), sessionTokens(accounts.map((u) => u.token), p.sessions), stormOptions(p));
      const storm = window.stop();
      const loadCpu = round(workers.reduce((acc, w, i) => acc + cpuSeconds(w.proc.pid!) - loadCpu0[i]!, 0), 2);
      log(`  ${open.complete}/${p.sessions} sessions ready in ${open.seconds.toFixed(1)} s; settling ${p.settleSeconds} s`);
      await sleep(p.settleSeconds * 1000);
      const after = memory(server.pid);
      result = {
        sessions: p.sessions, accounts: p.accounts, largeThreshold: p.largeThreshold ?? null, ready: open.ready, complete: open.complete, failures: open.failures, invalidSessions: open.invalidSessions,
        stormSeconds: round(open.seconds, 2), identifiesPerSecond: round(open.ready / open.seconds, 0), offeredPerSecond: p.rate,
        readyLatency: open.readyLat.summary(), guildCreateLatency: open.guildsLat.summary(),
        handshakeLatency: open.handshakeLat.summary(), readyFromIdentifyLatency: open.identifyLat.summary(),
        serverCpuSeconds: storm.cpuSeconds, serverCpuMsPerIdentify: round((1000 * storm.cpuSeconds) / Math.max(1, open.ready), 3), loadCpuSeconds: loadCpu,
        rssBeforeMb: mb(before.rss), rssAfterSettleMb: mb(after.rss), peakRssMb: mb(Math.max(storm.peakRss, after.rss)), vmHwmMb: mb(after.hwm),
        rssPerSessionKb: round((after.rss - before.rss) / 1024 / Math.max(1, open.complete), 1),
      };
      await Promise.all(workers.map((w) => w.call('closeAll', {}, 60_000)));
    } finally {
      profile = await stopWithProfile(server);
    }
    if (p.floor) floor = await floorStorm(workers, p);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const r = result as any;
  console.log(table([
    ['sessions', 'ready', 'identifies/s', 'offered/s', 'READY p50 ms', 'READY p99 ms', 'handshake p99', 'IDENTIFY→READY p99', '+GUILD_CREATE p50', '+GUILD_CREATE p99', 'cpu s', 'cpu ms/identify', 'RSS before MB', 'RSS after MB', 'KB/session'],
    [r.sessions, r.complete, r.identifiesPerSecond, r.offeredPerSecond, r.readyLatency.p50Ms, r.readyLatency.p99Ms, r.handshakeLatency.p99Ms, r.readyFromIdentifyLatency.p99Ms, r.guildCreateLatency.p50Ms, r.guildCreateLatency.p99Ms,
      r.serverCpuSeconds, r.serverCpuMsPerIdentify, r.rssBeforeMb, r.rssAfterSettleMb, r.rssPerSessionKb],
  ]));
  if (floor) {
    console.log(table([
      ['floor sessions', 'ready', 'READY p50 ms', 'READY p99 ms', 'handshake p99', 'IDENTIFY→READY p99', 'cpu ms/identify', 'Accord READY p99 / floor'],
      [p.sessions, floor.complete, floor.readyLatency.p50Ms, floor.readyLatency.p99Ms, floor.handshakeLatency.p99Ms, floor.readyFromIdentifyLatency.p99Ms, floor.serverCpuMsPerIdentify,
        `${(r.readyLatency.p99Ms / floor.readyLatency.p99Ms).toFixed(1)}x`],
    ]));
  }
  console.log(`latency from the start of the WebSocket connect (handshake: until IDENTIFY went out, after HELLO; IDENTIFY→READY: the rest); KB/session = (RSS after ${p.settleSeconds} s settle − RSS before) / sessions, no forced GC`);
  if (r.complete < r.sessions) console.log(`FAILED sessions: ${JSON.stringify(r.failures)}`);
  writeResults('connect', { ...p, serverEnv: { ...LOAD_LIMITS, ...(p.accounts === 'bots' ? BOT_STORM_ENV : {}) } }, loadBefore, { ...result, floor, profile });
}

type StormParams = { sessions: number; rate: number; compress: 'none' | 'zlib'; largeThreshold?: number };

/** How the load workers open a storm's sessions, the same against Accord and against the floor. */
function stormOptions(p: StormParams) {
  return {
    compress: p.compress === 'zlib', intents: Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT, rate: p.rate, largeThreshold: p.largeThreshold,
    timeoutMs: Math.ceil((p.sessions / p.rate) * 1000) + 120_000,
  };
}

interface FloorStorm {
  complete: number;
  readyLatency: LatencySummary;
  handshakeLatency: LatencySummary;
  readyFromIdentifyLatency: LatencySummary;
  serverCpuMsPerIdentify: number;
}

/** The same storm against the floor server: as many sessions (tokens it does not check), the same rate and clients. */
async function floorStorm(workers: WorkerClient[], p: StormParams): Promise<FloorStorm> {
  const floor = await startFloor();
  log(`  floor pid ${floor.pid} on ${floor.url}: opening ${p.sessions} sessions`);
  try {
    const window = measureWindow(floor.pid);
    const open = await openSessions(workers, gatewayUrl(floor.url, p.compress === 'zlib'), Array.from({ length: p.sessions }, (_, i) => `floor-${i}`), stormOptions(p));
    const storm = window.stop();
    await Promise.all(workers.map((w) => w.call('closeAll', {}, 60_000)));
    return {
      complete: open.complete, readyLatency: open.readyLat.summary(), handshakeLatency: open.handshakeLat.summary(), readyFromIdentifyLatency: open.identifyLat.summary(),
      serverCpuMsPerIdentify: round((1000 * storm.cpuSeconds) / Math.max(1, open.ready), 3),
    };
  } finally {
    await floor.stop();
  }
}
