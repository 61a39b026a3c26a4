/**
 * Who may read GET /metrics. Metrics name internals (queue depths, failures, session counts) that are nobody's
 * business on a public port, so:
 * - with ACCORD_METRICS_PORT, /metrics lives on its own listener and the client port answers 404;
 * - with ACCORD_METRICS_TOKEN, it needs `Authorization: Bearer <token>` (wherever it is served), else 401;
 * - with neither, only loopback clients (after trusted-proxy resolution) are answered; others get 404.
 */
import { sha256Hex, sameHash } from './secrets.ts';
import { trustProxies } from './client-ip.ts';

export type MetricsAccess = 'allow' | 'unauthorized' | 'hidden';

const isLoopback = trustProxies(['loopback']) as (addr: string, hop: number) => boolean;

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1, or either IPv4-mapped). */
export function isLoopbackIp(ip: string): boolean {
  return ip !== '' && isLoopback(ip, 0);
}

/** Constant-time check of an Authorization header against the bearer token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  // Both sides hashed to the same length first, so the comparison takes as long whatever was sent.
  return sameHash(sha256Hex(given), sha256Hex(token)) && given.length > 0;
}

/**
 * The answer for a /metrics request on the client port. `onMetricsPort` is true for requests to the separate
 * listener, where only the token (if any) is checked.
 */
export function metricsAccess(
  settings: { metricsToken?: string; metricsPort?: number },
  request: { ip: string; authorization: string | undefined; onMetricsPort: boolean },
): MetricsAccess {
  if (settings.metricsPort !== undefined && !request.onMetricsPort) return 'hidden';
  if (settings.metricsToken !== undefined) return bearerMatches(request.authorization, settings.metricsToken) ? 'allow' : 'unauthorized';
  if (request.onMetricsPort) return 'allow';
  return isLoopbackIp(request.ip) ? 'allow' : 'hidden';
}
