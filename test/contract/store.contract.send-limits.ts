/**
 * Store contract: the cluster-wide send limits of migration 19 — enforce_nonce claims made in the message's own
 * transaction (MessageStore.createOnce, pruneNonces), slowmode holds (SlowmodeStore) and shared rate-limit windows
 * (RateWindowStore).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/types.ts';
import { guildWithChannel, idAt, message, newId, rejectsWith, uniq, user } from './store.fixtures.ts';

export function sendLimitsContract(s: () => Store): void {
  describe('enforce_nonce claims', () => {
    it('stores one message per (channel, author, nonce) in the window; later sends get it back and write nothing', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const other = await s().users.create(user());
      const now = Date.now();
      const nonce = uniq('n');
      const first = await s().messages.createOnce(message(ch.id, owner.id, { id: idAt(now), nonce }), nonce, now - 60_000);
      assert.equal(first.created, true);
      const record = { id: newId(), kind: 'event' as const, subject: `t${newId()}`, payload: '{}', createdAt: now };
      const again = await s().messages.createOnce(message(ch.id, owner.id, { id: idAt(now + 1), nonce, content: 'retry' }), nonce, now - 60_000, { outbox: [record] });
      assert.deepEqual(again, { message: first.message, created: false });
      assert.deepEqual((await s().outbox.pending({ limit: 1000 })).filter((r) => r.id === record.id), [], 'a refused send writes no outbox record');
      assert.equal(await s().messages.get(ch.id, idAt(now + 1)), null);
      // Another author, or another nonce, is another key.
      assert.equal((await s().messages.createOnce(message(ch.id, other.id, { id: idAt(now + 2), nonce }), nonce, now - 60_000)).created, true);
      assert.equal((await s().messages.createOnce(message(ch.id, owner.id, { id: idAt(now + 3) }), `${nonce}x`, now - 60_000)).created, true);
      assert.equal((await s().channels.get(ch.id))?.lastMessageId, idAt(now + 3));
    });

    it('concurrent sends of one key store exactly one message and all answer with it', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const nonce = uniq('n');
      const now = Date.now();
      const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => s().messages.createOnce(message(ch.id, owner.id, { id: idAt(now, i), nonce }), nonce, now - 60_000)));
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.message.id)).size, 1);
      assert.equal((await s().messages.list(ch.id)).filter((m) => m.nonce === nonce).length, 1);
    });

    it('a claim older than the window, or whose message was deleted, is taken over; pruning removes old claims', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const nonce = uniq('n');
      const now = Date.now();
      const old = await s().messages.createOnce(message(ch.id, owner.id, { id: idAt(now - 600_000), nonce }), nonce, now - 3_600_000);
      const fresh = await s().messages.createOnce(message(ch.id, owner.id, { id: idAt(now), nonce }), nonce, now - 60_000);
      assert.equal(fresh.created, true);
      assert.notEqual(fresh.message.id, old.message.id);
      await s().messages.delete(ch.id, fresh.message.id);
      const after = await s().messages.createOnce(message(ch.id, owner.id, { id: idAt(now + 1), nonce }), nonce, now - 60_000);
      assert.equal(after.created, true);
      assert.equal(after.message.id, idAt(now + 1));
      assert.ok((await s().messages.pruneNonces(now + 2)) >= 1);
      const later = await s().messages.createOnce(message(ch.id, owner.id, { id: idAt(now + 3), nonce }), nonce, now - 60_000);
      assert.equal(later.created, true, 'a pruned claim holds nothing');
    });

    it('an unknown channel stores nothing, not even the claim', async () => {
      const owner = await s().users.create(user());
      const ch = newId();
      const nonce = uniq('n');
      await rejectsWith(s().messages.createOnce(message(ch, owner.id, { nonce }), nonce, 0), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().messages.createOnce(message(ch, owner.id, { nonce }), nonce, 0), NotFoundError, { entity: 'channel' });
    });
  });

  describe('slowmode holds', () => {
    it('admits one send per window per (channel, user) and tells the others when the hold ends', async () => {
      const [ch, u, v] = [newId(), newId(), newId()];
      assert.equal(await s().slowmode.reserve(ch, u, 1000, 6000), null);
      assert.equal(await s().slowmode.reserve(ch, u, 2000, 7000), 6000);
      assert.equal(await s().slowmode.reserve(ch, v, 2000, 7000), null, 'another user');
      assert.equal(await s().slowmode.reserve(newId(), u, 2000, 7000), null, 'another channel');
      assert.equal(await s().slowmode.reserve(ch, u, 6000, 11_000), null, 'the hold ended');
      assert.equal(await s().slowmode.reserve(ch, u, 6001, 11_001), 11_000);
    });

    it('concurrent sends: exactly one is admitted', async () => {
      const [ch, u] = [newId(), newId()];
      const got = await Promise.all([0, 1, 2, 3, 4, 5].map(() => s().slowmode.reserve(ch, u, 1000, 6000)));
      assert.deepEqual(got.sort(), [6000, 6000, 6000, 6000, 6000, null]);
    });

    it('release gives back only its own hold; prune drops ended ones', async () => {
      const [ch, u] = [newId(), newId()];
      assert.equal(await s().slowmode.reserve(ch, u, 1000, 6000), null);
      await s().slowmode.release(ch, u, 5000);
      assert.equal(await s().slowmode.reserve(ch, u, 1000, 6000), 6000, 'another hold is left alone');
      await s().slowmode.release(ch, u, 6000);
      assert.equal(await s().slowmode.reserve(ch, u, 1000, 6000), null, 'released');
      const w = newId();
      assert.equal(await s().slowmode.reserve(ch, w, 1000, 2000), null);
      assert.ok((await s().slowmode.prune(3000)) >= 1);
      assert.equal(await s().slowmode.reserve(ch, w, 1500, 2500), null, 'pruned');
    });
  });

  describe('rate windows', () => {
    it('counts hits in a window until it resets, then starts a new one', async () => {
      const key = uniq('r:messages.create:1:');
      assert.deepEqual(await s().rateWindows.hit(key, 1000, 6000), { count: 1, resetAt: 6000 });
      assert.deepEqual(await s().rateWindows.hit(key, 2000, 7000), { count: 2, resetAt: 6000 });
      assert.deepEqual(await s().rateWindows.hit(`${key}x`, 2000, 7000), { count: 1, resetAt: 7000 });
      assert.deepEqual(await s().rateWindows.hit(key, 6000, 11_000), { count: 1, resetAt: 11_000 });
      await rejectsWith(s().rateWindows.hit('', 1, 2), InvalidInputError, { field: 'key' });
    });

    it('concurrent hits are each counted once', async () => {
      const key = uniq('r:');
      const got = await Promise.all(Array.from({ length: 8 }, () => s().rateWindows.hit(key, 1000, 6000)));
      assert.deepEqual(got.map((g) => g.count).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('prune drops windows that reset before the time given', async () => {
      const key = uniq('r:');
      await s().rateWindows.hit(key, 1000, 2000);
      assert.ok((await s().rateWindows.prune(3000)) >= 1);
      assert.deepEqual(await s().rateWindows.hit(key, 1500, 2500), { count: 1, resetAt: 2500 });
    });
  });
}
