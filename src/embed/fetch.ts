/**
 * Fetching a posted URL for its embed, through the media floor's guarded GET (SSRF guard, vetted sockets,
 * redirects by hand, one deadline): only HTML pages and images are of interest; at most maxBytes of a page is read
 * (the rest is never downloaded), and of an image only the header with its size.
 */
import { mediaDimensions } from '../media/dimensions.ts';
import { guardedGet, readCapped } from '../media/guarded-fetch.ts';
import type { AllowList, Resolver } from '../media/ssrf.ts';

export const FETCH_LIMITS = {
  timeoutMs: 5_000,
  maxBytes: 1024 * 1024,
  maxRedirects: 5,
  /** Of an image, only its first bytes are read: enough for the header with its size. */
  imageHeadBytes: 64 * 1024,
  /** An image claiming more pixels than this gets no width and height. */
  maxPixels: 50_000_000,
  /** An oEmbed answer is a small JSON object. */
  oembedMaxBytes: 64 * 1024,
} as const;

export interface FetchOptions {
  allow: AllowList;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  maxPixels?: number;
  resolve?: Resolver;
}

export type Fetched =
  | { kind: 'html'; url: string; body: string; truncated: boolean }
  | { kind: 'image'; url: string; contentType: string; width?: number; height?: number };

/** The page or image at `url`, null for anything else (other types, error statuses); throws when refused. */
export async function fetchForEmbed(url: string, opts: FetchOptions): Promise<Fetched | null> {
  const got = await guardedGet(url, {
    allow: opts.allow,
    resolve: opts.resolve,
    timeoutMs: opts.timeoutMs ?? FETCH_LIMITS.timeoutMs,
    maxRedirects: opts.maxRedirects ?? FETCH_LIMITS.maxRedirects,
    accept: 'text/html,application/xhtml+xml,image/*;q=0.8',
  });
  const { response: res, contentType } = got;
  if (got.status < 200 || got.status >= 300) {
    res.destroy();
    return null;
  }
  if (contentType.startsWith('image/')) {
    // Discord gives an image link's thumbnail its size; the header has it, the pixels are never read.
    const { body: head } = await readCapped(res, FETCH_LIMITS.imageHeadBytes, got.deadline);
    res.destroy();
    const size = await mediaDimensions(head, contentType, opts.maxPixels ?? FETCH_LIMITS.maxPixels);
    return { kind: 'image', url: got.url, contentType, ...(size ?? {}) };
  }
  if (contentType !== 'text/html' && contentType !== 'application/xhtml+xml') {
    res.destroy();
    return null;
  }
  const { body, truncated } = await readCapped(res, opts.maxBytes ?? FETCH_LIMITS.maxBytes, got.deadline);
  return { kind: 'html', url: got.url, body: body.toString('utf8'), truncated };
}

/** What an oEmbed answer may add to a page's embed (https://oembed.com, section 2.3.4). */
export interface OEmbed {
  title?: string;
  author_name?: string;
  author_url?: string;
  provider_name?: string;
  provider_url?: string;
  thumbnail_url?: string;
  thumbnail_width?: number;
  thumbnail_height?: number;
}

/**
 * The JSON oEmbed answer at `url` (a page's discovery link), through the same guard and deadline rules as the
 * page; null when it is not a JSON object. Only the fields an embed uses are kept, and only with their types.
 */
export async function fetchOembed(url: string, opts: FetchOptions): Promise<OEmbed | null> {
  const got = await guardedGet(url, {
    allow: opts.allow,
    resolve: opts.resolve,
    timeoutMs: opts.timeoutMs ?? FETCH_LIMITS.timeoutMs,
    maxRedirects: opts.maxRedirects ?? FETCH_LIMITS.maxRedirects,
    accept: 'application/json',
  });
  if (got.status < 200 || got.status >= 300) {
    got.response.destroy();
    return null;
  }
  const { body, truncated } = await readCapped(got.response, FETCH_LIMITS.oembedMaxBytes, got.deadline);
  got.response.destroy();
  if (truncated) return null;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const out: OEmbed = {};
  for (const key of ['title', 'author_name', 'author_url', 'provider_name', 'provider_url', 'thumbnail_url'] as const) {
    if (typeof v[key] === 'string' && v[key]) out[key] = v[key] as string;
  }
  for (const key of ['thumbnail_width', 'thumbnail_height'] as const) {
    const n = typeof v[key] === 'string' ? Number(v[key]) : v[key];
    if (typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 100_000) out[key] = n;
  }
  return out;
}
