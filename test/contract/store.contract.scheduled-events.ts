/** Store contract: guild scheduled events and their interested users (ScheduledEventStore, migration 34). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { ScheduledEventRecord, Store } from '../../src/store/types.ts';
import { guildWithChannel, newId, rejectsWith, user } from './store.fixtures.ts';

const HOUR = 3_600_000;

function event(guildId: string, over: Partial<ScheduledEventRecord> = {}): ScheduledEventRecord {
  return {
    id: newId(), guildId, channelId: null, creatorId: null, name: 'Game night', description: null,
    scheduledStartTime: Date.now() + HOUR, scheduledEndTime: Date.now() + 2 * HOUR, privacyLevel: 2, status: 1, entityType: 3, location: 'The park',
    ...over,
  };
}

export function scheduledEventsContract(s: () => Store): void {
  describe('guild scheduled events', () => {
    it('creates, reads, lists, updates and deletes events, keeping them to their guild', async () => {
      const { guild, owner, channel } = await guildWithChannel(s());
      const external = await s().scheduledEvents.create(event(guild.id, { creatorId: owner.id, description: 'Bring snacks' }));
      assert.equal(external.location, 'The park');
      assert.equal(external.description, 'Bring snacks');
      const voice = await s().scheduledEvents.create(event(guild.id, { channelId: channel!.id, entityType: 2, location: null, scheduledEndTime: null }));
      assert.equal(voice.location, null);
      assert.equal(voice.scheduledEndTime, null);
      assert.deepEqual((await s().scheduledEvents.listByGuild(guild.id)).map((e) => e.id), [external.id, voice.id]);
      const other = await guildWithChannel(s());
      assert.equal(await s().scheduledEvents.get(other.guild.id, external.id), null, 'another guild does not see it');
      assert.equal(await s().scheduledEvents.update(other.guild.id, external.id, { name: 'x' }), null);

      assert.equal(await s().scheduledEvents.countUncompleted(guild.id), 2);
      const started = await s().scheduledEvents.update(guild.id, external.id, { status: 2, name: 'Game night!', location: 'The beach', description: null });
      assert.deepEqual([started?.status, started?.name, started?.location, started?.description], [2, 'Game night!', 'The beach', null]);
      // Compare and set: a status that moved meanwhile keeps the row as it is.
      assert.equal(await s().scheduledEvents.update(guild.id, voice.id, { status: 2 }, { ifStatus: 2 }), null);
      assert.equal((await s().scheduledEvents.get(guild.id, voice.id))?.status, 1);
      assert.equal((await s().scheduledEvents.update(guild.id, voice.id, { status: 4 }, { ifStatus: 1 }))?.status, 4);
      assert.equal(await s().scheduledEvents.countUncompleted(guild.id), 1);

      assert.equal(await s().scheduledEvents.delete(other.guild.id, voice.id), false);
      assert.equal(await s().scheduledEvents.delete(guild.id, voice.id), true);
      assert.equal(await s().scheduledEvents.delete(guild.id, voice.id), false);
      assert.deepEqual((await s().scheduledEvents.listByGuild(guild.id)).map((e) => e.id), [external.id]);
      await rejectsWith(s().scheduledEvents.create(event(newId())), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().scheduledEvents.create(event(guild.id, { name: '' })), InvalidInputError, { field: 'name' });
      await rejectsWith(s().scheduledEvents.create(event(guild.id, { description: 'x'.repeat(1001) })), InvalidInputError, { field: 'description' });
    });

    it('keeps who is interested: once each, paged by id, counted, and gone with the event', async () => {
      const { guild } = await guildWithChannel(s());
      const e = await s().scheduledEvents.create(event(guild.id));
      const quiet = await s().scheduledEvents.create(event(guild.id));
      const users = [];
      for (let i = 0; i < 5; i++) users.push((await s().users.create(user())).id);
      const sorted = [...users].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      for (const u of users) assert.equal(await s().scheduledEvents.addUser(e.id, u), true);
      assert.equal(await s().scheduledEvents.addUser(e.id, users[0]!), false, 'a second add changes nothing');
      await rejectsWith(s().scheduledEvents.addUser(newId(), users[0]!), NotFoundError, { entity: 'scheduled_event' });

      assert.deepEqual(await s().scheduledEvents.listUsers(e.id), sorted);
      assert.deepEqual(await s().scheduledEvents.listUsers(e.id, { limit: 2 }), sorted.slice(0, 2));
      assert.deepEqual(await s().scheduledEvents.listUsers(e.id, { after: sorted[1], limit: 2 }), sorted.slice(2, 4));
      assert.deepEqual(await s().scheduledEvents.listUsers(e.id, { before: sorted[4], limit: 2 }), sorted.slice(2, 4));
      assert.deepEqual(await s().scheduledEvents.listUsers(e.id, { after: sorted[0], before: sorted[4] }), sorted.slice(1, 4));
      assert.deepEqual(await s().scheduledEvents.countUsers([e.id, quiet.id]), new Map([[e.id, 5]]));
      assert.deepEqual(await s().scheduledEvents.interestedIn(users[2]!, [e.id, quiet.id]), new Set([e.id]));

      assert.equal(await s().scheduledEvents.removeUser(e.id, users[2]!), true);
      assert.equal(await s().scheduledEvents.removeUser(e.id, users[2]!), false);
      assert.equal((await s().scheduledEvents.countUsers([e.id])).get(e.id), 4);
      await s().scheduledEvents.delete(guild.id, e.id);
      assert.deepEqual(await s().scheduledEvents.listUsers(e.id), []);
    });
  });
}
