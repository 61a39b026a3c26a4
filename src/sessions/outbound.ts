/**
 * The bounded outbound queue of one connection.
 *
 * Bytes counted = frames waiting here + frames handed to the socket whose write has not completed (the `ws`
 * send callback fires once the bytes reached the kernel, so a client that stops reading shows up here as
 * growing in-flight bytes — the same thing ws.bufferedAmount measures, plus frames still being compressed).
 *
 * - Above the high-water mark (half the bound) the connection is *lagging*: queued PRESENCE_UPDATE frames are
 *   dropped and the session drops new ones before giving them a sequence number; once the queue falls under the
 *   low-water mark (a quarter) onDrained fires and the session sends one PRESENCES_REPLACE.
 * - A frame that would take the queue past the bound calls onOverflow (the connection closes 4000, resumable)
 *   instead of growing memory. `force` frames (RESUME replay, RECONNECT, INVALID_SESSION) are not counted
 *   against the bound and skip the check: the replay is bounded by replayMaxBytes already, and counting it
 *   would close a resumed socket before it could drain its replay.
 * - A presence update that finds the queue empty waits for the shared presence hold (presence-hold.ts) to end, so
 *   that a burst of them goes out in one write; a frame of any other kind sends them at once, ahead of itself.
 * Frames are encoded one at a time, so compressed transports keep the order.
 *
 * A dispatch waits here as (seq, shared EncodedDispatch) and its bytes are built only when it is handed to the
 * socket, so neither this queue nor the replay deque holds a per-session copy of a payload. On a plain connection
 * not even the socket gets one: the shared segments are written as they are behind a small head (raw-frame.ts).
 */
import type { WebSocket } from 'ws';
import type { EncodedDispatch } from './codec.ts';
import type { FrameEncoder } from './compression.ts';
import { rawSocketOf, writeDispatchFrame } from './raw-frame.ts';
import { holdPresences } from './presence-hold.ts';
import { batchWrites, type WriteBatch } from './write-batch.ts';

export type FrameKind = 'normal' | 'presence' | 'force';

interface Queued {
  /** A non-dispatch frame (op 1, 9, 10, 11 …), or null for a dispatch built from payload + seq. */
  frame: string | null;
  payload: EncodedDispatch | null;
  seq: number;
  bytes: number;
  kind: FrameKind;
}

export interface OutboundOptions {
  maxBytes: number;
  onOverflow(): void;
  onDrained(): void;
  onPresencesDropped(count: number): void;
  onError(err: Error): void;
  /** Bytes actually written (after compression), for metrics. */
  onSent(bytes: number): void;
  /** How long a presence update may wait for company on a quiet socket (presence-hold.ts); 0 sends it at once. */
  presenceHoldMs?: number;
}

export class Outbound {
  #queue: Queued[] = [];
  #head = 0;
  #queuedBytes = 0;
  #inFlightBytes = 0;
  /** Part of the above that is `force` frames (a RESUME replay), left out of the overflow check. */
  #forcedBytes = 0;
  #encoding = false;
  #lagging = false;
  #closed = false;
  #peak = 0;
  /** Presence frames wait in the queue for the hold to end, or for a frame of another kind to take them along. */
  #holding = false;
  /** In the current hold's list (presence-hold.ts): once per hold, however often #holding turns on within it. */
  #registered = false;
  /** room() callers: each resolves once the queue holds at most its bytes (or the connection closes). */
  #roomWaiters: Array<{ bytes: number; resolve: () => void }> = [];
  readonly #highWater: number;
  readonly #lowWater: number;
  /** How much may sit in the socket before frames wait here (where presences can still be dropped). */
  readonly #window: number;

  constructor(
    private readonly ws: WebSocket,
    private encoder: FrameEncoder,
    private readonly opts: OutboundOptions,
  ) {
    this.#highWater = Math.floor(opts.maxBytes / 2);
    this.#lowWater = Math.floor(opts.maxBytes / 4);
    this.#window = Math.min(64 * 1024, this.#lowWater);
  }

  /** Queued plus in-flight bytes. */
  get bytes(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }
  /** The most bytes this connection ever held. */
  get peakBytes(): number {
    return this.#peak;
  }
  get idle(): boolean {
    return this.#head === this.#queue.length && !this.#encoding;
  }
  get compression(): FrameEncoder['name'] {
    return this.encoder.name;
  }

