/** Contract: live interactions (state compare-and-set, modals taken once) and the messages they made. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InteractionRecord, Store } from '../../src/store/types.ts';
import { newId } from './store.fixtures.ts';

function interaction(over: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id: newId(), applicationId: newId(), userId: newId(), tokenHash: newId().padEnd(64, 'a'), state: 'pending', modalCustomId: null,
    createdAt: 1_700_000_000_000, details: { channelId: '1', data: { name: 'ping' } }, ...over,
  };
}

export function interactionsContract(s: () => Store): void {
  describe('interactions', () => {
    it('creates and reads back by id and by token hash; unknown ones are null', async () => {
      const i = interaction();
      await s().interactions.create(i);
      assert.deepEqual(await s().interactions.get(i.id), i);
      assert.deepEqual(await s().interactions.getByTokenHash(i.tokenHash), i);
      assert.equal(await s().interactions.get(newId()), null);
      assert.equal(await s().interactions.getByTokenHash('f'.repeat(64)), null);
    });

    it('moves the state only from the expected one (one response wins)', async () => {
      const i = interaction();
      await s().interactions.create(i);
      const both = await Promise.all([s().interactions.setState(i.id, 'pending', 'acked'), s().interactions.setState(i.id, 'pending', 'acked')]);
      assert.deepEqual(both.sort(), [false, true]);
      assert.equal(await s().interactions.setState(i.id, 'pending', 'failed'), false);
      assert.equal((await s().interactions.get(i.id))!.state, 'acked');
    });

    it('counts follow-ups up to a limit, each claim once even when concurrent', async () => {
      const i = interaction();
      await s().interactions.create(i);
      const claims = await Promise.all(Array.from({ length: 8 }, () => s().interactions.claimFollowUp(i.id, 5)));
      assert.equal(claims.filter(Boolean).length, 5);
      assert.equal(await s().interactions.claimFollowUp(i.id, 5), false);
      assert.equal(await s().interactions.claimFollowUp(i.id, 6), true, 'a higher limit leaves room for one more');
      assert.equal(await s().interactions.claimFollowUp('123456789012345678', 5), false, 'an unknown interaction counts nothing');
    });

    it('a deferred response is filled once, whoever claims first', async () => {
      const i = interaction();
      await s().interactions.create(i);
      const claims = await Promise.all(Array.from({ length: 4 }, () => s().interactions.claimFill(i.id)));
      assert.equal(claims.filter(Boolean).length, 1);
      assert.equal(await s().interactions.claimFill(i.id), false);
      assert.equal(await s().interactions.claimFill('123456789012345678'), false);
    });

    it('updates details and gives a modal to one submit only', async () => {
      const i = interaction();
      await s().interactions.create(i);
      await s().interactions.update(i.id, { details: { originalId: '42' }, modalCustomId: 'form' });
      assert.deepEqual((await s().interactions.get(i.id))!.details, { originalId: '42' });
      assert.equal(await s().interactions.takeModal(i.applicationId, newId(), 'form', 0), null);
      assert.equal(await s().interactions.takeModal(i.applicationId, i.userId, 'form', i.createdAt + 1), null, 'older than the window');
      const taken = await s().interactions.takeModal(i.applicationId, i.userId, 'form', 0);
      assert.equal(taken?.id, i.id);
      assert.equal(taken?.modalCustomId, null);
      assert.equal(await s().interactions.takeModal(i.applicationId, i.userId, 'form', 0), null);
    });

    it('keeps messages (replacing on put) and deletes what is older than a time', async () => {
      const old = interaction({ createdAt: 1000 });
      const fresh = interaction({ createdAt: 5000 });
      await s().interactions.create(old);
      await s().interactions.create(fresh);
      const m1 = { messageId: newId(), interactionId: old.id, metadata: { interaction_metadata: { id: old.id } }, ephemeral: null, createdAt: 1000 };
      const m2 = { messageId: newId(), interactionId: fresh.id, metadata: { interaction_metadata: { id: fresh.id } }, ephemeral: { id: 'x', content: 'hi' }, createdAt: 5000 };
      await s().interactions.putMessage(m1);
      await s().interactions.putMessage(m2);
      await s().interactions.putMessage({ ...m2, ephemeral: { id: 'x', content: 'edited' } });
      const got = await s().interactions.getMessages([m1.messageId, m2.messageId, newId()]);
      assert.equal(got.length, 2);
      assert.deepEqual(got.find((m) => m.messageId === m2.messageId)!.ephemeral, { id: 'x', content: 'edited' });
      assert.ok((await s().interactions.deleteOlderThan(2000)) >= 1);
      assert.equal(await s().interactions.get(old.id), null);
      assert.deepEqual(await s().interactions.get(fresh.id), fresh);
      assert.deepEqual((await s().interactions.getMessages([m1.messageId])), []);
      await s().interactions.deleteMessage(m2.messageId);
      assert.deepEqual(await s().interactions.getMessages([m2.messageId]), []);
    });
  });
}
