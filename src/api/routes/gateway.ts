/** GET /gateway and GET /gateway/bot: where to connect, and (for bots) the session start limit. */
import { gatewayUrl } from '../public-url.ts';
import type { RouteContext } from '../route.ts';

/** Identifies allowed per 24 h per bot, as on Discord; Accord does not yet enforce it (see README). */
const SESSION_START_TOTAL = 1000;

export function registerGatewayRoutes(ctx: RouteContext): void {
  const { config } = ctx.deps;
  ctx.get('/gateway', { auth: 'none' }, (req) => ({ url: gatewayUrl(config, req.raw) }));
  ctx.get('/gateway/bot', { auth: 'bot' }, (req) => ({
    url: gatewayUrl(config, req.raw),
    shards: 1,
    session_start_limit: { total: SESSION_START_TOTAL, remaining: SESSION_START_TOTAL, reset_after: 86_400_000, max_concurrency: 1 },
  }));
}
