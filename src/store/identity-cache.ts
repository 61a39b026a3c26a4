/**
 * The user with every token of theirs (`tokens.listWithUser`), kept in memory: every authenticated request and
 * IDENTIFY reads it. Served from memory, `GET /users/@me` costs a loaded server 100 instead of 125 µs of CPU
 * (docs/performance.md).
 *
 * Only for a process that is the sole writer of users and tokens: one on its own SQLite file and in-memory bus
 * (src/server.ts decides; a second `accord start` on the same data folder would go unseen, and would not share this
 * one's events either, so that is not a supported setup). Every write through this store to a user or their tokens
 * drops that user's entry before it runs and again once it has settled, and a read that overlapped any such write
 * is returned but not kept. So nothing this process has written is served stale once the write has returned: a
 * revoked token is refused by the very next request, as when the store is read each time.
 *
 * Entries expire after 10 s and at most 10,000 users are kept (store/read-cache.ts).
 */
import type { Snowflake } from '../protocol/snowflake.ts';
import { ReadCache } from './read-cache.ts';
import type { Store, TokenRecord, UserRecord } from './types.ts';

type Identity = { user: UserRecord; tokens: TokenRecord[] };

/** The user id a write names, from its arguments. */
type UserOf = (args: unknown[]) => Snowflake | undefined;
const firstArg: UserOf = (args) => args[0] as Snowflake;
const tokenArg: UserOf = (args) => (args[0] as TokenRecord | undefined)?.userId;
const userArg: UserOf = (args) => (args[0] as UserRecord | undefined)?.id;

/** Every method of the users and tokens stores that writes, and whose user it touches. */
const WRITES: { users: Record<string, UserOf>; tokens: Record<string, UserOf> } = {
  users: { create: userArg, update: firstArg, replacePasswordHash: firstArg },
  tokens: { create: tokenArg, delete: firstArg, deleteForUser: firstArg, replaceForUser: firstArg, createCapped: tokenArg, touch: firstArg },
};

/** Each user's identity by user id (store/read-cache.ts: TTL, bound, the epoch rule, frozen entries). */
export class IdentityCache extends ReadCache<Snowflake, Identity> {}

/**
 * `store` with `tokens.listWithUser` read through `cache`, and its user and token writes dropping entries. The
 * result inherits everything else from `store` (no proxy on the hot path of every other read).
 */
export function withIdentityCache(store: Store, cache: IdentityCache): Store {
  const tokens = withWrites(store.tokens, WRITES.tokens, cache);
  tokens.listWithUser = (userId: Snowflake) => cache.read(userId, () => store.tokens.listWithUser(userId));
  return Object.create(store, {
    tokens: { value: tokens, enumerable: true },
    users: { value: withWrites(store.users, WRITES.users, cache), enumerable: true },
  }) as Store;
}

/** A sub-store inheriting from `inner`, each of whose writes drops its user's entry before it runs and after it settles. */
function withWrites<T extends object>(inner: T, writes: Record<string, UserOf>, cache: IdentityCache): T {
  const out = Object.create(inner) as Record<string, unknown>;
  for (const [name, userOf] of Object.entries(writes)) {
    const write = (inner as Record<string, unknown>)[name];
    if (typeof write !== 'function') throw new Error(`identity cache: the store has no ${name}()`);
    out[name] = async (...args: unknown[]) => {
      const userId = userOf(args);
      cache.invalidate(userId);
      try {
        return await write.apply(inner, args);
      } finally {
        cache.invalidate(userId);
      }
    };
  }
  return out as T;
}
