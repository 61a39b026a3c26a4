/**
 * The per-socket state machine (src/sessions/connection.ts) with a fake socket, a fake gateway and Node's mock
 * timers as the clock: heartbeats, deadlines, protocol close codes, the rate window and the single close path.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { WebSocket } from 'ws';
import { silentLogger } from '../../src/lib/log.ts';
import { CLOSE_KEEPS_SESSION, CloseCodes, MAX_INBOUND_BYTES, Op, type CloseCode } from '../../src/sessions/codec.ts';
import { PlainEncoder } from '../../src/sessions/compression.ts';
import { Connection, RATE_LIMIT, type ConnectionHost } from '../../src/sessions/connection.ts';
import type { Session } from '../../src/sessions/session.ts';

const INTERVAL = 1_000;
const IDENTIFY_TIMEOUT = 5_000;

/** What Outbound and Connection use of a `ws` WebSocket, recording every call. */
class FakeSocket extends EventEmitter {
  readonly sent: Array<{ op: number; d: unknown }> = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  terminated = 0;
  bufferedAmount = 0;

  send(data: string | Buffer, _opts: { binary: boolean }, cb?: (err?: Error) => void): void {
    const frame = JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as { op: number; d: unknown; s: unknown; t: unknown };
    // Non-dispatch frames only here: s and t are always null.
    assert.equal(frame.s, null);
    assert.equal(frame.t, null);
    this.sent.push({ op: frame.op, d: frame.d });
    // ws calls back once the bytes reached the kernel: later, never inside send().
    if (cb) queueMicrotask(() => cb());
  }
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }
  terminate(): void {
    this.terminated++;
  }

  /** A client message (text frame). */
  receive(payload: unknown): void {
    this.emit('message', Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), false);
  }
  ops(): number[] {
    return this.sent.map((f) => f.op);
  }
}

type Call = [name: string, ...args: unknown[]];

class FakeHost implements ConnectionHost {
  readonly calls: Call[] = [];
  /** What identify/resume return; never settles unless a test replaces it. */
  handshake: () => Promise<void> = () => new Promise<void>(() => {});

  constructor(
    readonly heartbeatIntervalMs = INTERVAL,
    readonly identifyTimeoutMs = IDENTIFY_TIMEOUT,
    readonly outboundMaxBytes = 1 << 20,
    readonly presenceHoldMs = 0,
  ) {}

  now(): number {
    return Date.now();
  }
  identify(_conn: Connection, d: unknown): Promise<void> {
    this.calls.push(['identify', d]);
    return this.handshake();
  }
  resume(_conn: Connection, d: unknown): Promise<void> {
    this.calls.push(['resume', d]);
    return this.handshake();
  }
  updatePresence(_conn: Connection, _session: Session, d: unknown): void {
    this.calls.push(['updatePresence', d]);
  }
  requestGuildMembers(_conn: Connection, _session: Session, d: unknown): void {
    this.calls.push(['requestGuildMembers', d]);
  }
  subscribeGuilds(_conn: Connection, _session: Session, op: 14 | 37, d: unknown): void {
    this.calls.push(['subscribeGuilds', op, d]);
  }
  requestGuildInfo(_conn: Connection, _session: Session, op: 31 | 43, d: unknown): void {
    this.calls.push(['requestGuildInfo', op, d]);
  }
  connectionClosed(_conn: Connection, keepSession: boolean): void {
    this.calls.push(['connectionClosed', keepSession]);
  }
  presencesDrained(): void {
    this.calls.push(['presencesDrained']);
  }
  countPresencesDropped(n: number): void {
    this.calls.push(['countPresencesDropped', n]);
  }
  countBytesOut(): void {
    // Every frame written; too chatty to record.
  }
  countSlowClose(): void {
    this.calls.push(['countSlowClose']);
  }

  closedWith(): boolean[] {
    return this.calls.filter((c) => c[0] === 'connectionClosed').map((c) => c[1] as boolean);
  }
}

