/**
 * The guild role: answers GUILD_CREATE snapshots and member requests (src/contracts/guild.ts) from a bounded
 * cache of live guild state kept current from the gateway.guild.* event stream.
 *
 * Requests are served as a queue group, so any guild node answers; each node keeps its own cache and listens
 * to every guild's events (a plain subscription, not a queue group). The presence role is asked through a
 * RoleClient: when it is down, snapshots go out without presences (and large guilds list only the requester).
 */
import { dispatchTarget, GatewaySubjects, GuildSubjects, serveRpc, subscribeEvent } from '../contracts/index.ts';
import type { Subscription } from '../bus/types.ts';
import { RoleClient } from '../contracts/role-client.ts';
import type { RoleDeps, RoleStart, RunningRole } from '../contracts/role.ts';
import { GuildStateCache } from './state-cache.ts';
import { GUILD_LIMITS, GuildSnapshots } from './snapshot.ts';

export interface GuildRoleOptions {
  /** Guilds kept in memory (LRU beyond); default the guildCacheMaxGuilds setting. */
  cacheMaxGuilds?: number;
  /** How long a snapshot waits for presences; default a quarter of roleTimeoutMs, 50–500 ms. */
  presenceTimeoutMs?: number;
}

export async function startGuildRole(deps: RoleDeps, opts: GuildRoleOptions = {}): Promise<RunningRole> {
  const log = deps.log.child({ role: 'guild' });
  const cache = new GuildStateCache(deps.store, opts.cacheMaxGuilds ?? deps.config.guildCacheMaxGuilds, log);
  const presence = new RoleClient({
    bus: deps.bus,
    role: 'presence',
    timeoutMs: opts.presenceTimeoutMs ?? Math.min(500, Math.max(50, Math.floor(deps.config.roleTimeoutMs / 4))),
    now: deps.now,
  });
  const service = new GuildSnapshots(deps.store, cache, presence, log);
  let closed = false;

  const subs: Subscription[] = [
    subscribeEvent(deps.bus, GatewaySubjects.allGuildDispatches, (event) => {
      if (event && typeof event.t === 'string') cache.apply(event);
    }),
    // A user's name or avatar is part of the member objects snapshots reuse; Accord announces the change to the
    // user only (no GUILD_MEMBER_UPDATE per guild), so follow USER_UPDATE too.
    subscribeEvent(deps.bus, GatewaySubjects.allUserDispatches, (event, subject) => {
      if (event?.t === 'USER_UPDATE') cache.userChanged(dispatchTarget(subject));
    }),
    serveRpc(deps.bus, GuildSubjects.snapshot, async (req) => {
      if (typeof req?.guildId !== 'string' || typeof req.userId !== 'string') throw new Error('guildId and userId are required');
      const largeThreshold = Math.min(GUILD_LIMITS.membersPerReply, Math.max(0, Number(req.largeThreshold) || 50));
      try {
        return await service.snapshot({ ...req, largeThreshold, presences: Boolean(req.presences) });
      } catch (err) {
        log.error({ err, guildId: req.guildId, userId: req.userId }, 'guild snapshot failed');
        throw err;
      }
    }),
    serveRpc(deps.bus, GuildSubjects.members, async (req) => {
      if (typeof req?.guildId !== 'string') throw new Error('guildId is required');
      try {
        return await service.members({ ...req, limit: Number(req.limit) || 0, presences: Boolean(req.presences) });
      } catch (err) {
        log.error({ err, guildId: req.guildId }, 'guild members request failed');
        throw err;
      }
    }),
  ];
  log.debug('guild role started');

  return {
    name: 'guild',
    ready: () => !closed,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const sub of subs) sub.unsubscribe();
      cache.clear();
    },
  };
}

/** The process starts the role through this (src/roles.ts). */
export const start: RoleStart = (deps) => startGuildRole(deps);
