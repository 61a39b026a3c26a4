/**
 * Lazy backfill: a scope (a guild, or a DM channel) is indexed the first time someone searches it. Until then
 * its live messages are not indexed either (the indexer skips scopes without a backfill state); the first search
 * records the state, then the history is read backwards from the newest message in batches, across the scope's
 * channels by one id cursor: after each batch every message above the cursor is indexed, and the cursor with the
 * count is stored in the index (setBackfill), so a restarted role continues where it stopped. Messages sent from
 * the moment the state exists come through the queue.
 */
import type { Logger } from '../lib/log.ts';
import type { Store } from '../store/types.ts';
import type { LiveWatermarks } from './catch-up.ts';
import { scopeChannels, searchDocuments } from './document.ts';
import type { BackfillState, SearchIndex } from './search-index.ts';

export interface BackfillDeps {
  index: SearchIndex;
  store: Store;
  log: Logger;
  watermarks: LiveWatermarks;
  /** Messages indexed per batch. */
  batch: number;
  /** A finished backfill of at least this many messages optimizes the index (SearchIndex.optimize). */
  optimizeAfter: number;
}

export class Backfills {
  readonly #running = new Map<string, Promise<void>>();
  #closed = false;
  /** Messages indexed by backfills of this process (for /metrics). */
  indexed = 0;

  constructor(private readonly deps: BackfillDeps) {}

  /**
   * The scope's state, starting its backfill when it has none (a first search) or when its backfill is
   * unfinished and not running here (a restart, or another node that died).
   */
  async state(scopeId: string, guild: boolean): Promise<BackfillState> {
    let state = await this.deps.index.getBackfill(scopeId);
    if (!state) {
      // The watermark first: from the state on, the indexer applies this scope's jobs.
      await this.deps.watermarks.started(scopeId);
      state = { done: false, cursor: null, indexed: 0 };
      await this.deps.index.setBackfill(scopeId, state);
    }
    if (!state.done) this.#start(scopeId, guild);
    return state;
  }

  get running(): number {
    return this.#running.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running.values()]);
  }

  #start(scopeId: string, guild: boolean): void {
    if (this.#running.has(scopeId) || this.#closed) return;
    const run = this.#run(scopeId, guild)
      .catch((err) => this.deps.log.warn({ err, scopeId }, 'search backfill stopped; the next search resumes it'))
      .finally(() => this.#running.delete(scopeId));
    this.#running.set(scopeId, run);
  }

  async #run(scopeId: string, guild: boolean): Promise<void> {
    const { index, store, log, batch } = this.deps;
    // Live messages of an earlier process's backfill whose jobs that process lost.
    await this.deps.watermarks.ensure(scopeId, guild);
    let state = (await index.getBackfill(scopeId)) ?? { done: false, cursor: null, indexed: 0 };
    const channels = await scopeChannels(store, scopeId, guild);
    const started = Date.now();
    while (!state.done && !this.#closed) {
      const before = state.cursor ?? undefined;
      const pages = await Promise.all(channels.map((c) => store.messages.list(c, { ...(before ? { before } : {}), limit: batch })));
      const newest = pages.flat().sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1)).slice(0, batch);
      if (newest.length === 0) {
        state = { ...state, done: true };
      } else {
        // Counted as documents (a join message is read but not indexed): what `documents_indexed` reports.
        const docs = await searchDocuments(store, newest);
        await index.upsert(docs);
        this.indexed += docs.length;
        state = { done: false, cursor: newest[newest.length - 1]!.id, indexed: state.indexed + docs.length };
      }
      await index.setBackfill(scopeId, state);
    }
    if (!state.done) return;
    log.info({ scopeId, indexed: state.indexed, ms: Date.now() - started }, 'search backfill done');
    // A bulk load leaves the index in many pieces (SQLite: segments, merged in small steps; PostgreSQL: GIN
    // pending lists and stale statistics). Small scopes leave too little to be worth it.
    if (state.indexed >= this.deps.optimizeAfter && !this.#closed) {
      const t0 = Date.now();
      await index.optimize?.();
      log.info({ scopeId, ms: Date.now() - t0 }, 'search index optimized after a backfill');
    }
  }
}
