/**
 * Bus failures are seen: each kind is made to happen for real on a bus wired to BusFailures, and shows up both
 * as a log line (pino writing to memory) and in the counter. NATS runs against the shared test server, except
 * disconnect/reconnect, which kill and restart a private nats-server on a port of its own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { BusFailures } from '../../src/bus/failures.ts';
import { MemoryBroker, MemoryBus } from '../../src/bus/memory.ts';
import { NatsBus } from '../../src/bus/nats.ts';
import { BusNoRespondersError, BusRemoteError, BusTimeoutError, type BusFailureKind } from '../../src/bus/types.ts';
import { serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';

const inCI = process.env.CI === 'true' || process.env.CI === '1';

interface LogLine {
  level: number;
  kind: string;
  subject?: string;
  queue?: string;
  err?: { message: string; type: string };
  msg: string;
}

function watched() {
  const lines: LogLine[] = [];
  const log = pino({ level: 'trace' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const failures = new BusFailures(log);
  return {
    failures,
    lines,
    logged: (kind: BusFailureKind) => lines.filter((l) => l.kind === kind),
    /** The kinds counted so far, zeros left out. */
    nonZero: () => Object.fromEntries(Object.entries(failures.counts()).filter(([, n]) => n > 0)),
  };
}

const WARN = 40;
const INFO = 30;

describe('bus failures: memory bus', () => {
  it('a subscriber that throws', async () => {
    const w = watched();
    const bus = new MemoryBus({ onError: w.failures.handler });
    try {
      bus.subscribe('fail.boom', () => {
        throw new Error('subscriber bug');
      });
      bus.subscribe('fail.boom', async () => {
        throw new Error('async subscriber bug');
      });
      bus.publish('fail.boom', 1);
      await waitFor(() => w.failures.counts().subscriber === 2, { what: 'two subscriber failures' });
      assert.deepEqual(w.nonZero(), { subscriber: 2 });
      const lines = w.logged('subscriber');
      assert.equal(lines.length, 2);
      assert.ok(lines.every((l) => l.level === WARN && l.subject === 'fail.boom'));
      assert.deepEqual(lines.map((l) => l.err?.message).sort(), ['async subscriber bug', 'subscriber bug']);
    } finally {
      await bus.close();
    }
  });

  it('a responder that throws', async () => {
    const w = watched();
    const bus = new MemoryBus({ onError: w.failures.handler });
    try {
      bus.serve('fail.ask', () => {
        throw new Error('responder bug');
      });
      await assert.rejects(bus.request('fail.ask', 1, { timeoutMs: 2000 }), BusRemoteError);
      assert.deepEqual(w.nonZero(), { responder: 1 });
      const [line] = w.logged('responder');
      assert.equal(line.level, WARN);
      assert.equal(line.subject, 'fail.ask');
      assert.equal(line.err?.message, 'responder bug');
    } finally {
      await bus.close();
    }
  });

  it('a slow consumer loses messages', async () => {
    const w = watched();
    const bus = new MemoryBus({ broker: new MemoryBroker({ maxPendingMessages: 2 }), onError: w.failures.handler });
    try {
      const got: number[] = [];
      bus.subscribe<number>('fail.burst', (n) => void got.push(n));
      for (let i = 0; i < 5; i++) bus.publish('fail.burst', i);
      await waitFor(() => got.length === 2, { what: 'the messages that fit' });
      assert.deepEqual(w.nonZero(), { 'slow-consumer': 3 });
      const lines = w.logged('slow-consumer');
      assert.equal(lines.length, 3);
      assert.ok(lines.every((l) => l.level === WARN && l.subject === 'fail.burst'));
    } finally {
      await bus.close();
    }
  });

  it('a dead-lettered job', async () => {
    const w = watched();
    const bus = new MemoryBus({ onError: w.failures.handler, retryBackoff: { initialMs: 1 } });
    try {
      await bus.consume('fail-jobs', async () => {
        throw new Error('job bug');
      }, { maxDeliveries: 2 });
      await bus.enqueue('fail-jobs', { n: 1 });
      await waitFor(() => w.failures.counts()['dead-letter'] === 1, { what: 'the dead letter' });
      assert.equal(bus.broker.depth('fail-jobs.dead'), 1);
      assert.deepEqual(w.nonZero(), { 'dead-letter': 1 });
      const [line] = w.logged('dead-letter');
      assert.equal(line.level, WARN);
      assert.equal(line.queue, 'fail-jobs');
      assert.match(line.err?.message ?? '', /moved to fail-jobs\.dead after 2 deliveries: job bug/);
    } finally {
      await bus.close();
    }
  });

  it('a request nobody answers, and one nobody serves', async () => {
    const w = watched();
    const bus = new MemoryBus({ onError: w.failures.handler });
    try {
      bus.subscribe('fail.quiet', () => {}); // receives requests, never answers
      await assert.rejects(bus.request('fail.quiet', 1, { timeoutMs: 50 }), BusTimeoutError);
      await assert.rejects(bus.request('fail.nobody', 1, { timeoutMs: 50 }), BusNoRespondersError);
      await new Promise((r) => setTimeout(r, 100)); // nothing more arrives later
      assert.deepEqual(w.nonZero(), { 'request-timeout': 1, 'no-responders': 1 });
      const [timeout] = w.logged('request-timeout');
      assert.equal(timeout.level, WARN);
      assert.equal(timeout.subject, 'fail.quiet');
      assert.equal(timeout.err?.type, 'BusTimeoutError');
      assert.equal(w.logged('no-responders')[0].subject, 'fail.nobody');
    } finally {
      await bus.close();
    }
  });
});

