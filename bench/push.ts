/**
 * Push notifications: how fast the push role delivers, and that it adds nothing to a send.
 *
 *   node --import tsx bench/run.ts push [--quick] [--users N] [--burst B] [--concurrency C] [--messages M] [--slow-ms 5000]
 *
 * The push service is the tests' local Web Push receiver (test/helpers/web-push-receiver.ts: verifies VAPID,
 * decrypts RFC 8291) in this process, behind a TCP proxy (test/helpers/web-push-fault-proxy.ts) that can hold
 * each connection a while. Accord runs as its own process with ACCORD_PUSH_ALLOW_HOSTS=127.0.0.1 and
 * ACCORD_PUSH_ACTIVE_GRACE_MS=0. N users in one guild (notifications: all messages), each but the owner with one
 * push device and no gateway session (offline: every one is pushed).
 *
 * (a) burst: the owner posts B messages mentioning @everyone (8 at a time); notifications/s is B×(N−1) over the
 *     time from the first send to the last push decrypted by the receiver.
 * (b) send latency: C concurrent REST senders (the N users in turn) post M messages into one channel (each
 *     queues N−1 pushes) in three phases — push role healthy; push service slow (every push held --slow-ms
 *     before it is answered, same server); push role absent (a second server with ACCORD_ROLES = every role but
 *     push). Errors must be 0. Each phase starts with an unmeasured warm-up of min(300, M) messages.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { ALL_ROLES } from '../src/config/roles.ts';
import { WebPushFaultProxy } from '../test/helpers/web-push-fault-proxy.ts';
import { WebPushReceiver, type ReceiverSubscription } from '../test/helpers/web-push-receiver.ts';
import {
  api, Args, LOAD_LIMITS, log, measureWindow, pool, round, sleep, startAccord, startWorkers, table, writeResults,
  type ServerProcess, type WorkerClient,
} from './lib/common.ts';
import { sendMessages, type SendReport } from './lib/sessions.ts';
import { createTextChannels, guildWithMembers, registerUsers, type BenchGuild } from './lib/setup.ts';

const PUSH_ENV = { ACCORD_PUSH_ALLOW_HOSTS: '127.0.0.1', ACCORD_PUSH_ACTIVE_GRACE_MS: '0' };
const WITHOUT_PUSH = ALL_ROLES.filter((r) => r !== 'push').join(',');

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

async function sendPhase(worker: WorkerClient, base: string, s: Setup, p: { messages: number; concurrency: number }): Promise<SendReport> {
  const body = { base, tokens: s.g.users.map((u) => u.token), channelIds: [s.channelId], rate: 0, concurrency: p.concurrency };
  await sendMessages(worker, { ...body, count: Math.min(300, p.messages), tag: 'warmup', timeoutMs: 60_000 });
  await sleep(300);
  return sendMessages(worker, { ...body, count: p.messages, tag: randomBytes(4).toString('hex'), timeoutMs: 240_000 });
}

function phaseResult(r: SendReport, pushesDuring?: number) {
  const errors = Object.values(r.errors).reduce((x, y) => x + y, 0);
  return { messages: r.ok, errors, errorsByKind: r.errors, messagesPerSecond: round(r.perSecond, 0), latency: r.latency.summary(), ...(pushesDuring !== undefined ? { pushesDelivered: pushesDuring } : {}) };
}

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const p = {
    users: a.int('users', 20, 2, 1000),
    burst: a.int('burst', quick ? 20 : 50, 1, 100_000),
    concurrency: a.int('concurrency', 16, 1, 1024),
    messages: a.int('messages', quick ? 500 : 2000, 1, 1_000_000),
    slowMs: a.int('slow-ms', 5000, 0, 9000),
    logLevel: a.str('log-level') ?? 'warn',
  };
  const loadBefore = os.loadavg();
  log(`push bench: ${p.users} users (${p.users - 1} devices), burst of ${p.burst} @everyone, then ${p.messages} sends × 3 phases at concurrency ${p.concurrency}; slow service holds each push ${p.slowMs} ms`);
  const receiver = await WebPushReceiver.start();
  const proxy = await WebPushFaultProxy.start(receiver);
  proxy.delayMs = p.slowMs;
  const [worker] = await startWorkers(1);
  const result: Record<string, any> = {};
  try {
    // ---- server with the push role
    const server = await startAccord({ logLevel: p.logLevel, env: PUSH_ENV });
    try {
      const s = await setup(server, receiver, p.users);
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

      // (b1) healthy
      log('  sends: push role healthy');
      let before = received(s.subs);
      result.healthy = phaseResult(await sendPhase(worker!, server.url, s, p), received(s.subs) - before);

      // (b2) slow push service, same server (the healthy phase's backlog is now delivered slowly too)
      log(`  sends: push service answering after ${p.slowMs} ms`);
      await proxy.setMode('delay');
      before = received(s.subs);
      result.slow = phaseResult(await sendPhase(worker!, server.url, s, p), received(s.subs) - before);
      await proxy.setMode('forward');
    } finally {
      await server.stop();
    }

    // (b3) no push role
    log(`  sends: push role absent (ACCORD_ROLES=${WITHOUT_PUSH})`);
    const bare = await startAccord({ logLevel: p.logLevel, env: { ...PUSH_ENV, ACCORD_ROLES: WITHOUT_PUSH } });
    try {
      const s = await setup(bare, receiver, p.users);
      const before = received(s.subs);
      result.absent = phaseResult(await sendPhase(worker!, bare.url, s, p), received(s.subs) - before);
    } finally {
      await bare.stop();
    }
  } finally {
    await worker!.close();
    await proxy.close();
    await receiver.close();
  }

  const b = result.burst;
  console.log(table([
    ['users', 'devices', '@everyone msgs', 'pushes', 'delivered', 'seconds', 'pushes/s', 'cpu s', 'cpu ms/push'],
    [p.users, b.devices, b.messages, b.expected, b.delivered, b.seconds, b.notificationsPerSecond, b.serverCpuSeconds, b.serverCpuMsPerPush],
  ]));
  console.log('');
  const phases = [['healthy', result.healthy], [`slow (${p.slowMs} ms)`, result.slow], ['absent', result.absent]] as const;
  console.log(table([
    ['phase', 'messages', 'errors', 'msg/s', 'p50 ms', 'p99 ms', 'max ms', 'pushes during'],
    ...phases.map(([name, r]) => [name, r.messages, r.errors, r.messagesPerSecond, r.latency.p50Ms, r.latency.p99Ms, r.latency.maxMs, r.pushesDelivered ?? 0]),
  ]));
  console.log(`send p99: healthy ${result.healthy.latency.p99Ms} ms, absent ${result.absent.latency.p99Ms} ms, slow receiver ${result.slow.latency.p99Ms} ms`);
  for (const [name, r] of phases) if (r.errors) console.log(`ERRORS (${name}): ${JSON.stringify(r.errorsByKind)}`);
  if (b.receiverErrors) console.log(`RECEIVER ERRORS: ${b.receiverErrors}`);
  writeResults('push', { ...p, serverEnv: { ...LOAD_LIMITS, ...PUSH_ENV }, absentRoles: WITHOUT_PUSH }, loadBefore, result);
}
