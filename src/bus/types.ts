/**
 * The bus: the only way roles meet. Two implementations pass one contract suite (test/contract/bus):
 * in-memory (one process) and NATS (core NATS for publish/subscribe/request, JetStream for durable queues).
 *
 * Contract:
 * - Subjects are dot-separated tokens; subscriptions may use NATS wildcards (`*` one token, `>` the rest).
 * - publish is fire-and-forget, at most once; each plain subscriber receives every message published after
 *   its subscription was established, in publish order per publisher. With a `queue` group, each message goes to
 *   exactly one member of the group.
 * - Payloads are JSON-serialisable values. Receivers must treat them as read-only: the in-memory bus hands the
 *   same object to every subscriber instead of copying it.
 * - request sends to one responder (queue-group semantics) and resolves with its reply; rejects with
 *   BusTimeoutError when no reply arrives within timeoutMs, or BusNoRespondersError when nobody serves the
 *   subject (callers treat both as "that role is down"), and reports either once through onError
 *   ('request-timeout', 'no-responders').
 * - Durable queues: enqueue persists the job before resolving. consume delivers each job to one consumer;
 *   the job is acked when the handler resolves and redelivered when it throws, when the consumer stops or dies
 *   without acking, or when ackWaitMs passes. After maxDeliveries failed attempts the job moves to the
 *   dead-letter queue `<queue>.dead` (consumable like any queue) and is not delivered again.
 *
 * Details both implementations share (the contract suite checks them):
 * - Subjects and patterns follow src/bus/subjects.ts; an invalid one throws InvalidSubjectError synchronously.
 *   Queue names are dot-separated `[A-Za-z0-9-]` tokens (`push`, `search.index`).
 * - publish never throws because of the connection (NATS buffers while reconnecting; after close the message
 *   is dropped and reported through the implementation's onError). Subscription handlers that throw are
 *   reported through onError and do not affect other subscribers.
 * - A subscriber that falls too far behind (more pending messages than the implementation's limit) loses
 *   messages rather than growing memory; the loss is reported through onError.
 * - Delivery is at least once: a handler that outlives ackWaitMs may run again elsewhere, and its late ack is
 *   ignored. A redelivery after a throw waits a short backoff (100 ms doubling, at most 10 s by default).
 *   Consumer.stop() (and close()) takes no new jobs, lets running handlers finish for a grace period (2 s by
 *   default), then releases the jobs still running for redelivery at once (their late ack is ignored). A handler
 *   that never settles keeps its concurrency slot.
 * - enqueue rejects with BusQueueFullError when the queue holds its maximum number of jobs (100 000 by default)
 *   instead of growing without bound. Dead-lettered payloads are the original payloads, unchanged.
 * - After close(), request/enqueue/consume reject with BusClosedError; publish drops (see above).
 * - Everything reported through onError carries one of BUS_FAILURE_KINDS as `what` (src/bus/failures.ts logs
 *   and counts them).
 */

export interface Subscription {
  unsubscribe(): void;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  queue?: string;
}

export interface RequestOptions {
  timeoutMs: number;
}

export type MessageHandler<T = unknown> = (payload: T, subject: string) => void;
export type RequestHandler<Q = unknown, R = unknown> = (payload: Q, subject: string) => R | Promise<R>;

export interface DeliveryInfo {
  /** 1 on first delivery. */
  deliveries: number;
  queue: string;
}

export interface ConsumeOptions {
  /** Attempts before the job goes to `<queue>.dead`. Default 5. */
  maxDeliveries?: number;
  /** How long a delivered job may stay unacked before it is redelivered. Default 30000. */
  ackWaitMs?: number;
  /** Jobs handled at once by this consumer. Default 1. */
  concurrency?: number;
}

export interface Consumer {
  /** Stops taking jobs; unacked jobs become available to other consumers. */
  stop(): Promise<void>;
}

/**
 * A retained log: what is published on its subjects is kept (in publish order) for maxAgeMs, at most maxBytes
 * in all and maxMsgsPerSubject per subject, oldest dropped first. On NATS a JetStream stream (memory storage)
 * that captures plain publishes, so publishers do not change; in memory a list in the broker.
 */
export interface RetainOptions {
  /** Subjects or patterns captured. */
  subjects: string[];
  maxAgeMs: number;
  maxBytes: number;
  maxMsgsPerSubject?: number;
}

export interface LogEntry<T = unknown> {
  subject: string;
  payload: T;
  /** When the log stored it (ms since the epoch, the server's clock on NATS). */
  at: number;
}

export interface ReadLogOptions {
  /** Concrete subjects or patterns to read (at least one). */
  subjects: string[];
  /** Only entries stored at or after this time (ms since the epoch). */
  sinceMs?: number;
}

