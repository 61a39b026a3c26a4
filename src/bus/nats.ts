/**
 * The NATS bus: core NATS for publish/subscribe/request, JetStream for durable queues.
 *
 * Queue `q` lives in stream `<prefix>_<q with dots as underscores>` on subject `<prefix>.q.<q>` (WorkQueue
 * retention, file storage, at most maxQueueJobs messages, new messages refused when full). All consumers of a
 * queue share one durable pull consumer, so the server hands each job to one of them; the pulling side is in
 * nats-consumer.ts, the wire format in nats-codec.ts.
 */
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  DiscardPolicy,
  ErrorCode,
  Events,
  JSONCodec,
  nanos,
  RetentionPolicy,
  StorageType,
  type Consumer as JsConsumer,
  type JetStreamClient,
  type JetStreamManager,
  type Msg,
  type NatsConnection,
  type NatsError,
} from 'nats';
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
import { assertPattern, assertQueueName, assertSubject } from './subjects.ts';
import { asError, BUS_DEFAULTS, errorMessage, type RetryBackoff } from './defaults.ts';
import { decode, encode, isWireError, type WireError } from './nats-codec.ts';
import { NatsConsumer, type ConsumerHost, type JobHandler } from './nats-consumer.ts';

export interface NatsBusOptions {
  /** Comma-separated server URLs. */
  servers: string;
  /** Connection name shown by the server (e.g. `accord-<nodeId>`). */
  name?: string;
  /**
   * Prefix of every stream name and every subject (`<prefix>.<subject>`); letters, digits and `-` (others become
   * `-`). Default `ACCORD`. Nodes of one cluster share it; another prefix is another deployment on the same NATS.
   */
  streamPrefix?: string;
  onError?: BusErrorHandler;
  retryBackoff?: RetryBackoff;
  /** Grace for running handlers when a consumer stops. Default BUS_DEFAULTS.stopGraceMs. */
  stopGraceMs?: number;
  /** Jobs one queue's stream may hold before enqueue rejects. Default BUS_DEFAULTS.maxQueueJobs. */
  maxQueueJobs?: number;
  /** Lifetime of one pull request. Default BUS_DEFAULTS.pullExpiresMs; the server's minimum is 1000. */
  pullExpiresMs?: number;
}

const CONSUMER_NAME = 'workers';
const jc = JSONCodec();

// JetStream API error codes (nats-server errors.json).
const JS_STREAM_NAME_IN_USE = 10058;
const JS_STREAM_STORE_FAILED = 10077; // what a full stream with DiscardNew answers ("maximum messages exceeded")
const JS_NO_MESSAGE_FOUND = 10037;
const JS_STREAM_SUBJECT_OVERLAP = 10065;
/** Per-subject reads of one readLog run this many ordered consumers at once. */
const LOG_READ_CONCURRENCY = 8;
/** How long append waits for JetStream's ack (the default 5 s is too long for a caller holding a socket back). */
const APPEND_TIMEOUT_MS = 2_000;

function apiCode(err: unknown): number | undefined {
  return (err as NatsError | undefined)?.api_error?.err_code;
}

