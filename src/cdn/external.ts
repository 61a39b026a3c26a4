/**
 * The image proxy: `GET|HEAD /external/{signature}/[{%3Fquery}/]{protocol}/{host}/{path}`, Discord's media proxy
 * shape (media/external-url.ts builds and checks it). Embeds carry these as `proxy_url`, so clients load embed
 * pictures from Accord and third parties never see their addresses.
 *
 * - Only URLs Accord signed are fetched (a bad signature is a 404): this is not an open proxy.
 * - The origin is fetched through the media floor's guarded GET, behind the same SSRF guard and allow-list
 *   (ACCORD_EMBED_ALLOW_HOSTS) as the embed role, with a size cap and one deadline for the whole fetch.
 * - The type comes from the bytes, never from the origin's header: PNG, JPEG, GIF, WebP, AVIF, MP4 and WebM are
 *   served; anything else (HTML, SVG, scripts) is refused with 415.
 * - The bytes go to the blob store under `external/{sha256 of the URL}` and are served from there (ranges,
 *   ETag, `Cache-Control: public, max-age`) by serve-blob.ts. A copy older than refreshAfterMs is still served
 *   while one request fetches it again in the background; concurrent requests for a URL not yet stored share
 *   one fetch; an origin that refused is not asked again for refusalTtlMs.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BlobTooLargeError } from '../blobs/types.ts';
import type { ProcessDeps } from '../contracts/role.ts';
import type { Logger } from '../lib/log.ts';
import { verifyExternalPath } from '../media/external-url.ts';
import { guardedGet } from '../media/guarded-fetch.ts';
import { detectFileType, SNIFF_BYTES } from '../media/sniff.ts';
import { parseAllowList } from '../media/ssrf.ts';
import type { CdnPart } from './part.ts';
import { sendBlob } from './serve-blob.ts';
import { SingleFlight } from '../lib/single-flight.ts';

export const EXTERNAL_LIMITS = {
  /** Largest picture or video proxied. */
  maxBytes: 10 * 1024 * 1024,
  /** For the whole origin fetch: connecting, redirects and body. */
  timeoutMs: 10_000,
  maxRedirects: 5,
  /** A stored copy older than this is fetched again (and served meanwhile). */
  refreshAfterMs: 24 * 60 * 60_000,
  /** How long a refused URL (not an image, too large, unreachable) is answered without asking its origin. */
  refusalTtlMs: 5 * 60_000,
  /** URLs whose fetch time / refusal is remembered, at most. */
  tracked: 100_000,
} as const;

/** What the proxy serves, by the type sniffed from the first bytes. */
const PROXIED_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'video/mp4', 'video/webm']);

type Outcome = { ok: true } | { ok: false; status: 404 | 415 };

class OriginReadError extends Error {}

export function externalBlobKey(originUrl: string): string {
  return `external/${createHash('sha256').update(originUrl).digest('hex')}`;
}