function open(host = new FakeHost()) {
  const ws = new FakeSocket();
  const conn = new Connection({ ws: ws as unknown as WebSocket, encoder: new PlainEncoder(), resumeUrl: 'ws://test/gateway', log: silentLogger }, host);
  conn.start();
  return { ws, host, conn };
}

/** Puts the connection where the gateway would after READY (a session attached). */
function makeReady(conn: Connection): void {
  conn.state = 'ready';
  conn.session = { presencesStale: false } as unknown as Session;
}

const identifyPayload = { op: Op.IDENTIFY, d: { token: 't', intents: 0, properties: {} } };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The timeouts armed and not yet fired or cleared. A timer left behind by close() would not show in what the
 * socket or host see (a closed connection ignores its own timers), so the test counts them.
 */
const pending = new Set<unknown>();

function trackTimeouts(): () => void {
  const set = globalThis.setTimeout;
  const clear = globalThis.clearTimeout;
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = set((...a: unknown[]) => {
      pending.delete(handle);
      fn(...a);
    }, ms, ...args);
    pending.add(handle);
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle?: NodeJS.Timeout | string | number) => {
    pending.delete(handle);
    clear(handle);
  }) as typeof clearTimeout;
  return () => {
    globalThis.setTimeout = set;
    globalThis.clearTimeout = clear;
    pending.clear();
  };
}

let untrack: () => void;
beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  untrack = trackTimeouts();
});
afterEach(() => {
  untrack();
  mock.timers.reset();
});

describe('Connection: hello and heartbeats', () => {
  it('sends HELLO with the heartbeat interval on start', () => {
    const { ws, conn } = open();
    assert.deepEqual(ws.sent, [{ op: Op.HELLO, d: { heartbeat_interval: INTERVAL } }]);
    assert.equal(conn.state, 'hello');
  });

  it('answers a heartbeat with op 11 in any state', () => {
    const { ws, conn } = open();
    ws.receive({ op: Op.HEARTBEAT, d: null });
    assert.deepEqual(ws.sent.at(-1), { op: Op.HEARTBEAT_ACK, d: null });
    ws.receive(identifyPayload);
    assert.equal(conn.state, 'identifying');
    ws.receive({ op: Op.HEARTBEAT, d: 7 });
    makeReady(conn);
    ws.receive({ op: Op.HEARTBEAT, d: 'anything' });
    assert.deepEqual(ws.ops(), [Op.HELLO, Op.HEARTBEAT_ACK, Op.HEARTBEAT_ACK, Op.HEARTBEAT_ACK]);
    assert.equal(ws.closes.length, 0);
  });

  it('asks a late client for a heartbeat at 1.25 × interval and closes 4009 (resumable) at 1.5 ×', () => {
    const { ws, host, conn } = open();
    mock.timers.tick(INTERVAL * 1.25 - 1);
    assert.deepEqual(ws.ops(), [Op.HELLO]);
    mock.timers.tick(1);
    assert.deepEqual(ws.sent.at(-1), { op: Op.HEARTBEAT, d: null });
    mock.timers.tick(INTERVAL / 4 - 1);
    assert.equal(conn.closed, false);
    mock.timers.tick(1);
    assert.equal(conn.closed, true);
    assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.SESSION_TIMED_OUT]);
    assert.deepEqual(host.closedWith(), [true]);
  });

  it('each heartbeat restarts the deadline: a punctual client is never asked nor closed', () => {
    const { ws, conn } = open();
    ws.receive(identifyPayload); // no identify deadline in the way
    for (let i = 0; i < 20; i++) {
      mock.timers.tick(INTERVAL);
      ws.receive({ op: Op.HEARTBEAT, d: null });
    }
    assert.equal(conn.closed, false);
    assert.ok(!ws.ops().slice(1).includes(Op.HEARTBEAT), 'no server op 1');
    // A heartbeat answering the server's op 1 also saves the connection.
    mock.timers.tick(INTERVAL * 1.25);
    assert.equal(ws.sent.at(-1)?.op, Op.HEARTBEAT);
    ws.receive({ op: Op.HEARTBEAT, d: null });
    mock.timers.tick(INTERVAL * 1.25 - 1);
    assert.equal(conn.closed, false);
  });
});

