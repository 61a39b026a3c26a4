/**
 * Push notifications: how fast the push role delivers, and that it adds nothing to a send.
 *
 *   node --import tsx bench/run.ts push [--quick] [--users N] [--burst B] [--concurrency C] [--messages M]
 *                                        [--rounds R] [--slow-ms 5000] [--profile] [--log-level L]
 *
 * The push service is the tests' local Web Push receiver (test/helpers/web-push-receiver.ts: verifies VAPID,
 * decrypts RFC 8291) in this process, behind a TCP proxy (test/helpers/web-push-fault-proxy.ts) that can hold
 * each request a while. Accord runs as its own processes with ACCORD_PUSH_ALLOW_HOSTS=127.0.0.1 and
 * ACCORD_PUSH_ACTIVE_GRACE_MS=0: one with every role, one without the push role (ACCORD_ROLES), both started
 * up front. Each has N users in one guild (notifications: all messages), each but the owner with one push device
 * and no gateway session (offline: every one is pushed).
 *
 * (a) burst: the owner posts B messages mentioning @everyone (8 at a time); notifications/s is B×(N−1) over the
 *     time from the first send to the last push decrypted by the receiver; server CPU per push over that window.
 * (b) send latency: C concurrent REST senders (the N users in turn) post M messages into one channel (each
 *     queues N−2 or N−1 pushes) in three modes — push role healthy; push service slow (every request held
 *     --slow-ms before it is passed on); push role absent (the second server). The modes run interleaved for R
 *     rounds, in a rotated order each round, and every mode starts with the push queue drained (the previous
 *     mode's pushes delivered), so no mode inherits another's backlog. The noise is the spread (max − min) of one
 *     mode's p99 over its rounds; the modes are "within noise" when their median p99s are no further apart than
 *     the largest such spread. Errors must be 0. Each server gets one unmeasured warm-up of min(300, M) messages.
 * --profile runs the push server with --cpu-prof and prints its self-time summary (bench/lib/profile-summary.ts).
 */
import os from 'node:os';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ALL_ROLES } from '../src/config/roles.ts';
import { WebPushFaultProxy } from '../test/helpers/web-push-fault-proxy.ts';
import { WebPushReceiver, type ReceiverSubscription } from '../test/helpers/web-push-receiver.ts';
import {
  api, Args, LOAD_LIMITS, log, measureWindow, pool, request, round, sleep, startAccord, startWorkers, table, writeResults,
  type ServerProcess, type WorkerClient,
} from './lib/common.ts';
import { formatProfile, summarizeProfile, type ProfileSummary } from './lib/profile-summary.ts';
import { sendMessages, type SendReport } from './lib/sessions.ts';
import { createTextChannels, guildWithMembers, registerUsers, type BenchGuild } from './lib/setup.ts';

const PUSH_ENV = { ACCORD_PUSH_ALLOW_HOSTS: '127.0.0.1', ACCORD_PUSH_ACTIVE_GRACE_MS: '0' };
const WITHOUT_PUSH = ALL_ROLES.filter((r) => r !== 'push').join(',');
const MODES = ['healthy', 'slow', 'absent'] as const;
type Mode = (typeof MODES)[number];
/** Longest wait for a push queue to drain between modes. */
const DRAIN_TIMEOUT_MS = 300_000;

interface Setup {
  g: BenchGuild;
  channelId: string;
  subs: ReceiverSubscription[];
}

/** Users, one guild, a channel of its own (the system channel holds the join messages), a device per member. */
async function setup(server: ServerProcess, receiver: WebPushReceiver, users: number): Promise<Setup> {
  const g = await guildWithMembers(server.url, await registerUsers(server.url, users));
  const [channelId] = await createTextChannels(server.url, g.owner, g.guildId, 1);
  const subs = await pool(g.users.slice(1), 8, async (u) => {
    const sub = receiver.subscribe();
    await api(server.url, 'POST', '/users/@me/devices', { provider: 'webpush', token: sub.endpoint, keys: sub.keys }, u.token);
    return sub;
  });
  return { g, channelId: channelId!, subs };
}

const received = (subs: ReceiverSubscription[]) => subs.reduce((n, s) => n + s.received.length, 0);

