/**
 * The presence role: takes session presences from the sessions nodes (src/contracts/presence.ts), merges them
 * per user (tracker.ts), expires sessions whose node stopped heartbeating, and publishes PRESENCE_UPDATE on
 * gateway.guild.<id> for each guild of a user whose merged presence changed.
 *
 * Several presence nodes may run: each subscribes plainly (not as a queue group) and so holds the whole state,
 * and any of them answers queries. Only the live node with the lowest nodeId publishes PRESENCE_UPDATE; the
 * others compute the same changes and drop them. When the publisher dies, the next node takes over within one
 * peer TTL; changes inside that window are not announced (clients catch up at their next GUILD_CREATE).
 */
import { GatewaySubjects, publishEvent, serveRpc, subscribeEvent, type DispatchEnvelope } from '../contracts/index.ts';
import type { Subscription } from '../bus/types.ts';
import type { RoleDeps, RoleStart, RunningRole } from '../contracts/role.ts';
import {
  PresenceSubjects,
  type PresenceSessionUpdate,
} from '../contracts/presence.ts';
import { parseActivities } from '../protocol/activity.ts';
import { PRESENCE_DEFAULTS, PresenceTracker, type PresenceChange } from './tracker.ts';

export type PresenceRoleOptions = Partial<{ -readonly [K in keyof typeof PRESENCE_DEFAULTS]: number }>;

const STATUSES = new Set(['online', 'idle', 'dnd', 'invisible', 'offline']);
const PLATFORMS = new Set(['desktop', 'mobile', 'web']);

function validUpdate(u: PresenceSessionUpdate): boolean {
  return (
    typeof u === 'object' && u !== null &&
    typeof u.nodeId === 'string' && typeof u.sessionId === 'string' && typeof u.userId === 'string' &&
    STATUSES.has(u.status) && PLATFORMS.has(u.platform)
  );
}

