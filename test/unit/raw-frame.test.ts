/**
 * src/sessions/raw-frame.ts over real sockets: a dispatch written as head + shared segments arrives at a real ws
 * client as one text message with exactly the bytes of EncodedDispatch.frame(seq), for every WebSocket length
 * encoding (7-bit, 16-bit, 64-bit) and for a payload cut into shared segments; the segments are written, not
 * copied; frames written directly and through ws.send keep their order; a closing connection is not written to.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { EncodedDispatch, GUILD_CREATE_CUTS } from '../../src/sessions/codec.ts';
import { rawSocketOf, writeDispatchFrame } from '../../src/sessions/raw-frame.ts';

describe('raw dispatch frames', { timeout: 20_000 }, () => {
  let wss: WebSocketServer;
  let server: WebSocket;
  let client: WebSocket;
  const received: Array<{ data: Buffer; binary: boolean }> = [];
  const waitReceived = async (n: number) => {
    while (received.length < n) await once(client, 'message');
  };
  const write = (payload: EncodedDispatch, seq: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = rawSocketOf(server);
      assert.ok(socket, 'an open connection with an idle sender is written to directly');
      writeDispatchFrame(socket, payload, seq, (err) => (err ? reject(err) : resolve()));
    });

  before(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await once(wss, 'listening');
    const connected = once(wss, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    client.on('message', (data, binary) => received.push({ data: data as Buffer, binary }));
    [server] = (await connected) as [WebSocket];
    await once(client, 'open');
  });

  after(() => {
    client.terminate();
    wss.close();
  });

  it('arrives as the frame ws.send would carry, for each length encoding', async () => {
    received.length = 0;
    // Frame lengths 125/126 (7-bit limit), 65535/65536 (16-bit limit) and ~200 KB, with 1- to 7-digit seqs.
    const cases: Array<[number, number]> = [];
    for (const [target, seq] of [[125, 7], [126, 42], [65_535, 1234], [65_536, 99_999], [200_000, 1_234_567]] as const) {
      const fixed = new EncodedDispatch('MESSAGE_CREATE', '""').frameBytes(seq);
      cases.push([target - fixed, seq]);
    }
    const payloads = cases.map(([pad, seq]) => [new EncodedDispatch('MESSAGE_CREATE', JSON.stringify('x'.repeat(pad))), seq] as const);
    for (const [p, seq] of payloads) await write(p, seq);
    await waitReceived(payloads.length);
    payloads.forEach(([p, seq], i) => {
      assert.equal(received[i]!.binary, false, 'a text frame');
      assert.equal(received[i]!.data.length, p.frameBytes(seq));
      assert.ok(received[i]!.data.equals(p.frame(seq)), `frame ${i} byte for byte`);
      assert.equal(JSON.parse(String(received[i]!.data)).s, seq);
    });
    assert.deepEqual(
      received.map((r) => r.data.length),
      [125, 126, 65_535, 65_536, 200_000],
    );
  });

  it('writes the shared segments of a cut payload themselves, not a copy', async () => {
    received.length = 0;
    const members = Array.from({ length: 400 }, (_, i) => ({ user: { id: String(10_000_000 + i), username: `user${i}` }, roles: [] }));
    const json = JSON.stringify({ id: '1', name: 'g', members, channels: [], presences: [], voice_states: [] });
    const payload = new EncodedDispatch('GUILD_CREATE', json, GUILD_CREATE_CUTS);
    assert.ok(payload.segments.length > 2, 'the payload was cut');
    const socket = rawSocketOf(server)!;
    const handed: Buffer[] = [];
    const realWrite = socket.write;
    socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      handed.push(chunk as Buffer);
      return (realWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof socket.write;
    try {
      await write(payload, 3);
    } finally {
      socket.write = realWrite;
    }
    for (const segment of payload.segments) assert.ok(handed.includes(segment), 'each segment handed to the socket as it is');
    await waitReceived(1);
    assert.deepEqual(JSON.parse(String(received[0]!.data)), { op: 0, t: 'GUILD_CREATE', s: 3, d: JSON.parse(json) });
  });

  it('keeps the order of frames written directly and through ws.send', async () => {
    received.length = 0;
    const p = new EncodedDispatch('TYPING_START', '{"n":1}');
    await write(p, 1);
    server.send('{"op":11,"d":null,"s":null,"t":null}');
    await write(p, 2);
    await waitReceived(3);
    assert.deepEqual(
      received.map((r) => JSON.parse(String(r.data)).op),
      [0, 11, 0],
    );
  });

  it('is not used once the connection is closing', async () => {
    const closing = once(client, 'close');
    server.close(1000);
    assert.equal(rawSocketOf(server), null, 'after close() ws.send decides (it reports the write as failed)');
    await closing;
  });
});
