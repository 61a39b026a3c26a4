/**
 * Send path: C concurrent REST senders posting messages into 100 channels of one guild, as fast as answers come
 * back (closed loop). No gateway sessions are connected, so this is the REST + store + publish cost alone.
 *
 *   node --import tsx bench/run.ts send [--quick] [--concurrency C] [--messages N] [--channels K] [--users U] [--profile]
 *
 * Senders are U registered users (round-robin per request), all members of the guild; the per-route limits are
 * raised (MEMORY_LOAD_LIMITS) so no request is throttled. Errors (any non-2xx or socket error) must be 0.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Args, cpuSeconds, log, MEMORY_LOAD_LIMITS, mb, measureWindow, round, sleep, startAccord, startWorkers, table, writeResults } from './lib/common.ts';
import { sendMessages } from './lib/sessions.ts';
import { stopWithProfile, type ProfileSummary } from './lib/profile-summary.ts';
import { createTextChannels, guildWithMembers, registerUsers } from './lib/setup.ts';

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const p = {
    concurrency: a.int('concurrency', 64, 1, 1024),
    messages: a.int('messages', quick ? 3000 : 20_000, 1, 10_000_000),
    channels: a.int('channels', 100, 1, 400),
    users: a.int('users', 16, 1, 1000),
    warmup: a.int('warmup', quick ? 500 : 5000, 0, 1_000_000),
    logLevel: a.str('log-level') ?? 'warn',
    profile: a.has('profile'),
  };
  const loadBefore = os.loadavg();
  log(`send bench: ${p.concurrency} concurrent senders, ${p.messages} messages over ${p.channels} channels, ${p.users} users; ` +
    `server rate limits raised (${Object.entries(MEMORY_LOAD_LIMITS).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  const [worker] = await startWorkers(1);
  let result: Record<string, unknown> = {};
  let profile: ProfileSummary | undefined;
  try {
    const server = await startAccord({ logLevel: p.logLevel, profile: p.profile, env: MEMORY_LOAD_LIMITS });
    try {
      const users = await registerUsers(server.url, p.users);
      const g = await guildWithMembers(server.url, users);
      const channels = await createTextChannels(server.url, g.owner, g.guildId, p.channels);
      const tokens = users.map((u) => u.token);
      // Warm-up: JIT and statement caches, not measured.
      await sendMessages(worker!, { base: server.url, tokens, channelIds: channels, count: p.warmup, rate: 0, concurrency: p.concurrency, tag: 'warmup', timeoutMs: 60_000 });
      await sleep(500);
      const window = measureWindow(server.pid);
      const loadCpu0 = cpuSeconds(worker!.proc.pid!);
      const r = await sendMessages(worker!, {
        base: server.url, tokens, channelIds: channels, count: p.messages, rate: 0, concurrency: p.concurrency, tag: randomBytes(4).toString('hex'), timeoutMs: 240_000,
      });
      const w = window.stop();
      const errors = Object.values(r.errors).reduce((x, y) => x + y, 0);
      result = {
        messages: r.ok, errors, errorsByKind: r.errors, seconds: round(r.seconds, 2), messagesPerSecond: round(r.perSecond, 0), latency: r.latency.summary(),
        serverCpuSeconds: w.cpuSeconds, serverCpuMsPerMessage: round((1000 * w.cpuSeconds) / Math.max(1, r.ok), 3), serverPeakRssMb: mb(w.peakRss),
        loadCpuSeconds: round(cpuSeconds(worker!.proc.pid!) - loadCpu0, 2),
      };
    } finally {
      profile = await stopWithProfile(server);
    }
  } finally {
    await worker!.close();
  }
  const r = result as any;
  console.log(table([
    ['concurrency', 'channels', 'messages', 'errors', 'msg/s', 'p50 ms', 'p99 ms', 'max ms', 'cpu s', 'cpu ms/msg', 'peak RSS MB'],
    [p.concurrency, p.channels, r.messages, r.errors, r.messagesPerSecond, r.latency.p50Ms, r.latency.p99Ms, r.latency.maxMs, r.serverCpuSeconds, r.serverCpuMsPerMessage, r.serverPeakRssMb],
  ]));
  if (r.errors) console.log(`ERRORS: ${JSON.stringify(r.errorsByKind)}`);
  writeResults('send', { ...p, serverEnv: MEMORY_LOAD_LIMITS }, loadBefore, { ...result, profile });
}
