/**
 * Push work at a lower priority than request handling, in one process. Node has no thread priorities, so the
 * push role cuts its work into slices (deciding one job, claiming a batch, encrypting and sending one push,
 * settling a batch) and takes a turn from the Pacer before each. Turns are granted one at a time, each from its
 * own setImmediate, so whatever I/O is ready (requests, gateway frames) runs between two slices. And while the
 * process is serving — requests came in (noteRequest) and the event loop's utilization over the last WINDOW_MS,
 * less the push slices' own time, is above BUSY_SHARE — every turn first waits PAUSE_MS: a burst of pushes
 * leaves the CPU to sends, yet never stops (at least 1000 / PAUSE_MS turns a second), and runs at full speed
 * again once requests stop or the loop has room. Requests are the signal because the push role's own work is
 * not all inside its slices (its HTTP answers and database replies land in I/O callbacks): utilization alone
 * would have it pace itself when it runs alone.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** The loop's busy share (others' work) above which push work is paced. */
export const BUSY_SHARE = 0.5;
/** How long a window the busy share is measured over. */
export const WINDOW_MS = 50;
/** The wait before each turn while the loop is busy. */
export const PAUSE_MS = 20;

export class Pacer {
  readonly #waiting: Array<() => void> = [];
  #scheduled = false;
  #closed = false;
  #busy = false;
  #windowStart = performance.now();
  #windowElu: EventLoopUtilization = performance.eventLoopUtilization();
  /** Time the push slices took in the current window. */
  #own = 0;
  /** Requests that came in during the current window. */
  #requests = 0;
  /** Turns that waited for a busy loop (for /metrics). */
  paused = 0;

  /** Resolves when it is the caller's turn: the caller's synchronous work until its next await is the slice. */
  turn(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#schedule();
    });
  }

  /** A request came in (the process serves clients). */
  noteRequest(): void {
    this.#requests++;
  }

  /** Whether the process was busy serving over the last window. */
  get busy(): boolean {
    return this.#busy;
  }

  #schedule() {
    if (this.#scheduled || !this.#waiting.length) return;
    this.#scheduled = true;
    if (this.#measure() && !this.#closed) {
      this.paused++;
      setTimeout(() => setImmediate(this.#tick), PAUSE_MS);
    } else setImmediate(this.#tick);
  }

  /** Updates and returns the busy verdict once a window has passed. */
  #measure(): boolean {
    const now = performance.now();
    const span = now - this.#windowStart;
    if (span >= WINDOW_MS) {
      const elu = performance.eventLoopUtilization(this.#windowElu);
      this.#busy = this.#requests > 0 && (elu.active - this.#own) / span > BUSY_SHARE;
      this.#windowStart = now;
      this.#windowElu = performance.eventLoopUtilization();
      this.#own = 0;
      this.#requests = 0;
    }
    return this.#busy;
  }

  readonly #tick = () => {
    this.#scheduled = false;
    const next = this.#waiting.shift();
    if (!next) return;
    const start = performance.now();
    next();
    // Runs after the caller's continuation (queued before it): the end of its slice.
    queueMicrotask(() => {
      this.#own += performance.now() - start;
      this.#schedule();
    });
  };

  /** Every waiting and later turn is granted at once (the role is closing). */
  close() {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w();
  }
}
