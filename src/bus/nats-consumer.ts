/**
 * One consumer of a JetStream-backed queue. It pulls only as many jobs as it has free handler slots (never more,
 * so a busy process does not sit on jobs another could run), acks on success, naks with backoff on failure,
 * dead-letters on the last failure, and recreates its stream and consumer when a pull fails.
 */
import type { ConsumerMessages, Consumer as JsConsumer, JsMsg, NatsConnection } from 'nats';
import type { BusErrorHandler, Consumer, DeliveryInfo } from './types.ts';
import { asError, retryDelayMs, waitUntilIdle, type RetryBackoff } from './defaults.ts';
import { decode } from './nats-codec.ts';

/** The bus a consumer belongs to, as the consumer sees it. */
export interface ConsumerHost {
  readonly nc: NatsConnection;
  readonly retryBackoff: RetryBackoff;
  readonly stopGraceMs: number;
  readonly pullExpiresMs: number;
  report(...args: Parameters<BusErrorHandler>): void;
  deadLetter(queue: string, data: Uint8Array, deliveries: number, cause: unknown): Promise<void>;
  forget(consumer: NatsConsumer): void;
}

export type JobHandler = (payload: unknown, info: DeliveryInfo) => Promise<void>;

export class NatsConsumer implements Consumer {
  private readonly inflight = new Set<JsMsg>();
  /** Jobs given back by stop(): whatever their handler does later is ignored. */
  private readonly released = new WeakSet<JsMsg>();
  private readonly pulls = new Set<ConsumerMessages>();
  /** Jobs asked for by pulls still open and not yet received. */
  private outstanding = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** A pull failed: the stream or consumer may be gone, so recreate them before pulling again. */
  private broken = false;
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly bus: ConsumerHost,
    private readonly queue: string,
    private jsConsumer: JsConsumer,
    private readonly recover: () => Promise<JsConsumer>,
    private readonly handler: JobHandler,
    private readonly opts: { maxDeliveries: number; concurrency: number; ackWaitMs: number },
  ) {}

  start(): void {
    this.pump();
  }

  /** Opens a pull for every free slot not already covered by an open pull. */
  private pump(): void {
    if (this.stopped || this.retryTimer) return;
    const want = this.opts.concurrency - this.inflight.size - this.outstanding;
    if (want <= 0) return;
    this.outstanding += want;
    void this.pull(want);
  }

  private pumpLater(ms: number): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.broken) return this.pump();
      this.recover().then(
        (jsConsumer) => {
          this.jsConsumer = jsConsumer;
          this.broken = false;
          this.pump();
        },
        (err: unknown) => {
          if (this.stopped) return;
          this.failures++;
          this.bus.report(asError(err), { queue: this.queue, what: 'recreate-consumer' });
          this.pumpLater(this.backoff());
        },
      );
    }, ms);
  }

  private backoff(): number {
    return Math.min(5000, 125 * 2 ** Math.min(this.failures, 6));
  }

  private async pull(n: number): Promise<void> {
    const started = Date.now();
    let received = 0;
    let pull: ConsumerMessages | undefined;
    let failed = false;
    try {
      pull = await this.jsConsumer.fetch({ max_messages: n, expires: this.bus.pullExpiresMs });
      this.pulls.add(pull);
      if (this.stopped) pull.stop();
      for await (const msg of pull) {
        received++;
        this.outstanding--;
        if (this.stopped) {
          this.giveBack(msg);
          continue;
        }
        this.handle(msg);
      }
      this.failures = 0;
    } catch (err) {
      failed = true;
      this.broken = true;
      this.failures++;
      if (!this.stopped) this.bus.report(asError(err), { queue: this.queue, what: 'pull' });
    } finally {
      if (pull) this.pulls.delete(pull);
      this.outstanding -= n - received;
    }
    if (failed) this.pumpLater(this.backoff());
    // A pull that ends at once with nothing (server busy, request refused) must not become a hot loop.
    else if (received === 0 && Date.now() - started < 100) this.pumpLater(250);
    else this.pump();
  }

  private handle(msg: JsMsg): void {
    this.inflight.add(msg);
    const deliveries = msg.info.redeliveryCount;
    // The server gives up on this delivery after ack wait (counted from a little before we received it) and
    // redelivers; an ack after that would ack the redelivery too, and lose the job if the redelivery fails.
    // So a late outcome is dropped, as in memory: the server redelivers (or dead-letters through the advisory).
    const { ackWaitMs } = this.opts;
    const deadline = Date.now() + ackWaitMs - Math.min(100, ackWaitMs / 10);
    const gaveUp = () => this.released.has(msg) || Date.now() > deadline;
    Promise.resolve()
      .then(() => this.handler(decode(msg.data), { deliveries, queue: this.queue }))
      .then(
        () => {
          if (!gaveUp()) msg.ack();
        },
        async (err: unknown) => {
          if (gaveUp()) return;
          if (deliveries < this.opts.maxDeliveries) return msg.nak(retryDelayMs(deliveries, this.bus.retryBackoff));
          await this.bus.deadLetter(this.queue, msg.data, deliveries, err);
          msg.ack();
        },
      )
      .catch((err: unknown) => this.bus.report(asError(err), { queue: this.queue, what: 'ack' }))
      .finally(() => {
        this.inflight.delete(msg);
        if (this.stopped) this.wake?.();
        else this.pump();
      });
  }

  private giveBack(msg: JsMsg): void {
    this.released.add(msg);
    try {
      msg.nak();
    } catch {
      // Connection already closed: the server redelivers after ack wait.
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const pull of this.pulls) pull.stop();
    await waitUntilIdle(() => this.inflight.size === 0, (wake) => (this.wake = wake), this.bus.stopGraceMs);
    for (const msg of this.inflight) this.giveBack(msg);
    this.bus.forget(this);
    try {
      await this.bus.nc.flush(); // the naks reach the server before stop() resolves
    } catch {
      // Closed or disconnected: ack wait covers it.
    }
  }
}
