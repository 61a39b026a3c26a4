/**
 * The identity cache (src/store/identity-cache.ts) over a real SQLite store: reads are kept, and every row change
 * of a user or their tokens, whatever statement made it (the store's methods, raw SQL), drops the user's entry, so a
 * revoked token is refused and a changed user is seen by the very next read; a read that overlapped a change is not
 * kept; a failed group COMMIT drops everything; entries expire and are bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdentityCache, withIdentityCache } from '../../src/store/identity-cache.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import type { Store, TokenRecord } from '../../src/store/types.ts';
import { issueToken } from '../../src/lib/secrets.ts';
import { resolveToken, tokenLifetime } from '../../src/lib/tokens.ts';
import { user } from '../contract/store.fixtures.ts';

describe('identity cache', () => {
  let raw: SqlStore;
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
    const store = await withIdentityCache(raw, cache);
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
    const store = await withIdentityCache(raw, cache);
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
    const store = await withIdentityCache(raw, cache);
    const { u, token, record } = await withToken(store);
    await resolveToken(store, token, lifetime);
    clock += 120_000;
    await resolveToken(store, token, lifetime); // a minute since the last use: touched
    const after = await store.tokens.listWithUser(u.id);
    assert.equal(after?.tokens.find((t) => t.hash === record.hash)?.lastUsedAt, clock);
  });

  it('a read that overlapped a write is returned but not kept', async () => {
    const cache = new IdentityCache({ now });
    const store = await withIdentityCache(raw, cache);
    const { u } = await withToken(store);
    // The read's SQL runs within this call; its result is kept only a few microtasks later, after the write's trigger.
    const reading = store.tokens.listWithUser(u.id);
    const writing = raw.driver.run('UPDATE users SET username = ? WHERE id = ?', ['changed', BigInt(u.id)]);
    assert.equal((await reading)?.user.username, u.username, 'read before the change');
    await writing;
    assert.equal(cache.size, 0, 'not kept');
    assert.equal((await store.tokens.listWithUser(u.id))?.user.username, 'changed');
    // With no write meanwhile, the next read is kept.
    assert.equal(cache.size, 1);
  });

  it('a write by any statement on the connection is seen, not only the store\'s methods', async () => {
    const cache = new IdentityCache({ now });
    const store = await withIdentityCache(raw, cache);
    const { u, token } = await withToken(store);
    assert.ok(await resolveToken(store, token, lifetime));
    await raw.driver.run('UPDATE users SET username = ? WHERE id = ?', ['raw', BigInt(u.id)]);
    assert.equal((await resolveToken(store, token, lifetime))?.user.username, 'raw');
    await raw.driver.run('DELETE FROM tokens WHERE user_id = ?', [BigInt(u.id)]);
    assert.equal(await resolveToken(store, token, lifetime), null);
  });

  it('a failed group COMMIT drops what was read from the group', async () => {
    const cache = new IdentityCache({ now });
    const store = await withIdentityCache(raw, cache);
    const { u, token } = await withToken(store);
    assert.ok(await resolveToken(store, token, lifetime));
    let readInGroup: ReturnType<typeof resolveToken> | undefined;
    const failing = raw.driver.transaction(async (tx) => {
      // Checked at COMMIT, so the transaction itself succeeds and the group's COMMIT fails.
      await tx.exec('PRAGMA defer_foreign_keys = ON');
      await tx.run('UPDATE users SET username = ? WHERE id = ?', ['lost', BigInt(u.id)]);
      await tx.run('UPDATE tokens SET user_id = ? WHERE user_id = ?', [BigInt(user().id), BigInt(u.id)]);
      // Begins after the changes, runs once this callback ends, before the group commits: it sees them and keeps them.
      readInGroup = store.tokens.listWithUser(u.id) as never;
    });
    await assert.rejects(failing);
    assert.equal(((await readInGroup) as { user: { username: string } } | null)?.user.username, 'lost');
    assert.equal((await resolveToken(store, token, lifetime))?.user.username, u.username, 'the COMMIT failed: memory was dropped with it');
  });

  it('a read by a non-canonical user id goes to the store and keeps nothing', async () => {
    const cache = new IdentityCache({ now });
    const store = await withIdentityCache(raw, cache);
    const { u } = await withToken(store);
    assert.equal((await store.tokens.listWithUser(`0${u.id}`))?.user.id, u.id);
    assert.equal(cache.size, 0);
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
});
