/**
 * Outbound.room (src/sessions/outbound.ts) over real sockets: a waiter for room in a queue whose peer stopped
 * reading is released when the connection closes, though nothing drained (op 8's member chunks wait there: a
 * waiter never released would hold the request and its members for good), and resolves as the queue drains
 * once the peer reads again.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { PlainEncoder } from '../../src/sessions/compression.ts';
import { Outbound } from '../../src/sessions/outbound.ts';
import { waitFor } from '../helpers/services.ts';

/** Far above what the test queues: no overflow. */
const MAX_BYTES = 64 * 1024 * 1024;
const FRAME = 'x'.repeat(64 * 1024);
/** More than loopback's socket buffers take from a peer that does not read. */
const FRAMES = 256;

const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the promise has settled yet. */
function watch(p: Promise<void>): { settled: () => boolean } {
  let settled = false;
  void p.then(() => {
    settled = true;
  });
  return { settled: () => settled };
}

describe('Outbound.room', () => {
  let wss: WebSocketServer;
  let server: WebSocket;
  let client: WebSocket;
  let out: Outbound;
  const errors: Error[] = [];
  let overflows = 0;
  let expectedOverflows = 0;

  beforeEach(async () => {
    overflows = 0;
    expectedOverflows = 0;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const connected = once(wss, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    client.on('error', () => {});
    [server] = (await connected) as [WebSocket];
    server.on('error', () => {});
    await once(client, 'open');
    out = new Outbound(server, new PlainEncoder(), {
      maxBytes: MAX_BYTES,
      onOverflow: () => overflows++,
      onDrained: () => {},
      onPresencesDropped: () => {},
      onError: (err) => errors.push(err),
      onSent: () => {},
    });
  });

  afterEach(async () => {
    out.close();
    client.terminate();
    for (const ws of wss.clients) ws.terminate();
    await new Promise((r) => wss.close(r));
    assert.deepEqual(errors, []);
    assert.equal(overflows, expectedOverflows);
  });

  /** Stops the peer reading and queues frames until the socket takes no more: bytes stay put above zero. */
  async function backedUp(): Promise<void> {
    socketOf(client).pause();
    for (let i = 0; i < FRAMES; i++) assert.equal(out.push(FRAME), true);
    let last = -1;
    await waitFor(async () => {
      const now = out.bytes;
      const stalled = now === last;
      last = now;
      await sleep(50);
      return stalled && now > 0;
    }, { what: 'the socket to stop taking frames', timeoutMs: 10_000 });
  }

  it('a waiter blocked on room() resolves when the connection closes, with the bytes still not drained', async () => {
    await backedUp();
    const held = out.bytes;
    const waiter = watch(out.room(0));
    await sleep(200);
    assert.equal(waiter.settled(), false, 'room(0) waits while the peer does not read');
    assert.equal(out.bytes, held, 'nothing drained meanwhile');

    out.close();
    await waitFor(waiter.settled, { what: 'close() to release the waiter', timeoutMs: 1000 });
    // Frames handed to the socket are still unwritten: the release came from the close, not from a drain.
    assert.ok(out.bytes > 0, `in-flight bytes ${out.bytes} > 0`);
    // Once closed, room() does not wait, and nothing more is queued.
    const late = watch(out.room(0));
    await waitFor(late.settled, { what: 'room() after the close', timeoutMs: 1000 });
    assert.equal(out.push(FRAME), false);
  });

  it('every waiter is released by the close, whatever room it asked for', async () => {
    await backedUp();
    const waiters = [0, 1024, 64 * 1024].map((bytes) => watch(out.room(bytes)));
    await sleep(100);
    assert.deepEqual(waiters.map((w) => w.settled()), [false, false, false]);
    out.close();
    await waitFor(() => waiters.every((w) => w.settled()), { what: 'close() to release every waiter', timeoutMs: 1000 });
  });

  it('an overflow releases the waiters itself, before anyone calls close()', async () => {
    await backedUp();
    const waiter = watch(out.room(0));
    let pushed = 0;
    while (out.push(FRAME) && pushed < (2 * MAX_BYTES) / FRAME.length) pushed++;
    expectedOverflows = 1;
    assert.equal(overflows, 1, `the queue overflowed after ${pushed} more frames`);
    await waitFor(waiter.settled, { what: 'the overflow to release the waiter', timeoutMs: 1000 });
  });

  it('without a close, a waiter resolves only once the peer reads again and the queue drains to its bound', async () => {
    await backedUp();
    const waiter = watch(out.room(0));
    await sleep(200);
    assert.equal(waiter.settled(), false);
    socketOf(client).resume();
    await waitFor(waiter.settled, { what: 'the drain to release the waiter', timeoutMs: 10_000 });
    assert.equal(out.bytes, 0);
  });
});
