/**
 * discord.js v14, unpatched, and text chat in voice channels: a VoiceChannel is text-based there, so a bot sends
 * with voiceChannel.send, reads history with voiceChannel.messages.fetch, and gets messageCreate for what people
 * write in it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChannelType, Client, Events, GatewayIntentBits, type Message, type VoiceChannel } from 'discord.js';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { type BotWorld, botWorld, loggedInClient, post } from './setup.ts';

describe('discord.js v14 and text in voice channels', () => {
  let t: TestServer;
  let client: Client;
  let world: BotWorld;
  let voiceId: string;

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'djs voice text');
    voiceId = (await t.request('POST', `/guilds/${world.guild.id}/channels`, { auth: world.owner, body: { name: 'Lounge', type: 2 } })).body.id;
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent]);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('voiceChannel.send, messages.fetch and messageCreate', async () => {
    const channel = (await client.channels.fetch(voiceId)) as VoiceChannel;
    assert.equal(channel.type, ChannelType.GuildVoice);
    assert.ok(channel.isTextBased());
    const heard = new Promise<Message>((resolve) => client.on(Events.MessageCreate, (m) => m.channelId === voiceId && m.author.id === world.owner.id && resolve(m)));
    await post(t, world.owner, voiceId, 'anyone in here?');
    const got = await heard;
    assert.equal(got.content, 'anyone in here?');
    const sent = await channel.send('yes, the bot is');
    assert.equal(sent.channelId, voiceId);
    const fetched = await channel.messages.fetch({ limit: 10 });
    assert.deepEqual([...fetched.values()].map((m) => m.content), ['yes, the bot is', 'anyone in here?']);
    assert.equal(channel.lastMessageId, sent.id);
  });
});