describe('Connection: identify deadline', () => {
  // A long heartbeat interval keeps the heartbeat deadline out of these tests.
  const slowHeartbeat = () => new FakeHost(60_000, IDENTIFY_TIMEOUT);

  it('closes 4003 when nothing is identified within identifyTimeoutMs of HELLO', () => {
    const { ws, host, conn } = open(slowHeartbeat());
    ws.receive({ op: Op.HEARTBEAT, d: null }); // heartbeats do not count
    mock.timers.tick(IDENTIFY_TIMEOUT - 1);
    assert.equal(conn.closed, false);
    mock.timers.tick(1);
    assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.NOT_AUTHENTICATED]);
    assert.deepEqual(host.closedWith(), [CLOSE_KEEPS_SESSION[CloseCodes.NOT_AUTHENTICATED]]);
  });

  it('does not close a socket that is identifying or resuming', () => {
    for (const payload of [identifyPayload, { op: Op.RESUME, d: { token: 't', session_id: 's', seq: 0 } }]) {
      const { ws, conn } = open(slowHeartbeat());
      mock.timers.tick(IDENTIFY_TIMEOUT - 1);
      ws.receive(payload);
      assert.equal(pending.size, 1, 'only the heartbeat deadline is left');
      mock.timers.tick(IDENTIFY_TIMEOUT * 4);
      assert.equal(conn.closed, false);
      assert.equal(ws.closes.length, 0);
      conn.close(CloseCodes.UNKNOWN_ERROR, 'test over');
    }
  });

  it('re-arms after INVALID_SESSION: the socket is back in hello with a fresh deadline', () => {
    const { ws, host, conn } = open(slowHeartbeat());
    mock.timers.tick(IDENTIFY_TIMEOUT - 1);
    ws.receive(identifyPayload);
    mock.timers.tick(IDENTIFY_TIMEOUT);
    conn.invalidate(false);
    assert.equal(conn.state, 'hello');
    assert.deepEqual(ws.sent.at(-1), { op: Op.INVALID_SESSION, d: false });
    assert.equal(pending.size, 2, 'heartbeat and one identify deadline');
    // Invalidated again while in hello: the deadline restarts rather than doubling up.
    mock.timers.tick(IDENTIFY_TIMEOUT / 2);
    conn.invalidate(false);
    assert.equal(pending.size, 2, 'heartbeat and one identify deadline');
    mock.timers.tick(IDENTIFY_TIMEOUT - 1);
    assert.equal(conn.closed, false);
    mock.timers.tick(1);
    assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.NOT_AUTHENTICATED]);
    assert.deepEqual(host.closedWith(), [true]);
  });

  it('accepts a fresh IDENTIFY after INVALID_SESSION (not 4005)', () => {
    const { ws, host, conn } = open(slowHeartbeat());
    ws.receive(identifyPayload);
    conn.invalidate(true);
    assert.deepEqual(ws.sent.at(-1), { op: Op.INVALID_SESSION, d: true });
    ws.receive(identifyPayload);
    assert.equal(conn.state, 'identifying');
    assert.equal(host.calls.filter((c) => c[0] === 'identify').length, 2);
    assert.equal(ws.closes.length, 0);
  });
});

