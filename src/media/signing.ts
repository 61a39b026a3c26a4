/**
 * Signed CDN URLs, in Discord's shape: `?ex=<expiry>&is=<issued>&hm=<mac>`, the two times as hexadecimal Unix
 * seconds and the MAC as 64 hex digits of HMAC-SHA256 over the path and both times. An attachment's URL names a
 * channel and two snowflakes, all of which members see and which are partly guessable; the MAC makes the URL the
 * capability, so only someone who was shown the message can fetch its files, and only until the URL expires.
 *
 * Renderers sign at render time, so every read of a message hands out a fresh URL; a URL handed out lives
 * SIGNED_URL_TTL_MS (Discord: 24 hours).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNED_URL_TTL_MS = 24 * 60 * 60 * 1000;

/** The query keys a signed URL carries, in Discord's order. */
export interface UrlSignature {
  ex: string;
  is: string;
  hm: string;
}

function mac(key: Buffer, path: string, ex: string, is: string): string {
  return createHmac('sha256', key).update(`${path}\n${ex}\n${is}`).digest('hex');
}

/**
 * The signature of `path` (the URL's decoded path, e.g. `/attachments/1/2/a.png`), valid from `now` for `ttlMs`.
 * Issued times are rounded down to the hour, so one message renders to the same URL for an hour (caches and
 * clients see one URL, not one per read).
 */
export function signPath(key: Buffer, path: string, now: number, ttlMs = SIGNED_URL_TTL_MS): UrlSignature {
  const issued = Math.floor(now / 3_600_000) * 3600;
  const expires = issued + Math.ceil(ttlMs / 1000);
  const is = issued.toString(16);
  const ex = expires.toString(16);
  return { ex, is, hm: mac(key, path, ex, is) };
}

export function signatureQuery(sig: UrlSignature): string {
  return `ex=${sig.ex}&is=${sig.is}&hm=${sig.hm}`;
}

export type SignatureCheck = 'ok' | 'missing' | 'invalid' | 'expired';

/** Checks the ex / is / hm of a request for `path`; constant-time on the MAC. */
export function checkSignature(key: Buffer, path: string, query: Record<string, unknown>, now: number): SignatureCheck {
  const { ex, is, hm } = query;
  if (ex === undefined && is === undefined && hm === undefined) return 'missing';
  if (typeof ex !== 'string' || typeof is !== 'string' || typeof hm !== 'string') return 'invalid';
  if (!/^[0-9a-f]{1,12}$/.test(ex) || !/^[0-9a-f]{1,12}$/.test(is) || !/^[0-9a-f]{64}$/.test(hm)) return 'invalid';
  const expected = Buffer.from(mac(key, path, ex, is), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(hm, 'hex'))) return 'invalid';
  if (parseInt(ex, 16) * 1000 <= now) return 'expired';
  return 'ok';
}
