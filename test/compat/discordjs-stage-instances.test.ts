/**
 * discord.js v14, unpatched, against Accord's stage channels and stage instances (src/api/routes/stage-instances.ts):
 * a bot with the stage moderator's permissions creates a stage channel, opens a stage on it, edits its topic and
 * closes it; `guild.stageInstances` follows STAGE_INSTANCE_CREATE / _UPDATE / _DELETE and GUILD_CREATE; a second
 * stage on the same channel is Stage already open (150006).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChannelType, Client, DiscordAPIError, GatewayIntentBits, StageInstancePrivacyLevel, type StageChannel, type StageInstance } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { botWorld, loggedInClient } from './setup.ts';

const STAGE_BOT = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.MANAGE_CHANNELS | Permissions.MUTE_MEMBERS | Permissions.MOVE_MEMBERS;

describe('discord.js v14 and stage instances', () => {
  let t: TestServer;
  let client: Client;
  let world: Awaited<ReturnType<typeof botWorld>>;

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'djs stage', STAGE_BOT);
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds]);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('creates a stage channel, opens, edits and closes its stage, with the cache following the events', async () => {
    const guild = await client.guilds.fetch(world.guild.id);
    const stage = (await guild.channels.create({ name: 'Town Hall', type: ChannelType.GuildStageVoice })) as StageChannel;
    assert.equal(stage.type, ChannelType.GuildStageVoice);
    const created = new Promise<StageInstance>((resolve) => client.once('stageInstanceCreate', resolve));
    const instance = await stage.createStageInstance({ topic: 'Release party', privacyLevel: StageInstancePrivacyLevel.GuildOnly });
    assert.equal(instance.topic, 'Release party');
    assert.equal(instance.channelId, stage.id);
    assert.equal((await created).id, instance.id);
    assert.equal(guild.stageInstances.cache.get(instance.id)?.topic, 'Release party');
    assert.equal(stage.stageInstance?.id, instance.id);
    await assert.rejects(stage.createStageInstance({ topic: 'Again' }), (err: unknown) => err instanceof DiscordAPIError && err.code === 150006);

    const updated = new Promise<[StageInstance | null, StageInstance]>((resolve) => client.once('stageInstanceUpdate', (a, b) => resolve([a, b])));
    const edited = await instance.edit({ topic: 'Release party: demos' });
    assert.equal(edited.topic, 'Release party: demos');
    const [, after] = await updated;
    assert.equal(after.topic, 'Release party: demos');
    assert.equal((await guild.stageInstances.fetch(stage.id, { force: true })).topic, 'Release party: demos');

    const deleted = new Promise<StageInstance>((resolve) => client.once('stageInstanceDelete', resolve));
    await instance.delete();
    assert.equal((await deleted).id, instance.id);
    assert.equal(guild.stageInstances.cache.has(instance.id), false);
    await assert.rejects(guild.stageInstances.fetch(stage.id, { force: true }), (err: unknown) => err instanceof DiscordAPIError && err.code === 10067);
  });

  it("finds an open stage in GUILD_CREATE when it connects", async () => {
    const stage = (await t.request('POST', `/guilds/${world.guild.id}/channels`, { auth: world.owner, body: { name: 'Stage two', type: 13 } })).body;
    const opened = await t.request('POST', '/stage-instances', { auth: world.owner, body: { channel_id: stage.id, topic: 'Already live' } });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const late = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds]);
    try {
      const guild = late.guilds.cache.get(world.guild.id)!;
      assert.equal(guild.stageInstances.cache.get(opened.body.id)?.topic, 'Already live');
    } finally {
      await late.destroy();
    }
  });

  it('fetching a voice state is DiscordAPIError 10065: nobody is connected to voice', async () => {
    const guild = client.guilds.cache.get(world.guild.id)!;
    const unknownVoiceState = (err: unknown) => err instanceof DiscordAPIError && err.code === 10065 && err.status === 404;
    await assert.rejects(guild.voiceStates.fetch('@me', { force: true }), unknownVoiceState);
    await assert.rejects(guild.voiceStates.fetch(world.owner.id, { force: true }), unknownVoiceState);
  });
});
