/**
 * The sessions role (the gateway): the WebSocket endpoint on the HTTP server, the node's sessions, and the
 * router that feeds them from the bus. See docs/architecture.md "From REST to every socket", docs/protocol.md for
 * the gateway behaviours, and the files here, one idea each: endpoint (upgrade), connection (per-socket state machine), codec (frames), compression, outbound (bounded
 * queue), session + replay (resume deque), registry, permission-cache (VIEW_CHANNEL), router (fan-out), gateway
 * (identify/resume/session lifetime, wiring the rest), guild-loader (guild snapshots with backoff), presence-link
 * (presence publishing, PRESENCES_REPLACE), member-requests (op 8), gateway-stats (counters).
 *
 * Admission (admission.ts, endpoint.ts): sockets per client address, a bot's identify rate (max_concurrency per
 * 5 s) and its daily session start budget (counted in the store, cluster-wide), and the node's own capacity:
 * identifies wait in a bounded queue for one of ACCORD_IDENTIFY_CONCURRENCY slots, and one that finds the queue
 * full gets INVALID_SESSION. Revoked tokens close their sessions with 4004 (revocation.ts).
 */
import type { MetricSample } from '../lib/metrics.ts';
import type { Server as HttpServer } from 'node:http';
import type { RoleStart, RunningRole, SessionsRoleDeps } from '../contracts/role.ts';
import { GatewayEndpoint } from './endpoint.ts';
import { Gateway, type GatewayStats } from './gateway.ts';
import { Router } from './router.ts';
import { ReconnectCatchUp } from './catch-up.ts';
import { TokenRevocations } from './revocation.ts';

export type { GatewayStats };

export interface SessionsRole extends RunningRole {
  /** Counters and queue sizes (sessions, events out, dropped presences, resumes, invalidations …). */
  stats(): GatewayStats;
}

export async function startSessionsRole(deps: SessionsRoleDeps): Promise<SessionsRole> {
  const gateway = new Gateway(deps);
  const router = new Router(gateway, deps.config.gatewayDedupeIds);
  gateway.router = router;
  await gateway.startJournal();
  router.start();
  // With the event log (the journal's), a NATS disconnect is caught up on after the reconnect (catch-up.ts).
  if (gateway.journal) {
    gateway.catchUp = new ReconnectCatchUp(deps.bus, router, gateway.log);
    gateway.catchUp.start();
  }
  const revocations = new TokenRevocations(gateway).start();
  gateway.start();
  const endpoint = new GatewayEndpoint(deps.server, gateway, deps.clientBans);
  let closed: Promise<void> | undefined;
  return {
    name: 'sessions',
    ready: () => !closed,
    stats: () => gateway.stats(),
    metrics: () => gatewayMetrics(gateway.stats()),
    close: () =>
      (closed ??= (async () => {
        endpoint.close();
        await gateway.close();
        router.stop();
        gateway.catchUp?.stop();
        gateway.journal?.stop();
        revocations.stop();
      })()),
  };
}

const GAUGES = new Set<keyof GatewayStats>(['sessions', 'connections', 'identifyQueued', 'cachedGuilds', 'guildSubscriptions', 'outboundBytesNow', 'outboundBytesPeak', 'replayBytes']);
const HELP: Record<keyof GatewayStats, string> = {
  sessions: 'Gateway sessions held by this node (live or awaiting resume)',
  connections: 'Open gateway WebSockets',
  identifies: 'IDENTIFY payloads accepted',
  identifiesRefused: 'IDENTIFYs refused with INVALID_SESSION because the identify queue was full',
  identifyQueued: 'IDENTIFYs waiting for an admission slot',
  eventsOut: 'Dispatches sent',
  bytesOut: 'Bytes written to gateway sockets',
  presencesDropped: 'PRESENCE_UPDATEs dropped for lagging sessions (replaced by PRESENCES_REPLACE)',
  resumes: 'Sessions resumed',
  invalidations: 'INVALID_SESSION sent',
  slowCloses: 'Sockets closed because their outbound queue overflowed',
  guildRetries: 'Guild snapshot retries while the guild role was unavailable',
  guildRetriesOnServed: 'Waiting guilds retried at once because a guild node announced their partition served again',
  duplicatesDropped: 'Dispatches received twice (outbox republish) and dropped',
  identifiesTooFast: 'IDENTIFYs refused with INVALID_SESSION for exceeding the identify rate (max_concurrency per 5 s)',
  upgradesRefused: 'Gateway upgrades refused with 429 (sockets per IP, or an IP banned for invalid requests)',
  cachedGuilds: 'Guilds in the node permission cache',
  guildSubscriptions: 'Guild subjects this node subscribes to (the guilds its sessions are in, plus a short linger)',
  guildEventsIn: 'Dispatches received on guild subjects',
  guildEventsUnrouted: 'Guild dispatches received for a guild no local session holds (a lingering subscription)',
  resumesElsewhere: 'Sessions resumed from the resume journal of another node',
  outboundBytesNow: 'Bytes queued to the fullest socket right now',
  outboundBytesPeak: 'Most bytes ever queued to one socket',
  replayBytes: 'Bytes held in resume deques',
  resumeJournalBatches: 'Resume journal batches stored in JetStream (cross-node resume)',
  resumeJournalFailures: 'Resume journal writes that failed (a resume on another node across them gets op 9)',
  catchUpEvents: 'Gateway events routed from the event log after this node reconnected to NATS (missed while it was away)',
};

function gatewayMetrics(stats: GatewayStats): MetricSample[] {
  return (Object.keys(HELP) as Array<keyof GatewayStats>).map((key) => {
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const counter = !GAUGES.has(key);
    return { name: `gateway_${snake}${counter ? '_total' : ''}`, help: HELP[key], type: counter ? 'counter' : 'gauge', value: stats[key] };
  });
}

/** The process starts the role through this (src/roles.ts). */
export const start: RoleStart = (deps) => startSessionsRole({ ...deps, server: deps.http.server as HttpServer });
