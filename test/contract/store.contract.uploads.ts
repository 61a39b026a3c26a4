/**
 * Contract: the pending-upload ledger, and message writes that take their files off it in their own transaction
 * (api/messages/uploads.ts records a key before the file's first byte; cdn/upload-sweep.ts clears what is left).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/types.ts';
import { guildWithChannel, message, newId, rejectsWith, uniq } from './store.fixtures.ts';

/** `n` fresh blob keys of attachments in `channelId`. */
const keysIn = (channelId: string, n: number) => Array.from({ length: n }, () => `attachments/${channelId}/${newId()}`);
/** Whether each key is still on the ledger (no time bound). */
async function recorded(store: Store, keys: readonly string[]): Promise<boolean[]> {
  const all = new Set(await store.pendingUploads.listStale(Number.MAX_SAFE_INTEGER, 1000));
  return keys.map((k) => all.has(k));
}

export function pendingUploadsContract(s: () => Store): void {
  describe('pending uploads', () => {
    it('lists uploads begun before a time, oldest first, up to a limit; forget removes them', async () => {
      const [a, b, c] = [uniq('stale/a'), uniq('stale/b'), uniq('stale/c')];
      await s().pendingUploads.begin([b], 20);
      await s().pendingUploads.begin([a], 10);
      await s().pendingUploads.begin([c], 30);
      // Begun again: the row stays as it was (its first time).
      await s().pendingUploads.begin([a, a], 40);
      assert.deepEqual(await s().pendingUploads.listStale(25, 10), [a, b]);
      assert.deepEqual(await s().pendingUploads.listStale(25, 1), [a]);
      assert.deepEqual(await s().pendingUploads.listStale(10, 10), []);
      assert.deepEqual((await s().pendingUploads.listStale(31, 10)).slice(0, 3), [a, b, c]);
      await s().pendingUploads.forget([a, c, uniq('never/')]);
      assert.deepEqual(await recorded(s(), [a, b, c]), [false, true, false]);
      await s().pendingUploads.forget([b]);
      await s().pendingUploads.forget([]);
      assert.deepEqual(await s().pendingUploads.listStale(31, 10), []);
    });

    it('abandon marks the rows still recorded and returns their keys', async () => {
      const [a, b] = [uniq('abandon/a'), uniq('abandon/b')];
      await s().pendingUploads.begin([a, b], Date.now());
      assert.deepEqual((await s().pendingUploads.abandon([a, uniq('never/')])).sort(), [a]);
      // Abandoned again (a sweep that died part-way): still returned; still listed until forgotten.
      assert.deepEqual(await s().pendingUploads.abandon([a]), [a]);
      assert.deepEqual(await recorded(s(), [a, b]), [true, true]);
      await s().pendingUploads.forget([a, b]);
      assert.deepEqual(await s().pendingUploads.abandon([a, b]), []);
    });

    it('refuses what is not a key or a limit', async () => {
      await rejectsWith(s().pendingUploads.begin([''], 1), InvalidInputError);
      await rejectsWith(s().pendingUploads.begin(['x'.repeat(513)], 1), InvalidInputError);
      await rejectsWith(s().pendingUploads.begin([5 as unknown as string], 1), InvalidInputError);
      await rejectsWith(s().pendingUploads.begin(['k'], 1.5), InvalidInputError);
      await rejectsWith(s().pendingUploads.listStale(1, 0), InvalidInputError);
      await rejectsWith(s().pendingUploads.listStale(1, 1001), InvalidInputError);
    });

    it('a created message takes its uploads off the ledger in its transaction; a failed create leaves them', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const [mine, other] = keysIn(ch.id, 2);
      await s().pendingUploads.begin([mine!, other!], Date.now());
      const m = await s().messages.create(message(ch.id, owner.id, { content: 'files' }), { uploadKeys: [mine!] });
      assert.deepEqual(await recorded(s(), [mine!, other!]), [false, true]);
      assert.ok(await s().messages.get(ch.id, m.id));

      // The message cannot be stored (unknown channel): nothing of the write happened, the row stays.
      await rejectsWith(s().messages.create(message(newId(), owner.id), { uploadKeys: [other!] }), NotFoundError, { entity: 'channel' });
      assert.deepEqual(await recorded(s(), [other!]), [true]);
      await s().pendingUploads.forget([other!]);
    });

    it('an abandoned or unknown upload fails the create and rolls all of it back', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const [kept, swept] = keysIn(ch.id, 2);
      await s().pendingUploads.begin([kept!, swept!], Date.now());
      assert.deepEqual(await s().pendingUploads.abandon([swept!]), [swept!]);
      const m = message(ch.id, owner.id);
      await rejectsWith(s().messages.create(m, { uploadKeys: [kept!, swept!] }), InvalidInputError, { field: 'attachments' });
      assert.equal(await s().messages.get(ch.id, m.id), null, 'the message was not stored');
      assert.deepEqual(await recorded(s(), [kept!, swept!]), [true, true], 'the good row was not taken either');

      const n = message(ch.id, owner.id);
      await rejectsWith(s().messages.create(n, { uploadKeys: [`attachments/${ch.id}/${newId()}`] }), InvalidInputError, { field: 'attachments' });
      assert.equal(await s().messages.get(ch.id, n.id), null);
      await s().pendingUploads.forget([kept!, swept!]);
    });

    it('an edit takes the uploads it adds; an abandoned one fails it and leaves the message as it was', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const m = await s().messages.create(message(ch.id, owner.id, { content: 'before' }));
      const [added, swept] = keysIn(ch.id, 2);
      await s().pendingUploads.begin([added!, swept!], Date.now());
      const edited = await s().messages.update(ch.id, m.id, { content: 'after' }, { uploadKeys: [added!] });
      assert.equal(edited.content, 'after');
      assert.deepEqual(await recorded(s(), [added!, swept!]), [false, true]);

      await s().pendingUploads.abandon([swept!]);
      await rejectsWith(s().messages.update(ch.id, m.id, { content: 'again' }, { uploadKeys: [swept!] }), InvalidInputError, { field: 'attachments' });
      assert.equal((await s().messages.get(ch.id, m.id))?.content, 'after');
      // With an empty patch too: the uploads are checked all the same.
      await rejectsWith(s().messages.update(ch.id, m.id, {}, { uploadKeys: [swept!] }), InvalidInputError, { field: 'attachments' });

      // An unknown message: NotFoundError, and the row stays for the request to clear.
      const [orphan] = keysIn(ch.id, 1);
      await s().pendingUploads.begin([orphan!], Date.now());
      await rejectsWith(s().messages.update(ch.id, newId(), { content: 'x' }, { uploadKeys: [orphan!] }), NotFoundError, { entity: 'message' });
      assert.deepEqual(await recorded(s(), [orphan!]), [true]);
      await s().pendingUploads.forget([swept!, orphan!]);
    });
  });
}
