/**
 * The identity cache (src/store/identity-cache.ts) over a real SQLite store: reads are kept, and every write to a
 * user or their tokens through the store drops the user's entry, so a revoked token is refused and a changed user
 * is seen by the very next read; a read that overlapped a write is not kept; entries expire and are bounded.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IdentityCache, withIdentityCache } from '../../src/store/identity-cache.ts';
import { SqlTokenStore, SqlUserStore } from '../../src/store/sql/identity.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store, TokenRecord } from '../../src/store/types.ts';
import { issueToken } from '../../src/lib/secrets.ts';
import { resolveToken, tokenLifetime } from '../../src/lib/tokens.ts';
import { user } from '../contract/store.fixtures.ts';

describe('identity cache', () => {
  let raw: Store;
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const lifetime = tokenLifetime(30, now);

  before(async () => {
    raw = await openSqliteStore({ path: ':memory:' });
    await raw.migrate();
  });
  after(() => raw.close());

  async function withToken(store: Store) {
    const u = user();
    const issued = issueToken(u.id, clock);
    const record: TokenRecord = { userId: u.id, hash: issued.hash, kind: 'user', createdAt: clock, lastUsedAt: clock, clientOs: null, clientPlatform: null };
    await store.users.create(u, record);
    return { u, token: issued.token, record };
  }

  it('keeps a read, frozen, and serves it again without the store', async () => {
    const cache = new IdentityCache({ now });
    const store = withIdentityCache(raw, cache);
    const { u, token } = await withToken(store);
    const first = await resolveToken(store, token, lifetime);
    assert.equal(first?.user.id, u.id);
    const second = await resolveToken(store, token, lifetime);
    assert.equal(second?.user, first?.user, 'the same object');
    assert.deepEqual([cache.misses, cache.hits], [1, 1]);
    assert.ok(Object.isFrozen(second!.user) && Object.isFrozen(second!.token));
  });

  it('a revoked token is refused by the very next read; a changed user is seen at once', async () => {
    const cache = new IdentityCache({ now });
    const store = withIdentityCache(raw, cache);
    const { u, token, record } = await withToken(store);
    assert.ok(await resolveToken(store, token, lifetime));
    await store.users.update(u.id, { username: 'renamed' });
    assert.equal((await resolveToken(store, token, lifetime))?.user.username, 'renamed');
    await store.tokens.delete(u.id, record.hash);
    assert.equal(await resolveToken(store, token, lifetime), null);

    // Every other kind of write, each followed by a read that must see it.
    const second = await withToken(store);
    assert.ok(await resolveToken(store, second.token, lifetime));
    await store.tokens.deleteForUser(second.u.id);
    assert.equal(await resolveToken(store, second.token, lifetime), null);
    const third = await withToken(store);
    assert.ok(await resolveToken(store, third.token, lifetime));
    const replacement = issueToken(third.u.id, clock);
    await store.tokens.replaceForUser(third.u.id, 'user', { ...third.record, hash: replacement.hash });
    assert.equal(await resolveToken(store, third.token, lifetime), null);
    assert.ok(await resolveToken(store, replacement.token, lifetime));
    const capped = issueToken(third.u.id, clock + 1);
    await store.tokens.createCapped({ ...third.record, hash: capped.hash, createdAt: clock + 1, lastUsedAt: clock + 1 }, 1);
    assert.equal(await resolveToken(store, replacement.token, lifetime), null, 'evicted by the cap');
    assert.ok(await resolveToken(store, capped.token, lifetime));
    assert.ok(await store.users.replacePasswordHash(third.u.id, third.u.passwordHash!, 'new-hash'));
    const reread = await store.tokens.listWithUser(third.u.id);
    assert.equal(reread?.user.passwordHash, 'new-hash');
  });

  it('touching a token drops the entry, so the next read has the new last use', async () => {
    const cache = new IdentityCache({ now });
    const store = withIdentityCache(raw, cache);
    const { u, token, record } = await withToken(store);
    await resolveToken(store, token, lifetime);
    clock += 120_000;
    await resolveToken(store, token, lifetime); // a minute since the last use: touched
    const after = await store.tokens.listWithUser(u.id);
    assert.equal(after?.tokens.find((t) => t.hash === record.hash)?.lastUsedAt, clock);
  });

  it('a read that overlapped a write is returned but not kept', async () => {
    const cache = new IdentityCache({ now });
    const identity = { user: user(), tokens: [] };
    let release!: () => void;
    const reading = cache.read(identity.user.id, () => new Promise<typeof identity>((resolve) => (release = () => resolve(identity))));
    cache.invalidate(identity.user.id);
    release();
    assert.equal(await reading, identity);
    assert.equal(cache.size, 0);
    // With no write meanwhile, the same read is kept.
    const again = cache.read(identity.user.id, async () => identity);
    assert.equal(await again, identity);
    assert.equal(cache.size, 1);
  });

  it('a read that began during a write and returned before its commit is dropped once the write settles (PostgreSQL\'s order)', async () => {
    // A store whose reads return at once what is committed, and whose delete commits when the test says so.
    const u = user();
    const token: TokenRecord = { userId: u.id, hash: 'a'.repeat(64), kind: 'user', createdAt: 0, lastUsedAt: 0, clientOs: null, clientPlatform: null };
    let committed: TokenRecord[] = [token];
    let commit!: () => void;
    const noWrite = async () => {
      throw new Error('not in this test');
    };
    const stub = {
      users: { create: noWrite, update: noWrite, replacePasswordHash: noWrite },
      tokens: {
        listWithUser: async () => ({ user: u, tokens: committed }),
        delete: () => new Promise<void>((resolve) => (commit = () => {
          committed = [];
          resolve();
        })),
        create: noWrite, deleteForUser: noWrite, replaceForUser: noWrite, createCapped: noWrite, touch: noWrite,
      },
    } as unknown as Store;
    const cache = new IdentityCache({ now });
    const store = withIdentityCache(stub, cache);
    const deleting = store.tokens.delete(u.id, token.hash);
    assert.equal((await store.tokens.listWithUser(u.id))?.tokens.length, 1, 'not committed yet: the old tokens');
    assert.equal(cache.size, 1, 'and kept, the write not having settled');
    commit();
    await deleting;
    assert.equal((await store.tokens.listWithUser(u.id))?.tokens.length, 0, 'once the delete has returned, the next read has it');
  });

  it('entries expire after the ttl, and the oldest go past maxEntries', async () => {
    const cache = new IdentityCache({ now, ttlMs: 1000, maxEntries: 2 });
    const ids = [user(), user(), user()].map((u) => u.id);
    const load = (id: string) => async () => ({ user: user({ id }), tokens: [] });
    for (const id of ids) await cache.read(id, load(id));
    assert.equal(cache.size, 2);
    let loads = 0;
    await cache.read(ids[0]!, async () => (loads++, { user: user({ id: ids[0] }), tokens: [] }));
    assert.equal(loads, 1, 'the oldest was dropped');
    await cache.read(ids[0]!, async () => (loads++, { user: user({ id: ids[0] }), tokens: [] }));
    assert.equal(loads, 1, 'then kept');
    clock += 1000;
    await cache.read(ids[0]!, async () => (loads++, { user: user({ id: ids[0] }), tokens: [] }));
    assert.equal(loads, 2, 'expired');
    assert.equal(await cache.read('1', async () => null), null);
    assert.equal(cache.size, 2, 'an unknown user is not kept');
  });

  it('no other store writes the users or tokens tables, but for creating a new user (never cached: a miss is not kept)', () => {
    const dir = join(import.meta.dirname, '../../src/store/sql');
    const writes = /\b(INSERT INTO|UPDATE|DELETE FROM)\s+(users|tokens)\b[^`'"]*/g;
    const found: string[] = [];
    for (const file of readdirSync(dir)) {
      if (file === 'identity.ts' || file === 'migrations.ts') continue;
      for (const m of readFileSync(join(dir, file), 'utf8').matchAll(writes)) found.push(`${file}: ${m[0].trim()}`);
    }
    // A no-op UPDATE that only locks the row (relationships.ts) changes nothing listWithUser returns.
    assert.deepEqual(found.filter((f) => !f.endsWith('SET flags = flags WHERE id = ?')), []);
  });

  it('every method of the users and tokens stores is either a read or a write the cache knows', () => {
    const READS = new Set(['constructor', 'get', 'getMany', 'findByLogin', 'listForUser', 'listWithUser']);
    const cache = new IdentityCache({ now });
    const store = withIdentityCache(raw, cache);
    for (const [name, proto, wrapped] of [['users', SqlUserStore.prototype, store.users], ['tokens', SqlTokenStore.prototype, store.tokens]] as const) {
      for (const method of Object.getOwnPropertyNames(proto)) {
        if (READS.has(method)) continue;
        assert.ok(Object.hasOwn(wrapped, method), `${name}.${method} writes without dropping the cache's entry`);
      }
    }
  });
});
