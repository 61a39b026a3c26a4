/**
 * GET of a URL someone else chose (a posted link, the picture a page names), behind the SSRF guard (ssrf.ts):
 * only http and https, no credentials in the URL; each hop's host vetted and the socket connected to the vetted
 * address (no second DNS lookup); redirects followed by hand, at most `maxRedirects`, each vetted again; one
 * deadline for the whole fetch, body included. What to make of the answer (and how much of it to read) is the
 * caller's: the embed role reads a capped page, the cdn's image proxy streams a picture into the blob store.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { vetHost, type AllowList, type Resolver, type VettedAddress } from './ssrf.ts';

export interface GuardedFetchOptions {
  allow: AllowList;
  /** For the whole fetch: connecting, every redirect, headers and body. */
  timeoutMs: number;
  maxRedirects: number;
  /** The Accept header. */
  accept: string;
  resolve?: Resolver;
  /** GET unless said (POST: the interactions endpoint, api/interactions/http-delivery.ts). */
  method?: 'GET' | 'POST';
  /** The request body (POST). */
  body?: Buffer;
  /** More request headers; a `user-agent` here replaces Accord's. */
  headers?: Record<string, string>;
}

export interface GuardedResponse {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  /** Media type without parameters, lowercase ('' when absent). */
  contentType: string;
  /** The body; the caller reads or destroys it. It errors once the deadline passes. */
  response: http.IncomingMessage;
  /** When the fetch's time is up (Date.now() scale), for the caller's own reads. */
  deadline: number;
}

/** The URL or an address it leads to may not be fetched (scheme, credentials, redirects, time). */
export class FetchRefusedError extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
export const USER_AGENT = 'Mozilla/5.0 (compatible; Accordbot/1.0; link previews)';

/** The final (non-redirect) response for `url`; throws FetchRefusedError, ForbiddenAddressError or network errors. */
export async function guardedGet(url: string, opts: GuardedFetchOptions): Promise<GuardedResponse> {
  const deadline = Date.now() + opts.timeoutMs;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new FetchRefusedError(`scheme ${current.protocol} is not fetched`);
    if (current.username || current.password) throw new FetchRefusedError('URLs with credentials are not fetched');
    const vetted = await withDeadline(vetHost(current.hostname, opts.allow, opts.resolve), deadline);
    const res = await request(current, vetted, deadline, opts);
    const location = res.headers.location;
    if (REDIRECTS.has(res.statusCode ?? 0) && location) {
      res.destroy();
      if (hop >= opts.maxRedirects) throw new FetchRefusedError('too many redirects');
      current = new URL(location, current);
      continue;
    }
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    return { url: current.href, status: res.statusCode ?? 0, contentType, response: res, deadline };
  }
}

function request(url: URL, vetted: VettedAddress, deadline: number, opts: GuardedFetchOptions): Promise<http.IncomingMessage> {
  // The socket connects to the address the guard vetted, whatever DNS would answer now.
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [vetted]);
    else callback(null, vetted.address, vetted.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: opts.method ?? 'GET',
      lookup,
      agent: false,
      headers: {
        'user-agent': USER_AGENT, accept: opts.accept, 'accept-encoding': 'identity', ...opts.headers,
        ...(opts.body ? { 'content-length': String(opts.body.length) } : {}),
      },
    });
    // Also bounds the body: destroying the request errors a response still being read.
    const timer = setTimeout(() => req.destroy(new FetchRefusedError('fetch timed out')), Math.max(0, deadline - Date.now()));
    timer.unref();
    req.once('response', (res) => {
      res.once('close', () => clearTimeout(timer));
      resolve(res);
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('close', () => clearTimeout(timer));
    req.end(opts.body);
  });
}

/**
 * At most `maxBytes` of the body, until the deadline: beyond either nothing more is read, the connection is
 * closed and `truncated` says so.
 */
export function readCapped(res: http.IncomingMessage, maxBytes: number, deadline: number): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish(true), Math.max(0, deadline - Date.now()));
    timer.unref();
    let done = false;
    const finish = (truncated: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (truncated) res.destroy();
      resolve({ body: Buffer.concat(chunks), truncated });
    };
    res.on('data', (chunk: Buffer) => {
      if (done) return;
      const room = maxBytes - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= maxBytes) finish(true);
    });
    res.once('end', () => finish(false));
    res.once('error', (err) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    res.once('close', () => finish(size >= maxBytes));
  });
}

function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new FetchRefusedError('fetch timed out')), Math.max(0, deadline - Date.now()));
    timer.unref();
    promise.then((v) => (clearTimeout(timer), resolve(v)), (e) => (clearTimeout(timer), reject(e)));
  });
}
