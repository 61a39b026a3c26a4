/**
 * Admission control for IDENTIFY: the node's capacity (AdmissionQueue, below) and Discord's identify rate per
 * account (IdentifyRateLimiter, at the end).
 *
 * AdmissionQueue: at most `concurrency` identifies are worked on at once, at most `maxQueued`
 * wait for a slot, and the rest are refused at once (the gateway answers INVALID_SESSION false, which clients
 * take as "identify again in 1–5 s", as Discord does when identifies come too fast).
 *
 * Why: an identify costs far more than anything else a socket does (token check, READY, a GUILD_CREATE per
 * guild). In a reconnect storm, running them all at once filled the event loop so that heartbeats and
 * dispatches of sessions already connected waited behind them and clients timed out (incident: 10,000
 * sessions at 500/s → 3,400 READY, the rest closed by the client's 30 s timeout). Waiting here costs a socket
 * nothing but time: its heartbeats are still answered.
 *
 * Tasks start in arrival order; a slot is held until the task's promise settles.
 */
export class AdmissionQueue {
  #running = 0;
  #waiting: Array<() => void> = [];
  #head = 0;

  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
  ) {}

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }
  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#waiting.length - this.#head;
  }

  /**
   * Runs `task` when a slot is free. Returns its outcome, or null when the queue is full (the task never runs).
   */
  submit(task: () => Promise<void>): Promise<void> | null {
    if (this.#running < this.concurrency) return this.#run(task);
    if (this.queued >= this.maxQueued) return null;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push(() => this.#run(task).then(resolve, reject));
    });
  }

  async #run(task: () => Promise<void>): Promise<void> {
    this.#running++;
    try {
      await task();
    } finally {
      this.#running--;
      this.#next();
    }
  }

  #next(): void {
    if (this.#running >= this.concurrency || this.queued === 0) return;
    const start = this.#waiting[this.#head]!;
    this.#waiting[this.#head++] = undefined as never;
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    start();
  }
}

/** New windows between sweeps of expired ones (keeps the map bounded by the identifies of one window). */
const SWEEP_EVERY = 1024;

/**
 * Discord's identify rate: per key (a bot, or a user), at most `limit` IDENTIFYs in a window that begins with the
 * first one and lasts `windowMs`; the caller answers the rest with INVALID_SESSION. Kept per sessions node, in
 * memory: the check costs no I/O.
 */
export class IdentifyRateLimiter {
  readonly #windows = new Map<string, { resetAt: number; count: number }>();
  #sinceSweep = 0;

  constructor(
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts one IDENTIFY for `key`; false (not counted) when its window already holds `limit`. */
  take(key: string, limit: number): boolean {
    const now = this.now();
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep(now);
      w = { resetAt: now + this.windowMs, count: 0 };
      this.#windows.set(key, w);
    }
    if (w.count >= limit) return false;
    w.count++;
    return true;
  }

  /** Keys with a running window. */
  get size(): number {
    return this.#windows.size;
  }

  #sweep(now: number): void {
    this.#sinceSweep = 0;
    for (const [key, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(key);
  }
}
