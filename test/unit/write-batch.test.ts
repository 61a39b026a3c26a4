/**
 * src/sessions/write-batch.ts over real sockets: frames handed to ws within one batch stay in the socket's buffer
 * (corked) and leave together when the batch ends, in order; a drained batch leaves the socket uncorked.
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

  it('a connection without a socket (closed, or not a ws) is left alone', () => {
    assert.doesNotThrow(() => batchWrites({} as WebSocket, 'turn'));
  });
});
