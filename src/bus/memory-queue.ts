/**
 * Durable queues of the in-memory bus: jobs waiting, waiting for a retry, or leased to a consumer until it acks,
 * fails, stops, or lets ack wait pass. The broker owns the queues; each consumer belongs to one bus.
 */
import type { BusErrorHandler, Consumer, ConsumeOptions, DeliveryInfo } from './types.ts';
import { BUS_DEFAULTS, retryDelayMs, waitUntilIdle, type RetryBackoff } from './defaults.ts';

/** The bus a consumer belongs to, as the queue sees it. */
export interface QueueClient {
  readonly retryBackoff: RetryBackoff;
  readonly stopGraceMs: number;
  report(...args: Parameters<BusErrorHandler>): void;
  forget(consumer: MemoryConsumer): void;
}

/** Where jobs go after their last failed delivery (the broker, which owns `<queue>.dead`). */
export interface DeadLetterSink {
  deadLetter(queue: string, job: Job, err: unknown, reporter: QueueClient): void;
}

export interface Job {
  payload: unknown;
  deliveries: number;
}

export interface Lease {
  consumer: MemoryConsumer;
  timer: NodeJS.Timeout;
}

export class MemoryQueue {
  private ready: Job[] = [];
  private head = 0;
  readonly delayed = new Map<Job, NodeJS.Timeout>();
  readonly inflight = new Map<Job, Lease>();
  readonly consumers: MemoryConsumer[] = [];
  private next = 0;

  constructor(
    readonly name: string,
    private readonly broker: DeadLetterSink,
  ) {}

  get size(): number {
    return this.ready.length - this.head + this.delayed.size + this.inflight.size;
  }

  push(job: Job): void {
    this.ready.push(job);
    this.dispatch();
  }

  retryLater(job: Job, delayMs: number): void {
    const timer = setTimeout(() => {
      this.delayed.delete(job);
      this.push(job);
    }, delayMs);
    timer.unref();
    this.delayed.set(job, timer);
  }

  /** Hands ready jobs to consumers with a free slot, round-robin. */
  dispatch(): void {
    while (this.head < this.ready.length) {
      const consumer = this.pickConsumer();
      if (!consumer) break;
      const job = this.ready[this.head];
      this.ready[this.head++] = undefined as unknown as Job;
      if (this.head > 1024 && this.head * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.head);
        this.head = 0;
      }
      job.deliveries++;
      const timer = setTimeout(() => this.expire(job), consumer.ackWaitMs);
      timer.unref();
      const lease: Lease = { consumer, timer };
      this.inflight.set(job, lease);
      consumer.run(job, lease);
    }
    if (this.head === this.ready.length) {
      this.ready = [];
      this.head = 0;
    }
  }

  private pickConsumer(): MemoryConsumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const c = this.consumers[(this.next + i) % this.consumers.length];
      if (c.hasSlot()) {
        this.next = (this.next + i + 1) % this.consumers.length;
        return c;
      }
    }
    return undefined;
  }

  /**
   * Ends `lease` if it is still the job's current one; false for the outcome of a delivery that was already
   * given up on (ack wait passed, consumer stopped), even when the job went back to the same consumer.
   */
  private release(job: Job, lease: Lease): boolean {
    if (this.inflight.get(job) !== lease) return false;
    clearTimeout(lease.timer);
    this.inflight.delete(job);
    return true;
  }

  ack(job: Job, lease: Lease): void {
    this.release(job, lease);
  }

  nak(job: Job, lease: Lease, err: unknown): void {
    if (!this.release(job, lease)) return;
    const { consumer } = lease;
    if (job.deliveries >= consumer.maxDeliveries) this.broker.deadLetter(this.name, job, err, consumer.owner);
    else this.retryLater(job, retryDelayMs(job.deliveries, consumer.owner.retryBackoff));
  }

  /** A stopping consumer takes no new jobs. */
  detach(consumer: MemoryConsumer): void {
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  /** A stopped consumer gives its unacked jobs back at once. */
  giveBack(consumer: MemoryConsumer): void {
    for (const [job, lease] of this.inflight) {
      if (lease.consumer !== consumer) continue;
      clearTimeout(lease.timer);
      this.inflight.delete(job);
      this.ready.push(job);
    }
    this.dispatch();
  }

  private expire(job: Job): void {
    const lease = this.inflight.get(job);
    if (!lease) return;
    this.inflight.delete(job);
    if (job.deliveries >= lease.consumer.maxDeliveries) {
      this.broker.deadLetter(this.name, job, new Error(`not acked within ${lease.consumer.ackWaitMs} ms`), lease.consumer.owner);
    } else {
      this.push(job);
    }
  }
}

export class MemoryConsumer implements Consumer {
  readonly maxDeliveries: number;
  readonly ackWaitMs: number;
  private readonly concurrency: number;
  private running = 0;
  private wake: (() => void) | undefined;
  stopped = false;

  constructor(
    readonly owner: QueueClient,
    private readonly queue: MemoryQueue,
    private readonly handler: (payload: unknown, info: DeliveryInfo) => Promise<void>,
    opts: ConsumeOptions,
  ) {
    this.maxDeliveries = Math.max(1, opts.maxDeliveries ?? BUS_DEFAULTS.maxDeliveries);
    this.ackWaitMs = Math.max(1, opts.ackWaitMs ?? BUS_DEFAULTS.ackWaitMs);
    this.concurrency = Math.max(1, opts.concurrency ?? BUS_DEFAULTS.concurrency);
  }

  hasSlot(): boolean {
    return !this.stopped && this.running < this.concurrency;
  }

  run(job: Job, lease: Lease): void {
    this.running++;
    const info: DeliveryInfo = { deliveries: job.deliveries, queue: this.queue.name };
    Promise.resolve()
      .then(() => this.handler(job.payload, info))
      .then(
        () => this.queue.ack(job, lease),
        (err: unknown) => this.queue.nak(job, lease, err),
      )
      .finally(() => {
        // The slot frees when the handler settles, even if its lease expired earlier (as on NATS).
        this.running--;
        if (!this.stopped) this.queue.dispatch();
        else this.wake?.();
      });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.detach(this);
    await waitUntilIdle(() => this.running === 0, (wake) => (this.wake = wake), this.owner.stopGraceMs);
    this.queue.giveBack(this);
    this.owner.forget(this);
  }
}
