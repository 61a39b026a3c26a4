/**
 * Fetching a posted URL for its embed, behind the SSRF guard (ssrf.ts): only http and https; each hop's host
 * vetted and the socket connected to the vetted address (no second DNS lookup); redirects followed by hand, at
 * most FETCH_LIMITS.maxRedirects, each vetted again; one deadline for the whole fetch; at most maxBytes of body
 * read (the rest is never downloaded); only HTML pages and images are of interest.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { vetHost, type AllowList, type Resolver, type VettedAddress } from './ssrf.ts';

export const FETCH_LIMITS = { timeoutMs: 5_000, maxBytes: 1024 * 1024, maxRedirects: 5 } as const;

export interface FetchOptions {
  allow: AllowList;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  resolve?: Resolver;
}

export type Fetched =
  | { kind: 'html'; url: string; body: string; truncated: boolean }
  | { kind: 'image'; url: string; contentType: string };

export class FetchRefusedError extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'Mozilla/5.0 (compatible; Accordbot/1.0; link previews)';

/** The page or image at `url`, null for anything else (other types, error statuses); throws when refused. */
export async function fetchForEmbed(url: string, opts: FetchOptions): Promise<Fetched | null> {
  const maxRedirects = opts.maxRedirects ?? FETCH_LIMITS.maxRedirects;
  const deadline = Date.now() + (opts.timeoutMs ?? FETCH_LIMITS.timeoutMs);
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new FetchRefusedError(`scheme ${current.protocol} is not fetched`);
    if (current.username || current.password) throw new FetchRefusedError('URLs with credentials are not fetched');
    const vetted = await withDeadline(vetHost(current.hostname, opts.allow, opts.resolve), deadline);
    const res = await request(current, vetted, deadline);
    const location = res.headers.location;
    if (REDIRECTS.has(res.statusCode ?? 0) && location) {
      res.destroy();
      if (hop >= maxRedirects) throw new FetchRefusedError('too many redirects');
      current = new URL(location, current);
      continue;
    }
    const status = res.statusCode ?? 0;
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (status < 200 || status >= 300) {
      res.destroy();
      return null;
    }
    if (contentType.startsWith('image/')) {
      res.destroy();
      return { kind: 'image', url: current.href, contentType };
    }
    if (contentType !== 'text/html' && contentType !== 'application/xhtml+xml') {
      res.destroy();
      return null;
    }
    const { body, truncated } = await readCapped(res, opts.maxBytes ?? FETCH_LIMITS.maxBytes, deadline);
    return { kind: 'html', url: current.href, body: body.toString('utf8'), truncated };
  }
}

function request(url: URL, vetted: VettedAddress, deadline: number): Promise<http.IncomingMessage> {
  // The socket connects to the address the guard vetted, whatever DNS would answer now.
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [vetted]);
    else callback(null, vetted.address, vetted.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      lookup,
      agent: false,
      headers: { 'user-agent': USER_AGENT, accept: 'text/html,application/xhtml+xml,image/*;q=0.8', 'accept-encoding': 'identity' },
    });
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
    req.end();
  });
}

function readCapped(res: http.IncomingMessage, maxBytes: number, deadline: number): Promise<{ body: Buffer; truncated: boolean }> {
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
      // Beyond the cap nothing more is read: the connection is closed and what came is parsed.
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
