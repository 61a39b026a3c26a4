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

/**
 * The sockets corked in one batch: a reused array, and a mark on each socket so it is corked once per batch.
 * (A Set cleared after every turn re-grew its table to a thousand sockets every turn, and the tables lived long
 * enough to be promoted: the largest source of old-generation garbage in `fanout --sessions 1000`, 35 of 80 MB.)
 */
interface Batch {
  sockets: Array<Socket | undefined>;
  count: number;
  scheduled: boolean;
  mark: symbol;
}
type MarkedSocket = Socket & Record<symbol, boolean | undefined>;

const batches: Record<WriteBatch, Batch> = {
  turn: { sockets: [], count: 0, scheduled: false, mark: Symbol('corked until the turn ends') },
  tick: { sockets: [], count: 0, scheduled: false, mark: Symbol('corked until the tick ends') },
};

function flush(batch: Batch): void {
  batch.scheduled = false;
  // An uncork can write, and a write's callback can cork the same or another socket into this batch again:
  // those are appended and uncorked by this loop too.
  for (let i = 0; i < batch.count; i++) {
    const socket = batch.sockets[i] as MarkedSocket;
    batch.sockets[i] = undefined;
    socket[batch.mark] = false;
    socket.uncork();
  }
  batch.count = 0;
}
const flushTurn = () => flush(batches.turn);
const flushTick = () => flush(batches.tick);

/** Corks the connection's socket until the batch ends (once per batch; nested corks balance). */
export function batchWrites(ws: WebSocket, kind: WriteBatch): void {
  // ws keeps its net.Socket in the private `_socket` and has no cork of its own.
  batchSocketWrites((ws as unknown as { _socket?: Socket })._socket, kind);
}

/** The same for a socket that is not a WebSocket yet: an upgrade's 101 answer then goes out with HELLO. */
export function batchSocketWrites(raw: Socket | undefined, kind: WriteBatch): void {
  const socket = raw as MarkedSocket | undefined;
  const batch = batches[kind];
  if (!socket || socket.destroyed || socket[batch.mark]) return;
  socket.cork();
  socket[batch.mark] = true;
  batch.sockets[batch.count++] = socket;
  if (batch.scheduled) return;
  batch.scheduled = true;
  if (kind === 'turn') setImmediate(flushTurn);
  else process.nextTick(flushTick);
}
