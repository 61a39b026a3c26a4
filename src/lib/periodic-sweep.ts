/**
 * A sweep that runs every `intervalMs` on a timer that does not keep the process alive, one run at a time:
 * sweep() joins a run in progress instead of starting a second (a slow store must not stack sweeps), and close()
 * stops the timer and waits for the run in progress. What a run does (runOnce), and what a failed one logs, is the
 * subclass's.
 */
export abstract class PeriodicSweep {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(protected readonly intervalMs: number) {}

  /** One run; resolves to how many items it handled. */
  protected abstract runOnce(): Promise<number>;

  start(): void {
    this.#timer ??= setInterval(() => void this.sweep(), this.intervalMs);
    this.#timer.unref();
  }

  /** One sweep (or the one in progress); resolves to what the run reports (how many items it handled). */
  sweep(): Promise<number> {
    this.#running ??= this.runOnce().finally(() => (this.#running = null));
    return this.#running;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
