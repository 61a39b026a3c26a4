/**
 * The presence hold (src/sessions/presence-hold.ts, Outbound in src/sessions/outbound.ts) over real sockets: a
 * presence update on a quiet socket waits for the hold to end and then goes out with the others of its burst, in
 * order; any other frame takes the waiting presences along at once, ahead of itself; a hold of 0 writes at once; a
 * connection closed while its presences wait writes nothing and does not throw; a holder that throws on release
 * does not keep the others waiting.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { EncodedDispatch } from '../../src/sessions/codec.ts';
import { PlainEncoder } from '../../src/sessions/compression.ts';
import { Outbound } from '../../src/sessions/outbound.ts';
import { holdPresences } from '../../src/sessions/presence-hold.ts';

const HOLD_MS = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;

describe('presence hold', () => {
  let wss: WebSocketServer;
  let server: WebSocket;
  let client: WebSocket;
  /** What the client received: [ms since the test's start, event name or op, seq]. */
  let received: Array<{ at: number; t: string; s: number | null }>;
  /** Times the server's socket handed bytes to the kernel (one per writev or write). */
  let writes: number;
  let started: number;
  const errors: Error[] = [];
  const outs: Outbound[] = [];

  beforeEach(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const connected = once(wss, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    received = [];
    client.on('message', (data) => {
      const f = JSON.parse(String(data));
      received.push({ at: performance.now() - started, t: f.t ?? `op${f.op}`, s: f.s ?? null });
    });
    [server] = (await connected) as [WebSocket];
    await once(client, 'open');
    const socket = socketOf(server) as Socket & { _writev: Function; _write: Function };
    writes = 0;
    const writev = socket._writev.bind(socket);
    const write = socket._write.bind(socket);
    socket._writev = (...args: unknown[]) => (writes++, writev(...args));
    socket._write = (...args: unknown[]) => (writes++, write(...args));
    started = performance.now();
  });

  afterEach(async () => {
    for (const o of outs.splice(0)) o.close();
    client.terminate();
    for (const ws of wss.clients) ws.terminate();
    await new Promise((r) => wss.close(r));
    assert.deepEqual(errors, []);
  });

  let drained = 0;
  let dropped = 0;
  function outbound(presenceHoldMs: number, maxBytes = 1 << 20): Outbound {
    drained = 0;
    dropped = 0;
    const out = new Outbound(server, new PlainEncoder(), {
      maxBytes,
      onOverflow: () => errors.push(new Error('overflow')),
      onDrained: () => drained++,
      onPresencesDropped: (n) => (dropped += n),
      onError: (err) => errors.push(err),
      onSent: () => {},
      presenceHoldMs,
    });
    outs.push(out);
    return out;
  }
  const presence = (userId: string) => new EncodedDispatch('PRESENCE_UPDATE', JSON.stringify({ user: { id: userId }, status: 'online' }));
  const message = (id: string) => new EncodedDispatch('MESSAGE_CREATE', JSON.stringify({ id, content: 'hi' }));
  const until = async (n: number, ms = 2000) => {
    const deadline = Date.now() + ms;
    while (received.length < n) {
      if (Date.now() > deadline) assert.fail(`${received.length} of ${n} frames arrived: ${JSON.stringify(received)}`);
      await sleep(5);
    }
  };

  it('presences on a quiet socket wait for the hold, then leave together, in order, in one write', async () => {
    const out = outbound(HOLD_MS);
    for (let seq = 1; seq <= 5; seq++) assert.equal(out.pushDispatch(presence(String(seq)), seq, 'presence'), true);
    await sleep(HOLD_MS / 3);
    assert.equal(received.length, 0, 'nothing written before the hold ends');
    assert.equal(writes, 0);
    assert.equal(out.idle, false, 'presences wait in the queue');
    await until(5);
    assert.deepEqual(received.map((r) => r.s), [1, 2, 3, 4, 5]);
    assert.ok(received[0]!.at >= HOLD_MS * 0.9, `first presence after ${received[0]!.at.toFixed(1)} ms; the hold is ${HOLD_MS}`);
    assert.equal(writes, 1, 'the five frames left in one write');
    assert.equal(out.idle, true);
  });

  it('any other frame takes the waiting presences along at once, ahead of it', async () => {
    const out = outbound(60_000);
    out.pushDispatch(presence('1'), 1, 'presence');
    out.pushDispatch(presence('2'), 2, 'presence');
    await sleep(20);
    assert.equal(received.length, 0);
    out.pushDispatch(message('m'), 3);
    await until(3);
    assert.deepEqual(received.map((r) => [r.t, r.s]), [['PRESENCE_UPDATE', 1], ['PRESENCE_UPDATE', 2], ['MESSAGE_CREATE', 3]]);
    assert.ok(received[2]!.at < 1000, 'not kept for the hold');
    // A heartbeat ACK (a frame that is not a dispatch) does the same.
    out.pushDispatch(presence('3'), 4, 'presence');
    out.push(JSON.stringify({ op: 11 }));
    await until(5);
    assert.deepEqual(received.slice(3).map((r) => r.t), ['PRESENCE_UPDATE', 'op11']);
    // After the hold was broken, the next lone presence waits again.
    out.pushDispatch(presence('4'), 5, 'presence');
    await sleep(50);
    assert.equal(received.length, 5);
  });

  it('a window of held presences goes out at once: a quiet socket never lags on bytes nothing will drain', async () => {
    // 8 KB bound: the send window is 2 KB (a quarter) and the lagging mark 4 KB (half). Fifty presences of ~120
    // bytes, far inside a 60 s hold: held all, they would pass the mark with nothing in flight, drop, and leave the
    // connection lagging (dropping every presence) until some other frame was written.
    const out = outbound(60_000, 8 * 1024);
    // As Session.dispatch does: a lagging connection's presences are dropped before they are queued.
    let skipped = 0;
    for (let seq = 1; seq <= 50; seq++) {
      if (out.shouldDropPresence()) skipped++;
      else out.pushDispatch(presence(String(seq).padStart(20, '0')), seq, 'presence');
    }
    await until(1);
    await sleep(100);
    assert.equal(out.shouldDropPresence(), false, 'not left lagging');
    assert.equal(received.length + dropped + skipped, 50, `each presence arrived or was dropped as lagging: ${received.length} + ${dropped} + ${skipped}`);
    if (dropped > 0) assert.equal(drained, 1, 'a lag ends with onDrained (PRESENCES_REPLACE)');
    const seqs = received.map((r) => r.s as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
  });

  it('a hold of 0 writes each presence at once', async () => {
    const out = outbound(0);
    out.pushDispatch(presence('1'), 1, 'presence');
    assert.equal(out.idle, true, 'handed to the socket in the same call, not queued behind a timer');
    await until(1, 500);
    assert.equal(out.idle, true);
  });

  it('one hold serves every connection; a connection closed while its presences wait writes nothing', async () => {
    const a = outbound(HOLD_MS);
    const b = outbound(HOLD_MS);
    a.pushDispatch(presence('1'), 1, 'presence');
    b.pushDispatch(presence('1'), 1, 'presence');
    b.close();
    await until(1);
    await sleep(HOLD_MS);
    // Both queues write to the same socket here: only a's frame arrived, once.
    assert.deepEqual(received.map((r) => r.s), [1]);
    assert.equal(a.idle, true);
  });

  it('a holder that throws on release does not keep the others of its hold waiting', async () => {
    const released: string[] = [];
    holdPresences({ releasePresences: () => { released.push('first'); throw new Error('boom'); } }, 20);
    holdPresences({ releasePresences: () => released.push('second') }, 20);
    await sleep(60);
    assert.deepEqual(released, ['first', 'second']);
  });
});
