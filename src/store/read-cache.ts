/**
 * Store reads kept in memory, for the caches in front of the store (identity-cache.ts, access-cache.ts). What keeps
 * them exact is the caller's part: it calls `invalidate` for each write that may change an entry, before the write
 * runs and once it has settled (or when the write's row changes, for a feed that reports changes synchronously).
 * Here, every invalidation bumps an epoch, and a read that began before any invalidation ended is returned but not
 * kept: it may have read the row just before a write changed it.
 *
 * Entries also expire after `ttlMs` of the process's clock, and at most `maxEntries` are kept (the oldest go first).
 * They are deep-frozen: callers share them.
 */
export interface ReadCacheOptions {
  now: () => number;
  /** Default 10 s. */
  ttlMs?: number;
  /** Default 10,000. */
  maxEntries?: number;
}

export class ReadCache<K, V extends object> {
  readonly #entries = new Map<K, { value: V; at: number }>();
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  /** Bumped by every invalidation: a read that began before one is not kept. */
  #epoch = 0;
  hits = 0;
  misses = 0;

  constructor(opts: ReadCacheOptions) {
    this.#now = opts.now;
    this.#ttlMs = opts.ttlMs ?? 10_000;
    this.#maxEntries = opts.maxEntries ?? 10_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The kept value of `key`, or `load()`'s (kept unless null, or an invalidation came while it ran). */
  async read<R extends V | null>(key: K, load: () => Promise<R>): Promise<R> {
    const entry = this.#entries.get(key);
    // A negative age (the clock stepped back) counts as expired: the ttl must bound how long an entry lives.
    const age = entry ? this.#now() - entry.at : -1;
    if (entry && age >= 0 && age < this.#ttlMs) {
      this.hits++;
      return entry.value as R;
    }
    this.misses++;
    const epoch = this.#epoch;
    const value = await load();
    if (!value) return value;
    // Frozen whether kept or not, so that a caller changing what it was given fails every time, not now and then.
    if (isPlain(value)) deepFreeze(value);
    if (epoch !== this.#epoch) return value;
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: this.#now() });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return value;
  }

  /** Something `key` names changed, or is about to (`undefined`: no entry to drop, but reads running now are not kept). */
  invalidate(key: K | undefined): void {
    this.#epoch++;
    if (key !== undefined) this.#entries.delete(key);
  }

  /** Anything may have changed: drops every entry. */
  clear(): void {
    this.#epoch++;
    this.#entries.clear();
  }
}

/** Freezes `value` and every plain object and array it holds, so that no caller can change what others are served. */
function deepFreeze(value: object): void {
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) if (isPlain(v)) deepFreeze(v);
}

function isPlain(v: unknown): v is object {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return Array.isArray(v) || proto === Object.prototype || proto === null;
}
