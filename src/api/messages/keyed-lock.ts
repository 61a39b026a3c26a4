/**
 * Serialises async work per key inside one process. Used for enforce_nonce: two identical sends racing on the
 * same (channel, author, nonce) must not both pass the "already stored?" check. Memory is bounded by the work
 * in flight: a key's entry is dropped as soon as its last holder finishes.
 *
 * Cluster note: the lock is per api node. Two retries of one send landing on two different nodes at the same
 * instant can still both store (a load balancer with sticky routing per user, or a unique index on the nonce,
 * would close that gap); retries that arrive after the first send stored its message are deduplicated on any
 * node, because the check reads the shared store.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  get size(): number {
    return this.#tails.size;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
