/**
 * GET /gateway and GET /gateway/bot: where to connect, and (for bots) the session start limit the sessions role
 * enforces: `total` per 24 h (ACCORD_SESSION_START_LIMIT), what is `remaining` of the window the bot's first
 * IDENTIFY opened and when it resets (`reset_after`, ms; 0 when no window is running), read from the store where
 * every sessions node counts; `max_concurrency` IDENTIFYs per 5 s (ACCORD_IDENTIFY_MAX_CONCURRENCY).
 */
import { gatewayUrl } from '../public-url.ts';
import type { RouteContext } from '../route.ts';

export function registerGatewayRoutes(ctx: RouteContext): void {
  const { config, store } = ctx.deps;
  ctx.get('/gateway', { auth: 'none' }, (req) => ({ url: gatewayUrl(config, req.raw) }));
  ctx.get('/gateway/bot', { auth: 'bot' }, async (req) => {
    const now = ctx.deps.now();
    const window = await store.sessionStarts.get(req.user.id, now);
    const total = config.sessionStartLimit;
    return {
      url: gatewayUrl(config, req.raw),
      shards: 1,
      session_start_limit: {
        total,
        remaining: Math.max(0, total - (window?.count ?? 0)),
        reset_after: window ? window.resetAt - now : 0,
        max_concurrency: config.identifyMaxConcurrency,
      },
    };
  });
}
