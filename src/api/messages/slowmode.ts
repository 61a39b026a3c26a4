/**
 * Slowmode (a channel's rate_limit_per_user): the earliest time each (channel, user) may send again.
 *
 * Kept in memory on purpose: the check sits on the send path and must not cost a round trip. In a cluster each
 * api node keeps its own table, so a user whose sends are spread over N nodes can post up to N times per
 * window; that is the same trade-off the route rate limiter makes (src/api/ratelimit.ts).
 * Bounded: expired entries are swept, and past MAX_ENTRIES the oldest go first.
 */
const MAX_ENTRIES = 100_000;

export class Slowmode {
  readonly #nextAllowed = new Map<string, number>();
  #lastSweep = 0;

  /**
   * Reserves a send at `now` when the window allows it and returns null; otherwise returns the seconds to wait.
   * Reserving up front (not after the store write) makes concurrent sends from one user count against each other.
   */
  reserve(channelId: string, userId: string, seconds: number, now: number): number | null {
    this.#sweep(now);
    const key = `${channelId}:${userId}`;
    const next = this.#nextAllowed.get(key);
    if (next !== undefined && next > now) return (next - now) / 1000;
    this.#nextAllowed.delete(key);
    this.#nextAllowed.set(key, now + seconds * 1000);
    return null;
  }

  /** Gives a reservation back when the send failed after reserving. */
  release(channelId: string, userId: string): void {
    this.#nextAllowed.delete(`${channelId}:${userId}`);
  }

  #sweep(now: number) {
    if (now - this.#lastSweep < 10_000 && this.#nextAllowed.size < MAX_ENTRIES) return;
    this.#lastSweep = now;
    for (const [key, next] of this.#nextAllowed) if (next <= now) this.#nextAllowed.delete(key);
    if (this.#nextAllowed.size < MAX_ENTRIES) return;
    let excess = this.#nextAllowed.size - MAX_ENTRIES / 2;
    for (const key of this.#nextAllowed.keys()) {
      if (excess-- <= 0) break;
      this.#nextAllowed.delete(key);
    }
  }
}
