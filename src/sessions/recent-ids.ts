/**
 * The ids of the dispatches a sessions node saw last, to drop an outbox record published twice (a sweep racing
 * its writer, a crash between publish and done-mark). Bounded: a repeat arrives within seconds, so the newest
 * `capacity` ids are enough.
 */
export class RecentIds {
  readonly #seen = new Set<string>();
  readonly #order: string[];
  #next = 0;

  constructor(readonly capacity = 8192) {
    this.#order = new Array<string>(capacity);
  }

  /** True the first time an id is offered; false for a repeat still remembered. */
  firstTime(id: string): boolean {
    if (this.#seen.has(id)) return false;
    const evicted = this.#order[this.#next];
    if (evicted !== undefined) this.#seen.delete(evicted);
    this.#order[this.#next] = id;
    this.#next = (this.#next + 1) % this.capacity;
    this.#seen.add(id);
    return true;
  }
}
