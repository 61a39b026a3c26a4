/**
 * The in-memory bus: one process, no network. A MemoryBroker holds what a NATS server would (subscriptions,
 * durable queues); each MemoryBus is one client of it, so two buses over one broker behave like two processes
 * on one NATS server (close one and its subscriptions, responders and consumers go, its in-flight jobs return).
 */
import {
  BusClosedError,
  BusNoRespondersError,
  BusNotRetainedError,
  BusQueueFullError,
  BusRemoteError,
  BusTimeoutError,
  type Bus,
  type BusErrorHandler,
  type BusFailureContext,
  type ConsumeOptions,
  type Consumer,
  type DeliveryInfo,
  type LogEntry,
  type ReadLogOptions,
  type RetainOptions,
  type MessageHandler,
  type RequestHandler,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from './types.ts';
import { assertPattern, assertQueueName, assertSubject, SubjectIndex } from './subjects.ts';
import { asError, assertSerialisable, BUS_DEFAULTS, errorMessage, type RetryBackoff } from './defaults.ts';
import { MemoryLog } from './memory-log.ts';
import { MemoryConsumer, MemoryQueue, type DeadLetterSink, type Job, type QueueClient } from './memory-queue.ts';

export interface MemoryBrokerOptions {
  /** Jobs one durable queue may hold before enqueue rejects. Default BUS_DEFAULTS.maxQueueJobs. */
  maxQueueJobs?: number;
  /** Undelivered messages one subscription may hold before new ones are dropped. Default BUS_DEFAULTS.maxPendingMessages. */
  maxPendingMessages?: number;
}

export interface MemoryBusOptions {
  /** Share one broker between buses to simulate several processes; default a private broker. */
  broker?: MemoryBroker;
  onError?: BusErrorHandler;
  retryBackoff?: RetryBackoff;
  /** Grace for running handlers when a consumer stops. Default BUS_DEFAULTS.stopGraceMs. */
  stopGraceMs?: number;
  /**
   * Check that every payload could cross NATS (JSON.stringify succeeds), so a bigint or a cycle fails here as
   * it would in a cluster. Costs one stringify per message; default true.
   */
  checkPayloads?: boolean;
}

/** The requester's side of one request, handed to whichever responder gets the message. */
interface ReplyTo {
  answer(value: unknown): void;
  fail(message: string): void;
}

interface Envelope {
  payload: unknown;
  subject: string;
  replyTo?: ReplyTo;
}

/** One subscription or responder: a mailbox drained asynchronously, in order. */
class Mailbox {
  private items: Envelope[] = [];
  private head = 0;
  private scheduled = false;
  closed = false;

  constructor(
    readonly owner: MemoryBus,
    readonly pattern: string,
    readonly queue: string | undefined,
    private readonly maxPending: number,
    private readonly handle: (env: Envelope) => void,
  ) {}

  push(env: Envelope): void {
    if (this.closed) return;
    if (this.items.length - this.head >= this.maxPending) {
      this.owner.report(new Error(`slow subscriber on ${this.pattern}: ${this.maxPending} messages pending, message dropped`), {
        subject: env.subject,
        what: 'slow-consumer',
      });
      return;
    }
    this.items.push(env);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    // Deliver what is queued now, then yield, so a handler that publishes to itself cannot starve I/O.
    const end = this.items.length;
    while (this.head < end && !this.closed) {
      const env = this.items[this.head];
      this.items[this.head++] = undefined as unknown as Envelope;
      this.handle(env);
    }
    if (this.head === this.items.length || this.closed) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.items.length > this.head && !this.closed) setImmediate(() => this.drain());
    else this.scheduled = false;
  }
}

/** What a NATS server would hold: subscriptions, queue-group rotation and durable queues. */
export class MemoryBroker implements DeadLetterSink {
  readonly maxQueueJobs: number;
  readonly maxPendingMessages: number;
  private readonly index = new SubjectIndex<Mailbox>();
  private readonly groupTurn = new Map<string, number>();
  private readonly queues = new Map<string, MemoryQueue>();
  readonly logs = new Map<string, MemoryLog>();

  constructor(opts: MemoryBrokerOptions = {}) {
    this.maxQueueJobs = opts.maxQueueJobs ?? BUS_DEFAULTS.maxQueueJobs;
    this.maxPendingMessages = opts.maxPendingMessages ?? BUS_DEFAULTS.maxPendingMessages;
  }

  add(box: Mailbox): void {
    this.index.add(box.pattern, box);
  }

