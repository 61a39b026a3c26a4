/**
 * Discord's invalid request limit: an IP whose requests are answered 401, 403 or 429 (a 429 of a shared limit
 * aside) too often in 10 minutes is refused for a while, as Cloudflare does in front of Discord. This stops
 * clients that keep trying bad tokens or ignore 429s. Kept per process, in memory, with a bounded table.
 */

/** Discord counts invalid requests over 10 minutes. */
export const INVALID_REQUEST_WINDOW_MS = 10 * 60_000;
/** IPs tracked at most; beyond, the longest-tracked go first (a banned IP is re-queued at the back when banned). */
const MAX_TRACKED = 100_000;
const SWEEP_EVERY_MS = 60_000;

interface Entry {
  /** Invalid requests in the current window. */
  count: number;
  windowEnd: number;
  /** 0 while not banned. */
  bannedUntil: number;
}

export interface InvalidRequestLimiterOptions {
  /** Invalid requests an IP may make per window; the next request after the last one allowed is refused. */
  limit: number;
  banMs: number;
  now?: () => number;
  /** Called once when a ban starts (the process logs it there, once, not per refused request). */
  onBan?: (ip: string, invalidRequests: number, bannedUntil: number) => void;
  maxTracked?: number;
}

/** Discord's answer to an IP it has blocked for too many invalid requests (its Cloudflare ban). */
export const BANNED_MESSAGE = 'You are being blocked from accessing our API temporarily due to exceeding our rate limits frequently. Please read our docs at https://discord.com/developers/docs/topics/rate-limits to prevent this moving forward.';

export class InvalidRequestLimiter {
  readonly #entries = new Map<string, Entry>();
  readonly #opts: Required<Omit<InvalidRequestLimiterOptions, 'onBan'>> & Pick<InvalidRequestLimiterOptions, 'onBan'>;
  #lastSweep = 0;
  /** Bans started and requests refused by a ban, for /metrics. */
  readonly counts = { bans: 0, refused: 0 };

  constructor(opts: InvalidRequestLimiterOptions) {
    this.#opts = { ...opts, now: opts.now ?? Date.now, maxTracked: opts.maxTracked ?? MAX_TRACKED };
  }

  /** Milliseconds left of `ip`'s ban, or 0. A refused request is counted here, not as an invalid request. */
  refuse(ip: string): number {
    const entry = this.#entries.get(ip);
    if (!entry || entry.bannedUntil === 0) return 0;
    const left = entry.bannedUntil - this.#opts.now();
    if (left > 0) {
      this.counts.refused += 1;
      return left;
    }
    // The ban is over: the IP starts again with a clean window.
    this.#entries.delete(ip);
    return 0;
  }

  /** Counts one invalid request from `ip`; true when it starts a ban. */
  record(ip: string): boolean {
    const now = this.#opts.now();
    this.#sweep(now);
    let entry = this.#entries.get(ip);
    if (entry && entry.bannedUntil > now) return false;
    if (!entry || entry.windowEnd <= now || entry.bannedUntil !== 0) {
      entry = { count: 0, windowEnd: now + INVALID_REQUEST_WINDOW_MS, bannedUntil: 0 };
      this.#entries.delete(ip);
      this.#entries.set(ip, entry);
    }
    entry.count += 1;
    if (entry.count < this.#opts.limit) return false;
    entry.bannedUntil = now + this.#opts.banMs;
    this.#entries.delete(ip);
    this.#entries.set(ip, entry);
    this.counts.bans += 1;
    this.#opts.onBan?.(ip, entry.count, entry.bannedUntil);
    return true;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Bounded memory: finished windows and bans are dropped; past maxTracked the longest-tracked IPs go first. */
  #sweep(now: number) {
    const max = this.#opts.maxTracked;
    if (now - this.#lastSweep < SWEEP_EVERY_MS && this.#entries.size < max) return;
    this.#lastSweep = now;
    for (const [ip, e] of this.#entries) if (e.windowEnd <= now && e.bannedUntil <= now) this.#entries.delete(ip);
    let excess = this.#entries.size - Math.floor(max * 0.9);
    for (const ip of this.#entries.keys()) {
      if (excess-- <= 0) break;
      this.#entries.delete(ip);
    }
  }
}
