/** Contract: threads (ThreadStore), the reads GUILD_CREATE and THREAD_LIST_SYNC are built from. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelType, type Store, type ThreadRecord } from '../../src/store/types.ts';
import { channel, guildWithChannel, user } from './store.fixtures.ts';

const NOW = 1_750_000_000_000;

function threadOf(channelId: string, guildId: string, parentId: string, over: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    channelId, guildId, parentId, archived: false, autoArchiveDuration: 1440, archiveTimestamp: NOW, locked: false, invitable: true,
    createTimestamp: NOW, messageCount: 0, totalMessageSent: 0, flags: 0, appliedTags: [], lastActivityAt: NOW, ...over,
  };
}

export function threadsContract(s: () => Store): void {
  describe('threads', () => {
    it('listActiveDetailed: unarchived threads newest first with their channel and member count, bounded by limit', async () => {
      const { owner, guild, channel: parent } = await guildWithChannel(s());
      const other = await s().users.create(user());
      const made: string[] = [];
      for (const [i, archived] of [false, true, false, false].entries()) {
        const c = channel(guild.id, { type: i === 3 ? ChannelType.PRIVATE_THREAD : ChannelType.PUBLIC_THREAD, name: `t${i}`, parentId: parent.id, ownerId: owner.id });
        const members = i === 2 ? [owner.id, other.id] : [owner.id];
        await s().threads.create(c, threadOf(c.id, guild.id, parent.id, { archived }), members.map((userId) => ({ channelId: c.id, userId, joinTimestamp: NOW, flags: 0 })));
        made.push(c.id);
      }
      const active = await s().threads.listActiveDetailed(guild.id, 10);
      assert.deepEqual(active.map((a) => a.thread.channelId), [made[3], made[2], made[0]]);
      assert.deepEqual(active.map((a) => a.memberCount), [1, 2, 1]);
      assert.deepEqual(active.map((a) => [a.channel.id, a.channel.type, a.channel.name]), [
        [made[3], ChannelType.PRIVATE_THREAD, 't3'], [made[2], ChannelType.PUBLIC_THREAD, 't2'], [made[0], ChannelType.PUBLIC_THREAD, 't0'],
      ]);
      assert.deepEqual(active.map((a) => a.thread), await s().threads.listActive(guild.id));
      assert.deepEqual((await s().threads.listActiveDetailed(guild.id, 2)).map((a) => a.thread.channelId), [made[3], made[2]]);
      assert.deepEqual(await s().threads.listActiveDetailed((await guildWithChannel(s())).guild.id, 10), []);
    });
  });
}
