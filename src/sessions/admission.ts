/**
 * Admission control for IDENTIFY: at most `concurrency` identifies are worked on at once, at most `maxQueued`
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
