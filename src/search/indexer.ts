/**
 * Applies search.index jobs (recorded by the message write paths in their own transactions) to the index in
 * batches: the queue hands the role up to `batch` jobs at once, they are applied together, and each is acked
 * only once its batch is in the index, so a node that dies mid-batch leaves its jobs unacked (redelivered by
 * NATS; see catch-up.ts for the in-memory bus). Applying is idempotent: an upsert re-reads the message from the
 * store and replaces the document by id, so a job applied twice, or late, writes the message as it is now.
 */
import type { SearchIndexJob } from '../contracts/index.ts';
import type { Logger } from '../lib/log.ts';
import { snowflakeTimestamp } from '../protocol/snowflake.ts';
import type { MessageRecord, Store } from '../store/types.ts';
import type { LiveWatermarks } from './catch-up.ts';
import { searchDocuments } from './document.ts';
import type { SearchIndex } from './search-index.ts';

export interface IndexerDeps {
  index: SearchIndex;
  store: Store;
  log: Logger;
  now: () => number;
  watermarks: LiveWatermarks;
}

/** Send → searchable, over new messages (edits and re-deliveries left out). */
export class LagStats {
  count = 0;
  sumMs = 0;
  maxMs = 0;
  lastMs = 0;
  add(ms: number): void {
    this.count++;
    this.sumMs += ms;
    this.lastMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }
}

export class Indexer {
  readonly lag = new LagStats();
  readonly counts = { jobs: 0, batches: 0, upserted: 0, deleted: 0, skipped: 0 };
  /** Scopes known to have a backfill state (states are never removed, so a hit can be remembered). */
  readonly #known = new Set<string>();

  constructor(private readonly deps: IndexerDeps) {}

  async apply(jobs: readonly SearchIndexJob[]): Promise<void> {
    const { index, store } = this.deps;
    this.counts.batches++;
    this.counts.jobs += jobs.length;
    // Upserts first, coalesced per channel (each reads the message as it is now, pinned state included); then
    // the other operations in queue order.
    const upserts = new Map<string, Set<string>>();
    for (const job of jobs) {
      if (job.op !== 'upsert' || !Array.isArray(job.messageIds)) continue;
      const scopeId = job.guildId ?? job.channelId;
      if (!(await this.#indexed(scopeId))) {
        this.counts.skipped += job.messageIds.length;
        continue;
      }
      await this.deps.watermarks.ensure(scopeId, job.guildId !== undefined);
      this.deps.watermarks.touched(scopeId);
      let ids = upserts.get(job.channelId);
      if (!ids) upserts.set(job.channelId, (ids = new Set()));
      for (const id of job.messageIds) ids.add(id);
    }
    const messages: MessageRecord[] = [];
    for (const [channelId, ids] of upserts) messages.push(...(await store.messages.getMany(channelId, [...ids])));
    if (messages.length) await index.upsert(await searchDocuments(store, messages));
    this.counts.upserted += messages.length;
    const at = this.deps.now();
    for (const m of messages) if (m.editedAt === null) this.lag.add(Math.max(0, at - snowflakeTimestamp(m.id)));

    for (const job of jobs) {
      const ids = Array.isArray(job.messageIds) ? job.messageIds : [];
      switch (job.op) {
        case 'delete':
          if (ids.length) await index.delete(ids);
          this.counts.deleted += ids.length;
          break;
        case 'pin':
        case 'unpin':
          for (const id of ids) await index.setPinned(id, job.op === 'pin');
          break;
        case 'delete-channel':
          await index.deleteChannel(job.channelId);
          break;
        case 'delete-guild':
          if (job.guildId) await index.deleteGuild(job.guildId);
          break;
      }
    }
    if (messages.length) this.deps.log.debug({ messages: messages.length, jobs: jobs.length, lastLagMs: this.lag.lastMs }, 'search batch indexed');
  }

  async #indexed(scopeId: string): Promise<boolean> {
    if (this.#known.has(scopeId)) return true;
    // Not cached when absent: another node (or a search here) may start this scope's backfill at any moment.
    if (!(await this.deps.index.getBackfill(scopeId))) return false;
    this.#known.add(scopeId);
    return true;
  }
}

interface Waiting<T> {
  job: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Gathers jobs the queue delivers concurrently into batches of at most `max`, applied one batch at a time; each
 * job's promise settles with its batch. When a batch fails its jobs are tried one by one, so one bad job fails
 * alone (and goes to the dead-letter queue after its retries) instead of holding the others back.
 */
export class JobBatcher<T> {
  #waiting: Waiting<T>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** When a job last failed (its redelivery waits in the queue meanwhile). */
  lastFailureAt = 0;

  constructor(
    private readonly apply: (jobs: T[]) => Promise<void>,
    private readonly max: number,
    private readonly delayMs: number,
    private readonly now: () => number,
  ) {}

  add(job: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ job, resolve, reject });
      if (this.#waiting.length >= this.max) this.#kick();
      else this.#timer ??= setTimeout(() => this.#kick(), this.delayMs);
    });
  }

  /** Jobs held (waiting or being applied). */
  get busy(): boolean {
    return this.#waiting.length > 0 || this.#running !== undefined;
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#waiting.length) this.#timer ??= setTimeout(() => this.#kick(), this.delayMs);
    });
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length) {
      const batch = this.#waiting.splice(0, this.max);
      try {
        await this.apply(batch.map((w) => w.job));
        for (const w of batch) w.resolve();
      } catch {
        for (const w of batch) {
          try {
            await this.apply([w.job]);
            w.resolve();
          } catch (err) {
            this.lastFailureAt = this.now();
            w.reject(err);
          }
        }
      }
    }
  }
}
