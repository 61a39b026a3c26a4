/**
 * The resume deque of one session: the dispatch frames it produced, newest last, bounded by count
 * (replayMaxEvents) and bytes (replayMaxBytes). When either bound is passed the oldest frames are evicted;
 * a RESUME whose seq is older than an evicted frame can no longer be served (→ INVALID_SESSION false).
 */
interface Entry {
  seq: number;
  frame: string;
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
  get bytes(): number {
    return this.#bytes;
  }

  push(seq: number, frame: string): void {
    const bytes = Buffer.byteLength(frame);
    this.#items.push({ seq, frame, bytes });
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

  /** Frames with a seq greater than `seq`, oldest first; null when some of them were evicted. */
  since(seq: number): string[] | null {
    if (seq < this.#evictedUpTo) return null;
    const out: string[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const e = this.#items[i]!;
      if (e.seq > seq) out.push(e.frame);
    }
    return out;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
