/**
 * The transactional outbox's relay. A write stores, in its own transaction, records of what must follow it (a
 * gateway dispatch, a durable-queue job); right after commit the writer hands the same records to `published`,
 * which puts them on the bus and marks them done in batches. A process that dies between commit and publish
 * loses nothing: every relay sweeps the table at start and then periodically, republishing records older than
 * `staleAfterMs` (long enough that a live writer has published its own).
 *
 * Delivery is at least once: a record may be published twice (a sweep racing the writer, a crash after publish
 * but before done). Each carries its record id — `id` on a DispatchEnvelope, `outboxId` on a job — and consumers
 * deduplicate on it (sessions/router.ts keeps the recent ids).
 *
 * An event whose data the store can give again is recorded by reference (`eventByReference`): the row keeps the
 * envelope and names the data (a message by its channel and id), and only a sweep reads it back, through the
 * relay's `rebuild`. A message create's event is most of what a send writes: about 1 KB of JSON per message, written
 * into the WAL, deleted once published, then copied again by the checkpoint (docs/performance.md). Its writer
 * publishes the object it holds; a sweep, which runs only for records a dead writer left, renders the message as
 * it is then: a message deleted meanwhile is not announced (its delete is).
 */
import type { Bus } from '../bus/types.ts';
import type { Logger } from '../lib/log.ts';
import type { SnowflakeGenerator } from '../protocol/snowflake.ts';
import type { OutboxRecord, Store } from '../store/types.ts';
import { enqueueJob, publishEvent, type EventMap, type EventSubject, type LiveQueueMap } from './index.ts';

export const OUTBOX_DEFAULTS = {
  /** How often a relay looks for records nobody published. */
  sweepIntervalMs: 2_000,
  /** A record this old is considered orphaned (its writer died before publishing it). */
  staleAfterMs: 5_000,
  /** Records per sweep query. */
  sweepBatch: 500,
  /** Done-marks are written in batches: at most this many ids, or after `doneDelayMs`. */
  doneBatch: 256,
  doneDelayMs: 20,
  /** How long a done-mark waits for the bus to confirm the publishes (flush) before leaving them to a sweep. */
  confirmTimeoutMs: 2_000,
} as const;

export interface OutboxRelayOptions {
  store: Store;
  bus: Bus;
  ids: SnowflakeGenerator;
  log: Logger;
  now?: () => number;
  sweepIntervalMs?: number;
  staleAfterMs?: number;
  /**
   * Renders the data an event recorded by reference names (`eventByReference`); null when it is gone. A relay
   * without it leaves such records to one that has it.
   */
  rebuild?: EventDataRebuilder;
  /**
   * Whether this relay sweeps the outbox for records a dead writer left (default true). One sweeper per process is
   * enough: two started together both read a record before either marks it done, and both publish it.
   */
  sweeps?: boolean;
}

/** What an event recorded by reference names instead of its data: a message's event, rendered from the store. */
export interface EventDataRef {
  of: 'message';
  channelId: string;
  messageId: string;
  /** The nonce its MESSAGE_CREATE echoes (the store does not keep one unless enforced). */
  nonce?: string | number;
}

export type EventDataRebuilder = (ref: EventDataRef) => Promise<Record<string, unknown> | null>;

export class OutboxRelay {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #ids: SnowflakeGenerator;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #sweepIntervalMs: number;
  readonly #staleAfterMs: number;
  readonly #sweeps: boolean;
  readonly #rebuild: EventDataRebuilder | undefined;
  /** The payload objects of records this relay made, so publishing right after commit parses nothing. */
  readonly #values = new WeakMap<OutboxRecord, unknown>();
  /** Published records waiting for their done-mark, with the bus epoch they were published at. */
  #doneIds: Array<{ id: string; epoch: number }> = [];
  #doneTimer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #closed = false;
  /** Counters for /metrics. */
  readonly counts = { published: 0, republished: 0, failures: 0 };

  constructor(opts: OutboxRelayOptions) {
    this.#store = opts.store;
    this.#bus = opts.bus;
    this.#ids = opts.ids;
    this.#log = opts.log;
    this.#now = opts.now ?? Date.now;
    this.#sweepIntervalMs = opts.sweepIntervalMs ?? OUTBOX_DEFAULTS.sweepIntervalMs;
    this.#staleAfterMs = opts.staleAfterMs ?? OUTBOX_DEFAULTS.staleAfterMs;
    this.#sweeps = opts.sweeps ?? true;
    this.#rebuild = opts.rebuild;
  }

  /** A record of a bus event; its id travels in the payload as `id`. */
  event<S extends EventSubject>(subject: S, payload: EventMap[S]): OutboxRecord {
    const id = this.#ids.next();
    return this.#record('event', subject, id, { ...payload, id });
  }

  /**
   * A record of a dispatch whose data `ref` names: published as given, stored as its envelope and `ref` (the
   * module's comment). The data must be in the store once the write commits.
   */
  eventByReference<S extends EventSubject>(subject: S, payload: EventMap[S] & { d: unknown }, ref: EventDataRef): OutboxRecord {
    const id = this.#ids.next();
    const { d: _d, ...envelope } = payload;
    return this.#record('event', subject, id, { ...payload, id }, { ...envelope, id, dRef: ref });
  }

