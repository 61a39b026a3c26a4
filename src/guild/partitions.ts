/**
 * Which guild partitions this node owns (src/contracts/guild.ts guildPartition says which partition a guild is
 * in). On NATS the partitions are shared out through leases in a JetStream KV bucket (partition-leases.ts); on
 * the in-memory bus there is no lease store and the one guild node owns them all.
 *
 * Contract:
 * - Every `intervalMs` (a third of the TTL) the node rewrites its `node.<id>` entry and each lease it holds,
 *   then lists the bucket: live nodes are the `node.*` keys, free partitions the `p.*` keys absent. It aims at
 *   ceil(partitions / live nodes): below, it claims free partitions (create: the server lets one claimer win);
 *   above (a node joined), it releases the excess so the newcomer can claim them.
 * - A lease that cannot be rewritten at its revision was lost (expired while this node stalled, or taken):
 *   the partition is dropped at once. A lease not rewritten for a whole TTL (NATS unreachable) is dropped too,
 *   so a node cut off stops serving about when the others may take over.
 * - A node that dies stops rewriting; its keys expire after the TTL and the next tick of a live node claims
 *   them: takeover within TTL + intervalMs (plus the server's expiry timer). Claiming a partition that another
 *   node held at a listing within the last TTL and that expired (was not released) counts as a takeover.
 * - stop() releases every lease (deletes at its revision) and the node entry, so a graceful stop hands over
 *   within one interval instead of one TTL; the last node to stop deletes the bucket.
 * - A partition released for rebalancing is still served until the listing shows another node holding it (at
 *   most a TTL), so requests never find nobody while it moves.
 * - gained / lost are called synchronously, never twice in a row for one partition.
 */
import { guildPartition } from '../contracts/guild.ts';
import type { Logger } from '../lib/log.ts';
import type { LeaseStore } from './partition-leases.ts';

export interface PartitionOwnershipOptions {
  /** null: no lease store (in-memory bus), every partition is owned at once. */
  leases: LeaseStore | null;
  partitions: number;
  ttlMs: number;
  nodeId: string;
  log: Logger;
  gained(partition: number): void;
  lost(partition: number): void;
  /** After each round (and after start without a lease store): the partitions gained in it can be announced together. */
  settled?(): void;
  now?: () => number;
}

export interface PartitionStats {
  claims: number;
  takeovers: number;
  /** Leases lost without releasing them (expired or taken). */
  losses: number;
  /** Leases handed back (rebalancing or stop). */
  releases: number;
  /** Ticks that failed (NATS unreachable …); the next tick retries. */
  tickFailures: number;
}

interface Lease {
  revision: number;
  /** Local time the last successful rewrite started: the server's expiry is at least a TTL after it. */
  refreshedAt: number;
}

const partitionKey = (n: number) => `p.${n}`;
/** A node's key in the lease bucket (KV keys allow [-/_=.A-Za-z0-9]). */
export const nodeKey = (nodeId: string) => `node.${nodeId.replace(/[^-_=A-Za-z0-9]/g, '_')}`;

