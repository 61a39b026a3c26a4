/**
 * The sessions role (the gateway): the WebSocket endpoint on the HTTP server, the node's sessions, and the
 * router that feeds them from the bus. See ARCHITECTURE.md "Gateway" and the files here, one idea each:
 * endpoint (upgrade), connection (per-socket state machine), codec (frames), compression, outbound (bounded
 * queue), session + replay (resume deque), registry, guild-cache (VIEW_CHANNEL), router (fan-out), gateway
 * (identify/resume/guild loading/presence/op 8).
 *
 * Not enforced: identify max_concurrency (1 per 5 s on Discord) and the daily session start limit — they
 * would slow tests and a self-hosted node has no abuse to fend off there. GET /gateway/bot still reports them.
 */
import type { RunningRole, SessionsRoleDeps } from '../roles.ts';
import { GatewayEndpoint } from './endpoint.ts';
import { Gateway, type GatewayStats } from './gateway.ts';
import { Router } from './router.ts';

export type { GatewayStats };

export interface SessionsRole extends RunningRole {
  /** Counters and queue sizes (sessions, events out, dropped presences, resumes, invalidations …). */
  stats(): GatewayStats;
}

export async function startSessionsRole(deps: SessionsRoleDeps): Promise<SessionsRole> {
  const gateway = new Gateway(deps);
  const router = new Router(gateway);
  router.start();
  gateway.start();
  const endpoint = new GatewayEndpoint(deps.server, gateway);
  let closed: Promise<void> | undefined;
  return {
    name: 'sessions',
    ready: () => !closed,
    stats: () => gateway.stats(),
    close: () =>
      (closed ??= (async () => {
        endpoint.close();
        await gateway.close();
        router.stop();
      })()),
  };
}