export class NatsBus implements Bus, ConsumerHost {
  readonly kind = 'nats' as const;
  private readonly js: JetStreamClient;
  private readonly prefix: string;
  private readonly onError?: BusErrorHandler;
  readonly retryBackoff: RetryBackoff;
  readonly stopGraceMs: number;
  private readonly maxQueueJobs: number;
  readonly pullExpiresMs: number;
  private readonly streams = new Map<string, Promise<void>>();
  /** Retained log name → the stream that holds it (its own, or another that already captured the subjects). */
  private readonly logStreams = new Map<string, string>();
  private readonly advisories = new Set<string>();
  private readonly consumers = new Set<NatsConsumer>();
  private closed = false;
  #connected = true;
  #disconnects = 0;
  #downAt = 0;
  readonly #reconnectListeners = new Set<(gap: { downAt: number; upAt: number }) => void>();
  /** Logs this bus asked to retain: a NATS restart loses memory-stored streams, and they are made again at once. */
  readonly #retained = new Map<string, RetainOptions>();

  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      servers: opts.servers.split(',').map((s) => s.trim()).filter(Boolean),
      name: opts.name,
      // A bus that gives up reconnecting turns a NATS restart into a dead process; keep trying forever.
      maxReconnectAttempts: -1,
      waitOnFirstConnect: false,
    });
    const jsm = await nc.jetstreamManager();
    return new NatsBus(nc, jsm, opts);
  }

  private constructor(
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    opts: NatsBusOptions,
  ) {
    this.js = nc.jetstream();
    this.prefix = (opts.streamPrefix ?? 'ACCORD').replace(/[^A-Za-z0-9-]/g, '-');
    this.onError = opts.onError;
    this.retryBackoff = opts.retryBackoff ?? {};
    this.stopGraceMs = opts.stopGraceMs ?? BUS_DEFAULTS.stopGraceMs;
    this.maxQueueJobs = opts.maxQueueJobs ?? BUS_DEFAULTS.maxQueueJobs;
    this.pullExpiresMs = Math.max(1000, opts.pullExpiresMs ?? BUS_DEFAULTS.pullExpiresMs);
    void this.watchStatus();
    void this.nc.closed().then((err) => {
      // close() ends the connection on purpose; anything else (the server refusing us for good) is a failure.
      if (!this.closed) this.report(err ?? new Error('NATS connection closed'), { what: 'connection' });
    });
  }

  report(err: Error, context: BusFailureContext): void {
    if (!this.onError) return;
    try {
      this.onError(err, context);
    } catch {
      // An error reporter that throws must not take the bus down with it.
    }
  }

  /**
   * Connection events. Slow consumers: nats.js 2.x (the installed `nats` package) has no slow-consumer status
   * or subscription option (the `slow` option arrived with the v3 @nats-io packages), and a callback
   * subscription has no client-side queue to overflow. The server cuts a client that reads too slowly; that
   * shows here as a 'disconnect' followed by a 'reconnect', so 'slow-consumer' is only reported by the memory bus.
   */
  private async watchStatus(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === Events.Disconnect) {
          if (this.#connected) this.#downAt = Date.now();
          this.#connected = false;
          this.#disconnects++;
        }
        else if (s.type === Events.Reconnect) void this.#restoreLogs();
        if (s.type === Events.Disconnect) this.report(new Error(`disconnected from NATS ${String(s.data)}; reconnecting`), { what: 'disconnect' });
        else if (s.type === Events.Reconnect) this.report(new Error(`reconnected to NATS ${String(s.data)}`), { what: 'reconnect' });
        else if (s.type === Events.Error) this.report(asError(s.data), { what: 'connection' });
      }
    } catch (err) {
      if (!this.closed) this.report(asError(err), { what: 'connection' });
    }
  }

  /**
   * Every subject this bus uses lives under `<prefix>.` (queues under `<prefix>.q.`): deployments (and test runs)
   * sharing one NATS server never hear each other. Callers see the subjects without it.
   */
  private wire(subject: string): string {
    return `${this.prefix}.${subject}`;
  }

  private unwire(subject: string): string {
    return subject.startsWith(`${this.prefix}.`) ? subject.slice(this.prefix.length + 1) : subject;
  }

  get epoch(): number {
    return this.#disconnects;
  }

  get connected(): boolean {
    return this.#connected && !this.closed;
  }

  publish(subject: string, payload: unknown): void {
    assertSubject(subject);
    const data = encode(payload);
    if (this.closed) {
      this.report(new BusClosedError(`publish to ${subject}`), { subject, what: 'publish' });
      return;
    }
    try {
      this.nc.publish(this.wire(subject), data);
    } catch (err) {
      this.report(asError(err), { subject, what: 'publish' });
    }
  }

  subscribe<T = unknown>(subject: string, handler: MessageHandler<T>, opts: SubscribeOptions = {}): Subscription {
    assertPattern(subject);
    if (this.closed) throw new BusClosedError(`subscribe to ${subject}`);
    const sub = this.nc.subscribe(this.wire(subject), {
      queue: opts.queue,
      callback: (err, msg) => {
        if (err) return this.report(err, { subject, what: 'subscription' });
        const got = this.unwire(msg.subject);
        try {
          const result = handler(decode(msg.data) as T, got) as unknown;
          if (result instanceof Promise) result.catch((e: unknown) => this.report(asError(e), { subject: got, what: 'subscriber' }));
        } catch (e) {
          this.report(asError(e), { subject: got, what: 'subscriber' });
        }
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  serve<Q = unknown, R = unknown>(subject: string, handler: RequestHandler<Q, R>, opts: SubscribeOptions = {}): Subscription {
    assertPattern(subject);
    if (this.closed) throw new BusClosedError(`serve ${subject}`);
    const sub = this.nc.subscribe(this.wire(subject), {
      queue: opts.queue ?? subject,
      callback: (err, msg) => {
        if (err) return this.report(err, { subject, what: 'subscription' });
        const got = this.unwire(msg.subject);
        Promise.resolve()
          .then(() => handler(decode(msg.data) as Q, got))
          .then((reply) => this.respond(msg, encode(reply)))
          .catch((e: unknown) => {
            this.report(asError(e), { subject: got, what: 'responder' });
            this.respond(msg, jc.encode({ __busError: errorMessage(e) } satisfies WireError));
          });
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  private respond(msg: Msg, data: Uint8Array): void {
    if (!msg.reply) return;
    try {
      msg.respond(data);
    } catch (err) {
      this.report(asError(err), { subject: msg.subject, what: 'reply' });
    }
  }

  async request<R = unknown>(subject: string, payload: unknown, opts: RequestOptions): Promise<R> {
    assertSubject(subject);
    const data = encode(payload);
    if (this.closed) throw new BusClosedError(`request ${subject}`);
    let reply: Msg;
    try {
      reply = await this.nc.request(this.wire(subject), data, { timeout: opts.timeoutMs });
    } catch (err) {
      const code = (err as NatsError).code;
      if (code === ErrorCode.NoResponders) {
        const failure = new BusNoRespondersError(subject);
        this.report(failure, { subject, what: 'no-responders' });
        throw failure;
      }
      if (code === ErrorCode.Timeout) {
        const failure = new BusTimeoutError(subject, opts.timeoutMs);
        this.report(failure, { subject, what: 'request-timeout' });
        throw failure;
      }
      throw err;
    }
    const value = decode(reply.data);
    if (isWireError(value)) throw new BusRemoteError(subject, value.__busError);
    return value as R;
  }

  // --- durable queues -------------------------------------------------------------------------------------

  streamName(queue: string): string {
    return `${this.prefix}_${queue.replace(/\./g, '_')}`;
  }

  queueSubject(queue: string): string {
    return `${this.prefix}.q.${queue}`;
  }

  /** Creates the queue's stream unless it exists; cached per process. */
  private ensureStream(queue: string): Promise<void> {
    let ready = this.streams.get(queue);
    if (!ready) {
      ready = this.jsm.streams
        .add({
          name: this.streamName(queue),
          subjects: [this.queueSubject(queue)],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          discard: DiscardPolicy.New,
          max_msgs: this.maxQueueJobs,
          num_replicas: 1,
        })
        .then(
          () => undefined,
          (err: unknown) => {
            // Another process created it first (possibly with other limits): use theirs.
            if (apiCode(err) === JS_STREAM_NAME_IN_USE) return;
            this.streams.delete(queue);
            throw err;
          },
        );
      this.streams.set(queue, ready);
    }
    return ready;
  }

  async enqueue(queue: string, payload: unknown): Promise<void> {
    assertQueueName(queue);
    const data = encode(payload);
    if (this.closed) throw new BusClosedError(`enqueue to ${queue}`);
    await this.ensureStream(queue);
    try {
      await this.publishJob(queue, data);
    } catch (err) {
      // The stream vanished under us (JetStream storage wiped, or deleted by an operator): recreate it once.
      if ((err as NatsError).code !== ErrorCode.NoResponders) throw err;
      this.streams.delete(queue);
      await this.ensureStream(queue);
      await this.publishJob(queue, data);
    }
  }

  private async publishJob(queue: string, data: Uint8Array): Promise<void> {
    try {
      await this.js.publish(this.queueSubject(queue), data);
    } catch (err) {
      if (apiCode(err) === JS_STREAM_STORE_FAILED || /maximum messages/i.test(errorMessage(err))) {
        throw new BusQueueFullError(queue, this.maxQueueJobs);
      }
      throw err;
    }
  }

  async consume<T = unknown>(
    queue: string,
    handler: (payload: T, info: DeliveryInfo) => Promise<void>,
    opts: ConsumeOptions = {},
  ): Promise<Consumer> {
    assertQueueName(queue);
    if (this.closed) throw new BusClosedError(`consume ${queue}`);
    const maxDeliveries = Math.max(1, opts.maxDeliveries ?? BUS_DEFAULTS.maxDeliveries);
    const ackWaitMs = Math.max(1, opts.ackWaitMs ?? BUS_DEFAULTS.ackWaitMs);
    const concurrency = Math.max(1, opts.concurrency ?? BUS_DEFAULTS.concurrency);
    const attach = async () => {
      await this.ensureStream(queue);
      return this.ensureConsumer(queue, maxDeliveries, ackWaitMs);
    };
    const jsConsumer = await attach();
    this.watchMaxDeliveries(queue);
    const recover = () => {
      this.streams.delete(queue);
      return attach();
    };
    const consumer = new NatsConsumer(this, queue, jsConsumer, recover, handler as JobHandler, { maxDeliveries, concurrency, ackWaitMs });
    this.consumers.add(consumer);
    consumer.start();
    return consumer;
  }

  /** The queue's shared durable consumer; the last process to start sets ack wait and max deliveries. */
  private async ensureConsumer(queue: string, maxDeliveries: number, ackWaitMs: number): Promise<JsConsumer> {
    const stream = this.streamName(queue);
    const config = {
      durable_name: CONSUMER_NAME,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      max_deliver: maxDeliveries,
    };
    try {
      await this.jsm.consumers.add(stream, config);
    } catch (err) {
      // Exists with other settings (servers >= 2.10 refuse a create that differs): update what may change.
      await this.jsm.consumers.update(stream, CONSUMER_NAME, { ack_wait: config.ack_wait, max_deliver: maxDeliveries }).catch(() => {
        throw err;
      });
    }
    return this.js.consumers.get(stream, CONSUMER_NAME);
  }

  /**
   * A job whose last delivery timed out (the handler never settled) is not redelivered, and the server only
   * says so in an advisory. One process per queue (queue group) moves it to `<queue>.dead`.
   */
  private watchMaxDeliveries(queue: string): void {
    if (this.advisories.has(queue)) return;
    this.advisories.add(queue);
    const stream = this.streamName(queue);
    this.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${CONSUMER_NAME}`, {
      queue: `${stream}-dead-letter`,
      callback: (err, msg) => {
        if (err) return this.report(err, { queue, what: 'subscription' });
        void this.moveExpired(queue, msg).catch((e: unknown) => this.report(asError(e), { queue, what: 'dead-letter-lost' }));
      },
    });
  }

  private async moveExpired(queue: string, msg: Msg): Promise<void> {
    const advisory = jc.decode(msg.data) as { stream_seq?: number; deliveries?: number };
    const seq = advisory.stream_seq;
    if (typeof seq !== 'number') return;
    const stream = this.streamName(queue);
    let data: Uint8Array;
    try {
      data = (await this.jsm.streams.getMessage(stream, { seq })).data;
    } catch (err) {
      if (apiCode(err) === JS_NO_MESSAGE_FOUND) return; // a late ack got there first
      throw err;
    }
    await this.deadLetter(queue, data, advisory.deliveries ?? 0, new Error('not acked within ack wait'));
    await this.jsm.streams.deleteMessage(stream, seq, false).catch((err: unknown) => {
      if (apiCode(err) !== JS_NO_MESSAGE_FOUND) throw err;
    });
  }

  /** Copies a job to `<queue>.dead`; reports (never throws) so the caller can always settle the original. */
  async deadLetter(queue: string, data: Uint8Array, deliveries: number, cause: unknown): Promise<void> {
    const dead = `${queue}.dead`;
    try {
      await this.ensureStream(dead);
      await this.publishJob(dead, data);
      this.report(new Error(`job moved to ${dead} after ${deliveries} deliveries: ${errorMessage(cause)}`), { queue, what: 'dead-letter' });
    } catch (err) {
      this.report(new Error(`job dropped: ${dead} refused it (${errorMessage(err)}); last error: ${errorMessage(cause)}`), {
        queue,
        what: 'dead-letter-lost',
      });
    }
  }

  /** Called by a consumer that stopped. */
  forget(consumer: NatsConsumer): void {
    this.consumers.delete(consumer);
  }

  /** Jobs in a queue's stream (ready, waiting or in flight): for tests and metrics. */
  async depth(queue: string): Promise<number> {
    try {
      return (await this.jsm.streams.info(this.streamName(queue))).state.messages;
    } catch {
      return 0;
    }
  }

  /** Deletes every stream under this bus's prefix. For tests and `accord reset`; consumers must be stopped. */
  async destroyQueues(): Promise<string[]> {
    const doomed: string[] = [];
    for await (const name of this.jsm.streams.names()) {
      if (name.startsWith(`${this.prefix}_`)) doomed.push(name);
    }
    for (const name of doomed) await this.jsm.streams.delete(name);
    this.streams.clear();
    return doomed;
  }

  // --- retained logs --------------------------------------------------------------------------------------

  logStreamName(name: string): string {
    return `${this.prefix}_LOG_${name.replace(/[^A-Za-z0-9-]/g, '-')}`;
  }

  async retain(name: string, opts: RetainOptions): Promise<void> {
    for (const s of opts.subjects) assertPattern(s);
    if (this.closed) throw new BusClosedError(`retain ${name}`);
    const stream = this.logStreamName(name);
    const config = {
      name: stream,
      subjects: opts.subjects.map((sub) => this.wire(sub)),
      retention: RetentionPolicy.Limits,
      storage: StorageType.Memory,
      discard: DiscardPolicy.Old,
      max_age: nanos(opts.maxAgeMs),
      max_bytes: opts.maxBytes,
      max_msgs_per_subject: opts.maxMsgsPerSubject ?? -1,
      num_replicas: 1,
    };
    try {
      await this.jsm.streams.add(config);
    } catch (err) {
      const code = apiCode(err);
      if (code === JS_STREAM_NAME_IN_USE) await this.jsm.streams.update(stream, config);
      else if (code === JS_STREAM_SUBJECT_OVERLAP) {
        // Another bus with the same prefix made the stream under another name (should not happen): read from it.
        this.logStreams.set(name, await this.jsm.streams.find(this.wire(opts.subjects[0]!)));
        return;
      } else throw err;
    }
    this.logStreams.set(name, stream);
    this.#retained.set(name, opts);
  }

  /**
   * After a reconnect: the retained logs again (idempotent; a restarted server has lost memory streams), then
   * `connected`, so that what writers held back during the outage is published into logs that capture it.
   */
  async #restoreLogs(): Promise<void> {
    const disconnects = this.#disconnects;
    for (const [name, opts] of this.#retained) {
      try {
        await this.retain(name, opts);
      } catch (err) {
        this.report(asError(err), { what: 'connection', subject: name });
      }
    }
    if (disconnects !== this.#disconnects) return;
    this.#connected = true;
    const gap = { downAt: this.#downAt, upAt: Date.now() };
    for (const listener of this.#reconnectListeners) {
      try {
        listener(gap);
      } catch (err) {
        this.report(asError(err), { what: 'connection' });
      }
    }
  }

  onReconnect(listener: (gap: { downAt: number; upAt: number }) => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  async append(subject: string, payload: unknown): Promise<void> {
    assertSubject(subject);
    const data = encode(payload);
    if (this.closed) throw new BusClosedError(`append to ${subject}`);
    try {
      await this.js.publish(this.wire(subject), data, { timeout: APPEND_TIMEOUT_MS });
    } catch (err) {
      if ((err as NatsError).code === ErrorCode.NoResponders || (err as NatsError).code === '503') throw new BusNotRetainedError(subject);
      throw err;
    }
  }

  async readLog<T = unknown>(name: string, opts: ReadLogOptions): Promise<LogEntry<T>[]> {
    for (const s of opts.subjects) assertPattern(s);
    if (this.closed) throw new BusClosedError(`read ${name}`);
    const stream = this.logStreams.get(name) ?? this.logStreamName(name);
    // nats-server 2.9 takes one filter subject per consumer: one ordered consumer per subject, merged by sequence.
    const found: Array<LogEntry<T> & { seq: number }> = [];
    const todo = [...new Set(opts.subjects)];
    const worker = async () => {
      for (let subject = todo.shift(); subject !== undefined; subject = todo.shift()) found.push(...(await this.readSubject<T>(stream, subject, opts.sinceMs)));
    };
    await Promise.all(Array.from({ length: Math.min(LOG_READ_CONCURRENCY, todo.length) }, worker));
    found.sort((a, b) => a.seq - b.seq);
    return found.map(({ subject, payload, at }) => ({ subject, payload, at }));
  }

  private async readSubject<T>(stream: string, subject: string, sinceMs?: number): Promise<Array<LogEntry<T> & { seq: number }>> {
    let consumer;
    try {
      consumer = await this.js.consumers.get(stream, {
        filterSubjects: this.wire(subject),
        ...(sinceMs ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(sinceMs).toISOString() } : {}),
      });
    } catch (err) {
      if ((err as NatsError).code === '404' || /stream not found/i.test(errorMessage(err))) return [];
      throw err;
    }
    const out: Array<LogEntry<T> & { seq: number }> = [];
    try {
      if ((await consumer.info()).num_pending === 0) return out;
      const messages = await consumer.consume();
      for await (const m of messages) {
        out.push({ seq: m.seq, subject: this.unwire(m.subject), payload: decode(m.data) as T, at: Math.floor(m.info.timestampNanos / 1e6) });
        if (m.info.pending === 0) break;
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
    return out;
  }

  async dropLog(name: string): Promise<void> {
    const own = this.logStreamName(name);
    const stream = this.logStreams.get(name) ?? own;
    this.logStreams.delete(name);
    // A stream this bus only borrowed (another deployment's) is not ours to delete.
    if (stream !== own) return;
    await this.jsm.streams.delete(stream).catch((err: unknown) => {
      if (!/stream not found/i.test(errorMessage(err))) throw err;
    });
  }

  async flush(): Promise<void> {
    if (this.closed) return;
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    try {
      await this.nc.drain();
    } catch (err) {
      if ((err as NatsError).code !== ErrorCode.ConnectionClosed) throw err;
    }
  }
}
