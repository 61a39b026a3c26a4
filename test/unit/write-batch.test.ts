/**
 * src/sessions/write-batch.ts over real sockets: frames handed to ws within one batch stay in the socket's buffer
 * (corked) and leave together when the batch ends, in order; a drained batch leaves the socket uncorked. A socket
 * corked into a batch while that batch is being flushed (the same socket again, or another) leaves in the same
 * flush, and frames released by a write's callback start a batch of their own: none lost, doubled or reordered.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { batchWrites } from '../../src/sessions/write-batch.ts';

describe('write batching', () => {
  let wss: WebSocketServer;
  let server: WebSocket;
  let client: WebSocket;
  const received: string[] = [];
  const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;
  const nextTick = () => new Promise<void>((r) => process.nextTick(r));
  const nextTurn = () => new Promise<void>((r) => setImmediate(r));
  const waitReceived = async (n: number) => {
    while (received.length < n) await once(client, 'message');
  };

  /** One more connection to the same server: its server side, and what its client received. */
  const connectPair = async () => {
    const connected = once(wss, 'connection');
    const c = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    const got: string[] = [];
    c.on('message', (data) => got.push(String(data)));
    const [s] = (await connected) as [WebSocket];
    await once(c, 'open');
    return { server: s, client: c, received: got };
  };
  /** Waits (bounded: a frame left in a corked socket never arrives) until `list` has `n` entries. */
  const receivedWithin = async (list: string[], n: number, what: string, ms = 2000) => {
    const deadline = Date.now() + ms;
    while (list.length < n) {
      if (Date.now() > deadline) assert.fail(`${what}: ${list.length} of ${n} frames arrived (${JSON.stringify(list)})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  before(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const connected = once(wss, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    client.on('message', (data) => received.push(String(data)));
    [server] = (await connected) as [WebSocket];
    await once(client, 'open');
  });

  after(async () => {
    client.close();
    wss.close();
  });

  it("a turn's frames wait in the corked socket and leave together, in order, when the turn ends", async () => {
    received.length = 0;
    const socket = socketOf(server);
    for (const text of ['a', 'b', 'c']) {
      batchWrites(server, 'turn');
      server.send(text);
    }
    assert.equal(socket.writableCorked, 1, 'corked once for the whole turn');
    assert.ok(socket.writableLength > 0, 'the frames are still in the socket, not yet written');
    await nextTick();
    assert.equal(socket.writableCorked, 1, 'a tick does not end a turn batch');
    await nextTurn();
    assert.equal(socket.writableCorked, 0);
    assert.equal(socket.writableLength, 0, 'written when the turn ended');
    await waitReceived(3);
    assert.deepEqual(received, ['a', 'b', 'c']);
  });

  it('a tick batch ends at the next tick', async () => {
    received.length = 0;
    const socket = socketOf(server);
    batchWrites(server, 'tick');
    server.send('x');
    batchWrites(server, 'tick');
    server.send('y');
    assert.equal(socket.writableCorked, 1);
    await nextTick();
    assert.equal(socket.writableCorked, 0);
    await waitReceived(2);
    assert.deepEqual(received, ['x', 'y']);
  });

  it('both batches on one socket balance their corks', async () => {
    received.length = 0;
    const socket = socketOf(server);
    batchWrites(server, 'turn');
    batchWrites(server, 'tick');
    server.send('1');
    assert.equal(socket.writableCorked, 2);
    await nextTick();
    assert.equal(socket.writableCorked, 1, 'the turn batch still holds it');
    await nextTurn();
    assert.equal(socket.writableCorked, 0);
    await waitReceived(1);
    assert.deepEqual(received, ['1']);
  });

  for (const kind of ['turn', 'tick'] as const) {
    it(`${kind}: a socket corked into the batch while it is being flushed (the same again, or another) leaves in that flush, once, in order`, async () => {
      // The flush loop uncorks its sockets one by one; writing to a socket can run code that corks the same socket or
      // another into this same batch again (write-batch.ts: "appended and uncorked by this loop too"). Node runs a
      // write's callback a tick later, so that code is run here from the socket's own uncork, inside the loop.
      const one = await connectPair();
      const two = await connectPair();
      const a = socketOf(one.server);
      const b = socketOf(two.server);
      const ends = kind === 'turn' ? nextTurn : nextTick;
      const realUncork = a.uncork;
      let reentered = false;
      let corkedInFlush: number[] = [];
      const hook = function (this: Socket) {
        realUncork.call(this);
        // Once, at the flush's uncork of `a`: the one that leaves it uncorked (ws corks and uncorks around each frame
        // too, and those come through here while the batch still holds the socket).
        if (reentered || this.writableCorked !== 0) return;
        reentered = true;
        // Inside the flush: `a` was just uncorked (a1 went out), `b` is not in the batch.
        batchWrites(one.server, kind);
        one.server.send('a2');
        batchWrites(two.server, kind);
        two.server.send('b1');
        corkedInFlush = [a.writableCorked, b.writableCorked];
      };
      try {
        batchWrites(one.server, kind);
        one.server.send('a1');
        assert.equal(a.writableCorked, 1);
        a.uncork = hook;
        await ends();
        a.uncork = realUncork;
        assert.ok(reentered, 'the flush uncorked a');
        assert.deepEqual(corkedInFlush, [1, 1], 'a corked again and b corked, into the batch being flushed');
        // Both left in that flush, not a later one: nothing still corked or waiting in either socket.
        assert.equal(a.writableCorked, 0, 'a uncorked when the batch ended');
        assert.equal(b.writableCorked, 0, 'b uncorked when the batch ended');
        assert.equal(a.writableLength, 0, 'a2 written');
        assert.equal(b.writableLength, 0, 'b1 written');
        // A frame sent after the batch comes after the one queued during its flush.
        one.server.send('a3');
        await receivedWithin(one.received, 3, 'a');
        await receivedWithin(two.received, 1, 'b');
        await nextTurn();
        assert.deepEqual(one.received, ['a1', 'a2', 'a3']);
        assert.deepEqual(two.received, ['b1']);
        // The flush left no socket marked as corked: the next batch corks (and releases) both again.
        batchWrites(one.server, kind);
        batchWrites(two.server, kind);
        assert.deepEqual([a.writableCorked, b.writableCorked], [1, 1], 'the next batch corks both');
        one.server.send('a4');
        two.server.send('b2');
        await ends();
        assert.deepEqual([a.writableCorked, b.writableCorked], [0, 0]);
        await receivedWithin(one.received, 4, 'a, next batch');
        await receivedWithin(two.received, 2, 'b, next batch');
        await nextTurn();
        assert.deepEqual(one.received, ['a1', 'a2', 'a3', 'a4']);
        assert.deepEqual(two.received, ['b1', 'b2']);
      } finally {
        a.uncork = realUncork;
        one.client.close();
        two.client.close();
      }
    });
  }

  it("tick: frames a write's callback releases (draining a backlog) each go out in a batch of their own: none lost, doubled or reordered", async () => {
    // As outbound.ts does: a frame written, its callback hands the next frames to the socket in a 'tick' batch. The
    // callback runs right after the flush that wrote the frame, so each batch must be able to start again there.
    const pair = await connectPair();
    const socket = socketOf(pair.server);
    const corkedInCallback: number[] = [];
    const sendChain = (i: number) => {
      batchWrites(pair.server, 'tick');
      corkedInCallback.push(socket.writableCorked);
      // Two frames per batch, the first of which releases the next pair once written.
      pair.server.send(`c${i}`, i < 4 ? () => sendChain(i + 2) : undefined);
      pair.server.send(`c${i + 1}`);
    };
    try {
      sendChain(0);
      await receivedWithin(pair.received, 6, 'chained frames');
      await nextTurn();
      assert.deepEqual(pair.received, ['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
      assert.deepEqual(corkedInCallback, [1, 1, 1], 'each pair was corked in a batch of its own');
      assert.equal(socket.writableCorked, 0);
    } finally {
      pair.client.close();
    }
  });

  it('a connection without a socket (closed, or not a ws) is left alone', () => {
    assert.doesNotThrow(() => batchWrites({} as WebSocket, 'turn'));
  });
});
