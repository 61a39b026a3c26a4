/**
 * Leases on guild partitions, kept in a JetStream KV bucket (NATS only; one process on the in-memory bus owns
 * every partition and needs none).
 *
 * The bucket's max_age is the lease TTL and it keeps one value per key: a key lives as long as its holder keeps
 * rewriting it. `create` succeeds only on a key that is absent (never written, expired, or deleted), `update`
 * only while the caller still holds the revision it last wrote, `release` deletes only that revision — the
 * server arbitrates every claim, so no membership protocol of our own is needed.
 *
 * Keys: `p.<n>` (value: the owner's node id) per partition, `node.<id>` per live guild node (for balancing).
 */
import type { KV } from 'nats';
import type { Bus } from '../bus/types.ts';
import type { NatsBus } from '../bus/nats.ts';

export interface LeaseStore {
  /** Keys that exist now (expired and deleted ones left out). */
  keys(): Promise<string[]>;
  /** The key's value, or undefined when absent. */
  get(key: string): Promise<string | undefined>;
  /** Writes a key unconditionally (a node's liveness entry, which only its node writes). */
  put(key: string, value: string): Promise<void>;
  /**
   * Claims an absent key: its revision and whether the last holder deleted it (`released`) or it was never
   * written or expired (`absent`); null when someone holds it.
   */
  create(key: string, value: string): Promise<{ revision: number; previous: 'absent' | 'released' } | null>;
  /** Rewrites a key held at `revision`: the new revision, or null when the lease was lost (expired or taken). */
  update(key: string, value: string, revision: number): Promise<number | null>;
  /** Deletes the bucket when no key is left (the last guild node stopping): nothing stays behind on NATS. */
  removeIfEmpty?(): Promise<boolean>;
  /** After a failure: binds the bucket again, creating it if it vanished (JetStream storage lost). */
  reopen?(): Promise<void>;
  /** Deletes the key if still at `revision` (a lease lost meanwhile is left to its new holder); 0: whatever its revision. */
  release(key: string, revision: number): Promise<void>;
}

/** JetStream API error: the key's last revision is not the one expected. */
const JS_WRONG_LAST_SEQUENCE = 10071;

function isWrongRevision(err: unknown): boolean {
  return (err as { api_error?: { err_code?: number } } | undefined)?.api_error?.err_code === JS_WRONG_LAST_SEQUENCE;
}

export class KvLeaseStore implements LeaseStore {
  private constructor(
    private kv: KV,
    private readonly bind: () => Promise<KV>,
    readonly bucket: string,
  ) {}

  /** Opens (creating if needed) the bucket with max_age `ttlMs` on the bus's NATS connection. */
  static async open(bus: NatsBus, bucket: string, ttlMs: number): Promise<KvLeaseStore> {
    const bind = () => bus.nc.jetstream().views.kv(bucket, { ttl: ttlMs, history: 1 });
    return new KvLeaseStore(await bind(), bind, bucket);
  }

  async removeIfEmpty(): Promise<boolean> {
    // A node starting meanwhile finds its first writes refused and binds (recreates) the bucket on its next round.
    if ((await this.keys()).length > 0) return false;
    return this.kv.destroy();
  }

  async reopen(): Promise<void> {
    this.kv = await this.bind();
  }

  async keys(): Promise<string[]> {
    const out: string[] = [];
    for await (const key of await this.kv.keys()) out.push(key);
    return out;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = await this.kv.get(key);
    return entry && entry.operation === 'PUT' ? entry.string() : undefined;
  }

  async put(key: string, value: string): Promise<void> {
    await this.kv.put(key, value);
  }

  async create(key: string, value: string): Promise<{ revision: number; previous: 'absent' | 'released' } | null> {
    // kv.create's own steps, keeping apart a key that expired (its holder died) from one its holder deleted.
    try {
      return { revision: await this.kv.put(key, value, { previousSeq: 0 }), previous: 'absent' };
    } catch (err) {
      if (!isWrongRevision(err)) throw err;
    }
    const last = await this.kv.get(key);
    if (!last || last.operation === 'PUT') return null;
    const revision = await this.update(key, value, last.revision);
    return revision === null ? null : { revision, previous: 'released' };
  }

  async update(key: string, value: string, revision: number): Promise<number | null> {
    try {
      return await this.kv.update(key, value, revision);
    } catch (err) {
      if (isWrongRevision(err)) return null;
      throw err;
    }
  }

  async release(key: string, revision: number): Promise<void> {
    try {
      await this.kv.delete(key, { previousSeq: revision });
    } catch (err) {
      if (!isWrongRevision(err)) throw err;
    }
  }
}

/**
 * The lease store for this bus: a KV bucket on NATS, none in memory (one process, every partition local).
 * The default bucket is named after the bus's stream prefix, so clusters (and test runs) that keep their
 * queues apart keep their partitions apart too.
 */
export async function openPartitionLeases(bus: Bus, ttlMs: number, bucket?: string): Promise<KvLeaseStore | null> {
  if (bus.kind !== 'nats') return null;
  const nats = bus as unknown as NatsBus;
  return KvLeaseStore.open(nats, bucket ?? nats.streamName('guild.partitions'), ttlMs);
}