export async function registerExternalRoutes(deps: ProcessDeps, parentLog: Logger): Promise<CdnPart> {
  const log = parentLog.child({ part: 'external' });
  const allow = parseAllowList(deps.config.embedAllowHosts);
  const flights = new SingleFlight<Outcome>();
  const running = new Set<Promise<unknown>>();
  const fetchedAt = new Map<string, number>();
  const refusals = new Map<string, { status: 404 | 415; until: number }>();
  const counts = { requests: 0, hits: 0, fetches: 0, refused: 0 };

  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > EXTERNAL_LIMITS.tracked) map.delete(map.keys().next().value!);
  };

  const refuse = (key: string, origin: string, status: 404 | 415, reason: string): Outcome => {
    counts.refused++;
    remember(refusals, key, { status, until: deps.now() + EXTERNAL_LIMITS.refusalTtlMs });
    log.debug({ url: origin, reason }, 'external image refused');
    return { ok: false, status };
  };

  /** Fetches `origin` into the blob at `key`; refusals are answers, failures of the blob store throw. */
  const fetchInto = async (origin: string, key: string): Promise<Outcome> => {
    counts.fetches++;
    let got;
    try {
      got = await guardedGet(origin, { allow, timeoutMs: EXTERNAL_LIMITS.timeoutMs, maxRedirects: EXTERNAL_LIMITS.maxRedirects, accept: 'image/*,video/*;q=0.8' });
    } catch (err) {
      return refuse(key, origin, 404, (err as Error).message);
    }
    const res = got.response;
    try {
      if (got.status < 200 || got.status >= 300) return refuse(key, origin, 404, `origin answered ${got.status}`);
      if (Number(res.headers['content-length']) > EXTERNAL_LIMITS.maxBytes) return refuse(key, origin, 404, 'too large');
      const chunks = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      // A reset or the deadline while reading is the origin's failure, told apart from the blob store's.
      const read = () => chunks.next().catch((err: Error) => Promise.reject(new OriginReadError(err.message)));
      const head: Buffer[] = [];
      let headBytes = 0;
      while (headBytes < SNIFF_BYTES) {
        const next = await read();
        if (next.done) break;
        head.push(next.value);
        headBytes += next.value.length;
      }
      // Damaged bytes mean the same as no match: not something we serve.
      const type = await detectFileType(Buffer.concat(head));
      if (!type || !PROXIED_TYPES.has(type.mime)) return refuse(key, origin, 415, `not an image (${type?.mime ?? got.contentType})`);
      const body = async function* () {
        yield* head;
        for (;;) {
          const next = await read();
          if (next.done) return;
          yield next.value;
        }
      };
      await deps.blobs.put(key, body(), { contentType: type.mime, maxBytes: EXTERNAL_LIMITS.maxBytes });
      remember(fetchedAt, key, deps.now());
      refusals.delete(key);
      return { ok: true };
    } catch (err) {
      if (err instanceof BlobTooLargeError) return refuse(key, origin, 404, 'too large');
      if (err instanceof OriginReadError) return refuse(key, origin, 404, err.message);
      throw err;
    } finally {
      res.destroy();
    }
  };

  /** One fetch per URL at a time, whoever asks; close() waits for those running. */
  const fetchOnce = (origin: string, key: string): Promise<Outcome> => {
    const flight = flights.run(key, () => fetchInto(origin, key));
    running.add(flight);
    void flight.catch(() => undefined).finally(() => running.delete(flight));
    return flight;
  };

  const ensure = async (origin: string, key: string): Promise<Outcome> => {
    if (await deps.blobs.head(key)) {
      counts.hits++;
      const at = fetchedAt.get(key);
      // Stored before this process started: its age is unknown, count it from now.
      if (at === undefined) remember(fetchedAt, key, deps.now());
      else if (deps.now() - at > EXTERNAL_LIMITS.refreshAfterMs) {
        // Stale: served as it is while it is fetched again; if that fails the old copy stays (and is retried later).
        remember(fetchedAt, key, deps.now());
        fetchOnce(origin, key).catch((err) => log.warn({ err, url: origin }, 'external image refresh failed'));
      }
      return { ok: true };
    }
    const refusal = refusals.get(key);
    if (refusal && refusal.until > deps.now()) return { ok: false, status: refusal.status };
    return fetchOnce(origin, key);
  };

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    counts.requests++;
    const rawPath = (request.raw.url ?? '').split('?')[0]!;
    const origin = verifyExternalPath(deps.links.signingKey, rawPath);
    if (!origin) return reply.callNotFound();
    const key = externalBlobKey(origin);
    const outcome = await ensure(origin, key);
    if (!outcome.ok) {
      if (outcome.status === 404) return reply.callNotFound();
      return reply.status(415).send({ code: 0, message: '415: Unsupported Media Type' });
    }
    // Removed between the check and the read (a concurrent refresh replaces, never removes): nothing to serve.
    if (!(await sendBlob(request, reply, deps.blobs, key, { immutable: false }))) return reply.callNotFound();
    return reply;
  };

  // HEAD is routed here itself: Fastify's automatic HEAD route would replace sendBlob's Content-Length with 0.
  deps.http.route({ method: ['GET', 'HEAD'], url: '/external/*', exposeHeadRoute: false, handler: serve });

  return {
    metrics: () => [
      { name: 'cdn_external_requests_total', help: 'Requests for proxied embed images', type: 'counter', value: counts.requests },
      { name: 'cdn_external_cache_hits_total', help: 'Proxied images served from the blob store without fetching', type: 'counter', value: counts.hits },
      { name: 'cdn_external_fetches_total', help: 'Origin fetches of proxied images (cold or refreshing)', type: 'counter', value: counts.fetches },
      { name: 'cdn_external_refused_total', help: 'Proxied image fetches refused (SSRF guard, not an image, too large, unreachable)', type: 'counter', value: counts.refused },
    ],
    close: async () => {
      await Promise.allSettled(running);
    },
  };
}