  remove(box: Mailbox): void {
    box.closed = true;
    this.index.remove(box.pattern, box);
  }

  /** Delivers to every plain subscriber and one member per queue group; returns how many got it. */
  route(env: Envelope): number {
    for (const log of this.logs.values()) if (log.captures(env.subject)) log.store(env.subject, env.payload);
    const matched = this.index.match(env.subject);
    const groups = new Map<string, Mailbox[]>();
    let delivered = 0;
    for (const box of matched) {
      if (box.queue === undefined) {
        box.push(env);
        delivered++;
        continue;
      }
      const members = groups.get(box.queue);
      if (members) members.push(box);
      else groups.set(box.queue, [box]);
    }
    for (const [group, members] of groups) {
      const turn = this.groupTurn.get(group) ?? 0;
      this.groupTurn.set(group, turn + 1);
      members[turn % members.length].push(env);
      delivered++;
    }
    return delivered;
  }

  queue(name: string): MemoryQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new MemoryQueue(name, this);
      this.queues.set(name, q);
    }
    return q;
  }

  enqueue(name: string, payload: unknown): void {
    const q = this.queue(name);
    if (q.size >= this.maxQueueJobs) throw new BusQueueFullError(name, this.maxQueueJobs);
    q.push({ payload, deliveries: 0 });
  }

  deadLetter(name: string, job: Job, err: unknown, reporter: QueueClient): void {
    const dead = `${name}.dead`;
    try {
      this.enqueue(dead, job.payload);
      reporter.report(new Error(`job moved to ${dead} after ${job.deliveries} deliveries: ${errorMessage(err)}`), {
        queue: name,
        what: 'dead-letter',
      });
    } catch (e) {
      reporter.report(new Error(`job dropped: ${dead} refused it (${errorMessage(e)}); last error: ${errorMessage(err)}`), {
        queue: name,
        what: 'dead-letter-lost',
      });
    }
  }

  /** Jobs held by a queue (ready, delayed and in flight): for tests and metrics. */
  depth(name: string): number {
    return this.queues.get(name)?.size ?? 0;
  }
}

export class MemoryBus implements Bus, QueueClient {
  readonly kind = 'memory' as const;
  readonly broker: MemoryBroker;
  readonly retryBackoff: RetryBackoff;
  readonly stopGraceMs: number;
  private readonly onError?: BusErrorHandler;
  private readonly checkPayloads: boolean;
  private readonly boxes = new Set<Mailbox>();
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly pending = new Set<(err: Error) => void>();
  get connected(): boolean {
    return !this.closed;
  }
  readonly epoch = 0;
  onReconnect(): () => void {
    return () => {};
  }

  private closed = false;

  constructor(opts: MemoryBusOptions = {}) {
    this.broker = opts.broker ?? new MemoryBroker();
    this.onError = opts.onError;
    this.retryBackoff = opts.retryBackoff ?? {};
    this.checkPayloads = opts.checkPayloads ?? true;
    this.stopGraceMs = opts.stopGraceMs ?? BUS_DEFAULTS.stopGraceMs;
  }

  private check(payload: unknown, where: string): void {
    if (this.checkPayloads) assertSerialisable(payload, where);
  }

  report(err: Error, context: BusFailureContext): void {
    if (!this.onError) return;
    try {
      this.onError(err, context);
    } catch {
      // An error reporter that throws must not take the bus down with it.
    }
  }

  publish(subject: string, payload: unknown): void {
    assertSubject(subject);
    this.check(payload, `publish ${subject}`);
    if (this.closed) {
      this.report(new BusClosedError(`publish to ${subject}`), { subject, what: 'publish' });
      return;
    }
    this.broker.route({ payload, subject });
  }

  subscribe<T = unknown>(subject: string, handler: MessageHandler<T>, opts: SubscribeOptions = {}): Subscription {
    assertPattern(subject);
    if (this.closed) throw new BusClosedError(`subscribe to ${subject}`);
    return this.attach(subject, opts.queue, (env) => {
      try {
        const result = handler(env.payload as T, env.subject) as unknown;
        // Handlers are typed void, but an async one must not leave an unhandled rejection behind.
        if (result instanceof Promise) result.catch((err: unknown) => this.report(asError(err), { subject: env.subject, what: 'subscriber' }));
      } catch (err) {
        this.report(asError(err), { subject: env.subject, what: 'subscriber' });
      }
    });
  }