export interface Bus {
  readonly kind: 'memory' | 'nats';
  /**
   * Whether publishes reach the server now. NATS: false from a disconnect until the reconnect (the client would
   * buffer a publish and send it after reconnecting, before subscribers elsewhere are back, so it would be lost);
   * writers with a durable fallback (the outbox) leave their records for a sweep instead. Memory: while open.
   */
  readonly connected: boolean;
  /**
   * Counts disconnects (NATS; always 0 in memory). A publish made at epoch E reached the server if a flush()
   * resolves while the epoch is still E; otherwise the client may have buffered it across the reconnect and sent
   * it before subscribers elsewhere were back.
   */
  readonly epoch: number;
  /**
   * Calls `listener` each time the bus is connected again after a disconnect (NATS: once the retained logs exist
   * again), with when the connection was lost and when it came back (local clock). Never called in memory.
   * Returns the unsubscribe.
   */
  onReconnect(listener: (gap: { downAt: number; upAt: number }) => void): () => void;
  publish(subject: string, payload: unknown): void;
  subscribe<T = unknown>(subject: string, handler: MessageHandler<T>, opts?: SubscribeOptions): Subscription;
  /** Serves request/reply on a subject (always as a queue group named after the subject unless given). */
  serve<Q = unknown, R = unknown>(subject: string, handler: RequestHandler<Q, R>, opts?: SubscribeOptions): Subscription;
  request<R = unknown>(subject: string, payload: unknown, opts: RequestOptions): Promise<R>;
  enqueue(queue: string, payload: unknown): Promise<void>;
  consume<T = unknown>(queue: string, handler: (payload: T, info: DeliveryInfo) => Promise<void>, opts?: ConsumeOptions): Promise<Consumer>;
  /**
   * Starts retaining `subjects` in log `name` (idempotent; an existing log is updated to `opts`). On NATS, when
   * another stream already captures those subjects (JetStream forbids overlaps), `name` reads from that one.
   */
  retain(name: string, opts: RetainOptions): Promise<void>;
  /** publish that resolves once a retained log has stored the message; rejects when none captures the subject. */
  append(subject: string, payload: unknown): Promise<void>;
  /** What log `name` holds on the subjects, oldest first (a snapshot: later appends are not waited for). */
  readLog<T = unknown>(name: string, opts: ReadLogOptions): Promise<LogEntry<T>[]>;
  /** Deletes a log and what it holds (tests, cleanup). */
  dropLog(name: string): Promise<void>;
  /** Resolves once every publish so far has reached the server (NATS) — a no-op in memory. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class BusTimeoutError extends Error {
  constructor(subject: string, timeoutMs: number) {
    super(`no reply on ${subject} within ${timeoutMs} ms`);
    this.name = 'BusTimeoutError';
  }
}

export class BusNoRespondersError extends Error {
  constructor(subject: string) {
    super(`no responders on ${subject}`);
    this.name = 'BusNoRespondersError';
  }
}

/** A responder threw: the error message crosses the bus, the stack does not. */
export class BusRemoteError extends Error {
  constructor(subject: string, message: string) {
    super(`${subject}: ${message}`);
    this.name = 'BusRemoteError';
  }
}

/** A durable queue is at its job limit: enqueue later, or raise the limit. */
export class BusQueueFullError extends Error {
  constructor(queue: string, limit: number) {
    super(`queue ${queue} is full (${limit} jobs)`);
    this.name = 'BusQueueFullError';
  }
}

/** append found no retained log capturing its subject. */
export class BusNotRetainedError extends Error {
  constructor(subject: string) {
    super(`no retained log captures ${subject}`);
    this.name = 'BusNotRetainedError';
  }
}

export class BusClosedError extends Error {
  constructor(what: string) {
    super(`bus closed: cannot ${what}`);
    this.name = 'BusClosedError';
  }
}

/**
 * Every kind of failure a bus reports through onError: the `what` of each report, and the `kind` label of the
 * `bus_failures_total` counter. Names are stable (dashboards and alerts use them); add, never rename.
 *
 * - disconnect: the NATS connection was lost; the client keeps reconnecting and buffers publishes meanwhile.
 * - reconnect: the NATS connection is back after a disconnect (informational, but counted).
 * - connection: another asynchronous error from the NATS server (e.g. a permissions violation), or the
 *   connection closed for good without close() being called.
 * - slow-consumer: a subscriber fell more than maxPendingMessages behind and a message was dropped (memory bus;
 *   the NATS client cannot see this, see nats.ts).
 * - subscriber: a subscribe handler threw or rejected.
 * - subscription: the server refused or ended a subscription (NATS, e.g. permissions).
 * - responder: a serve handler threw or rejected (the requester gets BusRemoteError).
 * - reply: a reply could not be sent (NATS).
 * - request-timeout: a request got no reply within timeoutMs (the caller also gets BusTimeoutError).
 * - no-responders: a request found nobody serving its subject (the caller also gets BusNoRespondersError).
 * - publish: a publish was dropped (bus closed, or the client refused it).
 * - dead-letter: a job moved to `<queue>.dead` after its last failed delivery.
 * - dead-letter-lost: a job's last delivery failed and it could not be moved to `<queue>.dead`.
 * - pull: a JetStream pull failed; the consumer recreates its stream and consumer and pulls again.
 * - recreate-consumer: recreating a queue's stream or consumer failed; retried with backoff.
 * - ack: acking or naking a job failed; the server redelivers it after ack wait.
 */
export const BUS_FAILURE_KINDS = [
  'disconnect',
  'reconnect',
  'connection',
  'slow-consumer',
  'subscriber',
  'subscription',
  'responder',
  'reply',
  'request-timeout',
  'no-responders',
  'publish',
  'dead-letter',
  'dead-letter-lost',
  'pull',
  'recreate-consumer',
  'ack',
] as const;

export type BusFailureKind = (typeof BUS_FAILURE_KINDS)[number];

export function isBusFailureKind(value: unknown): value is BusFailureKind {
  return typeof value === 'string' && (BUS_FAILURE_KINDS as readonly string[]).includes(value);
}

export interface BusFailureContext {
  subject?: string;
  queue?: string;
  what: BusFailureKind;
}

/**
 * How a bus reports what it cannot throw to a caller (a subscriber that threw, a dropped message, a job moved
 * to the dead-letter queue, a lost connection, a request nobody answered). Library code emits; the composition
 * root logs and counts (BusFailures in failures.ts). Called synchronously; a handler that throws is ignored.
 */
export type BusErrorHandler = (err: Error, context: BusFailureContext) => void;
