/**
 * The resume deque of one session: the dispatches it produced, newest last, bounded by count
 * (replayMaxEvents) and bytes (replayMaxBytes). When either bound is passed the oldest entries are evicted;
 * a RESUME whose seq is older than an evicted entry can no longer be served (→ INVALID_SESSION false).
 *
 * An entry is (seq, shared EncodedDispatch): the payload bytes belong to the event and are shared by every
 * session's deque, so the memory of N sessions holding the same M events is about M payloads, not N × M. The
 * byte bound still counts each entry's full frame size, as if it were this session's own, so the bound keeps its
 * meaning per session (how much history one session can resume); the real total is at most that.
 */
import type { EncodedDispatch } from './codec.ts';

export interface ReplayEntry {
  seq: number;
  payload: EncodedDispatch;
}

interface Entry extends ReplayEntry {
  bytes: number;
}

export class ReplayBuffer {
  #items: Entry[] = [];
  #head = 0;
  #bytes = 0;
  /** Highest seq evicted so far; a client that has seen at least this one can still be served. */
  #evictedUpTo = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.#items.length - this.#head;
  }
  /** Frame bytes accounted to this session (payloads are shared with other sessions). */
  get bytes(): number {
    return this.#bytes;
  }

  push(seq: number, payload: EncodedDispatch, bytes = payload.frameBytes(seq)): void {
    this.#items.push({ seq, payload, bytes });
    this.#bytes += bytes;
    while (this.size > 0 && (this.size > this.maxEvents || this.#bytes > this.maxBytes)) {
      const old = this.#items[this.#head]!;
      this.#items[this.#head++] = undefined as never;
      this.#bytes -= old.bytes;
      this.#evictedUpTo = old.seq;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Entries with a seq greater than `seq`, oldest first; null when some of them were evicted. */
  since(seq: number): ReplayEntry[] | null {
    if (seq < this.#evictedUpTo) return null;
    const out: ReplayEntry[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const e = this.#items[i]!;
      if (e.seq > seq) out.push(e);
    }
    return out;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
