/**
 * The access cache (src/store/access-cache.ts) over a real SQLite store: the channel (with its last_message_id read
 * fresh), the guild, its roles, a member and a channel's overwrites are served from memory, and every row change of
 * their tables, whatever statement made it (the store's methods, a cascade, raw SQL), drops the entry it names
 * before the next read; a read that overlapped a change is not kept; a failed group COMMIT drops everything.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AccessCache, withAccessCache } from '../../src/store/access-cache.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import type { Store } from '../../src/store/types.ts';
import { channel, guildWithChannel, member, message, newId, role, user } from '../contract/store.fixtures.ts';

describe('access cache', () => {
  let raw: SqlStore;
  let cache: AccessCache;
  let store: Store;
  let clock = 1_800_000_000_000;
  const now = () => clock;

  before(async () => {
    raw = await openSqliteStore({ path: ':memory:' });
    await raw.migrate();
    cache = new AccessCache({ now });
    store = await withAccessCache(raw, cache);
  });
  after(() => raw.close());
  beforeEach(() => cache.reset());

  /** A guild with a channel, a second member holding a role, and an overwrite on the channel. */
  async function fixture() {
    const { guild, channel: ch } = await guildWithChannel(store);
    const u = await store.users.create(user());
    const r = await store.roles.create(role(guild.id, { permissions: '2048' }));
    await store.members.add(member(guild.id, u.id, { roles: [r.id] }));
    await store.overwrites.put({ channelId: ch!.id, id: r.id, type: 0, allow: '1024', deny: '0' });
    return { guild, ch: ch!, u, r };
  }

  /** Reads all five twice: the second time from memory, the same objects. */
  async function readAll(f: Awaited<ReturnType<typeof fixture>>) {
    const read = () => Promise.all([
      store.guilds.get(f.guild.id), store.roles.listByGuild(f.guild.id), store.members.get(f.guild.id, f.u.id), store.overwrites.listByChannel(f.ch.id), store.channels.get(f.ch.id),
    ]);
    const first = await read();
    const { hits } = cache.counts;
    const second = await read();
    assert.equal(cache.counts.hits - hits, 5, 'the second reads come from memory');
    second.forEach((v, i) => assert.equal(v, first[i]));
    return second;
  }

  it('serves the five reads from memory, deep-frozen', async () => {
    const f = await fixture();
    const [guild, roles, m, overwrites, ch] = await readAll(f);
    assert.equal(ch?.id, f.ch.id);
    assert.equal(guild?.id, f.guild.id);
    assert.equal(roles.length, 2);
    assert.deepEqual(m?.roles, [f.r.id]);
    assert.equal(overwrites.length, 1);
    for (const v of [guild, roles, roles[0], m, m!.roles, overwrites, overwrites[0], guild!.features, ch]) assert.ok(Object.isFrozen(v));
    assert.throws(() => (m!.roles as string[]).push('1'), TypeError);
  });

  it('every write through the store is seen by the very next read', async () => {
    const f = await fixture();
    await readAll(f);
    await store.guilds.update(f.guild.id, { name: 'renamed' });
    assert.equal((await store.guilds.get(f.guild.id))?.name, 'renamed');

    await readAll(f);
    await store.roles.update(f.guild.id, f.r.id, { permissions: '8' });
    assert.equal((await store.roles.listByGuild(f.guild.id)).find((r) => r.id === f.r.id)?.permissions, '8');
    const added = await store.roles.create(role(f.guild.id, { position: 2 }));
    assert.equal((await store.roles.listByGuild(f.guild.id)).length, 3);
    await store.roles.setPositions(f.guild.id, [{ id: added.id, position: 5 }]);
    assert.equal((await store.roles.listByGuild(f.guild.id)).at(-1)?.position, 5);

    await readAll(f);
    await store.members.update(f.guild.id, f.u.id, { nick: 'nick', communicationDisabledUntil: clock + 60_000 });
    const m = await store.members.get(f.guild.id, f.u.id);
    assert.deepEqual([m?.nick, m?.communicationDisabledUntil], ['nick', clock + 60_000]);
    await store.members.addRole(f.guild.id, f.u.id, added.id);
    assert.deepEqual((await store.members.get(f.guild.id, f.u.id))?.roles, [f.r.id, added.id].sort());
    await store.members.removeRole(f.guild.id, f.u.id, f.r.id);
    assert.deepEqual((await store.members.get(f.guild.id, f.u.id))?.roles, [added.id]);

    await readAll(f);
    await store.overwrites.put({ channelId: f.ch.id, id: f.u.id, type: 1, allow: '0', deny: '1024' });
    assert.equal((await store.overwrites.listByChannel(f.ch.id)).length, 2);
    await store.overwrites.delete(f.ch.id, f.u.id);
    assert.equal((await store.overwrites.listByChannel(f.ch.id)).length, 1);
    await store.overwrites.replaceForChannel(f.ch.id, []);
    assert.deepEqual(await store.overwrites.listByChannel(f.ch.id), []);
    await store.channels.update(f.ch.id, {}, { overwrites: [{ channelId: f.ch.id, id: f.guild.id, type: 0, allow: '0', deny: '2048' }] });
    assert.equal((await store.overwrites.listByChannel(f.ch.id))[0]?.deny, '2048');

    await store.members.remove(f.guild.id, f.u.id);
    assert.equal(await store.members.get(f.guild.id, f.u.id), null);
  });

  it('cascades are seen: a role deleted leaves its holders, a channel deleted its overwrites, a guild deleted everything', async () => {
    const f = await fixture();
    await readAll(f);
    await store.roles.delete(f.guild.id, f.r.id);
    assert.deepEqual((await store.members.get(f.guild.id, f.u.id))?.roles, [], 'member_roles rows went by ON DELETE CASCADE');
    assert.deepEqual(await store.overwrites.listByChannel(f.ch.id), await raw.overwrites.listByChannel(f.ch.id));

    const g = await fixture();
    await readAll(g);
    await store.channels.delete(g.ch.id);
    assert.deepEqual(await store.overwrites.listByChannel(g.ch.id), []);

    const h = await fixture();
    await readAll(h);
    await store.guilds.delete(h.guild.id);
    assert.equal(await store.guilds.get(h.guild.id), null);
    assert.deepEqual(await store.roles.listByGuild(h.guild.id), []);
    assert.equal(await store.members.get(h.guild.id, h.u.id), null);
    assert.deepEqual(await store.overwrites.listByChannel(h.ch.id), []);
  });

  it('a write by any statement on the connection is seen, not only the store\'s methods', async () => {
    const f = await fixture();
    await readAll(f);
    await raw.driver.run('UPDATE roles SET permissions = ? WHERE guild_id = ? AND id = ?', ['0', BigInt(f.guild.id), BigInt(f.r.id)]);
    assert.equal((await store.roles.listByGuild(f.guild.id)).find((r) => r.id === f.r.id)?.permissions, '0');
    await raw.driver.run('DELETE FROM member_roles WHERE guild_id = ? AND user_id = ?', [BigInt(f.guild.id), BigInt(f.u.id)]);
    assert.deepEqual((await store.members.get(f.guild.id, f.u.id))?.roles, []);
    await raw.driver.run('UPDATE guilds SET owner_id = ? WHERE id = ?', [BigInt(f.u.id), BigInt(f.guild.id)]);
    assert.equal((await store.guilds.get(f.guild.id))?.ownerId, f.u.id);
    await raw.driver.run('UPDATE overwrites SET allow = ? WHERE channel_id = ?', ['0', BigInt(f.ch.id)]);
    assert.equal((await store.overwrites.listByChannel(f.ch.id))[0]?.allow, '0');
  });

  it('a channel from memory comes with the last_message_id the store holds now; any other change drops it', async () => {
    const f = await fixture();
    await readAll(f);
    const { hits, misses } = cache.channels;
    const m = await store.messages.create(message(f.ch.id, f.u.id, { guildId: f.guild.id }));
    /** The channel as the cache serves it, checked whole against the row read without the cache. */
    const asStored = async () => {
      const served = await store.channels.get(f.ch.id);
      assert.deepEqual(served, await raw.channels.get(f.ch.id));
      assert.ok(Object.isFrozen(served));
      return served;
    };
    assert.equal((await asStored())?.lastMessageId, m.id);
    await raw.driver.run('UPDATE channels SET last_message_id = NULL WHERE id = ?', [BigInt(f.ch.id)]);
    assert.equal((await asStored())?.lastMessageId, null);
    assert.deepEqual([cache.channels.hits - hits, cache.channels.misses - misses], [2, 0], 'both served from memory');

    await raw.driver.run('UPDATE channels SET name = ?, last_message_id = ? WHERE id = ?', ['renamed', BigInt(m.id), BigInt(f.ch.id)]);
    assert.equal((await asStored())?.name, 'renamed');
    assert.equal(cache.channels.misses - misses, 1, 'the update of another column dropped the entry');
    await store.channels.update(f.ch.id, { rateLimitPerUser: 30 });
    assert.equal((await asStored())?.rateLimitPerUser, 30);
    await asStored();

    // Deleted between the cached read and the read of last_message_id: there is no channel.
    const hitsBefore = cache.channels.hits;
    const deleting = store.channels.delete(f.ch.id);
    const reading = store.channels.get(f.ch.id);
    await deleting;
    assert.equal(await reading, null);
    assert.equal(cache.channels.hits - hitsBefore, 1, 'the read began from memory');
    assert.equal(await store.channels.get(f.ch.id), null);
  });

  it('staleLastMessageId: the copy in memory answers as it is, every other column current; the store itself ignores it', async () => {
    const f = await fixture();
    const first = await store.channels.get(f.ch.id, { staleLastMessageId: true });
    assert.equal(first?.lastMessageId, null, 'loaded from the store');
    const m = await store.messages.create(message(f.ch.id, f.u.id, { guildId: f.guild.id }));
    const { hits } = cache.channels;
    const stale = await store.channels.get(f.ch.id, { staleLastMessageId: true });
    assert.equal(cache.channels.hits - hits, 1);
    assert.equal(stale?.lastMessageId, null, 'not read again');
    assert.deepEqual({ ...stale, lastMessageId: m.id }, await raw.channels.get(f.ch.id), 'the rest is the row');
    assert.equal((await store.channels.get(f.ch.id))?.lastMessageId, m.id, 'without the option it is');
    assert.equal((await raw.channels.get(f.ch.id, { staleLastMessageId: true }))?.lastMessageId, m.id, 'the store reads the row');
    await store.channels.update(f.ch.id, { name: 'renamed' });
    const after = await store.channels.get(f.ch.id, { staleLastMessageId: true });
    assert.equal(after?.name, 'renamed', 'another column changing still drops the entry');
    assert.equal(after?.lastMessageId, m.id, 'and the reload brings the current last_message_id');
  });

  it('a read that overlapped a change is returned but not kept', async () => {
    const f = await fixture();
    // The read's SQL runs within this call; its result is kept only a few microtasks later.
    const reading = store.members.get(f.guild.id, f.u.id);
    const writing = raw.driver.run('UPDATE members SET nick = ? WHERE guild_id = ? AND user_id = ?', ['changed', BigInt(f.guild.id), BigInt(f.u.id)]);
    const stale = await reading;
    assert.equal(stale?.nick, null, 'read before the change');
    assert.ok(Object.isFrozen(stale), 'frozen even when not kept');
    await writing;
    assert.equal(cache.members.size, 0, 'not kept');
    assert.equal((await store.members.get(f.guild.id, f.u.id))?.nick, 'changed');
    // Without a change meanwhile the next read is kept.
    const misses = cache.members.misses;
    await store.members.get(f.guild.id, f.u.id);
    assert.equal(cache.members.misses, misses);
  });

  it('a failed group COMMIT drops what was read from the group', async () => {
    const f = await fixture();
    assert.equal((await store.members.get(f.guild.id, f.u.id))?.nick, null);
    let readInGroup: Promise<unknown> | undefined;
    const failing = raw.driver.transaction(async (tx) => {
      // Checked at COMMIT, so the transaction itself succeeds and the group's COMMIT fails.
      await tx.exec('PRAGMA defer_foreign_keys = ON');
      await tx.run('UPDATE members SET nick = ? WHERE guild_id = ? AND user_id = ?', ['lost', BigInt(f.guild.id), BigInt(f.u.id)]);
      await tx.run('INSERT INTO member_roles (guild_id, user_id, role_id) VALUES (?, ?, ?)', [BigInt(f.guild.id), BigInt(f.u.id), BigInt(newId())]);
      // Begins after both changes, runs once this callback ends, before the group commits: it sees 'lost' and keeps it.
      readInGroup = store.members.get(f.guild.id, f.u.id);
    });
    await assert.rejects(failing);
    assert.equal(((await readInGroup) as { nick: string | null }).nick, 'lost');
    assert.equal((await store.members.get(f.guild.id, f.u.id))?.nick, null, 'the COMMIT failed: memory was dropped with it');
  });

  it('entries expire after the ttl, and when the clock steps back', async () => {
    const f = await fixture();
    await store.guilds.get(f.guild.id);
    const misses = cache.guilds.misses;
    await store.guilds.get(f.guild.id);
    clock += 10_001;
    await store.guilds.get(f.guild.id);
    assert.equal(cache.guilds.misses - misses, 1);
    // A clock stepping back does not make an entry live longer: it counts as expired.
    clock -= 60_000;
    await store.guilds.get(f.guild.id);
    assert.equal(cache.guilds.misses - misses, 2);
  });

  it('a read by a non-canonical id goes to the store and keeps nothing', async () => {
    const f = await fixture();
    const size = cache.guilds.size;
    assert.equal((await store.guilds.get(`0${f.guild.id}`))?.id, f.guild.id);
    assert.equal(cache.guilds.size, size);
    assert.equal((await store.members.get(f.guild.id, `0${f.u.id}`))?.userId, f.u.id);
    assert.equal(cache.members.size, 0);
  });

  it('other methods of the wrapped stores still work (their private fields reached through the original)', async () => {
    const f = await fixture();
    assert.equal((await store.members.list(f.guild.id)).length, 2);
    assert.equal((await store.roles.get(f.guild.id, f.r.id))?.id, f.r.id);
    assert.equal((await store.guilds.getMany([f.guild.id]))[0]?.id, f.guild.id);
    assert.equal((await store.overwrites.listByGuild(f.guild.id)).length, 1);
    const c = await store.channels.create(channel(f.guild.id));
    assert.equal((await store.channels.get(c.id))?.id, c.id);
  });
});
