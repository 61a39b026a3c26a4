/**
 * THREAD_LIST_SYNC reads at most MAX_ACTIVE_THREADS (Discord's 1000) active threads, as GUILD_CREATE does, and
 * reads them from the channels the session gained only (src/sessions/thread-sync.ts). The API refuses the 1001st
 * thread (160006), so the guild here gets its threads straight from the store: a few in 'quiet', then a few more
 * than the cap in 'crowded' (newer, so a guild-wide read of the newest 1000 holds none of 'quiet'). The member sees
 * neither channel until an overwrite lets them in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import { MAX_ACTIVE_THREADS } from '../../src/protocol/thread-limits.ts';
import { ChannelType, type ChannelTypeValue } from '../../src/store/types.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { guildFixture, overwrite, textChannel, type GuildFixture } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

const BEYOND = 5;

describe('THREAD_LIST_SYNC in a guild with more active threads than the cap', () => {
  let t: TestServer;
  let f: GuildFixture;
  let crowded: any;
  let quiet: any;
  const crowdedThreads: string[] = [];
  const quietThreads: Record<'open' | 'joined' | 'archived' | 'private', string> = { open: '', joined: '', archived: '', private: '' };
  const clients: GatewayClient[] = [];

  before(async () => {
    t = await startTestServer();
    f = await guildFixture(t);
    const ids = new SnowflakeGenerator({ workerId: 28, processId: 28 });
    const at = Date.now();
    const seed = async (parentId: string, name: string, over: { type?: ChannelTypeValue; archived?: boolean; members?: string[] } = {}) => {
      const id = ids.next();
      await t.store.threads.create(
        { id, type: over.type ?? ChannelType.PUBLIC_THREAD, guildId: f.guild.id, name, topic: null, position: 0, parentId, nsfw: false, rateLimitPerUser: 0,
          lastMessageId: null, lastPinTimestamp: null, ownerId: f.owner.id, icon: null, bitrate: null, userLimit: null, createdAt: at },
        { channelId: id, guildId: f.guild.id, parentId, archived: over.archived ?? false, autoArchiveDuration: 1440, archiveTimestamp: at, locked: false,
          invitable: true, createTimestamp: at, messageCount: 0, totalMessageSent: 0, flags: 0, appliedTags: [], lastActivityAt: at },
        (over.members ?? []).map((userId) => ({ channelId: id, userId, joinTimestamp: at, flags: 0 })),
      );
      return id;
    };
    quiet = await textChannel(t, f.owner, f.guild.id, { name: 'quiet' });
    crowded = await textChannel(t, f.owner, f.guild.id, { name: 'crowded' });
    for (const c of [quiet, crowded]) await overwrite(t, f.owner, c.id, f.guild.id, 0, 0n, Permissions.VIEW_CHANNEL);
    quietThreads.open = await seed(quiet.id, 'open');
    quietThreads.joined = await seed(quiet.id, 'joined', { members: [f.member.id] });
    quietThreads.archived = await seed(quiet.id, 'archived', { archived: true });
    quietThreads.private = await seed(quiet.id, 'private', { type: ChannelType.PRIVATE_THREAD, members: [f.owner.id] });
    for (let i = 0; i < MAX_ACTIVE_THREADS + BEYOND; i++) crowdedThreads.push(await seed(crowded.id, `thread ${i}`));
    assert.equal((await t.store.threads.listActive(f.guild.id)).length, MAX_ACTIVE_THREADS + BEYOND + 3);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  async function gain(channelId: string): Promise<any> {
    const client = await GatewayClient.connect(t.url);
    clients.push(client);
    await client.identify(f.member.token);
    await client.waitForDispatch('GUILD_CREATE', (d) => d.id === f.guild.id);
    await overwrite(t, f.owner, channelId, f.member.id, 1, Permissions.VIEW_CHANNEL, 0n);
    return (await client.waitForDispatch('THREAD_LIST_SYNC', (d) => d.guild_id === f.guild.id && d.channel_ids.includes(channelId), 10_000)).d;
  }

  it(`carries the newest ${MAX_ACTIVE_THREADS} active threads of a channel holding more`, async () => {
    const sync = await gain(crowded.id);
    assert.deepEqual(sync.channel_ids, [crowded.id]);
    assert.equal(sync.threads.length, MAX_ACTIVE_THREADS);
    // Newest first (ids are time-ordered): the oldest BEYOND are the ones left out.
    assert.deepEqual(sync.threads.map((x: any) => x.id), crowdedThreads.slice(BEYOND).reverse());
    assert.ok(sync.threads.every((x: any) => x.parent_id === crowded.id && x.thread_metadata.archived === false));
    assert.deepEqual(sync.members, []);
  });

  it('carries a gained channel\'s active threads when the guild\'s newest are in another channel', async () => {
    const sync = await gain(quiet.id);
    assert.deepEqual(sync.channel_ids, [quiet.id]);
    // Not the archived one, nor the private one the member is not in (no MANAGE_THREADS).
    assert.deepEqual(sync.threads.map((x: any) => x.id), [quietThreads.joined, quietThreads.open]);
    assert.ok(sync.threads.every((x: any) => x.parent_id === quiet.id && x.thread_metadata.archived === false));
    assert.deepEqual(sync.members.map((m: any) => [m.id, m.user_id]), [[quietThreads.joined, f.member.id]]);
  });
});