export async function startPresenceRole(deps: RoleDeps, options: PresenceRoleOptions = {}): Promise<RunningRole> {
  const opts = { ...PRESENCE_DEFAULTS, defaultTtlMs: deps.config.presenceSessionTtlMs, maxSessions: deps.config.presenceMaxSessions, ...options };
  const log = deps.log.child({ role: 'presence' });
  const nodeId = deps.config.nodeId;
  const tracker = new PresenceTracker({
    now: deps.now,
    defaultTtlMs: opts.defaultTtlMs,
    maxSessions: opts.maxSessions,
    maxSessionsPerUser: opts.maxSessionsPerUser,
    maxActivities: opts.maxActivities,
  });
  const subs: Subscription[] = [];
  /** Other presence nodes → when their announcement runs out. */
  const peers = new Map<string, number>();
  /** Sessions nodes → when we last asked them to publish presences again. */
  const resyncAsked = new Map<string, number>();
  const counts = { resyncs: 0 };
  const startedAt = deps.now();
  let flushScheduled: NodeJS.Immediate | undefined;
  let closed = false;

  const isPublisher = () => {
    const now = deps.now();
    for (const [peer, until] of peers) {
      if (until <= now) peers.delete(peer);
      else if (peer < nodeId) return false;
    }
    return true;
  };

  const publish = (changes: PresenceChange[]) => {
    if (changes.length === 0 || !isPublisher()) return;
    for (const { guildIds, presence } of changes) {
      for (const guildId of guildIds) {
        const envelope: DispatchEnvelope = { t: 'PRESENCE_UPDATE', d: { ...presence, guild_id: guildId }, guildId };
        publishEvent(deps.bus, GatewaySubjects.guildDispatch(guildId), envelope);
      }
    }
  };

  // Coalescing: every update in one turn of the event loop becomes at most one PRESENCE_UPDATE per user.
  const scheduleFlush = () => {
    if (flushScheduled || closed) return;
    flushScheduled = setImmediate(() => {
      flushScheduled = undefined;
      publish(tracker.flush());
    });
  };

  const guarded = <T>(what: string, fn: (payload: T) => void) => (payload: T) => {
    try {
      fn(payload);
    } catch (err) {
      log.error({ err, what }, 'presence message failed');
    }
  };

  const announce = () => {
    if (!closed) publishEvent(deps.bus, PresenceSubjects.peer, { nodeId, ttlMs: opts.peerIntervalMs * 3 });
  };

  subs.push(
    subscribeEvent(deps.bus, PresenceSubjects.update, guarded('update', (u) => {
      if (!validUpdate(u)) return log.warn({ update: u }, 'malformed presence update dropped');
      // Sessions nodes send checked activities; checked again here so that nothing invalid is ever relayed.
      const activities = parseActivities(u.activities);
      if (!activities.ok) return log.warn({ userId: u.userId, sessionId: u.sessionId, reason: activities.reason }, 'presence update with invalid activities dropped');
      if (!tracker.update({ ...u, activities: activities.activities })) log.warn({ userId: u.userId, sessionId: u.sessionId, limit: opts.maxSessions }, 'presence session limit reached; update dropped');
      scheduleFlush();
    })),
    subscribeEvent(deps.bus, PresenceSubjects.gone, guarded('gone', (g) => {
      tracker.gone(g);
      scheduleFlush();
    })),
    subscribeEvent(deps.bus, PresenceSubjects.heartbeat, guarded('heartbeat', (h) => {
      if (typeof h?.nodeId !== 'string' || !Array.isArray(h.sessionIds)) return;
      const unknown = tracker.heartbeat(h);
      // A session the node says is alive but whose presence never reached us: ask for it again, at most once per
      // heartbeat TTL per node (the answer takes a moment; an update refused by the session limit stays unknown).
      const askedAt = resyncAsked.get(h.nodeId) ?? -Infinity;
      if (unknown.length > 0 && deps.now() - askedAt >= h.ttlMs) {
        resyncAsked.set(h.nodeId, deps.now());
        counts.resyncs++;
        publishEvent(deps.bus, PresenceSubjects.resync, { nodeId: h.nodeId, sessionIds: unknown });
      }
    })),
    // Membership changes move a user's presence in or out of a guild without a new update from their session.
    subscribeEvent(deps.bus, GatewaySubjects.allGuildDispatches, guarded('guild event', (e) => {
      const guildId = e.guildId ?? (e.d?.guild_id as string | undefined);
      if (!guildId) return;
      const userId = (e.d?.user as { id?: string } | undefined)?.id;
      switch (e.t) {
        case 'GUILD_MEMBER_ADD': {
          const change = userId ? tracker.memberAdded(userId, guildId) : null;
          if (change) publish([change]);
          break;
        }
        case 'GUILD_MEMBER_REMOVE':
        case 'GUILD_BAN_ADD':
          if (userId) tracker.memberRemoved(userId, guildId);
          break;
        case 'GUILD_DELETE':
          tracker.guildDeleted(guildId);
          break;
      }
    })),
    serveRpc(deps.bus, PresenceSubjects.query, (q) => {
      const userIds = Array.isArray(q?.userIds) ? q.userIds : [];
      return {
        presences: tracker.query(userIds, typeof q?.guildId === 'string' ? q.guildId : undefined),
        // Who is connected is said only once this node has heard every live session (ACCORD_PRESENCE_WARMUP_MS after
        // it started: two heartbeats of every sessions node, whose unknown sessions it asks for again). A node that
        // just started would call everyone disconnected, and temporary members would be removed.
        ...(q?.connected === true && deps.now() - startedAt >= deps.config.presenceWarmupMs ? { connected: tracker.connected(userIds) } : {}),
      };
    }),
    subscribeEvent(deps.bus, PresenceSubjects.peer, guarded('peer', (p) => {
      if (typeof p?.nodeId !== 'string' || p.nodeId === nodeId) return;
      const known = (peers.get(p.nodeId) ?? 0) > deps.now();
      peers.set(p.nodeId, deps.now() + p.ttlMs);
      // A newcomer learns of us at once instead of publishing alongside us until our next announcement.
      if (!known) announce();
    })),
  );

  announce();
  // A presence node that starts knows nothing: every sessions node publishes its sessions' presences again.
  await deps.bus.flush().catch(() => {});
  publishEvent(deps.bus, PresenceSubjects.resync, {});
  const peerTimer = setInterval(announce, opts.peerIntervalMs);
  peerTimer.unref();
  const sweepTimer = setInterval(() => {
    const expired = tracker.sweep();
    if (expired > 0) {
      log.debug({ expired }, 'presence sessions expired');
      scheduleFlush();
    }
  }, opts.sweepIntervalMs);
  sweepTimer.unref();
  log.debug({ nodeId }, 'presence role started');

  return {
    name: 'presence',
    ready: () => !closed,
    metrics: () => [
      { name: 'presence_resyncs_total', help: 'Times a sessions node was asked to publish presences it had published before (a heartbeat listed sessions this node did not know)', type: 'counter', value: counts.resyncs },
    ],
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(peerTimer);
      clearInterval(sweepTimer);
      if (flushScheduled) clearImmediate(flushScheduled);
      flushScheduled = undefined;
      for (const sub of subs) sub.unsubscribe();
      tracker.clear();
      peers.clear();
    },
  };
}

/** The process starts the role through this (src/roles.ts). */
export const start: RoleStart = (deps) => startPresenceRole(deps);
