/** Contract: threads (ThreadStore), the reads GUILD_CREATE and THREAD_LIST_SYNC are built from. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelType, type ChannelTypeValue, type Store, type ThreadRecord } from '../../src/store/types.ts';
import { bundle, channel, guildWithChannel, user } from './store.fixtures.ts';

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

    it('messageSent counts up both counters; messagesDeleted takes message_count down, never below 0', async () => {
      const { owner, guild, channel: parent } = await guildWithChannel(s());
      const c = channel(guild.id, { type: ChannelType.PUBLIC_THREAD, name: 'counted', parentId: parent.id, ownerId: owner.id });
      await s().threads.create(c, threadOf(c.id, guild.id, parent.id), [{ channelId: c.id, userId: owner.id, joinTimestamp: NOW, flags: 0 }]);
      for (let i = 0; i < 3; i++) await s().threads.messageSent(c.id, NOW + i);
      await s().threads.messagesDeleted(c.id, 2);
      let t = (await s().threads.get(c.id))!;
      assert.deepEqual([t.messageCount, t.totalMessageSent], [1, 3]);
      await s().threads.messagesDeleted(c.id, 5);
      await s().threads.messagesDeleted(c.id, 0);
      t = (await s().threads.get(c.id))!;
      assert.deepEqual([t.messageCount, t.totalMessageSent], [0, 3]);
    });

    it('listActiveDetailedIn: the active threads of these parents only, newest first, bounded by limit across them', async () => {
      const owner = await s().users.create(user());
      const other = await s().users.create(user());
      const parents = bundle(owner.id, { channels: 4 });
      const guild = await s().guilds.create(parents);
      const [a, b, busy, empty] = parents.channels.map((c) => c.id);
      const make = async (parentId: string, name: string, over: { archived?: boolean; type?: ChannelTypeValue; members?: string[] } = {}) => {
        const c = channel(guild.id, { type: over.type ?? ChannelType.PUBLIC_THREAD, name, parentId, ownerId: owner.id });
        const members = (over.members ?? [owner.id]).map((userId) => ({ channelId: c.id, userId, joinTimestamp: NOW, flags: 0 }));
        await s().threads.create(c, threadOf(c.id, guild.id, parentId, { archived: over.archived ?? false }), members);
        return c.id;
      };
      const a0 = await make(a, 'a0');
      await make(a, 'a1', { archived: true });
      const b0 = await make(b, 'b0', { type: ChannelType.PRIVATE_THREAD, members: [owner.id, other.id] });
      // The guild's newest active threads are in another parent: a guild-wide read bounded by 2 would hold only these.
      const busy0 = await make(busy, 'busy0');
      const busy1 = await make(busy, 'busy1');
      assert.deepEqual((await s().threads.listActiveDetailed(guild.id, 2)).map((x) => x.thread.channelId), [busy1, busy0]);

      const got = await s().threads.listActiveDetailedIn([a, b], 2);
      assert.deepEqual(got.map((x) => x.thread.channelId), [b0, a0]);
      assert.deepEqual(got.map((x) => x.memberCount), [2, 1]);
      assert.deepEqual(got.map((x) => [x.channel.id, x.channel.type, x.channel.name, x.thread.parentId]), [
        [b0, ChannelType.PRIVATE_THREAD, 'b0', b], [a0, ChannelType.PUBLIC_THREAD, 'a0', a],
      ]);
      const guildWide = (await s().threads.listActiveDetailed(guild.id, 10)).filter((x) => x.thread.parentId === a || x.thread.parentId === b);
      assert.deepEqual(got, guildWide);
      assert.deepEqual((await s().threads.listActiveDetailedIn([a, b], 1)).map((x) => x.thread.channelId), [b0]);
      assert.deepEqual((await s().threads.listActiveDetailedIn([a, a], 10)).map((x) => x.thread.channelId), [a0]);
      assert.deepEqual(await s().threads.listActiveDetailedIn([empty], 10), []);
      assert.deepEqual(await s().threads.listActiveDetailedIn([], 10), []);
    });
  });
}