describe('Connection: protocol errors', () => {
  it('4001 for an unknown opcode', () => {
    for (const op of [5, 99, Op.HELLO, Op.DISPATCH]) {
      const { ws, host } = open();
      ws.receive({ op, d: null });
      assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.UNKNOWN_OPCODE], `op ${op}`);
      assert.deepEqual(host.closedWith(), [true]);
    }
  });

  it('4002 for a payload that is not a JSON object with an integer op', () => {
    for (const bad of ['not json', '[1]', 'null', '{"op":"1"}', '{"op":1.5}', '{"d":null}']) {
      const { ws, host } = open();
      ws.receive(bad);
      assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.DECODE_ERROR], bad);
      assert.deepEqual(host.closedWith(), [true]);
    }
  });

  it(`4002 for a payload over ${MAX_INBOUND_BYTES} bytes; exactly ${MAX_INBOUND_BYTES} is fine`, () => {
    const frame = (bytes: number) => {
      const empty = JSON.stringify({ op: Op.HEARTBEAT, d: '' });
      return JSON.stringify({ op: Op.HEARTBEAT, d: 'x'.repeat(bytes - empty.length) });
    };
    const ok = open();
    ok.ws.receive(frame(MAX_INBOUND_BYTES));
    assert.equal(ok.ws.closes.length, 0);
    assert.equal(ok.ws.sent.at(-1)?.op, Op.HEARTBEAT_ACK);

    const big = open();
    big.ws.receive(frame(MAX_INBOUND_BYTES + 1));
    assert.deepEqual(big.ws.closes.map((c) => c.code), [CloseCodes.DECODE_ERROR]);
    assert.equal(big.ws.sent.at(-1)?.op, Op.HELLO, 'no ACK');
  });

  it('4003 for op 3, 4, 8, 14, 31, 37 or 43 before identifying; ignored while READY is being built; passed on once ready', () => {
    for (const op of [Op.PRESENCE_UPDATE, Op.VOICE_STATE_UPDATE, Op.REQUEST_GUILD_MEMBERS, Op.GUILD_SUBSCRIPTIONS, Op.GUILD_SUBSCRIPTIONS_BULK, Op.REQUEST_SOUNDBOARD_SOUNDS, Op.REQUEST_CHANNEL_INFO]) {
      const { ws, host } = open();
      ws.receive({ op, d: {} });
      assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.NOT_AUTHENTICATED], `op ${op}`);
      assert.deepEqual(host.calls, [['connectionClosed', true]]);
    }
    const { ws, host, conn } = open();
    ws.receive(identifyPayload);
    ws.receive({ op: Op.PRESENCE_UPDATE, d: { status: 'idle' } });
    ws.receive({ op: Op.REQUEST_GUILD_MEMBERS, d: { guild_id: '1' } });
    assert.deepEqual(host.calls.map((c) => c[0]), ['identify'], 'dropped while identifying');
    makeReady(conn);
    ws.receive({ op: Op.PRESENCE_UPDATE, d: { status: 'idle' } });
    ws.receive({ op: Op.REQUEST_GUILD_MEMBERS, d: { guild_id: '1' } });
    ws.receive({ op: Op.VOICE_STATE_UPDATE, d: {} });
    ws.receive({ op: Op.GUILD_SUBSCRIPTIONS, d: { guild_id: '1' } });
    ws.receive({ op: Op.GUILD_SUBSCRIPTIONS_BULK, d: { subscriptions: {} } });
    ws.receive({ op: Op.REQUEST_SOUNDBOARD_SOUNDS, d: { guild_ids: ['1'] } });
    ws.receive({ op: Op.REQUEST_CHANNEL_INFO, d: { guild_id: '1', fields: ['status'] } });
    assert.deepEqual(host.calls, [
      ['identify', identifyPayload.d],
      ['updatePresence', { status: 'idle' }],
      ['requestGuildMembers', { guild_id: '1' }],
      ['subscribeGuilds', 14, { guild_id: '1' }],
      ['subscribeGuilds', 37, { subscriptions: {} }],
      ['requestGuildInfo', 31, { guild_ids: ['1'] }],
      ['requestGuildInfo', 43, { guild_id: '1', fields: ['status'] }],
    ]);
    assert.equal(ws.closes.length, 0);
  });

  it('4005 for a second IDENTIFY or RESUME once identifying, resuming or ready', () => {
    const resume = { op: Op.RESUME, d: { token: 't', session_id: 's', seq: 1 } };
    for (const [first, second, ready] of [
      [identifyPayload, identifyPayload, false],
      [identifyPayload, resume, false],
      [resume, identifyPayload, false],
      [identifyPayload, identifyPayload, true],
    ] as const) {
      const { ws, host, conn } = open();
      ws.receive(first);
      if (ready) makeReady(conn);
      ws.receive(second);
      assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.ALREADY_AUTHENTICATED]);
      assert.equal(host.calls.filter((c) => c[0] === 'identify' || c[0] === 'resume').length, 1);
      assert.deepEqual(host.closedWith(), [true]);
    }
  });

  it('closes 4000 when the gateway handler fails', async () => {
    const host = new FakeHost();
    host.handshake = () => Promise.reject(new Error('store down'));
    const { ws } = open(host);
    ws.receive(identifyPayload);
    await tick();
    assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.UNKNOWN_ERROR]);
    assert.deepEqual(host.closedWith(), [true]);
  });
});

