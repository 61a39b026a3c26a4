/** Contract: relationships (RelationshipStore): both directions of a pair written together, nicknames, cascades. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import { RelationshipType, type RelationshipRecord, type Store } from '../../src/store/types.ts';
import { newId, rejectsWith, user } from './store.fixtures.ts';

const NOW = 1_750_000_000_000;
const rec = (userId: string, targetId: string, type: RelationshipRecord['type'], nickname: string | null = null): RelationshipRecord => ({ userId, targetId, type, nickname, since: NOW });

export function relationshipsContract(s: () => Store): void {
  describe('relationships', () => {
    it('notes: set, replaced, listed by target, deleted by an empty note, bounded', async () => {
      const [a, b, c] = [await s().users.create(user()), await s().users.create(user()), await s().users.create(user())];
      assert.equal(await s().relationships.getNote(a.id, b.id), null);
      await s().relationships.setNote(a.id, b.id, 'first');
      await s().relationships.setNote(a.id, b.id, 'second');
      await s().relationships.setNote(a.id, c.id, 'about c');
      assert.equal(await s().relationships.getNote(a.id, b.id), 'second');
      assert.deepEqual([...(await s().relationships.listNotes(a.id))].sort(), [[b.id, 'second'], [c.id, 'about c']].sort());
      assert.equal((await s().relationships.listNotes(b.id)).size, 0);
      await rejectsWith(s().relationships.setNote(a.id, b.id, 'x'.repeat(257)), InvalidInputError, { field: 'note' });
      await s().relationships.setNote(a.id, b.id, '');
      assert.equal(await s().relationships.getNote(a.id, b.id), null);
    });
    it('writes both sides in one update, lists each user’s own side, and deletes with null', async () => {
      const a = await s().users.create(user());
      const b = await s().users.create(user());
      const out = rec(a.id, b.id, RelationshipType.PENDING_OUTGOING);
      const inc = rec(b.id, a.id, RelationshipType.PENDING_INCOMING);
      const first = await s().relationships.update(a.id, b.id, ({ ab, ba }) => {
        assert.equal(ab, null);
        assert.equal(ba, null);
        return { ab: out, ba: inc };
      });
      assert.deepEqual(first.before, { ab: null, ba: null });
      assert.deepEqual(await s().relationships.listForUser(a.id), [out]);
      assert.deepEqual(await s().relationships.listForUser(b.id), [inc]);
      // Seen from b's side, the pair is the other way round.
      await s().relationships.update(b.id, a.id, ({ ab, ba }) => {
        assert.deepEqual(ab, inc);
        assert.deepEqual(ba, out);
        return { ab: rec(b.id, a.id, RelationshipType.FRIEND), ba: rec(a.id, b.id, RelationshipType.FRIEND) };
      });
      assert.equal((await s().relationships.get(a.id, b.id))?.type, RelationshipType.FRIEND);
      assert.deepEqual(await s().relationships.setNickname(a.id, b.id, 'Bee'), rec(a.id, b.id, RelationshipType.FRIEND, 'Bee'));
      assert.equal(await s().relationships.setNickname(a.id, newId(), 'x'), null);
      await s().relationships.update(a.id, b.id, ({ ba }) => ({ ab: null, ba }));
      assert.deepEqual(await s().relationships.listForUser(a.id), []);
      assert.equal((await s().relationships.listForUser(b.id)).length, 1);
    });

    it('what the function throws reaches the caller and changes nothing', async () => {
      const a = await s().users.create(user());
      const b = await s().users.create(user());
      const refusal = new Error('refused');
      await assert.rejects(s().relationships.update(a.id, b.id, () => { throw refusal; }), (err) => err === refusal);
      assert.deepEqual(await s().relationships.listForUser(a.id), []);
    });

    it('a record naming an unknown user is NotFoundError(user); concurrent updates of one pair serialise', async () => {
      const a = await s().users.create(user());
      const ghost = newId();
      await rejectsWith(s().relationships.update(a.id, ghost, () => ({ ab: rec(a.id, ghost, RelationshipType.BLOCKED), ba: null })), NotFoundError, { entity: 'user' });
      const b = await s().users.create(user());
      // Ten increments of a nickname counter: each sees the previous one's write.
      await Promise.all(Array.from({ length: 10 }, () => s().relationships.update(a.id, b.id, ({ ab }) => ({
        ab: rec(a.id, b.id, RelationshipType.BLOCKED, String(Number(ab?.nickname ?? 0) + 1)), ba: null,
      }))));
      assert.equal((await s().relationships.get(a.id, b.id))?.nickname, '10');
    });
  });
}
