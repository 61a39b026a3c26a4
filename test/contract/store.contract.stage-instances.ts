/** StageInstanceStore: one open stage per channel, its edits and deletion, and the channel's and guild's cascade. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { StageInstanceRecord, Store } from '../../src/store/types.ts';
import { guildWithChannel, newId, rejectsWith } from './store.fixtures.ts';

function stageOf(guildId: string, channelId: string, extra: Partial<StageInstanceRecord> = {}): StageInstanceRecord {
  return { id: newId(), guildId, channelId, topic: 'Town hall', privacyLevel: 2, scheduledEventId: null, ...extra };
}

export function stageInstancesContract(s: () => Store): void {
  describe('stage instances', () => {
    it('one per channel: creates, reads, lists ascending by id, edits and deletes', async () => {
      const { guild, channel, bundle } = await guildWithChannel(s());
      const second = bundle.channels[1] ?? channel;
      const a = await s().stageInstances.create(stageOf(guild.id, channel.id, { scheduledEventId: newId() }));
      assert.deepEqual(await s().stageInstances.getByChannel(channel.id), a);
      await rejectsWith(s().stageInstances.create(stageOf(guild.id, channel.id)), ConflictError, { entity: 'stage_instance', field: 'channel_id' });
      const listed = second.id !== channel.id ? [a, await s().stageInstances.create(stageOf(guild.id, second.id))] : [a];
      assert.deepEqual(await s().stageInstances.listByGuild(guild.id), listed.sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1)));
      assert.deepEqual(await s().stageInstances.update(channel.id, { topic: 'Q&A' }), { ...a, topic: 'Q&A' });
      assert.equal(await s().stageInstances.update(newId(), { topic: 'x' }), null);
      assert.equal(await s().stageInstances.delete(channel.id, { id: '123456789012345678' }), null, 'another instance is kept');
      assert.deepEqual(await s().stageInstances.delete(channel.id, { id: a.id }), { ...a, topic: 'Q&A' });
      assert.equal(await s().stageInstances.delete(channel.id), null);
      assert.equal(await s().stageInstances.getByChannel(channel.id), null);
    });

    it('refuses a bad topic or privacy level and an unknown channel; goes with its channel and its guild', async () => {
      const { guild, channel } = await guildWithChannel(s());
      await rejectsWith(s().stageInstances.create(stageOf(guild.id, channel.id, { topic: '' })), InvalidInputError, { field: 'topic' });
      await rejectsWith(s().stageInstances.create(stageOf(guild.id, channel.id, { topic: 'x'.repeat(121) })), InvalidInputError, { field: 'topic' });
      await rejectsWith(s().stageInstances.create(stageOf(guild.id, channel.id, { privacyLevel: 1 })), InvalidInputError, { field: 'privacy_level' });
      await rejectsWith(s().stageInstances.create(stageOf(guild.id, newId())), NotFoundError, { entity: 'channel' });
      await s().stageInstances.create(stageOf(guild.id, channel.id));
      await s().channels.delete(channel.id);
      assert.equal(await s().stageInstances.getByChannel(channel.id), null);
      const other = await guildWithChannel(s());
      await s().stageInstances.create(stageOf(other.guild.id, other.channel.id));
      await s().guilds.delete(other.guild.id);
      assert.deepEqual(await s().stageInstances.listByGuild(other.guild.id), []);
    });
  });
}
