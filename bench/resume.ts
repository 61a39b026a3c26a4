/**
 * Resume storm: S sessions drop their sockets together (no close frame) while the guild keeps talking, then all
 * RESUME at once. Every message sent before, during and after the outage must reach every session exactly once.
 *
 *   node --import tsx bench/run.ts resume [--quick] [--sessions S] [--rate R] [--outage SECONDS] [--users U]
 *                                         [--compress none|zlib] [--workers W]
 *
 * Timeline: the sender posts at R/s for before (2 s) + outage + after (5 s); at 2 s every socket is killed; after
 * the outage every session reconnects to its resume_gateway_url and sends RESUME with its last seq. Reports the
 * resume success rate (must be 100%: the outage fits the deque, R × outage ≪ ACCORD_REPLAY_MAX_EVENTS), replay
 * time (RESUME socket connect → RESUMED), frames replayed, and events lost / duplicated (must be 0).
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Args, gatewayUrl, Intents, LOAD_LIMITS, log, mb, measureWindow, round, sleep, startAccord, startWorkers, table, writeResults } from './lib/common.ts';
import { Hist } from './lib/common.ts';
import { collect, openSessions, sendMessages, sessionTokens, waitDeliveries } from './lib/sessions.ts';
import { guildWithMembers, registerUsers } from './lib/setup.ts';

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const sessions = a.int('sessions', quick ? 200 : 1000, 1, 10_000);
  const p = {
    sessions,
    rate: a.num('rate', 50, 0.1, 10_000),
    beforeSeconds: 2,
    outageSeconds: a.num('outage', quick ? 3 : 5, 0, 120),
    afterSeconds: 5,
    users: a.int('users', Math.min(sessions, quick ? 50 : 250), 1, 10_000),
    compress: a.choice('compress', ['none', 'zlib'] as const, 'none'),
    workers: a.int('workers', sessions >= 500 ? 2 : 1, 1, 8),
    logLevel: a.str('log-level') ?? 'warn',
  };
  const messages = Math.round(p.rate * (p.beforeSeconds + p.outageSeconds + p.afterSeconds));
  const loadBefore = os.loadavg();
  log(`resume bench: ${p.sessions} sessions (${p.users} users), ${messages} messages at ${p.rate}/s, outage ${p.outageSeconds} s, compress ${p.compress}; ` +
    `server rate limits raised (${Object.entries(LOAD_LIMITS).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  const workers = await startWorkers(p.workers);
  let result: Record<string, unknown> = {};
  try {
    const server = await startAccord({ logLevel: p.logLevel });
    try {
      const users = await registerUsers(server.url, p.users);
      const g = await guildWithMembers(server.url, users);
      const tokens = users.map((u) => u.token);
      const open = await openSessions(workers, gatewayUrl(server.url, p.compress === 'zlib'), sessionTokens(tokens, p.sessions), {
        compress: p.compress === 'zlib', intents: Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT, rate: 1000, timeoutMs: 120_000,
      });
      if (open.complete < p.sessions) log(`  WARNING: only ${open.complete}/${p.sessions} sessions ready: ${JSON.stringify(open.failures)}`);
      await sleep(2000);
      const tag = randomBytes(4).toString('hex');
      await Promise.all(workers.map((w) => w.call('track', { messages, tag })));
      const window = measureWindow(server.pid);
      const sending = sendMessages(workers[0]!, {
        base: server.url, tokens: tokens.slice(0, 4), channelIds: [g.channelId], count: messages, rate: p.rate, concurrency: 64, tag,
        timeoutMs: (messages / p.rate) * 2000 + 30_000,
      });
      await sleep(p.beforeSeconds * 1000);
      const dropped = (await Promise.all(workers.map((w) => w.call<{ dropped: number }>('drop')))).reduce((x, d) => x + d.dropped, 0);
      log(`  dropped ${dropped} sockets; outage ${p.outageSeconds} s`);
      await sleep(p.outageSeconds * 1000);
      const resumes = await Promise.all(workers.map((w) => w.call<any>('resume', { rate: 0, timeoutMs: 60_000 }, 120_000)));
      const replay = new Hist();
      let attempted = 0;
      let resumed = 0;
      let replayedFrames = 0;
      let seconds = 0;
      let invalid = 0;
      const failures: Record<string, number> = {};
      for (const r of resumes) {
        attempted += r.attempted;
        resumed += r.resumed;
        replayedFrames += r.replayedFrames;
        seconds = Math.max(seconds, r.seconds);
        invalid += r.invalidSessions;
        replay.merge(r.replayLat);
        for (const [k, v] of Object.entries(r.failures as Record<string, number>)) failures[k] = (failures[k] ?? 0) + v;
      }
      log(`  ${resumed}/${attempted} resumed in ${seconds.toFixed(2)} s`);
      const sent = await sending;
      await waitDeliveries(workers, sent.ok * resumed, 10_000, 120_000);
      const w = window.stop();
      const c = await collect(workers, sent.okFlags);
      result = {
        sessions: p.sessions, dropped, attempted, resumed, successRate: round((100 * resumed) / Math.max(1, attempted), 2), invalidSessions: invalid, failures,
        resumeStormSeconds: round(seconds, 2), replayLatency: replay.summary(), replayedFrames, replayedPerSession: round(replayedFrames / Math.max(1, resumed), 1),
        messagesSent: sent.ok, sendErrors: sent.errors, deliveries: c.deliveries, expectedDeliveries: sent.ok * p.sessions, eventsLost: c.missed, duplicated: c.duplicated,
        sessionsMissing: c.sessionsMissing, deliveryLatency: c.lat.summary(), serverCpuSeconds: w.cpuSeconds, serverPeakRssMb: mb(w.peakRss),
      };
      await Promise.all(workers.map((wk) => wk.call('closeAll', {}, 60_000)));
    } finally {
      await server.stop();
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const r = result as any;
  console.log(table([
    ['sessions', 'resumed', 'success %', 'storm s', 'replay p50 ms', 'replay p99 ms', 'replay max ms', 'frames/session', 'msgs', 'lost', 'dup', 'cpu s', 'peak RSS MB'],
    [r.sessions, r.resumed, r.successRate, r.resumeStormSeconds, r.replayLatency.p50Ms, r.replayLatency.p99Ms, r.replayLatency.maxMs, r.replayedPerSession, r.messagesSent,
      r.eventsLost, r.duplicated, r.serverCpuSeconds, r.serverPeakRssMb],
  ]));
  console.log('replay = connect of the new socket → RESUMED (HELLO, RESUME, replayed frames); lost/dup counted per session by message');
  writeResults('resume', { ...p, messages, serverEnv: LOAD_LIMITS }, loadBefore, result);
}
