/**
 * URLs of the cdn's image proxy, in the shape of Discord's media proxy
 * (`https://images-ext-1.discordapp.net/external/{signature}/{protocol}/{host}/{path}`): the original URL's
 * query, when it has one, rides as one percent-encoded segment before the protocol (`/%3Fsize%3D1024/https/…`),
 * as Discord puts it. Clients are handed these as `proxy_url`, so they fetch embed images from Accord and never
 * contact third parties themselves.
 *
 * The signature is an HMAC-SHA256 of the original URL under the CDN signing key (base64url, 43 characters, like
 * Discord's): only URLs Accord put into an embed are fetched, so the route is not an open proxy. Unlike an
 * attachment URL it does not expire: an embed is public to whoever sees the message, and its proxy URL is
 * stored with it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const EXTERNAL_PREFIX = '/external/';

function mac(key: Buffer, originUrl: string): Buffer {
  // The label keeps these MACs apart from attachment signatures under the same key (signing.ts signs paths).
  return createHmac('sha256', key).update(`external\n${originUrl}`).digest();
}

/** The origin URL a proxy path names: `{proto}://{host}{path}{query}`, all as they appear in the path. */
function originOf(proto: string, host: string, path: string, query: string): string {
  return `${proto}://${host}${path}${query}`;
}

/** The parts of `url` as a proxy path carries them; null for what is never proxied (other schemes, credentials). */
function partsOf(url: string): { proto: string; host: string; path: string; query: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || !u.host) return null;
  return { proto: u.protocol.slice(0, -1), host: u.host, path: u.pathname, query: u.search };
}

/**
 * The signed proxy URL of `url` under the CDN base `base` (no trailing slash), or null when `url` is not an
 * http(s) URL the proxy would fetch. The fragment is dropped (it never reaches a server).
 */
export function externalProxyUrl(base: string, key: Buffer, url: string): string | null {
  const p = partsOf(url);
  if (!p) return null;
  const signature = mac(key, originOf(p.proto, p.host, p.path, p.query)).toString('base64url');
  const query = p.query ? `${encodeURIComponent(p.query)}/` : '';
  return `${base}${EXTERNAL_PREFIX}${signature}/${query}${p.proto}/${p.host}${p.path}`;
}

/**
 * The origin URL a request path names (`/external/…`, raw, as it came off the wire, query string of the
 * request itself excluded), or null when the path is malformed or its signature is not this key's.
 */
export function verifyExternalPath(key: Buffer, rawPath: string): string | null {
  if (!rawPath.startsWith(EXTERNAL_PREFIX)) return null;
  const segments = rawPath.slice(EXTERNAL_PREFIX.length).split('/');
  const [signature, second] = segments;
  if (!signature || !/^[A-Za-z0-9_-]{43}$/.test(signature) || second === undefined) return null;
  let query = '';
  let rest = segments.slice(1);
  if (/^%3F/i.test(second)) {
    try {
      query = decodeURIComponent(second);
    } catch {
      return null;
    }
    rest = segments.slice(2);
  }
  const [proto, host] = rest;
  if ((proto !== 'http' && proto !== 'https') || !host || rest.length < 3) return null;
  const origin = originOf(proto, host, `/${rest.slice(2).join('/')}`, query);
  const expected = mac(key, origin);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return origin;
}
