/**
 * The guild role: answers GUILD_CREATE snapshots and member requests (src/contracts/guild.ts) from a bounded
 * cache of live guild state kept current from the gateway.guild.* event stream.
 *
 * Guild state is partitioned by guild id (guildPartition; ACCORD_GUILD_PARTITIONS). Each node serves only the
 * partitions it owns, on `guild.p.<n>.snapshot` / `.members` (partitions.ts: leases in a JetStream KV bucket
 * on NATS; everything local on the in-memory bus), so one guild's state lives on one node. Its cache fills
 * lazily from the store (a node that takes partitions over rebuilds them as they are asked for, a bounded
 * number of loads at a time) and forgets a partition's guilds when it hands the partition over.
 *
 * Events: gateway.guild.<id> subjects carry no partition, so the node keeps one subscription to every guild's
 * events and the cache ignores guilds it does not hold (a Map lookup per event). Per-guild subscriptions would
 * cost a subscription per cached guild and a race on every load; per-partition subjects would change every
 * publisher.
 *
 * The presence role is asked through a RoleClient: when it is down, snapshots go out without presences (and
 * large guilds list only the requester).
 */
import {
  dispatchTarget,
  GatewaySubjects,
  guildPartition,
  GuildSubjects,
  publishEvent,
  requestRpc,
  serveRpc,
  subscribeEvent,
  type GuildMembersReply,
  type GuildMembersRequest,
  type GuildSnapshotReply,
  type GuildSnapshotRequest,
} from '../contracts/index.ts';
import type { Subscription } from '../bus/types.ts';
import { RoleClient } from '../contracts/role-client.ts';
import type { RoleDeps, RoleStart, RunningRole } from '../contracts/role.ts';
import { GuildStateCache } from './state-cache.ts';
import { GUILD_LIMITS, GuildSnapshots } from './snapshot.ts';
import { openPartitionLeases } from './partition-leases.ts';
import { PartitionOwnership } from './partitions.ts';

export interface GuildRoleOptions {
  /** Guilds kept in memory (LRU beyond); default the guildCacheMaxGuilds setting. */
  cacheMaxGuilds?: number;
  /** How long a snapshot waits for presences; default a quarter of roleTimeoutMs, 50–500 ms. */
  presenceTimeoutMs?: number;
  /** NATS: the KV bucket of partition leases; default `<stream prefix>_guild_partitions`. */
  partitionBucket?: string;
}

export interface GuildRole extends RunningRole {
  /** Partitions this node serves now (owned, and released ones until their new owner shows up). */
  partitions(): number[];
}