describe('bus failures: nats bus', { skip: await serviceSkip('nats') }, () => {
  const streamPrefix = `accordtest-${randomBytes(4).toString('hex')}`;
  const token = randomBytes(4).toString('hex'); // subjects of this run, apart from other suites on the server
  const connect = (w: ReturnType<typeof watched>) =>
    NatsBus.connect({ servers: TEST_NATS_URL, name: 'accord-bus-failures-test', streamPrefix, retryBackoff: { initialMs: 50 }, stopGraceMs: 200, onError: w.failures.handler });

  after(async () => {
    const bus = await NatsBus.connect({ servers: TEST_NATS_URL, streamPrefix });
    try {
      await bus.destroyQueues();
    } finally {
      await bus.close();
    }
  });

  it('a subscriber that throws', async () => {
    const w = watched();
    const bus = await connect(w);
    try {
      const subject = `fail.${token}.boom`;
      bus.subscribe(subject, () => {
        throw new Error('subscriber bug');
      });
      bus.publish(subject, 1);
      await bus.flush();
      await waitFor(() => w.failures.counts().subscriber === 1, { what: 'the subscriber failure' });
      assert.deepEqual(w.nonZero(), { subscriber: 1 });
      const [line] = w.logged('subscriber');
      assert.equal(line.level, WARN);
      assert.equal(line.subject, subject);
      assert.equal(line.err?.message, 'subscriber bug');
    } finally {
      await bus.close();
    }
  });

  it('a responder that throws', async () => {
    const w = watched();
    const bus = await connect(w);
    try {
      const subject = `fail.${token}.ask`;
      bus.serve(subject, () => {
        throw new Error('responder bug');
      });
      await bus.flush();
      await assert.rejects(bus.request(subject, 1, { timeoutMs: 2000 }), BusRemoteError);
      await waitFor(() => w.failures.counts().responder === 1, { what: 'the responder failure' });
      assert.deepEqual(w.nonZero(), { responder: 1 });
      assert.equal(w.logged('responder')[0].subject, subject);
    } finally {
      await bus.close();
    }
  });

  it('a dead-lettered job', async () => {
    const w = watched();
    const bus = await connect(w);
    try {
      await bus.consume('fail-jobs', async () => {
        throw new Error('job bug');
      }, { maxDeliveries: 2, ackWaitMs: 5000 });
      await bus.enqueue('fail-jobs', { n: 1 });
      await waitFor(() => w.failures.counts()['dead-letter'] === 1, { timeoutMs: 15_000, what: 'the dead letter' });
      assert.equal(await bus.depth('fail-jobs.dead'), 1);
      assert.deepEqual(w.nonZero(), { 'dead-letter': 1 });
      const [line] = w.logged('dead-letter');
      assert.equal(line.level, WARN);
      assert.equal(line.queue, 'fail-jobs');
      assert.match(line.err?.message ?? '', /after 2 deliveries: job bug/);
    } finally {
      await bus.close();
    }
  });

  it('a request nobody answers, and one nobody serves', async () => {
    const w = watched();
    const bus = await connect(w);
    try {
      const quiet = `fail.${token}.quiet`;
      bus.subscribe(quiet, () => {}); // receives requests, never answers
      await bus.flush();
      await assert.rejects(bus.request(quiet, 1, { timeoutMs: 200 }), BusTimeoutError);
      await assert.rejects(bus.request(`fail.${token}.nobody`, 1, { timeoutMs: 2000 }), BusNoRespondersError);
      assert.deepEqual(w.nonZero(), { 'request-timeout': 1, 'no-responders': 1 });
      const [line] = w.logged('request-timeout');
      assert.equal(line.level, WARN);
      assert.equal(line.subject, quiet);
      assert.equal(line.err?.type, 'BusTimeoutError');
    } finally {
      await bus.close();
    }
  });
});