export class PartitionOwnership {
  readonly intervalMs: number;
  readonly stats: PartitionStats = { claims: 0, takeovers: 0, losses: 0, releases: 0, tickFailures: 0 };
  private readonly owned = new Map<number, Lease>();
  /** Partitions released for rebalancing, still served until another node holds them (or a TTL passed). */
  private readonly handingOver = new Map<number, number>();
  /**
   * Partitions seen held by another node, and when last: kept for a TTL, not just the last listing. A node killed
   * between rewriting its node entry and its leases leaves leases that expire up to an interval before its entry;
   * a listing in between sees them free but the node alive (so claims nothing), and the claim at the next listing
   * must still count as a takeover.
   */
  private readonly heldByOthers = new Map<number, number>();
  private liveNodes = 1;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly opts: PartitionOwnershipOptions) {
    this.intervalMs = Math.max(100, Math.floor(opts.ttlMs / 3));
    this.now = opts.now ?? Date.now;
  }

  get ownedCount(): number {
    return this.owned.size;
  }

  /** Guild nodes seen alive at the last listing (1 without a lease store). */
  get nodes(): number {
    return this.liveNodes;
  }

  owns(partition: number): boolean {
    return this.owned.has(partition);
  }

  ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /** Claims what it can now (resolves after the first tick), then keeps going every intervalMs. */
  async start(): Promise<void> {
    if (!this.opts.leases) {
      for (let n = 0; n < this.opts.partitions; n++) this.gain(n, { revision: 0, refreshedAt: Infinity });
      this.opts.settled?.();
      return;
    }
    await this.runTick();
  }

  private runTick(): Promise<void> {
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.runTick(), this.intervalMs);
    });
    return this.ticking;
  }

  private async tick(): Promise<void> {
    const leases = this.opts.leases!;
    const { log, nodeId, partitions } = this.opts;
    const started = this.now();
    try {
      await leases.put(nodeKey(nodeId), nodeId);
      const refreshed = await Promise.allSettled(
        [...this.owned].map(async ([n, lease]) => {
          const revision = await leases.update(partitionKey(n), nodeId, lease.revision);
          if (this.stopped || this.owned.get(n) !== lease) return;
          if (revision === null) {
            this.stats.losses++;
            log.warn({ partition: n }, 'guild partition lease lost (expired or taken); no longer serving it');
            this.drop(n);
          } else {
            lease.revision = revision;
            lease.refreshedAt = started;
          }
        }),
      );
      const failed = refreshed.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (this.stopped) return;

      const keys = await leases.keys();
      const held = new Set<number>();
      let nodes = 0;
      for (const key of keys) {
        if (key.startsWith('node.')) nodes++;
        else if (key.startsWith('p.')) held.add(Number(key.slice(2)));
      }
      this.liveNodes = Math.max(1, nodes);
      for (const [n, since] of this.handingOver) {
        if (held.has(n) || this.now() - since >= this.opts.ttlMs) this.finishHandover(n);
      }
      const target = Math.ceil(partitions / this.liveNodes);

      if (this.owned.size > target) {
        // A node joined: hand back the highest-numbered excess so it can claim them.
        const excess = this.ownedPartitions().slice(target);
        await Promise.allSettled(excess.map((n) => this.release(n, true)));
        log.info({ released: excess, nodes: this.liveNodes, target }, 'guild partitions released for rebalancing');
      } else if (this.owned.size < target) {
        const claimed: number[] = [];
        const takenOver: number[] = [];
        // Each node starts looking at its own offset, so nodes claiming at once rarely race for the same key.
        const offset = guildPartition(nodeId, partitions);
        for (let i = 0; i < partitions && this.owned.size < target && !this.stopped; i++) {
          const n = (offset + i) % partitions;
          if (held.has(n) || this.owned.has(n)) continue;
          const at = this.now();
          const claim = await leases.create(partitionKey(n), nodeId);
          if (claim === null || this.stopped) continue;
          // Held by another node at the last listing and gone without being released: that node died.
          const takeover = this.heldByOthers.has(n) && claim.previous === 'absent';
          this.stats.claims++;
          if (takeover) {
            this.stats.takeovers++;
            takenOver.push(n);
          }
          claimed.push(n);
          this.gain(n, { revision: claim.revision, refreshedAt: at });
        }
        if (claimed.length > 0) {
          const fields = { claimed, takenOver, owned: this.owned.size, nodes: this.liveNodes, target };
          if (takenOver.length > 0) log.warn(fields, 'guild partitions taken over from a node that stopped refreshing them');
          else log.info(fields, 'guild partitions claimed');
        }
      }
      const seenAt = this.now();
      for (const n of held) if (!this.owned.has(n)) this.heldByOthers.set(n, seenAt);
      for (const [n, at] of this.heldByOthers) if (this.owned.has(n) || seenAt - at > this.opts.ttlMs) this.heldByOthers.delete(n);
    } catch (err) {
      this.stats.tickFailures++;
      log.warn({ err }, 'guild partition lease tick failed; retrying');
      // The bucket may be gone (JetStream storage lost with a NATS restart): bind (create) it again.
      await leases.reopen?.().catch(() => {});
    } finally {
      for (const [n, since] of this.handingOver) if (this.now() - since >= this.opts.ttlMs) this.finishHandover(n);
      // Leases not rewritten for a TTL may already belong to another node: stop serving them.
      for (const [n, lease] of this.owned) {
        if (this.now() - lease.refreshedAt >= this.opts.ttlMs) {
          this.stats.losses++;
          log.warn({ partition: n }, 'guild partition lease not refreshed for a whole TTL; no longer serving it');
          this.drop(n);
        }
      }
      this.opts.settled?.();
    }
  }

  /**
   * Hands a lease back. For rebalancing (`keepServing`) the partition stays served until its new owner shows up
   * in a listing, so a node joining does not leave the partitions it takes over unanswered meanwhile.
   */
  private async release(n: number, keepServing = false): Promise<void> {
    const lease = this.owned.get(n);
    if (!lease) return;
    if (keepServing) {
      this.owned.delete(n);
      this.handingOver.set(n, this.now());
    } else {
      this.drop(n);
    }
    this.stats.releases++;
    await this.opts.leases?.release(partitionKey(n), lease.revision);
  }

  private gain(n: number, lease: Lease): void {
    this.owned.set(n, lease);
    // Reclaimed while still handing it over: it never stopped being served, nothing to gain.
    if (!this.handingOver.delete(n)) this.opts.gained(n);
  }

  private drop(n: number): void {
    if (!this.owned.delete(n)) return;
    this.opts.lost(n);
  }

  private finishHandover(n: number): void {
    if (this.handingOver.delete(n)) this.opts.lost(n);
  }

  /** Stops refreshing and hands every partition back. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking?.catch(() => {});
    const leases = this.opts.leases;
    const mine = this.ownedPartitions();
    const results = await Promise.allSettled(mine.map((n) => this.release(n)));
    for (const n of [...this.handingOver.keys()]) this.finishHandover(n);
    if (leases) {
      await leases.release(nodeKey(this.opts.nodeId), 0).catch(() => {}); // 0: whatever its revision
      const failed = results.filter((r) => r.status === 'rejected').length;
      const removed = await leases.removeIfEmpty?.().catch(() => false);
      this.opts.log.info({ released: mine.length, failed, bucketRemoved: removed }, 'guild partitions released on stop');
    }
  }
}
