/** Contract: emoji owned by applications (ApplicationEmojiStore, migration 38). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { ApplicationEmojiRecord, Store } from '../../src/store/types.ts';
import { application, idAt, newId, rejectsWith, user } from './store.fixtures.ts';

const emojiOf = (applicationId: string, over: Partial<ApplicationEmojiRecord> = {}): ApplicationEmojiRecord => ({
  id: newId(), applicationId, name: 'wave', userId: applicationId, animated: false, createdAt: 1_700_000_000_000, ...over,
});

export function applicationEmojisContract(s: () => Store): void {
  describe('application emojis', () => {
    it('creates, reads, lists and counts per application; getMany takes any application\'s, ascending, once each', async () => {
      const owner = await s().users.create(user());
      const a = await application(s(), owner.id);
      const b = await application(s(), owner.id);
      const wave = await s().applicationEmojis.create(emojiOf(a.id));
      const party = await s().applicationEmojis.create(emojiOf(a.id, { name: 'party', animated: true, userId: owner.id }));
      // Fewer digits than the others: ascending means by number, not by text.
      const early = await s().applicationEmojis.create(emojiOf(b.id, { id: idAt(1_420_070_400_000 + 1_000 + Math.floor(Math.random() * 1e6)) }));
      assert.deepEqual(wave, emojiOf(a.id, { id: wave.id }));
      assert.deepEqual(await s().applicationEmojis.get(party.id), party);
      assert.equal(await s().applicationEmojis.get(newId()), null);
      assert.deepEqual(await s().applicationEmojis.listByApplication(a.id), [wave, party]);
      assert.deepEqual(await s().applicationEmojis.listByApplication(newId()), []);
      assert.equal(await s().applicationEmojis.countByApplication(a.id), 2);
      assert.equal(await s().applicationEmojis.countByApplication(b.id), 1);
      assert.deepEqual(await s().applicationEmojis.getMany([party.id, newId(), early.id, wave.id, party.id]), [early, wave, party]);
      assert.deepEqual(await s().applicationEmojis.getMany([]), []);
    });

    it('names are unique within an application, on create and on rename; another application may repeat one', async () => {
      const owner = await s().users.create(user());
      const a = await application(s(), owner.id);
      const b = await application(s(), owner.id);
      const first = await s().applicationEmojis.create(emojiOf(a.id, { name: 'twin' }));
      await rejectsWith(s().applicationEmojis.create(emojiOf(a.id, { name: 'twin' })), ConflictError, { entity: 'application_emoji', field: 'name' });
      await s().applicationEmojis.create(emojiOf(b.id, { name: 'twin' }));
      const other = await s().applicationEmojis.create(emojiOf(a.id, { name: 'other' }));
      await rejectsWith(s().applicationEmojis.rename(other.id, 'twin'), ConflictError, { entity: 'application_emoji', field: 'name' });
      assert.deepEqual(await s().applicationEmojis.rename(other.id, 'renamed'), { ...other, name: 'renamed' });
      assert.equal(await s().applicationEmojis.rename(newId(), 'ghost'), null);
      assert.deepEqual((await s().applicationEmojis.listByApplication(a.id)).map((e) => e.name), ['twin', 'renamed']);
      assert.equal(await s().applicationEmojis.delete(first.id), true);
      assert.equal(await s().applicationEmojis.delete(first.id), false);
      // Its name is free again.
      await s().applicationEmojis.create(emojiOf(a.id, { name: 'twin' }));
    });

    it('refuses an unknown application and malformed input before writing', async () => {
      await rejectsWith(s().applicationEmojis.create(emojiOf(newId())), NotFoundError, { entity: 'application' });
      const owner = await s().users.create(user());
      const a = await application(s(), owner.id);
      await rejectsWith(s().applicationEmojis.create(emojiOf(a.id, { name: 'x'.repeat(1_000) })), InvalidInputError);
      await rejectsWith(s().applicationEmojis.getMany(['not-a-snowflake']), InvalidInputError);
      assert.equal(await s().applicationEmojis.countByApplication(a.id), 0);
    });
  });
}
