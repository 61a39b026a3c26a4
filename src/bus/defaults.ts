/** Every bus limit and default in one place; both implementations read them from here. */
export const BUS_DEFAULTS = {
  /** ConsumeOptions.maxDeliveries. */
  maxDeliveries: 5,
  /** ConsumeOptions.ackWaitMs. */
  ackWaitMs: 30_000,
  /** ConsumeOptions.concurrency. */
  concurrency: 1,
  /** Jobs a durable queue may hold (ready, waiting for a retry, or in flight) before enqueue rejects. */
  maxQueueJobs: 100_000,
  /** Undelivered messages a subscription may have before new ones are dropped (NATS's own default). */
  maxPendingMessages: 65_536,
  /** First retry delay after a handler throws; doubles per delivery up to retryMaxMs. */
  retryInitialMs: 100,
  retryMaxMs: 10_000,
  /** How long Consumer.stop() lets running handlers finish before releasing their jobs for redelivery. */
  stopGraceMs: 2_000,
  /** How long one JetStream pull waits for jobs before it is renewed (the server's minimum is 1 s). */
  pullExpiresMs: 5_000,
} as const;

export interface RetryBackoff {
  initialMs?: number;
  maxMs?: number;
}

/** Delay before redelivering a job whose handler threw on delivery number `deliveries` (1-based). */
export function retryDelayMs(deliveries: number, backoff: RetryBackoff = {}): number {
  const initial = backoff.initialMs ?? BUS_DEFAULTS.retryInitialMs;
  const max = backoff.maxMs ?? BUS_DEFAULTS.retryMaxMs;
  return Math.min(max, initial * 2 ** Math.max(0, deliveries - 1));
}

/** Resolves when `idle()` is true (checked whenever `wake` fires) or after `ms`, whichever comes first. */
export function waitUntilIdle(idle: () => boolean, onWake: (wake: () => void) => void, ms: number): Promise<void> {
  if (idle()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    onWake(() => {
      if (!idle()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Throws a TypeError when `value` cannot cross a real bus. The in-memory bus never serialises, so without this a
 * bigint snowflake or a cycle in a payload would work in one process and fail only on NATS.
 */
export function assertSerialisable(value: unknown, where: string): void {
  try {
    JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`${where}: payload is not JSON-serialisable (${errorMessage(err)})`);
  }
}
