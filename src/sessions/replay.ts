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

/** The first capacity of a deque; it doubles as events arrive, up to maxEvents (most sessions hold few). */
const INITIAL_CAPACITY = 8;

/**
 * A ring of parallel arrays rather than an object per entry. A full deque of 2,000 events took 117 KB per session
 * as entry objects (for the GC to trace at every major collection); as a seq, a size and a reference it takes
 * 40 KB, and a push costs half the time with no allocation.
 */
export class ReplayBuffer {
  #seqs: Float64Array;
  #sizes: Uint32Array;
  #payloads: Array<EncodedDispatch | undefined>;
  /** Index of the oldest entry in the ring. */
  #head = 0;
  #count = 0;
  #bytes = 0;
  /** Highest seq evicted so far; a client that has seen at least this one can still be served. */
  #evictedUpTo = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {
    const capacity = Math.min(INITIAL_CAPACITY, maxEvents);
    this.#seqs = new Float64Array(capacity);
    this.#sizes = new Uint32Array(capacity);
    this.#payloads = new Array(capacity).fill(undefined);
  }

  get size(): number {
    return this.#count;
  }
  /** Frame bytes accounted to this session (payloads are shared with other sessions). */
  get bytes(): number {
    return this.#bytes;
  }

  push(seq: number, payload: EncodedDispatch, bytes = payload.frameBytes(seq)): void {
    if (this.#count === this.#seqs.length) {
      if (this.#seqs.length < this.maxEvents) this.#grow();
      else this.#evictOldest();
    }
    const at = (this.#head + this.#count) % this.#seqs.length;
    this.#seqs[at] = seq;
    this.#sizes[at] = bytes;
    this.#payloads[at] = payload;
    this.#count++;
    this.#bytes += bytes;
    while (this.#count > 0 && this.#bytes > this.maxBytes) this.#evictOldest();
  }

  /** Entries with a seq greater than `seq`, oldest first; null when some of them were evicted. */
  since(seq: number): ReplayEntry[] | null {
    if (seq < this.#evictedUpTo) return null;
    const out: ReplayEntry[] = [];
    const cap = this.#seqs.length;
    for (let i = 0; i < this.#count; i++) {
      const at = (this.#head + i) % cap;
      if (this.#seqs[at]! > seq) out.push({ seq: this.#seqs[at]!, payload: this.#payloads[at]! });
    }
    return out;
  }

  clear(): void {
    this.#payloads.fill(undefined);
    this.#head = 0;
    this.#count = 0;
    this.#bytes = 0;
  }

  #evictOldest(): void {
    const at = this.#head;
    this.#bytes -= this.#sizes[at]!;
    this.#evictedUpTo = this.#seqs[at]!;
    this.#payloads[at] = undefined;
    this.#head = (at + 1) % this.#seqs.length;
    this.#count--;
  }

  /** Doubles the ring (bounded by maxEvents), unrolling it so the oldest entry is at 0. */
  #grow(): void {
    const cap = this.#seqs.length;
    const next = Math.min(this.maxEvents, cap * 2);
    const seqs = new Float64Array(next);
    const sizes = new Uint32Array(next);
    const payloads = new Array<EncodedDispatch | undefined>(next).fill(undefined);
    for (let i = 0; i < this.#count; i++) {
      const at = (this.#head + i) % cap;
      seqs[i] = this.#seqs[at]!;
      sizes[i] = this.#sizes[at]!;
      payloads[i] = this.#payloads[at];
    }
    this.#seqs = seqs;
    this.#sizes = sizes;
    this.#payloads = payloads;
    this.#head = 0;
  }
}
