/**
 * Unfurl results per URL: a bounded LRU (a Map in use order) whose entries expire after a TTL. It holds the
 * promise, so jobs naming the same URL at the same time share one fetch.
 */
export class UnfurlCache<T> {
  readonly #entries = new Map<string, { value: Promise<T>; expires: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The cached result for `key`, or `load()`'s (kept for ttlMs; a failed load is not kept). */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    this.#entries.delete(key);
    if (hit && hit.expires > this.now()) {
      this.#entries.set(key, hit);
      return hit.value;
    }
    const value = load();
    const entry = { value, expires: this.now() + this.ttlMs };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
