/**
 * The user with every token of theirs (`tokens.listWithUser`), kept in memory: every authenticated request and
 * IDENTIFY reads it. Served from memory, `GET /users/@me` costs a loaded server 100 instead of 125 µs of CPU
 * (docs/performance.md).
 *
 * Exact for the process's own writes, as the access cache is (store/access-cache.ts): the store reports every row of
 * `users` and `tokens` that a write inserts, updates or deletes, as the row changes (Store.watchRows: SQLite
 * triggers, so no list of the store's write methods has to be kept in step), and that user's entry is dropped then.
 * A read that overlapped such a change is returned but not kept, and a failed group COMMIT drops everything
 * (store/read-cache.ts). So a revoked token is refused by the very next request, as when the store is read each time.
 *
 * Only for a process that is the sole writer of users and tokens: one on its own SQLite file and in-memory bus
 * (src/server.ts decides; a second `accord start` on the same data folder would go unseen, and would not share this
 * one's events either, so that is not a supported setup).
 *
 * Entries expire after 10 s and at most 10,000 users are kept (store/read-cache.ts).
 */
import { isSnowflake, type Snowflake } from '../protocol/snowflake.ts';
import { ReadCache } from './read-cache.ts';
import { subStore } from './sub-store.ts';
import type { RowChangeListener, Store, TokenRecord, UserRecord, WatchedTables } from './types.ts';

type Identity = { user: UserRecord; tokens: TokenRecord[] };

/** The watched tables with the user id a change names. */
export const IDENTITY_TABLES: WatchedTables = { users: ['id'], tokens: ['user_id'] };

/** Each user's identity by user id (store/read-cache.ts: TTL, bound, the epoch rule, frozen entries). */
export class IdentityCache extends ReadCache<Snowflake, Identity> implements RowChangeListener {
  changed(_table: string, keys: readonly string[]): void {
    this.invalidate(keys[0]);
  }

  reset(): void {
    this.clear();
  }
}

/**
 * `store` with `tokens.listWithUser` read through `cache`, once the store reports the changes of `users` and
 * `tokens` to it. The result inherits everything else from `store`. Refused for a store without watchRows.
 */
export async function withIdentityCache(store: Store, cache: IdentityCache): Promise<Store> {
  if (!store.watchRows) throw new Error('identity cache: this store cannot report row changes');
  await store.watchRows(IDENTITY_TABLES, cache);
  const { tokens } = store;
  // Ids as the triggers report them are canonical decimals: a read by any other spelling goes to the store.
  return Object.create(store, {
    tokens: subStore(tokens, {
      listWithUser: (userId: Snowflake) => (isSnowflake(userId) ? cache.read(userId, () => tokens.listWithUser(userId)) : tokens.listWithUser(userId)),
    }),
  }) as Store;
}
