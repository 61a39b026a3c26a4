/**
 * Web Push (RFC 8030): the payload encrypted here (encrypt.ts: RFC 8291, aes128gcm), the VAPID token (RFC 8292)
 * signed with the `web-push` package, and the request sent to the address the SSRF guard vetted (no second DNS
 * answer), with a deadline. Headers: TTL, Urgency and Topic (one per channel, so a device that was offline gets
 * the channel's latest notification instead of a pile).
 *
 * Connections are kept alive, per push service origin and vetted address (a pool of at most MAX_SOCKETS each,
 * at most MAX_POOLS pools): a TLS handshake or even a TCP connect per push cost more CPU than the push itself.
 * A pool is keyed by the address it connects to, so a socket is only ever reused for the address it was opened
 * to, and every push is still vetted (the guard's answer for a host is kept VET_CACHE_MS, as a short DNS TTL).
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { ForbiddenAddressError, vetHost, type AllowList, type Resolver, type VettedAddress } from '../media/ssrf.ts';
import { acceptableEndpoint } from '../media/push-endpoint.ts';
import { deviceKeys, encryptPayload } from './encrypt.ts';
import type { PushResult, PushSendOptions, PushSender, PushTarget } from './push-sender.ts';
import type { VapidKeys } from '../lib/vapid.ts';

export interface WebPushSenderOptions {
  allow: AllowList;
  /** One try's deadline, all of it: resolving the host, the request, and its one retry on a new connection. */
  timeoutMs: number;
  resolve?: Resolver;
}

/** A VAPID token lives 12 hours (web-push's default); one is reused per push service for up to an hour. */
const VAPID_TOKEN_SECONDS = 12 * 3600;
const VAPID_REUSE_MS = 3600_000;
const VAPID_CACHE_MAX = 1000;
/** Connections to one push service (origin and address); more pushes wait for one in the pool. */
const MAX_SOCKETS = 16;
/** Pools kept; past that the oldest is closed (there are few push services: FCM, Mozilla, Apple, WNS). */
const MAX_POOLS = 64;
/** An idle kept-alive connection is closed after this long. */
const IDLE_SOCKET_MS = 30_000;
/** How long the guard's answer for a host name is used (names only; literal addresses need no lookup). */
const VET_CACHE_MS = 30_000;
const VET_CACHE_MAX = 1000;

type PostResult = { status: number; retryAfter?: number };

let webPushLoaded: Promise<typeof import('web-push')> | undefined;
/** web-push (~10 MB of RSS with its dependencies), loaded by the first push rather than by every start. */
const loadWebPush = () => (webPushLoaded ??= import('web-push').then((m) => m.default));

export class WebPushSender implements PushSender {
  /** Authorization header per push service origin: signing a token per push cost 0.6 of its 0.8 ms of CPU. */
  readonly #vapidHeaders = new Map<string, { authorization: string; until: number }>();
  readonly #pools = new Map<string, http.Agent>();
  readonly #vetted = new Map<string, { address: VettedAddress; until: number }>();

  constructor(
    private readonly vapid: VapidKeys,
    private readonly opts: WebPushSenderOptions,
  ) {}

  async #authorization(audience: string): Promise<string> {
    const now = Date.now();
    const cached = this.#vapidHeaders.get(audience);
    if (cached && cached.until > now) return cached.authorization;
    const expiration = Math.floor(now / 1000) + VAPID_TOKEN_SECONDS;
    const { Authorization } = (await loadWebPush()).getVapidHeaders(audience, this.vapid.subject, this.vapid.publicKey, this.vapid.privateKey, 'aes128gcm', expiration);
    if (this.#vapidHeaders.size >= VAPID_CACHE_MAX) this.#vapidHeaders.clear();
    this.#vapidHeaders.set(audience, { authorization: Authorization, until: now + VAPID_REUSE_MS });
    return Authorization;
  }

  /** The guard's verdict on a host (ForbiddenAddressError when refused); only allowed answers are kept. */
  async #vet(hostname: string): Promise<VettedAddress> {
    const now = Date.now();
    const cached = this.#vetted.get(hostname);
    if (cached && cached.until > now) return cached.address;
    const address = await vetHost(hostname, this.opts.allow, this.opts.resolve);
    if (this.#vetted.size >= VET_CACHE_MAX) this.#vetted.clear();
    this.#vetted.set(hostname, { address, until: now + VET_CACHE_MS });
    return address;
  }

