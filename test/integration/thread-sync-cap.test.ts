/**
 * THREAD_LIST_SYNC reads at most MAX_ACTIVE_THREADS (Discord's 1000) active threads of a guild
 * (src/sessions/thread-sync.ts), as GUILD_CREATE does. The API refuses the 1001st thread (160006), so the guild
 * here gets its threads straight from the store: a few more than the cap, in a channel the member cannot see
 * until an overwrite lets them in. The sync carries the newest MAX_ACTIVE_THREADS of them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import { MAX_ACTIVE_THREADS } from '../../src/protocol/thread-limits.ts';
import { ChannelType } from '../../src/store/types.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { guildFixture, overwrite, textChannel, type GuildFixture } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

const BEYOND = 5;

describe('THREAD_LIST_SYNC with more active threads than the cap', () => {
  let t: TestServer;
  let f: GuildFixture;
  let client: GatewayClient | undefined;

  before(async () => {
    t = await startTestServer();
    f = await guildFixture(t);
  });
  after(async () => {
    await client?.close();
    await t.close();
  });

  it(`carries the newest ${MAX_ACTIVE_THREADS} active threads of the guild`, async () => {
    const hidden = await textChannel(t, f.owner, f.guild.id, { name: 'crowded' });
    await overwrite(t, f.owner, hidden.id, f.guild.id, 0, 0n, Permissions.VIEW_CHANNEL);
    const ids = new SnowflakeGenerator({ workerId: 28, processId: 28 });
    const made: string[] = [];
    const at = Date.now();
    for (let i = 0; i < MAX_ACTIVE_THREADS + BEYOND; i++) {
      const id = ids.next();
      await t.store.threads.create(
        { id, type: ChannelType.PUBLIC_THREAD, guildId: f.guild.id, name: `thread ${i}`, topic: null, position: 0, parentId: hidden.id, nsfw: false, rateLimitPerUser: 0,
          lastMessageId: null, lastPinTimestamp: null, ownerId: f.owner.id, icon: null, bitrate: null, userLimit: null, createdAt: at },
        { channelId: id, guildId: f.guild.id, parentId: hidden.id, archived: false, autoArchiveDuration: 1440, archiveTimestamp: at, locked: false, invitable: true,
          createTimestamp: at, messageCount: 0, totalMessageSent: 0, flags: 0, appliedTags: [], lastActivityAt: at },
        [],
      );
      made.push(id);
    }
    assert.equal((await t.store.threads.listActive(f.guild.id)).length, MAX_ACTIVE_THREADS + BEYOND);

    client = await GatewayClient.connect(t.url);
    await client.identify(f.member.token);
    await client.waitForDispatch('GUILD_CREATE', (d) => d.id === f.guild.id);
    await overwrite(t, f.owner, hidden.id, f.member.id, 1, Permissions.VIEW_CHANNEL, 0n);
    const sync = await client.waitForDispatch('THREAD_LIST_SYNC', (d) => d.guild_id === f.guild.id, 10_000);
    assert.deepEqual(sync.d.channel_ids, [hidden.id]);
    assert.equal(sync.d.threads.length, MAX_ACTIVE_THREADS);
    // Newest first (ids are time-ordered): the oldest BEYOND are the ones left out.
    assert.deepEqual(sync.d.threads.map((x: any) => x.id), made.slice(BEYOND).reverse());
    assert.ok(sync.d.threads.every((x: any) => x.parent_id === hidden.id && x.thread_metadata.archived === false));
    assert.deepEqual(sync.d.members, []);
  });
});
