/**
 * Web Push (RFC 8030) with the `web-push` package: it encrypts the payload (RFC 8291, aes128gcm) and signs the
 * VAPID token (RFC 8292); the request itself goes out here, to the address the SSRF guard vetted (no second DNS
 * answer), with a deadline. Headers: TTL, Urgency and Topic (one per channel, so a device that was offline gets
 * the channel's latest notification instead of a pile).
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import webpush from 'web-push';
import { ForbiddenAddressError, vetHost, type AllowList, type Resolver } from '../media/ssrf.ts';
import { acceptableEndpoint } from '../media/push-endpoint.ts';
import type { PushResult, PushSendOptions, PushSender, PushTarget } from './push-sender.ts';
import type { VapidKeys } from '../lib/vapid.ts';

export interface WebPushSenderOptions {
  allow: AllowList;
  timeoutMs: number;
  resolve?: Resolver;
}

/** A VAPID token lives 12 hours (web-push's default); one is reused per push service for up to an hour. */
const VAPID_TOKEN_SECONDS = 12 * 3600;
const VAPID_REUSE_MS = 3600_000;
const VAPID_CACHE_MAX = 1000;

export class WebPushSender implements PushSender {
  /** Authorization header per push service origin: signing a token per push cost 0.6 of its 0.8 ms of CPU. */
  readonly #vapidHeaders = new Map<string, { authorization: string; until: number }>();

  constructor(
    private readonly vapid: VapidKeys,
    private readonly opts: WebPushSenderOptions,
  ) {}

  #authorization(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = Date.now();
    const cached = this.#vapidHeaders.get(audience);
    if (cached && cached.until > now) return cached.authorization;
    const expiration = Math.floor(now / 1000) + VAPID_TOKEN_SECONDS;
    const { Authorization } = webpush.getVapidHeaders(audience, this.vapid.subject, this.vapid.publicKey, this.vapid.privateKey, 'aes128gcm', expiration);
    if (this.#vapidHeaders.size >= VAPID_CACHE_MAX) this.#vapidHeaders.clear();
    this.#vapidHeaders.set(audience, { authorization: Authorization, until: now + VAPID_REUSE_MS });
    return Authorization;
  }

  async send(target: PushTarget, payload: string, options: PushSendOptions): Promise<PushResult> {
    if (!acceptableEndpoint(target.endpoint, this.opts.allow)) return { kind: 'fail', reason: 'endpoint not accepted' };
    let details: webpush.RequestDetails;
    try {
      details = webpush.generateRequestDetails(target, payload, {
        headers: { Authorization: this.#authorization(target.endpoint) }, TTL: options.ttl, urgency: options.urgency, contentEncoding: 'aes128gcm',
        ...(options.topic ? { topic: options.topic } : {}),
      });
    } catch (err) {
      return { kind: 'fail', reason: `cannot encrypt: ${(err as Error).message}` };
    }
    const url = new URL(details.endpoint);
    let vetted;
    try {
      vetted = await vetHost(url.hostname, this.opts.allow, this.opts.resolve);
    } catch (err) {
      if (err instanceof ForbiddenAddressError) return { kind: 'fail', reason: err.message };
      return { kind: 'retry', reason: `resolve: ${(err as Error).message}` };
    }
    try {
      const { status, retryAfter } = await post(url, vetted, details.headers as Record<string, string | number>, details.body, this.opts.timeoutMs);
      if (status >= 200 && status < 300) return { kind: 'ok' };
      if (status === 404 || status === 410) return { kind: 'gone', status };
      if (status === 429 || status >= 500) return { kind: 'retry', reason: `status ${status}`, ...(retryAfter !== undefined ? { afterMs: retryAfter } : {}) };
      return { kind: 'fail', reason: `status ${status}` };
    } catch (err) {
      return { kind: 'retry', reason: (err as Error).message };
    }
  }
}

function post(
  url: URL, vetted: { address: string; family: 4 | 6 }, headers: Record<string, string | number>, body: Buffer | null, timeoutMs: number,
): Promise<{ status: number; retryAfter?: number }> {
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [vetted]);
    else callback(null, vetted.address, vetted.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'POST', lookup, agent: false, headers });
    const timer = setTimeout(() => req.destroy(new Error('push request timed out')), timeoutMs);
    timer.unref();
    req.once('response', (res) => {
      // The body says nothing we act on; drained so the socket closes.
      res.resume();
      res.once('end', () => clearTimeout(timer));
      const header = res.headers['retry-after'];
      const seconds = header === undefined ? NaN : Number(header);
      resolve({ status: res.statusCode ?? 0, ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfter: seconds * 1000 } : {}) });
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body ?? undefined);
  });
}