  /** True when presences should be dropped rather than queued; entering this state purges queued presences. */
  shouldDropPresence(): boolean {
    if (this.#lagging) return true;
    if (this.bytes <= this.#highWater) return false;
    this.#enterLagging();
    return true;
  }

  /** Switches the encoder for frames not yet encoded (IDENTIFY `compress: true`). */
  setEncoder(encoder: FrameEncoder): void {
    this.encoder.close();
    this.encoder = encoder;
  }

  /** Queues a frame; false when the connection is closed or the frame overflowed the bound (onOverflow fired). */
  push(frame: string, kind: FrameKind = 'normal'): boolean {
    return this.#enqueue({ frame, payload: null, seq: 0, bytes: Buffer.byteLength(frame), kind });
  }

  /** Queues a dispatch: the shared payload with this session's seq (bytes: payload.frameBytes(seq)). */
  pushDispatch(payload: EncodedDispatch, seq: number, kind: FrameKind = 'normal', bytes = payload.frameBytes(seq)): boolean {
    return this.#enqueue({ frame: null, payload, seq, bytes, kind });
  }

  #enqueue(item: Queued): boolean {
    if (this.#closed) return false;
    const { bytes, kind } = item;
    if (kind !== 'force' && this.bytes - this.#forcedBytes + bytes > this.opts.maxBytes) {
      this.#markClosed();
      this.opts.onOverflow();
      return false;
    }
    if (kind === 'force') this.#forcedBytes += bytes;
    const held = kind === 'presence' && (this.#holding || this.#mayHold());
    // Any other frame takes the held presences along, ahead of it.
    if (!held) this.#holding = false;
    // Nothing waits and the socket has room (the usual case): straight to the socket, not through the array.
    const direct = !held && this.#head === this.#queue.length && !this.#encoding && this.#inFlightBytes < this.#window;
    if (direct) this.#send(item, 'turn');
    else {
      this.#queue.push(item);
      this.#queuedBytes += bytes;
    }
    if (held) this.#hold();
    if (this.bytes > this.#peak) this.#peak = this.bytes;
    if (!this.#lagging && this.bytes > this.#highWater) this.#enterLagging();
    if (!direct) this.#pump('turn');
    return true;
  }

  /** A presence on an empty queue waits when holding is on: nothing else is queued that it could join. */
  #mayHold(): boolean {
    return (this.opts.presenceHoldMs ?? 0) > 0 && this.#head === this.#queue.length && !this.#encoding;
  }

  /**
   * A presence joined the queue to wait: for the shared hold, or not at all once the waiting ones fill the send
   * window, so that held bytes never reach the lagging mark on a socket with nothing in flight, where no write
   * completion would ever end the lag.
   */
  #hold(): void {
    if (this.#queuedBytes >= this.#window) {
      this.#holding = false;
      return;
    }
    if (this.#holding) return;
    this.#holding = true;
    if (this.#registered) return;
    this.#registered = true;
    holdPresences(this, this.opts.presenceHoldMs!);
  }

  /** The hold ended (presence-hold.ts): what waited goes out. */
  releasePresences(): void {
    this.#registered = false;
    if (!this.#holding) return;
    this.#holding = false;
    this.#pump('turn');
  }

  /**
   * Resolves once queued plus in-flight bytes are at most `bytes`, or the connection closed: a producer of many
   * frames (op 8's member chunks) hands out the next one as the socket takes the last, instead of overflowing.
   */
  room(bytes: number): Promise<void> {
    if (this.#closed || this.bytes <= bytes) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push({ bytes, resolve }));
  }

  /** Every way of closing (close, overflow, a failed write) releases the room() waiters at once. */
  #markClosed(): void {
    this.#closed = true;
    this.#wakeRoomWaiters();
  }

  #wakeRoomWaiters(): void {
    if (!this.#roomWaiters.length) return;
    const waiting = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const w of waiting) {
      if (this.#closed || this.bytes <= w.bytes) w.resolve();
      else this.#roomWaiters.push(w);
    }
  }

  /** Stops sending; queued frames are dropped (the replay deque still holds the dispatches). */
  close(): void {
    this.#markClosed();
    this.#holding = false;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#forcedBytes = 0;
    this.encoder.close();
  }

  #enterLagging(): void {
    this.#lagging = true;
    let dropped = 0;
    const kept: Queued[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const item = this.#queue[i]!;
      if (item.kind === 'presence') {
        dropped++;
        this.#queuedBytes -= item.bytes;
      } else kept.push(item);
    }
    this.#queue = kept;
    this.#head = 0;
    if (dropped) this.opts.onPresencesDropped(dropped);
  }

  /** Hands queued frames to the socket up to the window; `batch`: see write-batch.ts (new frames wait out the turn). */
  #pump(batch: WriteBatch): void {
    while (!this.#closed && !this.#holding && !this.#encoding && this.#head < this.#queue.length && this.#inFlightBytes < this.#window) {
      const item = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as never;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#queuedBytes -= item.bytes;
      this.#send(item, batch);
    }
    // Drained: let the array go back to empty, or its slots (up to ~2,000) stay allocated for the connection's life.
    if (this.#head > 0 && this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
  }

  /** Hands one frame to the socket (its bytes count as in flight until written). */
  #send(item: Queued, batch: WriteBatch): void {
    this.#inFlightBytes += item.bytes;
    const socket = item.payload && this.encoder.name === 'none' ? rawSocketOf(this.ws) : null;
    if (socket) {
      this.opts.onSent(item.bytes);
      batchWrites(this.ws, batch);
      writeDispatchFrame(socket, item.payload!, item.seq, () => this.#written(item));
      return;
    }
    let encoded: string | Buffer | Promise<Buffer>;
    try {
      encoded = this.encoder.encode(item.frame ?? item.payload!.frame(item.seq));
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    if (typeof encoded === 'string' || Buffer.isBuffer(encoded)) {
      this.#write(encoded, item, batch);
    } else {
      this.#encoding = true;
      encoded.then(
        (data) => {
          this.#encoding = false;
          if (this.#closed) return;
          this.#write(data, item, 'tick');
          this.#pump('tick');
        },
        (err: Error) => {
          this.#encoding = false;
          this.#fail(err);
        },
      );
    }
  }

  #write(data: string | Buffer, item: Queued, batch: WriteBatch): void {
    this.opts.onSent(typeof data === 'string' ? item.bytes : data.length);
    batchWrites(this.ws, batch);
    this.ws.send(data, { binary: this.encoder.binary }, () => this.#written(item));
  }

  /** A frame's bytes reached the kernel (or its socket is gone): frees its room and hands out the next frames. */
  #written(item: Queued): void {
    const { bytes } = item;
    this.#inFlightBytes -= bytes;
    if (item.kind === 'force') this.#forcedBytes -= bytes;
    if (this.#closed) return;
    this.#wakeRoomWaiters();
    if (this.#lagging && this.bytes <= this.#lowWater) {
      this.#lagging = false;
      this.opts.onDrained();
    }
    this.#pump('tick');
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#markClosed();
    this.opts.onError(err);
  }
}
