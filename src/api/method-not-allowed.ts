/**
 * 405 Method Not Allowed for an API path that exists under other methods, as Discord answers (`{"message": "405:
 * Method Not Allowed", "code": 0}`), with the Allow header HTTP asks for; any other unmatched path stays 404. The
 * paths are learnt from Fastify's onRoute hook, so every route registered under the API prefix counts, and looked
 * up only for requests no route took (rare: no cost on the request path).
 */
import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from './versions.ts';

export const METHOD_NOT_ALLOWED_BODY = { code: 0, message: '405: Method Not Allowed' } as const;

/** `/api/v10/channels/:channelId` → a pattern matching one path segment per parameter. */
function patternOf(url: string): RegExp {
  const source = url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}/?$`);
}

export class ApiPaths {
  readonly #routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];
  readonly #byUrl = new Map<string, Set<string>>();

  /** Learns every route registered from now on under the API prefix. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith(`${API_PREFIX}/`)) return;
      let methods = this.#byUrl.get(route.url);
      if (!methods) {
        this.#byUrl.set(route.url, (methods = new Set()));
        this.#routes.push({ pattern: patternOf(route.url), methods });
      }
      for (const m of [route.method].flat()) methods.add(String(m).toUpperCase());
    });
  }

  /** The methods `path` (no query) is served under, when it exists at all; empty when no route has it. */
  allowed(path: string): string[] {
    if (!path.startsWith(`${API_PREFIX}/`)) return [];
    const out = new Set<string>();
    for (const r of this.#routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
    return [...out].sort();
  }
}

/** Each process server's API paths (src/http.ts watches them; the api role's version route consults them). */
const PATHS = new WeakMap<FastifyInstance, ApiPaths>();

/** Starts learning `app`'s API routes; call before any is registered. */
export function watchApiPaths(app: FastifyInstance): ApiPaths {
  const paths = new ApiPaths();
  paths.watch(app);
  PATHS.set(app, paths);
  return paths;
}

/** When `path` exists under other methods than `method`: the Allow list for a 405; null otherwise. */
export function allowedOtherwise(app: FastifyInstance, method: string, path: string): string[] | null {
  const allowed = PATHS.get(app)?.allowed(path.split('?')[0]!) ?? [];
  return allowed.length && !allowed.includes(method) ? allowed : null;
}