  serve<Q = unknown, R = unknown>(subject: string, handler: RequestHandler<Q, R>, opts: SubscribeOptions = {}): Subscription {
    assertPattern(subject);
    if (this.closed) throw new BusClosedError(`serve ${subject}`);
    return this.attach(subject, opts.queue ?? subject, (env) => {
      Promise.resolve()
        .then(() => handler(env.payload as Q, env.subject))
        .then((reply) => {
          this.check(reply, `reply on ${env.subject}`);
          return reply;
        })
        .then(
          (reply) => env.replyTo?.answer(reply),
          (err: unknown) => {
            this.report(asError(err), { subject: env.subject, what: 'responder' });
            env.replyTo?.fail(errorMessage(err));
          },
        );
    });
  }

  private attach(pattern: string, queue: string | undefined, handle: (env: Envelope) => void): Subscription {
    const box = new Mailbox(this, pattern, queue, this.broker.maxPendingMessages, handle);
    this.broker.add(box);
    this.boxes.add(box);
    return {
      unsubscribe: () => {
        this.broker.remove(box);
        this.boxes.delete(box);
      },
    };
  }

  request<R = unknown>(subject: string, payload: unknown, opts: RequestOptions): Promise<R> {
    assertSubject(subject);
    this.check(payload, `request ${subject}`);
    if (this.closed) return Promise.reject(new BusClosedError(`request ${subject}`));
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(abort);
        fn();
      };
      const abort = (err: Error) => settle(() => reject(err));
      const fail = (err: Error, what: 'request-timeout' | 'no-responders') => {
        if (settled) return;
        this.report(err, { subject, what });
        abort(err);
      };
      const timer = setTimeout(() => fail(new BusTimeoutError(subject, opts.timeoutMs), 'request-timeout'), opts.timeoutMs);
      this.pending.add(abort);
      const replyTo: ReplyTo = {
        answer: (value) => settle(() => resolve(value as R)),
        fail: (message) => abort(new BusRemoteError(subject, message)),
      };
      if (this.broker.route({ payload, subject, replyTo }) === 0) fail(new BusNoRespondersError(subject), 'no-responders');
    });
  }

  async enqueue(queue: string, payload: unknown): Promise<void> {
    assertQueueName(queue);
    this.check(payload, `enqueue ${queue}`);
    if (this.closed) throw new BusClosedError(`enqueue to ${queue}`);
    this.broker.enqueue(queue, payload);
  }

  async consume<T = unknown>(
    queue: string,
    handler: (payload: T, info: DeliveryInfo) => Promise<void>,
    opts: ConsumeOptions = {},
  ): Promise<Consumer> {
    assertQueueName(queue);
    if (this.closed) throw new BusClosedError(`consume ${queue}`);
    const q = this.broker.queue(queue);
    const consumer = new MemoryConsumer(this, q, handler as (payload: unknown, info: DeliveryInfo) => Promise<void>, opts);
    this.consumers.add(consumer);
    q.consumers.push(consumer);
    q.dispatch();
    return consumer;
  }

  /** Called by a consumer that stopped. */
  forget(consumer: MemoryConsumer): void {
    this.consumers.delete(consumer);
  }

  async retain(name: string, opts: RetainOptions): Promise<void> {
    for (const s of opts.subjects) assertPattern(s);
    if (this.closed) throw new BusClosedError(`retain ${name}`);
    const log = this.broker.logs.get(name);
    if (log) log.opts = opts;
    else this.broker.logs.set(name, new MemoryLog(opts, Date.now));
  }

  async append(subject: string, payload: unknown): Promise<void> {
    assertSubject(subject);
    this.check(payload, `append ${subject}`);
    if (this.closed) throw new BusClosedError(`append to ${subject}`);
    if (![...this.broker.logs.values()].some((l) => l.captures(subject))) throw new BusNotRetainedError(subject);
    this.broker.route({ payload, subject });
  }

  async readLog<T = unknown>(name: string, opts: ReadLogOptions): Promise<LogEntry<T>[]> {
    if (this.closed) throw new BusClosedError(`read ${name}`);
    return (this.broker.logs.get(name)?.read(opts) ?? []) as LogEntry<T>[];
  }

  async dropLog(name: string): Promise<void> {
    this.broker.logs.delete(name);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const box of this.boxes) this.broker.remove(box);
    this.boxes.clear();
    await Promise.all([...this.consumers].map((c) => c.stop()));
    for (const abort of [...this.pending]) abort(new BusClosedError('wait for a reply'));
  }
}
