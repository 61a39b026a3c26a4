/**
 * Makes bus failures seen: a BusErrorHandler that logs each report once and counts it by kind.
 *
 *   const failures = new BusFailures(log);
 *   const bus = await openBus({ ..., onError: failures.handler });
 *   metrics: () => [...failures.metrics(), ...]
 */
import type { Logger } from '../lib/log.ts';
import type { MetricSample } from '../lib/metrics.ts';
import { BUS_FAILURE_KINDS, isBusFailureKind, type BusErrorHandler, type BusFailureContext, type BusFailureKind } from './types.ts';

/** Kinds logged at info: the bus recovered on its own. Every other kind is a warning. */
const INFO_KINDS: ReadonlySet<BusFailureKind> = new Set<BusFailureKind>(['reconnect']);

export class BusFailures {
  /** Pass as `onError` to openBus / MemoryBus / NatsBus.connect. Never throws. */
  readonly handler: BusErrorHandler;
  private readonly tally = new Map<BusFailureKind, number>(BUS_FAILURE_KINDS.map((kind) => [kind, 0]));

  constructor(private readonly log: Logger) {
    this.handler = (err, context) => this.record(err, context);
  }

  private record(err: Error, context: BusFailureContext): void {
    try {
      const kind = context?.what;
      // A kind outside the list (only possible from untyped code) is still logged, just not counted.
      if (isBusFailureKind(kind)) this.tally.set(kind, (this.tally.get(kind) ?? 0) + 1);
      const where = context?.subject ?? context?.queue;
      const msg = `bus ${String(kind)}${where ? ` (${where})` : ''}: ${err instanceof Error ? err.message : String(err)}`;
      const fields = { kind, subject: context?.subject, queue: context?.queue, err };
      if (isBusFailureKind(kind) && INFO_KINDS.has(kind)) this.log.info(fields, msg);
      else this.log.warn(fields, msg);
    } catch {
      // Reporting a failure must never become one (a logger whose stream throws, a bad error object).
    }
  }

  /** Failures reported so far, every kind present (zero when none). */
  counts(): Record<BusFailureKind, number> {
    return Object.fromEntries(this.tally) as Record<BusFailureKind, number>;
  }

  /** `bus_failures_total{kind}` for every kind, zeros included, so a series exists before its first failure. */
  metrics(): MetricSample[] {
    return BUS_FAILURE_KINDS.map((kind) => ({
      name: 'bus_failures_total',
      help: 'Bus failures reported through onError, by kind (BUS_FAILURE_KINDS in src/bus/types.ts)',
      type: 'counter',
      value: this.tally.get(kind) ?? 0,
      labels: { kind },
    }));
  }
}
