/**
 * The API's versions: Discord serves v10 under /api/v10 and the same routes under /api/v9 and the bare /api.
 * The REST routes are registered once, under API_PREFIX; the process's URL rewrite (src/http.ts) maps the other
 * two onto it before routing. Registering every route under all three prefixes held ~2 MB more heap (three
 * copies of ~280 Fastify routes, HEADs included; docs/performance.md "Idle memory").
 */

/** Where the REST routes are mounted. */
export const API_PREFIX = '/api/v10';

/** `/v9` or `/v<digits>` as the first segment after `/api`. */
const VERSION_SEGMENT = /^\/v(\d+)(?=[/?]|$)/;

/**
 * The URL a request is routed by: `/api/v9/…` and the unversioned `/api/…` become `/api/v10/…`; other versions
 * are left for the api role's refusal route (`/api/v:version/*`), everything else is unchanged.
 */
export function canonicalApiUrl(url: string): string {
  if (!url.startsWith('/api')) return url;
  const rest = url.slice(4);
  if (rest !== '' && rest[0] !== '/' && rest[0] !== '?') return url; // /apix…: not the API
  const version = VERSION_SEGMENT.exec(rest);
  if (!version) return API_PREFIX + rest;
  return version[1] === '9' ? API_PREFIX + rest.slice(3) : url;
}
