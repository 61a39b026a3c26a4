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
 * Entries also expire after `ttlMs` of the process's clock, and at most `maxEntries` are kept (the oldest go first).
 * They are frozen: callers share them.
 */
import type { Snowflake } from '../protocol/snowflake.ts';
import type { Store, TokenRecord, UserRecord } from './types.ts';

export interface IdentityCacheOptions {
  now: () => number;
  /** Default 10 s. */
  ttlMs?: number;
  /** Default 10,000 users. */
  maxEntries?: number;
}

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

export class IdentityCache {
  readonly #entries = new Map<Snowflake, { identity: Identity; at: number }>();
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  /** Bumped by every write: a read that began before a write settled is not kept. */
  #epoch = 0;
  hits = 0;
  misses = 0;

  constructor(opts: IdentityCacheOptions) {
    this.#now = opts.now;
    this.#ttlMs = opts.ttlMs ?? 10_000;
    this.#maxEntries = opts.maxEntries ?? 10_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  async read(userId: Snowflake, load: () => Promise<Identity | null>): Promise<Identity | null> {
    const entry = this.#entries.get(userId);
    if (entry && this.#now() - entry.at < this.#ttlMs) {
      this.hits++;
      return entry.identity;
    }
    this.misses++;
    const epoch = this.#epoch;
    const identity = await load();
    if (!identity || epoch !== this.#epoch) return identity;
    const frozen = freeze(identity);
    this.#entries.delete(userId);
    this.#entries.set(userId, { identity: frozen, at: this.#now() });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return frozen;
  }

  /** A write to the user (or their tokens) is about to run, or has settled. */
  invalidate(userId: Snowflake | undefined): void {
    this.#epoch++;
    if (userId !== undefined) this.#entries.delete(userId);
  }
}

function freeze(identity: Identity): Identity {
  for (const t of identity.tokens) Object.freeze(t);
  Object.freeze(identity.tokens);
  Object.freeze(identity.user);
  return Object.freeze(identity);
}

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