describe('Connection: rate limit', () => {
  // Heartbeat and identify deadlines far away: only the rate window matters here.
  const patient = () => new FakeHost(10 * RATE_LIMIT.windowMs, 10 * RATE_LIMIT.windowMs);

  it(`4008 after ${RATE_LIMIT.payloads} payloads in ${RATE_LIMIT.windowMs / 1000} s`, () => {
    const { ws, host } = open(patient());
    for (let i = 0; i < RATE_LIMIT.payloads / 2; i++) ws.receive({ op: Op.HEARTBEAT, d: null });
    mock.timers.tick(RATE_LIMIT.windowMs - 1);
    for (let i = 0; i < RATE_LIMIT.payloads / 2; i++) ws.receive({ op: Op.HEARTBEAT, d: null });
    assert.equal(ws.closes.length, 0);
    assert.equal(ws.ops().filter((op) => op === Op.HEARTBEAT_ACK).length, RATE_LIMIT.payloads);
    ws.receive({ op: Op.HEARTBEAT, d: null });
    assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.RATE_LIMITED]);
    assert.equal(ws.ops().filter((op) => op === Op.HEARTBEAT_ACK).length, RATE_LIMIT.payloads, 'the 121st is not answered');
    assert.deepEqual(host.closedWith(), [true]);
  });

  it('the window starts over after 60 s', () => {
    const { ws, conn } = open(patient());
    for (let i = 0; i < RATE_LIMIT.payloads; i++) ws.receive({ op: Op.HEARTBEAT, d: null });
    mock.timers.tick(RATE_LIMIT.windowMs);
    for (let i = 0; i < RATE_LIMIT.payloads; i++) ws.receive({ op: Op.HEARTBEAT, d: null });
    assert.equal(conn.closed, false);
    assert.equal(ws.ops().filter((op) => op === Op.HEARTBEAT_ACK).length, 2 * RATE_LIMIT.payloads);
    // The new window is as full as the first was.
    ws.receive({ op: Op.HEARTBEAT, d: null });
    assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.RATE_LIMITED]);
  });
});

