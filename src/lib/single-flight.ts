/**
 * Single flight: concurrent calls for the same key share one run of the work. A cold CDN rendition requested by
 * a hundred clients at once (an icon in a busy guild) is rendered once; the others wait for that one.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>();

  /** Calls in flight now. */
  get size(): number {
    return this.#flights.size;
  }

  /** The result of `work` for `key`: joins the run in flight for that key, or starts one. */
  run(key: string, work: () => Promise<T>): Promise<T> {
    const inFlight = this.#flights.get(key);
    if (inFlight) return inFlight;
    const flight = (async () => {
      try {
        return await work();
      } finally {
        this.#flights.delete(key);
      }
    })();
    this.#flights.set(key, flight);
    return flight;
  }
}
