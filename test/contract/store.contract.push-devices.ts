/** Store contract: push devices and their deliveries (PushDeviceStore, PushDeliveryStore, migrations 17, 18 and 20). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/store/errors.ts';
import type { PushDeliveryRecord, PushDeviceInput, Store } from '../../src/store/types.ts';
import { guildWithChannel, newId, rejectsWith, uniq, user } from './store.fixtures.ts';

export function pushDevicesContract(s: () => Store): void {
  describe('push devices', () => {
    const tokenOf = async (userId: string) => {
      const hash = uniq('hash');
      await s().tokens.create({ userId, hash, kind: 'user', createdAt: 1, lastUsedAt: 1, clientOs: null, clientPlatform: null });
      return hash;
    };
    const device = (userId: string, tokenHash: string, over: Partial<PushDeviceInput> = {}): PushDeviceInput => ({
      id: newId(), userId, tokenHash, provider: 'webpush', endpoint: `https://push.example/${uniq('e')}`, p256dh: 'key', auth: 'auth',
      deviceName: null, createdAt: 1000, updatedAt: 1000, ...over,
    });

    it('updates the device of an endpoint registered again (moving it to the new user); goes with its token', async () => {
      const a = await s().users.create(user());
      const b = await s().users.create(user());
      const [ta, tb] = [await tokenOf(a.id), await tokenOf(b.id)];
      const first = await s().pushDevices.put(device(a.id, ta, { deviceName: 'Laptop' }));
      assert.deepEqual(await s().pushDevices.get(first.id), first);
      const again = await s().pushDevices.put(device(a.id, ta, { endpoint: first.endpoint, p256dh: 'key2', updatedAt: 2000 }));
      assert.equal(again.id, first.id);
      assert.equal(again.createdAt, 1000);
      assert.equal(again.p256dh, 'key2');
      const moved = await s().pushDevices.put(device(b.id, tb, { endpoint: first.endpoint }));
      assert.equal(moved.id, first.id);
      assert.deepEqual(await s().pushDevices.listForUser(a.id), []);
      assert.deepEqual((await s().pushDevices.listForUsers([a.id, b.id])).map((d) => d.id), [first.id]);
      await s().tokens.delete(b.id, tb);
      assert.equal(await s().pushDevices.get(first.id), null);
      await rejectsWith(s().pushDevices.put(device(a.id, 'no-such-token')), NotFoundError, { entity: 'token' });
    });

    it('shows previews unless told not to; registering again without a choice keeps it; only the owner sets it', async () => {
      const a = await s().users.create(user());
      const b = await s().users.create(user());
      const ta = await tokenOf(a.id);
      const first = await s().pushDevices.put(device(a.id, ta));
      assert.equal(first.preview, true);
      assert.equal(await s().pushDevices.setPreview(b.id, first.id, false), null);
      assert.equal(await s().pushDevices.setPreview(a.id, newId(), false), null);
      assert.equal((await s().pushDevices.setPreview(a.id, first.id, false))?.preview, false);
      assert.equal((await s().pushDevices.get(first.id))?.preview, false);
      const again = await s().pushDevices.put(device(a.id, ta, { endpoint: first.endpoint, updatedAt: 2000 }));
      assert.equal(again.preview, false);
      assert.equal((await s().pushDevices.put(device(a.id, ta, { endpoint: first.endpoint, preview: true }))).preview, true);
      assert.equal((await s().pushDevices.put(device(a.id, ta, { preview: false }))).preview, false);
    });

    it('lists the devices of a guild\'s members; deletes only the owner\'s', async () => {
      const { owner, guild } = await guildWithChannel(s());
      const stranger = await s().users.create(user());
      const mine = await s().pushDevices.put(device(owner.id, await tokenOf(owner.id)));
      const theirs = await s().pushDevices.put(device(stranger.id, await tokenOf(stranger.id)));
      assert.deepEqual((await s().pushDevices.listForGuildMembers(guild.id)).map((d) => d.id), [mine.id]);
      assert.equal(await s().pushDevices.delete(owner.id, theirs.id), false);
      assert.equal(await s().pushDevices.delete(stranger.id, theirs.id), true);
      await s().pushDevices.deleteById(theirs.id);
    });

    it('records a delivery once, lets one caller claim it, settles and prunes', async () => {
      const d: PushDeliveryRecord = { messageId: newId(), userId: newId(), deviceId: newId(), channelId: newId(), payload: '{}', urgency: 'high', state: 'pending', attempts: 0, nextAttemptAt: 10, createdAt: 10 };
      assert.equal(await s().pushDeliveries.enqueue([d]), 1);
      assert.equal(await s().pushDeliveries.enqueue([{ ...d, payload: '{"x":1}' }]), 0);
      const due = (await s().pushDeliveries.due(10, 1000)).filter((x) => x.messageId === d.messageId);
      assert.deepEqual(due, [d]);
      assert.equal(await s().pushDeliveries.claim(d, 500), true);
      assert.equal(await s().pushDeliveries.claim(d, 500), false);
      assert.deepEqual((await s().pushDeliveries.due(100, 1000)).filter((x) => x.messageId === d.messageId), []);
      assert.equal(await s().pushDeliveries.settle({ delivery: d, leaseUntil: 500, state: 'pending', attempts: 1, nextAttemptAt: 200 }), true, 'claim held: settled');
      const again = (await s().pushDeliveries.due(200, 1000)).find((x) => x.messageId === d.messageId);
      assert.deepEqual([again?.attempts, again?.nextAttemptAt], [1, 200]);
      assert.equal(await s().pushDeliveries.claim(again!, 700), true);
      assert.equal(await s().pushDeliveries.settle({ delivery: again!, leaseUntil: 700, state: 'sent', attempts: 2, nextAttemptAt: 200 }), true);
      assert.deepEqual((await s().pushDeliveries.due(10_000, 1000)).filter((x) => x.messageId === d.messageId), []);
      assert.ok((await s().pushDeliveries.prune(11)) >= 1);
      assert.equal(await s().pushDeliveries.enqueue([d]), 1, 'forgotten after the prune');
    });

    it('claims and settles deliveries in batches: only those still as read are claimed', async () => {
      const base = { channelId: newId(), payload: '{}', state: 'pending' as const, attempts: 0, nextAttemptAt: 10, createdAt: 10 };
      const ds: PushDeliveryRecord[] = Array.from({ length: 5 }, () => ({ ...base, messageId: newId(), userId: newId(), deviceId: newId(), urgency: 'normal' as const }));
      assert.equal(await s().pushDeliveries.enqueue(ds), 5);
      assert.equal(await s().pushDeliveries.claim(ds[0]!, 500), true);
      const stale = { ...ds[1]!, attempts: 3 };
      const got = await s().pushDeliveries.claimMany([ds[0]!, stale, ds[2]!, ds[3]!, ds[4]!], 500);
      assert.deepEqual(got.map((d) => d.messageId), [ds[2]!, ds[3]!, ds[4]!].map((d) => d.messageId), 'taken or changed since read: not claimed');
      assert.deepEqual(await s().pushDeliveries.claimMany([ds[2]!], 500), [], 'claimed once');
      assert.equal(await s().pushDeliveries.settleMany([
        { delivery: ds[2]!, leaseUntil: 500, state: 'sent', attempts: 1, nextAttemptAt: 20 },
        { delivery: ds[3]!, leaseUntil: 500, state: 'sent', attempts: 1, nextAttemptAt: 20 },
        { delivery: ds[4]!, leaseUntil: 500, state: 'pending', attempts: 1, nextAttemptAt: 30 },
      ]), 3);
      const mine = new Set(ds.map((d) => d.messageId));
      const due = (await s().pushDeliveries.due(10_000, 1000)).filter((x) => mine.has(x.messageId));
      assert.deepEqual(due.map((x) => [x.messageId, x.attempts, x.nextAttemptAt]).sort(), [[ds[0]!.messageId, 0, 500], [ds[1]!.messageId, 0, 10], [ds[4]!.messageId, 1, 30]].sort());
      assert.equal(await s().pushDeliveries.settleMany([]), 0);
    });

    // Node A claims with lease 100 and is slow; once the lease is due node B reads and claims the delivery again.
    const pending = (over: Partial<PushDeliveryRecord> = {}): PushDeliveryRecord => ({
      messageId: newId(), userId: newId(), deviceId: newId(), channelId: newId(), payload: '{}', urgency: 'normal', state: 'pending', attempts: 0, nextAttemptAt: 10, createdAt: 10, ...over,
    });
    const rowsOf = async (ds: readonly PushDeliveryRecord[]) => {
      const mine = new Set(ds.map((d) => d.messageId));
      const due = (await s().pushDeliveries.due(1_000_000, 1000)).filter((x) => mine.has(x.messageId));
      return ds.map((d) => due.find((x) => x.messageId === d.messageId)).map((x) => (x ? [x.attempts, x.nextAttemptAt] : 'settled'));
    };

    it('drops the settle of a lapsed claim: the delivery stays with the node that claimed it since', async () => {
      const d = pending();
      assert.equal(await s().pushDeliveries.enqueue([d]), 1);
      assert.deepEqual(await s().pushDeliveries.claimMany([d], 100), [d], 'A claims');
      const seenByB = (await s().pushDeliveries.due(100, 1000)).find((x) => x.messageId === d.messageId)!;
      assert.deepEqual([seenByB.attempts, seenByB.nextAttemptAt], [0, 100], 'due again once the lease is');
      assert.equal(await s().pushDeliveries.claim(seenByB, 200), true, 'B claims');
      assert.equal(await s().pushDeliveries.settle({ delivery: d, leaseUntil: 100, state: 'sent', attempts: 1, nextAttemptAt: 150 }), false, 'A is late');
      assert.deepEqual(await rowsOf([d]), [[0, 200]], "B's claim stands");
      // B's retry lands exactly on A's old lease: the attempts still tell A's claim from the row now.
      assert.equal(await s().pushDeliveries.settle({ delivery: seenByB, leaseUntil: 200, state: 'pending', attempts: 1, nextAttemptAt: 100 }), true, 'B settles');
      assert.equal(await s().pushDeliveries.settle({ delivery: d, leaseUntil: 100, state: 'dead', attempts: 1, nextAttemptAt: 150 }), false, 'A is still late');
      assert.deepEqual(await rowsOf([d]), [[1, 100]], "B's outcome stands");

      // A result B recorded is not undone by A's late retry either.
      const e = pending();
      await s().pushDeliveries.enqueue([e]);
      assert.equal(await s().pushDeliveries.claim(e, 100), true);
      assert.equal(await s().pushDeliveries.claim({ ...e, nextAttemptAt: 100 }, 200), true);
      assert.equal(await s().pushDeliveries.settle({ delivery: e, leaseUntil: 200, state: 'sent', attempts: 1, nextAttemptAt: 150 }), true);
      assert.equal(await s().pushDeliveries.settle({ delivery: e, leaseUntil: 100, state: 'pending', attempts: 1, nextAttemptAt: 300 }), false);
      assert.deepEqual(await rowsOf([e]), ['settled']);
    });

    it('settles a batch mixing held and lapsed claims: only the held ones, in every group of alike outcomes', async () => {
      const ds = Array.from({ length: 6 }, () => pending());
      assert.equal(await s().pushDeliveries.enqueue(ds), 6);
      assert.equal((await s().pushDeliveries.claimMany(ds, 100)).length, 6, 'A claims all');
      // B takes back ds[1], ds[3] and ds[5] once A's lease is due.
      const lapsed = [ds[1]!, ds[3]!, ds[5]!].map((d) => ({ ...d, nextAttemptAt: 100 }));
      assert.equal((await s().pushDeliveries.claimMany(lapsed, 200)).length, 3, 'B claims some');
      const outcomes = ds.map((d, i) => ({ delivery: d, leaseUntil: 100, ...(i < 4 ? { state: 'sent' as const, attempts: 1, nextAttemptAt: 150 } : { state: 'pending' as const, attempts: 1, nextAttemptAt: 300 }) }));
      assert.equal(await s().pushDeliveries.settleMany(outcomes), 3, "A's held claims only");
      assert.deepEqual(await rowsOf(ds), ['settled', [0, 200], 'settled', [0, 200], [1, 300], [0, 200]]);
      assert.equal(await s().pushDeliveries.settleMany(lapsed.map((d) => ({ delivery: d, leaseUntil: 200, state: 'pending', attempts: 1, nextAttemptAt: 400 }))), 3, 'B settles');
      assert.deepEqual(await rowsOf(ds), ['settled', [1, 400], 'settled', [1, 400], [1, 300], [1, 400]]);
    });

    it('gets several devices by id', async () => {
      const a = await s().users.create(user());
      const one = await s().pushDevices.put(device(a.id, await tokenOf(a.id)));
      const two = await s().pushDevices.put(device(a.id, await tokenOf(a.id)));
      assert.deepEqual((await s().pushDevices.getMany([two.id, one.id, newId()])).map((d) => d.id).sort(), [one.id, two.id].sort());
      assert.deepEqual(await s().pushDevices.getMany([]), []);
    });
  });
}
