/**
 * Calling the guild role for one guild: the request goes to the owner of the guild's partition
 * (`guild.p.<n>.*`, see guildPartition), through one RoleClient per partition. A partition whose owner is dead
 * opens its own breaker and fails fast, without making the other partitions look down; its callers retry
 * with their own jittered backoff (sessions' guild-loader) and the breaker lets one probe through at a time,
 * so the node that takes the partition over is not stampeded.
 *
 * Breaker transitions are logged (warn when a partition's breaker opens, info when it closes again).
 * One GuildClient per bus (guildClientFor), shared by every caller in the process.
 */
import type { Bus, Subscription } from '../bus/types.ts';
import type { Logger } from '../lib/log.ts';
import { subscribeEvent } from './index.ts';
import { guildPartition, GuildSubjects, type GuildMembersReply, type GuildMembersRequest, type GuildSnapshotReply, type GuildSnapshotRequest } from './guild.ts';
import { RoleClient, type BreakerState } from './role-client.ts';

export interface GuildClientOptions {
  bus: Bus;
  /** The guildPartitions setting (the same on every node). */
  partitions: number;
  /** Per-call timeout (the roleTimeoutMs setting). */
  timeoutMs: number;
  log?: Logger;
  now?: () => number;
}

/** Longest a partition's breaker stays open: a taken-over partition is asked again within this. */
export const GUILD_BREAKER_MAX_MS = 5_000;

export class GuildClient {
  private readonly breakers = new Map<number, RoleClient>();
  private readonly servedListeners = new Set<(partitions: number[]) => void>();
  private servedSub?: Subscription;

  constructor(private readonly opts: GuildClientOptions) {}

  /**
   * Calls `listener` when a guild node announces partitions it has begun serving (guild.partitions.served),
   * after closing their breakers: a takeover is answered as soon as it happens, not at the end of each caller's
   * backoff. Returns the unsubscribe.
   */
  onPartitionsServed(listener: (partitions: number[]) => void): () => void {
    this.servedListeners.add(listener);
    this.servedSub ??= subscribeEvent(this.opts.bus, GuildSubjects.partitionsServed, (msg) => {
      const partitions = Array.isArray(msg?.partitions) ? msg.partitions.filter((n) => Number.isInteger(n) && n >= 0 && n < this.opts.partitions) : [];
      if (partitions.length === 0) return;
      for (const n of partitions) this.breakers.get(n)?.reset();
      this.opts.log?.info({ partitions, by: msg.nodeId }, 'guild partitions served again; waiting guilds retried');
      for (const l of this.servedListeners) l(partitions);
    });
    return () => {
      this.servedListeners.delete(listener);
      if (this.servedListeners.size === 0) {
        this.servedSub?.unsubscribe();
        this.servedSub = undefined;
      }
    };
  }

  partitionOf(guildId: string): number {
    return guildPartition(guildId, this.opts.partitions);
  }

  snapshot(req: GuildSnapshotRequest): Promise<GuildSnapshotReply> {
    const n = this.partitionOf(req.guildId);
    return this.call(n, (client) => client.request(GuildSubjects.partitionSnapshot(n), req));
  }

  members(req: GuildMembersRequest): Promise<GuildMembersReply> {
    const n = this.partitionOf(req.guildId);
    return this.call(n, (client) => client.request(GuildSubjects.partitionMembers(n), req));
  }

  /** Partitions whose breaker is not closed (the owner looked down at the last calls). */
  unavailablePartitions(): Array<{ partition: number; state: BreakerState }> {
    const out: Array<{ partition: number; state: BreakerState }> = [];
    for (const [partition, client] of this.breakers) {
      const state = client.state();
      if (state !== 'closed') out.push({ partition, state });
    }
    return out;
  }

  private async call<R>(n: number, request: (client: RoleClient) => Promise<R>): Promise<R> {
    let client = this.breakers.get(n);
    if (!client) {
      client = new RoleClient({ bus: this.opts.bus, role: `guild partition ${n}`, timeoutMs: this.opts.timeoutMs, backoffMaxMs: GUILD_BREAKER_MAX_MS, now: this.opts.now });
      this.breakers.set(n, client);
    }
    const before = client.state();
    try {
      const reply = await request(client);
      if (before !== 'closed') this.opts.log?.info({ partition: n }, 'guild partition answers again; breaker closed');
      return reply;
    } catch (err) {
      if (before === 'closed' && client.state() === 'open') {
        this.opts.log?.warn({ partition: n, err: (err as Error).message }, 'guild partition unavailable; breaker open, guilds in it stay unavailable and are retried');
      }
      throw err;
    }
  }
}

const perBus = new WeakMap<Bus, GuildClient>();

/** The process's GuildClient for this bus (created on first use with these options). */
export function guildClientFor(opts: GuildClientOptions): GuildClient {
  let client = perBus.get(opts.bus);
  if (!client) perBus.set(opts.bus, (client = new GuildClient(opts)));
  return client;
}
