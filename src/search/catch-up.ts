/**
 * Closing the gap a crash leaves. Jobs live in the bus's durable queue; without NATS (one process, the in-memory
 * bus) the jobs a process held when it died are gone although their outbox records were marked done. So the
 * role keeps, per scope, a live watermark in the index (`live:<scope>`, a BackfillState whose cursor is a
 * message id): every message of the scope created before it had its job applied. The first time a process
 * touches a scope (a job or a search) it re-reads the scope's messages after the watermark from the store and
 * upserts them, and while it is idle (no job held, none failed lately) it advances the watermarks of the scopes
 * it touched to a little before now.
 *
 * The margin covers a record that waited in the outbox before its relay published it (a sweep republishes after
 * ACCORD_OUTBOX_STALE_MS). What this cannot recover is an edit, pin or delete of an older message whose job was
 * lost: a deleted message is dropped from the index when a search finds it gone (query.ts); an edit or pin lost
 * that way is matched by its old state until the message changes again.
 */
import type { Logger } from '../lib/log.ts';
import { snowflakeFromTimestamp } from '../protocol/snowflake.ts';
import type { Store } from '../store/types.ts';
import { scopeChannels, searchDocuments } from './document.ts';
import type { SearchIndex } from './search-index.ts';

/** Messages read per store page while catching up. */
const PAGE = 100;

export const liveKey = (scopeId: string) => `live:${scopeId}`;

export interface CatchUpDeps {
  index: SearchIndex;
  store: Store;
  log: Logger;
  now: () => number;
  /** How far behind now a watermark is set (longer than a record can wait in the outbox). */
  marginMs: number;
}

export class LiveWatermarks {
  readonly #caughtUp = new Set<string>();
  readonly #running = new Map<string, Promise<void>>();
  /** Scopes that received jobs since the last checkpoint. */
  readonly #touched = new Set<string>();
  /** Messages re-read by catch-ups (for /metrics). */
  recovered = 0;

  constructor(private readonly deps: CatchUpDeps) {}

  /** A scope starts being indexed now: its backfill reads everything already stored, so nothing to catch up. */
  async started(scopeId: string): Promise<void> {
    await this.#mark(scopeId);
    this.#caughtUp.add(scopeId);
  }

  /** Resolves once the scope is caught up in this process (at once after the first time). */
  ensure(scopeId: string, guild: boolean): Promise<void> {
    if (this.#caughtUp.has(scopeId)) return Promise.resolve();
    let running = this.#running.get(scopeId);
    if (!running) {
      running = this.#catchUp(scopeId, guild).finally(() => this.#running.delete(scopeId));
      this.#running.set(scopeId, running);
    }
    return running;
  }

  touched(scopeId: string): void {
    this.#touched.add(scopeId);
  }

  get catchingUp(): boolean {
    return this.#running.size > 0;
  }

  /** The role is idle: every job published so far is applied; advance the watermarks of the scopes touched. */
  async checkpoint(): Promise<void> {
    const scopes = [...this.#touched].filter((s) => this.#caughtUp.has(s));
    for (const scopeId of scopes) {
      this.#touched.delete(scopeId);
      await this.#mark(scopeId);
    }
  }

  async #mark(scopeId: string): Promise<void> {
    const cursor = snowflakeFromTimestamp(this.deps.now() - this.deps.marginMs);
    await this.deps.index.setBackfill(liveKey(scopeId), { done: true, cursor, indexed: 0 });
  }

  async #catchUp(scopeId: string, guild: boolean): Promise<void> {
    const { index, store, log } = this.deps;
    const mark = await index.getBackfill(liveKey(scopeId));
    let count = 0;
    if (mark?.cursor) {
      for (const channelId of await scopeChannels(store, scopeId, guild)) {
        let after = mark.cursor;
        for (;;) {
          const page = await store.messages.list(channelId, { after, limit: PAGE });
          if (page.length === 0) break;
          await index.upsert(await searchDocuments(store, page));
          count += page.length;
          after = page.reduce((max, m) => (BigInt(m.id) > BigInt(max) ? m.id : max), page[0]!.id);
          if (page.length < PAGE) break;
        }
      }
    }
    this.recovered += count;
    if (count) log.info({ scopeId, count }, 'search caught up with messages newer than its watermark');
    this.#caughtUp.add(scopeId);
  }
}
