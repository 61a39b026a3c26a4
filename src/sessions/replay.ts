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

/** Slots per chunk of a deque. */
const CHUNK = 32;
type Chunk = Array<EncodedDispatch | undefined>;

/**
 * Chunks of references only.
 * - A session's seqs are consecutive (one per dispatch it sent), so an entry's seq is the oldest entry's seq plus
 *   its place, and its size is payload.frameBytes(seq): neither is stored. A seq the session never put here
 *   (READY) in the middle is a hole, an empty slot.
 * - Chunks, not one ring that grows: growing a ring copies it, and the copies it leaves behind had lived long
 *   enough to die in the old generation (24 of the 80 MB of old-generation garbage in `fanout --sessions 1000`).
 *   A full deque reuses its evicted chunk and allocates nothing.
 * (A ring of seqs, sizes and references grown by doubling took 40 KB per session for 1,250 entries; one object
 * per entry, 117 KB for 2,000. Now: 8 bytes an entry, plus at most a chunk.)
 */
export class ReplayBuffer {
  #chunks: Chunk[] = [];
  /** The evicted chunk, kept for the next one needed (already empty). */
  #spare: Chunk | null = null;
  /** Index in the first chunk of the oldest slot. */
  #head = 0;
  /** Slots in use, holes included. */
  #count = 0;
  /** Seq of the oldest slot. */
  #firstSeq = 0;
  /** Entries that are not holes. */
  #entries = 0;
  #bytes = 0;
  /** Highest seq evicted so far; a client that has seen at least this one can still be served. */
  #evictedUpTo = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.#entries;
  }
  /** Frame bytes accounted to this session (payloads are shared with other sessions). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds the dispatch sent with `seq`, which is above every seq pushed before (a session's seqs only grow). */
  push(seq: number, payload: EncodedDispatch): void {
    const next = this.#firstSeq + this.#count;
    if (this.#count === 0 || seq < next || seq - next >= this.maxEvents) {
      // Empty, or a gap no slot count could bridge (or, never expected, a seq going back): start over at seq.
      // Whatever was held is evicted, so a client behind it is refused rather than given a gap.
      while (this.#count > 0) this.#evictOldest();
      this.#firstSeq = seq;
    } else {
      for (let hole = next; hole < seq; hole++) this.#append(undefined);
    }
    this.#append(payload);
    this.#entries++;
    this.#bytes += payload.frameBytes(seq);
    while (this.#count > 0 && this.#bytes > this.maxBytes) this.#evictOldest();
  }

  /** Entries with a seq greater than `seq`, oldest first; null when some of them were evicted. */
  since(seq: number): ReplayEntry[] | null {
    if (seq < this.#evictedUpTo) return null;
    const out: ReplayEntry[] = [];
    for (let i = Math.max(0, seq + 1 - this.#firstSeq); i < this.#count; i++) {
      const at = this.#head + i;
      const payload = this.#chunks[(at / CHUNK) | 0]![at % CHUNK];
      if (payload) out.push({ seq: this.#firstSeq + i, payload });
    }
    return out;
  }

  clear(): void {
    this.#chunks = [];
    this.#spare = null;
    this.#head = 0;
    this.#count = 0;
    this.#entries = 0;
    this.#bytes = 0;
  }

  #append(payload: EncodedDispatch | undefined): void {
    if (this.#count >= this.maxEvents) this.#evictOldest();
    const at = this.#head + this.#count;
    if (at === this.#chunks.length * CHUNK) {
      this.#chunks.push(this.#spare ?? new Array<EncodedDispatch | undefined>(CHUNK).fill(undefined));
      this.#spare = null;
    }
    this.#chunks[(at / CHUNK) | 0]![at % CHUNK] = payload;
    this.#count++;
  }

  #evictOldest(): void {
    const chunk = this.#chunks[0]!;
    const payload = chunk[this.#head];
    if (payload) {
      this.#bytes -= payload.frameBytes(this.#firstSeq);
      this.#evictedUpTo = this.#firstSeq;
      this.#entries--;
      chunk[this.#head] = undefined;
    }
    this.#firstSeq++;
    this.#count--;
    if (++this.#head === CHUNK) {
      this.#spare = this.#chunks.shift()!;
      this.#head = 0;
    }
  }
}