  /** The keep-alive pool for an origin at a vetted address. */
  #pool(url: URL, vetted: VettedAddress): http.Agent {
    const key = `${url.origin} ${vetted.address}`;
    let agent = this.#pools.get(key);
    if (agent) return agent;
    if (this.#pools.size >= MAX_POOLS) {
      const [oldest, old] = this.#pools.entries().next().value as [string, http.Agent];
      this.#pools.delete(oldest);
      old.destroy();
    }
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
    agent = url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    this.#pools.set(key, agent);
    return agent;
  }

  async send(target: PushTarget, payload: string, options: PushSendOptions): Promise<PushResult> {
    // The push role leases a delivery for a few of these (index.ts): a try that outlived its lease could be sent
    // again by another node while still in flight.
    const deadline = Date.now() + this.opts.timeoutMs;
    if (!acceptableEndpoint(target.endpoint, this.opts.allow)) return { kind: 'fail', reason: 'endpoint not accepted' };
    const url = new URL(target.endpoint);
    let body: Buffer;
    try {
      body = encryptPayload(deviceKeys(target.keys), payload);
    } catch (err) {
      return { kind: 'fail', reason: `cannot encrypt: ${(err as Error).message}` };
    }
    const headers: Record<string, string | number> = {
      Authorization: await this.#authorization(url.origin), TTL: options.ttl, Urgency: options.urgency,
      'Content-Encoding': 'aes128gcm', 'Content-Type': 'application/octet-stream', 'Content-Length': body.length,
      ...(options.topic ? { Topic: options.topic } : {}),
    };
    let vetted: VettedAddress;
    try {
      vetted = await beforeDeadline(this.#vet(url.hostname), deadline, 'resolve timed out');
    } catch (err) {
      if (err instanceof ForbiddenAddressError) return { kind: 'fail', reason: err.message };
      return { kind: 'retry', reason: `resolve: ${(err as Error).message}` };
    }
    try {
      const { status, retryAfter } = await this.#post(url, vetted, headers, body, deadline);
      if (status >= 200 && status < 300) return { kind: 'ok' };
      if (status === 404 || status === 410) return { kind: 'gone', status };
      if (status === 429 || status >= 500) return { kind: 'retry', reason: `status ${status}`, ...(retryAfter !== undefined ? { afterMs: retryAfter } : {}) };
      return { kind: 'fail', reason: `status ${status}` };
    } catch (err) {
      return { kind: 'retry', reason: (err as Error).message };
    }
  }

  async #post(url: URL, vetted: VettedAddress, headers: Record<string, string | number>, body: Buffer, deadline: number): Promise<PostResult> {
    try {
      return await post(url, vetted, this.#pool(url, vetted), headers, body, deadline - Date.now());
    } catch (err) {
      // A kept-alive connection the service closed as the request went out: once more, on a new connection,
      // within the same deadline. (A reset can also cut off the answer to a push the service took: the repeat is
      // Web Push's at least once, docs/push.md.)
      if ((err as { reusedSocket?: boolean }).reusedSocket && deadline > Date.now()) return post(url, vetted, this.#pool(url, vetted), headers, body, deadline - Date.now());
      throw err;
    }
  }

  close(): void {
    for (const agent of this.#pools.values()) agent.destroy();
    this.#pools.clear();
  }
}

/** `promise`, or a rejection once `deadline` (ms since the epoch) passed; the late answer is left to finish. */
function beforeDeadline<T>(promise: Promise<T>, deadline: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), Math.max(0, deadline - Date.now()));
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function post(url: URL, vetted: VettedAddress, agent: http.Agent, headers: Record<string, string | number>, body: Buffer, timeoutMs: number): Promise<PostResult> {
  // New connections go to the vetted address whatever DNS says now (the pool is that address's alone).
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [vetted]);
    else callback(null, vetted.address, vetted.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'POST', lookup, agent, headers });
    const timer = setTimeout(() => req.destroy(new Error('push request timed out')), Math.max(0, timeoutMs));
    timer.unref();
    req.once('response', (res) => {
      // The body says nothing we act on; drained so the connection goes back to the pool.
      res.resume();
      res.once('end', () => clearTimeout(timer));
      res.once('error', () => clearTimeout(timer));
      const header = res.headers['retry-after'];
      const seconds = header === undefined ? NaN : Number(header);
      resolve({ status: res.statusCode ?? 0, ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfter: seconds * 1000 } : {}) });
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      // Reset on a reused connection before any answer: the request may be sent again.
      const reset = req.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET';
      reject(Object.assign(err, { reusedSocket: reset }));
    });
    req.end(body);
  });
}