// --- disconnect and reconnect, against a nats-server of our own ---------------------------------------------

const NATS_SERVER = [process.env.ACCORD_TEST_NATS_SERVER, '/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].find(
  (p): p is string => Boolean(p && existsSync(p)),
);

function natsServerSkip(): string | false {
  if (NATS_SERVER) return false;
  if (inCI) throw new Error('nats-server is required under CI=true but was not found (set ACCORD_TEST_NATS_SERVER)');
  const reason = 'nats-server binary not found: skipped (install it or set ACCORD_TEST_NATS_SERVER; CI=true makes this a failure)';
  console.log(`# ${reason}`);
  return reason;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function exited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

/** Kills `proc` and resolves once it is gone (bounded: SIGKILL cannot be ignored). */
async function kill(proc: ChildProcess): Promise<void> {
  if (exited(proc)) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

describe('bus failures: nats connection', { skip: natsServerSkip() }, () => {
  let port = 0;
  let storeDir = '';
  let server: ChildProcess | undefined;
  let bus: NatsBus | undefined;
  const log: string[] = [];

  async function startServer(): Promise<void> {
    const proc = spawn(NATS_SERVER!, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    server = proc;
    await waitFor(async () => !exited(proc) && (await accepts(port)), { timeoutMs: 10_000, what: `private nats-server on ${port}: ${log.join('').slice(-500)}` });
  }

  before(async () => {
    port = await freePort();
    storeDir = mkdtempSync(path.join(tmpdir(), 'accord-nats-'));
    await startServer();
  });

  after(async () => {
    if (bus) await withTimeout(bus.close().catch(() => {}), 5000);
    if (server) await kill(server);
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  it('reports a lost connection and its return', async () => {
    const w = watched();
    bus = await NatsBus.connect({ servers: `nats://127.0.0.1:${port}`, name: 'accord-bus-failures-reconnect', streamPrefix: 'accordtest-reconnect', onError: w.failures.handler });
    assert.deepEqual(w.nonZero(), {});

    await kill(server!);
    await waitFor(() => w.failures.counts().disconnect === 1, { timeoutMs: 10_000, what: 'the disconnect' });
    const [down] = w.logged('disconnect');
    assert.equal(down.level, WARN);
    assert.match(down.err?.message ?? '', new RegExp(`disconnected from NATS .*${port}`));

    await startServer();
    await waitFor(() => w.failures.counts().reconnect === 1, { timeoutMs: 20_000, what: 'the reconnect' });
    const [up] = w.logged('reconnect');
    assert.equal(up.level, INFO);
    assert.match(up.err?.message ?? '', /reconnected to NATS/);
    assert.deepEqual(w.nonZero(), { disconnect: 1, reconnect: 1 });
    assert.equal(w.lines.length, 2);

    // And the bus works again.
    const got: number[] = [];
    bus.subscribe<number>('fail.after', (n) => void got.push(n));
    bus.publish('fail.after', 7);
    await bus.flush();
    await waitFor(() => got.length === 1, { what: 'a message after the reconnect' });
  });
});