  /** A record of a durable-queue job; its id travels in the job as `outboxId`. */
  job<Q extends keyof LiveQueueMap>(queue: Q, payload: LiveQueueMap[Q]): OutboxRecord {
    const id = this.#ids.next();
    return this.#record('job', queue, id, { ...payload, outboxId: id });
  }

  /** `stored`: what the row keeps, when not `value` itself. */
  #record(kind: OutboxRecord['kind'], subject: string, id: string, value: unknown, stored: unknown = value): OutboxRecord {
    const record: OutboxRecord = { id, kind, subject, payload: JSON.stringify(stored), createdAt: this.#now() };
    this.#values.set(record, value);
    return record;
  }

  /** Starts the sweeps: one now (whatever an earlier process left), then every sweepIntervalMs. */
  start(): void {
    if (!this.#sweeps) return;
    void this.sweep(this.#now() + 1);
    this.#sweepTimer = setInterval(() => void this.sweep(), this.#sweepIntervalMs);
    this.#sweepTimer.unref();
  }

  /** The write committed: publish its records now. Never throws; what fails is left for a sweep. */
  async published(records: readonly OutboxRecord[]): Promise<void> {
    for (const r of records) {
      try {
        const epoch = this.#bus.epoch;
        await this.#publish(r);
        this.counts.published++;
        this.#markDone(r.id, epoch);
      } catch (err) {
        this.counts.failures++;
        this.#log.warn({ err, outboxId: r.id, subject: r.subject }, 'outbox publish failed; a sweep will retry');
      }
    }
  }

  /** Publishes records created before `createdBefore` (default: older than staleAfterMs) and marks them done. */
  sweep(createdBefore = this.#now() - this.#staleAfterMs): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return (this.#sweeping ??= (async () => {
      try {
        for (;;) {
          const batch = await this.#store.outbox.pending({ limit: OUTBOX_DEFAULTS.sweepBatch, createdBefore });
          const done: string[] = [];
          for (const r of batch) {
            try {
              await this.#publish(r);
              this.counts.republished++;
              done.push(r.id);
            } catch (err) {
              this.counts.failures++;
              this.#log.warn({ err, outboxId: r.id, subject: r.subject }, 'outbox republish failed; next sweep retries');
            }
          }
          if (done.length) await this.#store.outbox.done(done);
          if (batch.length < OUTBOX_DEFAULTS.sweepBatch || done.length === 0 || this.#closed) break;
        }
      } catch (err) {
        this.#log.warn({ err }, 'outbox sweep failed');
      } finally {
        this.#sweeping = undefined;
      }
    })());
  }

  /** Stops sweeping and writes the pending done-marks. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    await this.#sweeping;
    await this.#flushDone();
  }

  async #publish(r: OutboxRecord): Promise<void> {
    // While the bus is disconnected a publish would be buffered and sent on reconnect, before subscribers elsewhere
    // are back, and a job would wait out its timeout: fail at once and let a sweep publish it later.
    if (!this.#bus.connected) throw new Error('bus disconnected');
    let payload = this.#values.get(r) ?? JSON.parse(r.payload);
    if (r.kind === 'event' && payload.dRef) {
      if (!this.#rebuild) throw new Error('an event recorded by reference, and no rebuild here');
      const { dRef, ...envelope } = payload as { dRef: EventDataRef };
      const d = await this.#rebuild(dRef);
      // Gone since: nothing to announce, and the record is done.
      if (d === null) return;
      payload = { ...envelope, d };
    }
    if (r.kind === 'event') publishEvent(this.#bus, r.subject as EventSubject, payload);
    else await enqueueJob(this.#bus, r.subject as keyof LiveQueueMap, payload);
  }

  #markDone(id: string, epoch: number): void {
    this.#doneIds.push({ id, epoch });
    if (this.#doneIds.length >= OUTBOX_DEFAULTS.doneBatch) void this.#flushDone();
    else this.#doneTimer ??= setTimeout(() => void this.#flushDone(), OUTBOX_DEFAULTS.doneDelayMs);
  }

  async #flushDone(): Promise<void> {
    clearTimeout(this.#doneTimer);
    this.#doneTimer = undefined;
    const published = this.#doneIds;
    if (published.length === 0) return;
    this.#doneIds = [];
    // Done only once the server has them: a publish the client buffered across a reconnect went out before
    // subscribers elsewhere were back, so records published before a disconnect are left to a sweep.
    const flushed = await Promise.race([
      this.#bus.flush().then(() => true, () => false),
      new Promise<false>((resolve) => setTimeout(resolve, OUTBOX_DEFAULTS.confirmTimeoutMs, false).unref()),
    ]);
    const epoch = this.#bus.epoch;
    const ids = flushed ? published.filter((p) => p.epoch === epoch).map((p) => p.id) : [];
    if (ids.length < published.length) this.#log.info({ unconfirmed: published.length - ids.length }, 'outbox records published around a disconnect; a sweep publishes them again');
    if (ids.length === 0) return;
    // A failed done-mark only means a sweep publishes the records again (consumers deduplicate).
    await this.#store.outbox.done(ids).catch((err) => this.#log.warn({ err, count: ids.length }, 'outbox done-mark failed'));
  }
}