export async function startGuildRole(deps: RoleDeps, opts: GuildRoleOptions = {}): Promise<GuildRole> {
  const { config } = deps;
  const log = deps.log.child({ role: 'guild' });
  const cache = new GuildStateCache(deps.store, opts.cacheMaxGuilds ?? config.guildCacheMaxGuilds, log);
  const presence = new RoleClient({
    bus: deps.bus,
    role: 'presence',
    timeoutMs: opts.presenceTimeoutMs ?? Math.min(500, Math.max(50, Math.floor(config.roleTimeoutMs / 4))),
    now: deps.now,
  });
  const service = new GuildSnapshots(deps.store, cache, presence, log);
  const partitionOf = (guildId: string) => guildPartition(guildId, config.guildPartitions);
  const counts = { snapshots: 0, snapshotMs: 0, snapshotMaxMs: 0, forwarded: 0 };
  let closed = false;

  const snapshot = async (req: GuildSnapshotRequest): Promise<GuildSnapshotReply> => {
    if (typeof req?.guildId !== 'string' || typeof req.userId !== 'string') throw new Error('guildId and userId are required');
    const largeThreshold = Math.min(GUILD_LIMITS.membersPerReply, Math.max(0, Number(req.largeThreshold) || 50));
    const started = performance.now();
    try {
      const reply = await service.snapshot({ ...req, largeThreshold, presences: Boolean(req.presences), bot: req.bot === true, piecesOnly: req.piecesOnly === true });
      return reply.guild ? { ...reply, servedBy: config.nodeId } : reply;
    } catch (err) {
      log.error({ err, guildId: req.guildId, userId: req.userId }, 'guild snapshot failed');
      throw err;
    } finally {
      const ms = performance.now() - started;
      counts.snapshots++;
      counts.snapshotMs += ms;
      counts.snapshotMaxMs = Math.max(counts.snapshotMaxMs, ms);
    }
  };
  const members = async (req: GuildMembersRequest): Promise<GuildMembersReply> => {
    if (typeof req?.guildId !== 'string') throw new Error('guildId is required');
    try {
      return await service.members({ ...req, limit: Number(req.limit) || 0, presences: Boolean(req.presences) });
    } catch (err) {
      log.error({ err, guildId: req.guildId }, 'guild members request failed');
      throw err;
    }
  };

  // Per owned partition: its two request subjects (a queue group, so two nodes that both believe they own a
  // partition for a moment during a handover simply share its requests).
  const served = new Map<number, Subscription[]>();
  // Partitions gained in one ownership round: announced together once their subscriptions reach the server.
  const announce = new Set<number>();
  const announceServed = async () => {
    const gained = [...announce];
    announce.clear();
    try {
      await deps.bus.flush();
    } catch {
      // Not reachable now: callers find the partition at their next retry.
    }
    const partitions = gained.filter((n) => served.has(n));
    if (!closed && partitions.length > 0) publishEvent(deps.bus, GuildSubjects.partitionsServed, { partitions, nodeId: config.nodeId });
  };
  const ownership = new PartitionOwnership({
    leases: await openPartitionLeases(deps.bus, config.guildPartitionTtlMs, opts.partitionBucket),
    partitions: config.guildPartitions,
    ttlMs: config.guildPartitionTtlMs,
    nodeId: config.nodeId,
    log,
    gained: (n) => {
      if (closed || served.has(n)) return;
      served.set(n, [
        serveRpc(deps.bus, GuildSubjects.partitionSnapshot(n), snapshot),
        serveRpc(deps.bus, GuildSubjects.partitionMembers(n), members),
      ]);
      announce.add(n);
    },
    settled: () => {
      if (announce.size > 0) void announceServed();
    },
    lost: (n) => {
      for (const sub of served.get(n) ?? []) sub.unsubscribe();
      served.delete(n);
      // Its events are no longer followed here: a later owner (maybe this node again) rebuilds from the store.
      cache.dropWhere((guildId) => partitionOf(guildId) === n);
    },
  });

  const forwardTimeout = { timeoutMs: config.roleTimeoutMs };
  const subs: Subscription[] = [
    subscribeEvent(deps.bus, GatewaySubjects.allGuildDispatches, (event) => {
      if (event && typeof event.t === 'string') cache.apply(event);
    }),
    // A user's name or avatar is part of the member objects snapshots reuse; Accord announces the change to the
    // user only (no GUILD_MEMBER_UPDATE per guild), so follow USER_UPDATE too.
    subscribeEvent(deps.bus, GatewaySubjects.allUserDispatches, (event, subject) => {
      if (event?.t === 'USER_UPDATE') cache.userChanged(dispatchTarget(subject));
    }),
    // The unpartitioned subjects (any node, a queue group) answer for the guild's owner: locally, or one hop on.
    serveRpc(deps.bus, GuildSubjects.snapshot, (req) => {
      const n = partitionOf(String(req?.guildId));
      if (ownership.owns(n)) return snapshot(req);
      counts.forwarded++;
      return requestRpc(deps.bus, GuildSubjects.partitionSnapshot(n), req, forwardTimeout);
    }),
    serveRpc(deps.bus, GuildSubjects.members, (req) => {
      const n = partitionOf(String(req?.guildId));
      if (ownership.owns(n)) return members(req);
      counts.forwarded++;
      return requestRpc(deps.bus, GuildSubjects.partitionMembers(n), req, forwardTimeout);
    }),
  ];
  await ownership.start();
  log.debug({ partitions: ownership.ownedCount, of: config.guildPartitions }, 'guild role started');

  return {
    name: 'guild',
    ready: () => !closed,
    partitions: () => [...served.keys()].sort((a, b) => a - b),
    metrics: () => [
      { name: 'guild_partitions_owned', help: 'Guild partitions this node serves', type: 'gauge', value: ownership.ownedCount },
      { name: 'guild_partitions', help: 'Guild partitions in the cluster (ACCORD_GUILD_PARTITIONS)', type: 'gauge', value: config.guildPartitions },
      { name: 'guild_partition_nodes', help: 'Guild nodes alive at the last lease listing', type: 'gauge', value: ownership.nodes },
      { name: 'guild_partition_claims_total', help: 'Partitions claimed (takeovers included)', type: 'counter', value: ownership.stats.claims },
      { name: 'guild_partition_takeovers_total', help: 'Partitions claimed after the node holding them stopped refreshing them (died or cut off)', type: 'counter', value: ownership.stats.takeovers },
      { name: 'guild_partition_losses_total', help: 'Partition leases lost without releasing them (expired or taken)', type: 'counter', value: ownership.stats.losses },
      { name: 'guild_partition_releases_total', help: 'Partition leases handed back (rebalancing, stop)', type: 'counter', value: ownership.stats.releases },
      { name: 'guild_partition_tick_failures_total', help: 'Lease refresh rounds that failed (NATS unreachable)', type: 'counter', value: ownership.stats.tickFailures },
      { name: 'guild_requests_forwarded_total', help: 'Unpartitioned guild requests forwarded to the owning node', type: 'counter', value: counts.forwarded },
      { name: 'guild_snapshot_seconds_sum', help: 'Time spent building GUILD_CREATE snapshots', type: 'counter', value: counts.snapshotMs / 1000 },
      { name: 'guild_snapshot_seconds_count', help: 'GUILD_CREATE snapshots built', type: 'counter', value: counts.snapshots },
      { name: 'guild_snapshot_seconds_max', help: 'Slowest GUILD_CREATE snapshot since start', type: 'gauge', value: counts.snapshotMaxMs / 1000 },
      { name: 'guild_cache_guilds', help: 'Guilds whose state this node holds', type: 'gauge', value: cache.size },
      { name: 'guild_cache_loads_running', help: 'Guild loads from the store running now', type: 'gauge', value: cache.loadsInFlight },
      { name: 'guild_cache_loads_waiting', help: 'Guild loads waiting for a slot (takeover warm-up)', type: 'gauge', value: cache.loadsWaiting },
    ],
    close: async () => {
      if (closed) return;
      closed = true;
      for (const sub of subs) sub.unsubscribe();
      await ownership.stop();
      cache.clear();
    },
  };
}

/** The process starts the role through this (src/roles.ts). */
export const start: RoleStart = (deps) => startGuildRole(deps);