describe('Connection: the single close path', () => {
  it('close() clears every timer: nothing fires afterwards and the host hears once', () => {
    // Every timer armed: the identify deadline (hello) and the heartbeat in its second phase (op 1 sent).
    const { ws, host, conn } = open(new FakeHost(INTERVAL, 10 * INTERVAL));
    mock.timers.tick(INTERVAL * 1.25);
    assert.equal(ws.sent.at(-1)?.op, Op.HEARTBEAT);
    const sent = ws.sent.length;
    assert.equal(pending.size, 2, 'heartbeat and identify deadline armed');
    conn.close(CloseCodes.UNKNOWN_ERROR, 'bye');
    assert.equal(conn.state, 'closed');
    assert.equal(pending.size, 0, 'every timer cleared');
    mock.timers.tick(60 * 60_000);
    assert.equal(ws.sent.length, sent, 'no frame after close');
    assert.deepEqual(ws.closes, [{ code: CloseCodes.UNKNOWN_ERROR, reason: 'bye' }]);
    assert.deepEqual(host.calls, [['connectionClosed', true]]);

    // The socket's own close event, late messages and a second close change nothing.
    ws.emit('close', 1006);
    ws.receive({ op: Op.HEARTBEAT, d: null });
    ws.receive(identifyPayload);
    conn.close(CloseCodes.SESSION_TIMED_OUT, 'again');
    conn.invalidate(false);
    conn.send(Op.HEARTBEAT, null);
    mock.timers.tick(60 * 60_000);
    assert.equal(ws.sent.length, sent);
    assert.equal(ws.closes.length, 1);
    assert.deepEqual(host.calls, [['connectionClosed', true]]);
  });

  it('a client close clears the timers too', () => {
    const setups: Array<(conn: Connection, ws: FakeSocket) => void> = [() => {}, (_, ws) => ws.receive(identifyPayload), (conn) => makeReady(conn)];
    for (const setup of setups) {
      const { ws, host, conn } = open();
      setup(conn, ws);
      assert.ok(pending.size > 0);
      ws.emit('close', 1001);
      assert.equal(pending.size, 0, 'every timer cleared');
      mock.timers.tick(60 * 60_000);
      assert.equal(ws.closes.length, 0, 'no close frame for a socket the client closed');
      assert.ok(!ws.ops().includes(Op.HEARTBEAT));
      assert.deepEqual(host.closedWith(), [false]);
    }
  });

  it('a connection closed from inside a timer (4009) does not fire again', () => {
    const { ws, host } = open();
    // In two steps: mock timers schedule a timer set from inside tick() relative to the end of that tick.
    mock.timers.tick(INTERVAL * 1.25);
    mock.timers.tick(INTERVAL / 4);
    assert.deepEqual(ws.closes.map((c) => c.code), [CloseCodes.SESSION_TIMED_OUT]);
    assert.equal(pending.size, 0, 'the identify deadline was cleared too');
    mock.timers.tick(60 * 60_000);
    assert.equal(ws.closes.length, 1);
    assert.deepEqual(host.closedWith(), [true]);
  });

  it('terminate() drops the socket without a close frame; the session stays resumable', () => {
    const { ws, host, conn } = open();
    conn.terminate();
    assert.equal(ws.terminated, 1);
    assert.equal(ws.closes.length, 0);
    assert.equal(pending.size, 0);
    mock.timers.tick(60 * 60_000);
    assert.deepEqual(host.closedWith(), [true]);
  });

  it('falls back to terminate() when the close frame cannot be sent', () => {
    const { ws, host, conn } = open();
    ws.close = () => {
      throw new Error('socket not open');
    };
    conn.close(CloseCodes.DECODE_ERROR, 'x');
    assert.equal(ws.terminated, 1);
    assert.deepEqual(host.closedWith(), [true]);
  });
});

describe('Connection: whether the session survives the socket', () => {
  it('server closes keep the session per CLOSE_KEEPS_SESSION', () => {
    for (const [code, keep] of Object.entries(CLOSE_KEEPS_SESSION)) {
      const { ws, host, conn } = open();
      makeReady(conn);
      conn.close(Number(code) as CloseCode, 'test');
      assert.deepEqual(ws.closes.map((c) => c.code), [Number(code)]);
      assert.equal(pending.size, 0);
      assert.deepEqual(host.closedWith(), [keep], `close ${code}`);
    }
  });

  it('a server close 1000 ends the session', () => {
    const { host, conn } = open();
    conn.close(1000, 'done');
    assert.deepEqual(host.closedWith(), [false]);
  });

  it('client closes 1000 and 1001 end the session; any other client close keeps it', () => {
    for (const [code, keep] of [[1000, false], [1001, false], [1006, true], [4000, true], [4004, true]] as const) {
      const { ws, host, conn } = open();
      makeReady(conn);
      ws.emit('close', code);
      assert.equal(conn.closed, true);
      assert.deepEqual(host.closedWith(), [keep], `client close ${code}`);
    }
  });
});
