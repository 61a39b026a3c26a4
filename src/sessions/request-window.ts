/**
 * One request per key per interval, remembered for a bounded number of keys: the every-member limit of op 8
 * (member-requests.ts). The map is in the order of its times, oldest first (a key taken again is deleted before it
 * is set), so expired entries are dropped from the front as new ones come, and past `maxKeys` the oldest go even
 * when still in their window: forgetting one lets that key ask again early, never blocks it.
 */
export class RequestWindow {
  /** key → when its last request was taken. */
  readonly #takenAt = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when `key` may ask now (and the request is counted), else the ms until it may. */
  take(key: string): number {
    const now = this.now();
    const last = this.#takenAt.get(key);
    if (last !== undefined && now - last < this.intervalMs) return this.intervalMs - (now - last);
    this.#takenAt.delete(key);
    for (const [k, at] of this.#takenAt) {
      if (now - at < this.intervalMs && this.#takenAt.size < this.maxKeys) break;
      this.#takenAt.delete(k);
    }
    this.#takenAt.set(key, now);
    return 0;
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.#takenAt.size;
  }
}
