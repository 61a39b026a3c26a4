/**
 * Connection storm: S sessions open at a fixed rate through HELLO → IDENTIFY → READY + GUILD_CREATE.
 *
 *   node --import tsx bench/run.ts connect [--quick] [--sessions S] [--rate R] [--users U] [--compress none|zlib]
 *                                          [--large-threshold N] [--settle SECONDS] [--workers W] [--profile] [--log-level L]
 *
 * All sessions are user sessions of U registered users (round-robin) in one guild, which is large (U above
 * IDENTIFY's default large_threshold, 50): as on Discord, a user session there gets the presences of the members
 * it subscribed to (src/sessions/member-subscriptions.ts), and these subscribe to nobody. `--large-threshold 250`
 * (with U ≤ 250) makes the guild small for every session, the worst case for presence: a user's first session
 * going online is then a PRESENCE_UPDATE to every session already in the guild.
 * Reports identifies/s (READYs over the time from the first connect to the last READY), READY and
 * READY+GUILD_CREATE latency from the start of the TCP connect, server CPU over the storm, and server RSS per
 * idle session: (VmRSS after a settle period − VmRSS before the storm) / sessions. No GC is forced (the server
 * runs as `npm start` does, without --expose-gc), so this includes garbage not yet collected.
 */
import os from 'node:os';
import { Args, cpuSeconds, gatewayUrl, Intents, LOAD_LIMITS, log, mb, measureWindow, memory, round, sleep, startAccord, startWorkers, table, writeResults } from './lib/common.ts';
import { stopWithProfile, type ProfileSummary } from './lib/profile-summary.ts';
import { openSessions, sessionTokens } from './lib/sessions.ts';
import { guildWithMembers, registerUsers } from './lib/setup.ts';

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
    settleSeconds: a.num('settle', quick ? 3 : 10, 0, 600),
    workers: a.int('workers', sessions >= 500 ? 2 : 1, 1, 8),
    profile: a.has('profile'),
    logLevel: a.str('log-level') ?? 'warn',
  };
  const loadBefore = os.loadavg();
  log(`connect bench: ${p.sessions} sessions of ${p.users} users in one guild at ${p.rate}/s, compress ${p.compress}, large_threshold ${p.largeThreshold ?? 'default'}, ${p.workers} load worker(s); ` +
    `server rate limits raised (${Object.entries(LOAD_LIMITS).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  const workers = await startWorkers(p.workers);
  let profile: ProfileSummary | undefined;
  let result: Record<string, unknown> = {};
  try {
    const server = await startAccord({ profile: p.profile, logLevel: p.logLevel });
    log(`  accord pid ${server.pid} on ${server.url}`);
    try {
      const users = await registerUsers(server.url, p.users);
      await guildWithMembers(server.url, users);
      await sleep(2000);
      const before = memory(server.pid);
      const window = measureWindow(server.pid);
      const loadCpu0 = workers.map((w) => cpuSeconds(w.proc.pid!));
      log(`  opening ${p.sessions} sessions`);
      const open = await openSessions(workers, gatewayUrl(server.url, p.compress === 'zlib'), sessionTokens(users.map((u) => u.token), p.sessions), {
        compress: p.compress === 'zlib', intents: Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT, rate: p.rate, largeThreshold: p.largeThreshold,
        timeoutMs: Math.ceil((p.sessions / p.rate) * 1000) + 120_000,
      });
      const storm = window.stop();
      const loadCpu = round(workers.reduce((acc, w, i) => acc + cpuSeconds(w.proc.pid!) - loadCpu0[i]!, 0), 2);
      log(`  ${open.complete}/${p.sessions} sessions ready in ${open.seconds.toFixed(1)} s; settling ${p.settleSeconds} s`);
      await sleep(p.settleSeconds * 1000);
      const after = memory(server.pid);
      result = {
        sessions: p.sessions, largeThreshold: p.largeThreshold ?? null, ready: open.ready, complete: open.complete, failures: open.failures, invalidSessions: open.invalidSessions,
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
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const r = result as any;
  console.log(table([
    ['sessions', 'ready', 'identifies/s', 'offered/s', 'READY p50 ms', 'READY p99 ms', 'handshake p99', 'IDENTIFY→READY p99', '+GUILD_CREATE p50', '+GUILD_CREATE p99', 'cpu s', 'cpu ms/identify', 'RSS before MB', 'RSS after MB', 'KB/session'],
    [r.sessions, r.complete, r.identifiesPerSecond, r.offeredPerSecond, r.readyLatency.p50Ms, r.readyLatency.p99Ms, r.handshakeLatency.p99Ms, r.readyFromIdentifyLatency.p99Ms, r.guildCreateLatency.p50Ms, r.guildCreateLatency.p99Ms,
      r.serverCpuSeconds, r.serverCpuMsPerIdentify, r.rssBeforeMb, r.rssAfterSettleMb, r.rssPerSessionKb],
  ]));
  console.log(`latency from the start of the WebSocket connect (handshake: until IDENTIFY went out, after HELLO; IDENTIFY→READY: the rest); KB/session = (RSS after ${p.settleSeconds} s settle − RSS before) / sessions, no forced GC`);
  if (r.complete < r.sessions) console.log(`FAILED sessions: ${JSON.stringify(r.failures)}`);
  writeResults('connect', { ...p, serverEnv: LOAD_LIMITS }, loadBefore, { ...result, profile });
}
