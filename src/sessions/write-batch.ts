/**
 * Fewer writes per connection: frames handed to a socket close together go out in one writev.
 *
 * ws corks a socket only around the two buffers of one frame, so every frame costs its connection a system call.
 * - New frames (a fan-out) cork the socket until the end of the event-loop turn: every corked socket is uncorked in
 *   one setImmediate (the check phase, right after the poll phase that produced the frames), so the messages of a
 *   whole poll phase reach a connection in one writev. Latency added: the rest of the current turn.
 * - Frames written because earlier writes completed (draining a backlog) cork only until the next tick: the
 *   callbacks of one writev run together, and the frames they release go out together without waiting a turn,
 *   so a busy connection still drains as fast as the kernel takes the bytes.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export type WriteBatch = 'turn' | 'tick';

const corked = { turn: new Set<Socket>(), tick: new Set<Socket>() };
const scheduled = { turn: false, tick: false };

function flush(batch: WriteBatch): void {
  scheduled[batch] = false;
  const sockets = corked[batch];
  for (const socket of sockets) socket.uncork();
  sockets.clear();
}
const flushTurn = () => flush('turn');
const flushTick = () => flush('tick');

/** Corks the connection's socket until the batch ends (once per batch; nested corks balance). */
export function batchWrites(ws: WebSocket, batch: WriteBatch): void {
  // ws keeps its net.Socket in the private `_socket` and has no cork of its own.
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  const sockets = corked[batch];
  if (!socket || socket.destroyed || sockets.has(socket)) return;
  socket.cork();
  sockets.add(socket);
  if (scheduled[batch]) return;
  scheduled[batch] = true;
  if (batch === 'turn') setImmediate(flushTurn);
  else process.nextTick(flushTick);
}