/** The push role's counters from GET /metrics (loopback clients may read it). */
async function pushCounters(server: ServerProcess): Promise<Record<string, number>> {
  const res = await request('GET', `${server.url}/metrics`);
  const out: Record<string, number> = {};
  for (const m of String(res.json).matchAll(/^accord_(push_[a-z_]+) ([0-9.e+-]+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/**
 * Waits until every push job taken is decided and every recorded delivery settled, twice in a row 500 ms apart
 * with no new job (jobs still in the outbox or the queue show up as new ones). Returns the seconds it took.
 */
async function drain(server: ServerProcess): Promise<{ seconds: number; drained: boolean }> {
  const t0 = performance.now();
  let last = -1;
  while (performance.now() - t0 < DRAIN_TIMEOUT_MS) {
    const c = await pushCounters(server);
    const settled = (c.push_sent_total ?? 0) + (c.push_gone_total ?? 0) + (c.push_failed_total ?? 0) + (c.push_dead_total ?? 0);
    const idle = c.push_jobs_total === c.push_jobs_done_total && c.push_deliveries_queued_total === settled;
    if (idle && c.push_jobs_total === last) return { seconds: round((performance.now() - t0) / 1000, 1), drained: true };
    last = idle ? c.push_jobs_total! : -1;
    await sleep(500);
  }
  return { seconds: round((performance.now() - t0) / 1000, 1), drained: false };
}

async function sendPhase(worker: WorkerClient, base: string, s: Setup, p: { count: number; concurrency: number }, tag: string): Promise<SendReport> {
  const body = { base, tokens: s.g.users.map((u) => u.token), channelIds: [s.channelId], rate: 0, concurrency: p.concurrency };
  return sendMessages(worker, { ...body, count: p.count, tag, timeoutMs: 240_000 });
}

interface PhaseExtra {
  serverCpuSeconds: number;
  pushesDuring: number;
  drainSeconds: number;
  drained: boolean;
  /** Server CPU from the end of the sends until the push queue was drained, and the pushes it delivered. */
  drainCpuSeconds: number;
  pushesDrained: number;
}

function phaseResult(r: SendReport, extra: PhaseExtra) {
  const errors = Object.values(r.errors).reduce((x, y) => x + y, 0);
  return { messages: r.ok, errors, errorsByKind: r.errors, messagesPerSecond: round(r.perSecond, 0), latency: r.latency.summary(), ...extra };
}
type PhaseResult = ReturnType<typeof phaseResult> & { round: number; mode: Mode };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const p = {
    users: a.int('users', 20, 2, 1000),
    burst: a.int('burst', quick ? 20 : 50, 1, 100_000),
    concurrency: a.int('concurrency', 16, 1, 1024),
    messages: a.int('messages', quick ? 300 : 1000, 1, 1_000_000),
    rounds: a.int('rounds', quick ? 2 : 3, 1, 10),
    slowMs: a.int('slow-ms', 5000, 0, 9000),
    profile: a.has('profile'),
    logLevel: a.str('log-level') ?? 'warn',
  };
  const loadBefore = os.loadavg();
  log(`push bench: ${p.users} users (${p.users - 1} devices), burst of ${p.burst} @everyone, then ${p.rounds} rounds × 3 modes × ${p.messages} sends at concurrency ${p.concurrency}; slow service holds each request ${p.slowMs} ms`);
  const receiver = await WebPushReceiver.start();
  const proxy = await WebPushFaultProxy.start(receiver);
  proxy.delayMs = p.slowMs;
  const [worker] = await startWorkers(1);
  const result: Record<string, any> = { phases: [] as PhaseResult[] };
  let profile: ProfileSummary | undefined;
  const server = await startAccord({ logLevel: p.logLevel, env: PUSH_ENV, profile: p.profile });
  const bare = await startAccord({ logLevel: p.logLevel, env: { ...PUSH_ENV, ACCORD_ROLES: WITHOUT_PUSH } });
  try {
    const s = await setup(server, receiver, p.users);
    const sBare = await setup(bare, receiver, p.users);
    await drain(server);
    const base = received(s.subs);

    // (a) burst of @everyone
    const expected = p.burst * s.subs.length;
    log(`  burst: ${p.burst} @everyone messages → ${expected} pushes`);
    const window = measureWindow(server.pid);
    const t0 = performance.now();
    const ids = new Set(await pool(Array.from({ length: p.burst }, (_, i) => i), 8, async (i) => (await api<{ id: string }>(server.url, 'POST', `/channels/${s.channelId}/messages`, { content: `@everyone burst ${i}` }, s.g.owner.token)).id));
    const sentMs = performance.now() - t0;
    const ofBurst = () => s.subs.reduce((n, sub) => n + sub.received.filter((r) => ids.has(r.payload.url.slice(r.payload.url.lastIndexOf('/') + 1))).length, 0);
    let got = 0;
    let lastChange = performance.now();
    while ((got = ofBurst()) < expected && performance.now() - lastChange < 15_000) {
      await sleep(20);
      if (ofBurst() !== got) lastChange = performance.now();
    }
    const seconds = (performance.now() - t0) / 1000;
    const w = window.stop();
    if (got < expected) log(`  burst: only ${got}/${expected} pushes arrived`);
    result.burst = {
      messages: p.burst, devices: s.subs.length, expected, delivered: got, sendSeconds: round(sentMs / 1000, 2), seconds: round(seconds, 2),
      notificationsPerSecond: round(got / seconds, 0), serverCpuSeconds: w.cpuSeconds, serverCpuMsPerPush: round((1000 * w.cpuSeconds) / Math.max(1, got), 3),
      receiverErrors: receiver.errors.length, otherPushesBefore: base,
    };

    // (b) send latency, modes interleaved; one warm-up per server, then every mode from an empty push queue.
    log('  warm-up');
    const warm = { count: Math.min(300, p.messages), concurrency: p.concurrency };
    await sendPhase(worker!, server.url, s, warm, 'warmup');
    await sendPhase(worker!, bare.url, sBare, warm, 'warmup-bare');
    await drain(server);
    for (let r = 0; r < p.rounds; r++) {
      const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]!);
      for (const mode of order) {
        await sleep(300);
        const target = mode === 'absent' ? bare : server;
        const before = received(s.subs);
        if (mode === 'slow') await proxy.setMode('delay');
        const window = measureWindow(target.pid);
        const report = await sendPhase(worker!, target.url, mode === 'absent' ? sBare : s, { count: p.messages, concurrency: p.concurrency }, randomBytes(4).toString('hex'));
        const cpu = window.stop().cpuSeconds;
        const pushesDuring = received(s.subs) - before;
        if (mode === 'slow') await proxy.setMode('forward');
        // The mode's pushes are delivered before the next mode starts (for slow: now at full speed).
        const drainWindow = measureWindow(target.pid);
        const d = mode === 'absent' ? { seconds: 0, drained: true } : await drain(server);
        const drainCpuSeconds = drainWindow.stop().cpuSeconds;
        if (!d.drained) log(`  round ${r + 1} ${mode}: push queue not drained in ${DRAIN_TIMEOUT_MS / 1000} s`);
        const extra = { serverCpuSeconds: cpu, pushesDuring, drainSeconds: d.seconds, drained: d.drained, drainCpuSeconds, pushesDrained: received(s.subs) - before - pushesDuring };
        const phase: PhaseResult = { round: r + 1, mode, ...phaseResult(report, extra) };
        result.phases.push(phase);
        log(`  round ${r + 1} ${mode}: p50 ${phase.latency.p50Ms} ms, p99 ${phase.latency.p99Ms} ms, ${phase.messagesPerSecond} msg/s, ${pushesDuring} pushes during, drained in ${d.seconds} s`);
      }
    }
  } finally {
    await Promise.all([server.stop(), bare.stop()]);
    await worker!.close();
    await proxy.close();
    await receiver.close();
  }
  if (server.profileDir) {
    const files = readdirSync(server.profileDir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length) {
      profile = summarizeProfile(join(server.profileDir, files[0]!), 30);
      console.log(formatProfile(profile, 25));
      console.log('');
    } else log(`  no .cpuprofile in ${server.profileDir}`);
  }

  // Noise: how far one mode's p99 moves between rounds; the verdict compares the modes' medians with it.
  const phases = result.phases as PhaseResult[];
  const byMode = Object.fromEntries(MODES.map((m) => {
    const p99s = phases.filter((x) => x.mode === m).map((x) => x.latency.p99Ms);
    return [m, { p99s, medianP99Ms: round(median(p99s)), spreadMs: round(Math.max(...p99s) - Math.min(...p99s)) }];
  })) as Record<Mode, { p99s: number[]; medianP99Ms: number; spreadMs: number }>;
  const medians = MODES.map((m) => byMode[m].medianP99Ms);
  const noiseMs = round(Math.max(...MODES.map((m) => byMode[m].spreadMs)));
  const gapMs = round(Math.max(...medians) - Math.min(...medians));
  result.p99 = { byMode, noiseMs, gapMs, withinNoise: gapMs <= noiseMs };
  // What the push role costs: a healthy round's server CPU (sends, then the drain) beyond an absent round's for
  // the same sends, per push delivered; deciding who is notified included.
  const absentCpu = median(phases.filter((x) => x.mode === 'absent').map((x) => x.serverCpuSeconds));
  const healthy = phases.filter((x) => x.mode === 'healthy');
  const pushCpu = healthy.reduce((n, x) => n + x.serverCpuSeconds + x.drainCpuSeconds - absentCpu, 0);
  const pushes = healthy.reduce((n, x) => n + x.pushesDuring + x.pushesDrained, 0);
  result.pushCpuMsPerPush = round((1000 * pushCpu) / Math.max(1, pushes), 3);

  const b = result.burst;
  console.log(table([
    ['users', 'devices', '@everyone msgs', 'pushes', 'delivered', 'seconds', 'pushes/s', 'cpu s', 'cpu ms/push'],
    [p.users, b.devices, b.messages, b.expected, b.delivered, b.seconds, b.notificationsPerSecond, b.serverCpuSeconds, b.serverCpuMsPerPush],
  ]));
  console.log('');
  const modeName = (m: Mode) => (m === 'slow' ? `slow (${p.slowMs} ms)` : m);
  console.log(table([
    ['round', 'mode', 'messages', 'errors', 'msg/s', 'p50 ms', 'p99 ms', 'max ms', 'server cpu s', 'pushes during', 'drain s', 'drain cpu s', 'pushes drained'],
    ...phases.map((r) => [r.round, modeName(r.mode), r.messages, r.errors, r.messagesPerSecond, r.latency.p50Ms, r.latency.p99Ms, r.latency.maxMs, r.serverCpuSeconds, r.pushesDuring, r.drainSeconds, r.drainCpuSeconds, r.pushesDrained]),
  ]));
  console.log('');
  console.log(table([
    ['mode', 'p99 per round ms', 'median p99 ms', 'spread ms'],
    ...MODES.map((m) => [modeName(m), byMode[m].p99s.join(' / '), byMode[m].medianP99Ms, byMode[m].spreadMs]),
  ]));
  console.log(`send p99 (median of ${p.rounds} rounds): healthy ${byMode.healthy.medianP99Ms} ms, absent ${byMode.absent.medianP99Ms} ms, slow receiver ${byMode.slow.medianP99Ms} ms; ` +
    `gap ${gapMs} ms vs noise ${noiseMs} ms (largest spread of one mode between rounds): ${result.p99.withinNoise ? 'WITHIN NOISE' : 'NOT within noise'}`);
  console.log(`push role CPU per push (healthy rounds' server CPU beyond an absent round's, sends and drain): ${result.pushCpuMsPerPush} ms`);
  for (const r of phases) if (r.errors) console.log(`ERRORS (round ${r.round} ${r.mode}): ${JSON.stringify(r.errorsByKind)}`);
  if (receiver.errors.length) console.log(`RECEIVER ERRORS: ${receiver.errors.length} (${receiver.errors.slice(0, 3).join('; ')})`);
  writeResults('push', { ...p, serverEnv: { ...LOAD_LIMITS, ...PUSH_ENV }, absentRoles: WITHOUT_PUSH }, loadBefore, { ...result, profile });
}
