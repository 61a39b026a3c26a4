/**
 * A dispatch written to a plain (uncompressed) connection as one WebSocket text frame without building it.
 *
 * ws.send takes one buffer per message, so every delivery used to copy the whole shared payload into a frame of
 * its own (a GUILD_CREATE of a large guild: ~110 KB per identify; a fan-out: every message once per session), to
 * be collected right after the write. Here the socket gets the frame as a small per-session buffer (the WebSocket
 * header, `{"op":0,"t":…,"s":` and the digits of seq) followed by the dispatch's shared segments as they are: the
 * kernel gathers them in the same writev. Server frames are unmasked (RFC 6455 §5.1), so the bytes on the wire are
 * the ones ws.send would have written.
 *
 * ws has no public way to do this, so it is used only while ws would write straight to the socket itself: the
 * connection is OPEN and ws's sender is idle with nothing queued (it queues only while compressing with
 * permessage-deflate, which the endpoint turns off, or reading a Blob, which Accord never sends). Otherwise, or if
 * a later ws renames those fields, the caller falls back to ws.send with the whole frame.
 */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { EncodedDispatch } from './codec.ts';

interface WsInternals {
  _socket?: Socket;
  _sender?: { _state?: number; _queue?: unknown[] };
}

/** ws's Sender state when it writes frames to the socket as they come (lib/sender.js: DEFAULT). */
const SENDER_IDLE = 0;
const FIN_TEXT = 0x81;

/** The connection's socket when a frame may be written to it directly, else null (use ws.send). */
export function rawSocketOf(ws: WebSocket): Socket | null {
  if (ws.readyState !== WebSocket.OPEN) return null;
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  if (!socket || socket.destroyed || !sender || sender._state !== SENDER_IDLE || sender._queue?.length !== 0) return null;
  return socket;
}

/** Writes `payload` with `seq` as one text frame; `done` runs when the last byte was handed to the kernel. */
export function writeDispatchFrame(socket: Socket, payload: EncodedDispatch, seq: number, done: (err?: Error | null) => void): void {
  const length = payload.frameBytes(seq);
  const headerBytes = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const head = payload.headWithSeq(seq, headerBytes);
  head[0] = FIN_TEXT;
  if (headerBytes === 2) head[1] = length;
  else if (headerBytes === 4) {
    head[1] = 126;
    head.writeUInt16BE(length, 2);
  } else {
    head[1] = 127;
    head.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    head.writeUInt32BE(length >>> 0, 6);
  }
  const segments = payload.segments;
  const last = segments.length - 1;
  socket.cork();
  socket.write(head);
  for (let i = 0; i < last; i++) socket.write(segments[i]!);
  socket.write(segments[last]!, done);
  socket.uncork();
}
