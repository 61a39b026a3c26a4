/**
 * discord.js v14, unpatched, and announcement channels: a bot creates a NewsChannel, follows it into a text channel
 * of another guild with newsChannel.addFollower(target), sends and publishes a message with message.crosspost(),
 * and receives the copy in the following channel (webhook author, IS_CROSSPOST, reference to the original); the
 * follower webhook shows in target.fetchWebhooks() as a channel-follower webhook with its source.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChannelType, Client, Events, GatewayIntentBits, MessageFlags, NewsChannel, WebhookType, type Message, type TextChannel } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

async function waitUntil<T>(get: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('discord.js v14 and announcement channels', () => {
  let t: TestServer;
  let client: Client;
  let owner: TestUser;
  let sourceGuildId: string;
  let targetGuildId: string;
  let targetChannelId: string;

  before(async () => {
    t = await startTestServer();
    owner = await t.register();
    sourceGuildId = (await t.createGuild(owner, 'Herald')).id;
    targetGuildId = (await t.createGuild(owner, 'Readers')).id;
    targetChannelId = (await t.request('GET', `/guilds/${targetGuildId}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Herald Bot' } });
    await t.request('PATCH', `/applications/${app.body.id}`, { auth: owner, body: { flags: 1 << 18 } });
    const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
    const perms = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.READ_MESSAGE_HISTORY | Permissions.MANAGE_CHANNELS
      | Permissions.MANAGE_WEBHOOKS | Permissions.MANAGE_MESSAGES;
    for (const guildId of [sourceGuildId, targetGuildId]) {
      const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${perms}`, {
        auth: owner,
        body: { guild_id: guildId, permissions: perms.toString(), authorize: true },
      });
      assert.equal(auth.status, 200, JSON.stringify(auth.body));
    }
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.GuildWebhooks],
      rest: { api: `${t.url}/api`, cdn: t.url },
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(reset.body.token);
    await ready;
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('guild.channels.create(GuildAnnouncement), addFollower(target), message.crosspost(), the copy arrives', async () => {
    const source = await client.guilds.fetch(sourceGuildId);
    const news = await source.channels.create({ name: 'releases', type: ChannelType.GuildAnnouncement });
    assert.ok(news instanceof NewsChannel);
    assert.equal(news.type, ChannelType.GuildAnnouncement);

    const target = (await client.channels.fetch(targetChannelId)) as TextChannel;
    // discord.js resolves the followed channel (the answer's channel_id) from its cache.
    const followed: unknown = await news.addFollower(target, 'follow releases');
    assert.equal(typeof followed === 'string' ? followed : (followed as { id: string }).id, news.id);
    const hooks = await target.fetchWebhooks();
    const hook = hooks.first()!;
    assert.equal(hooks.size, 1);
    assert.equal(hook.type, WebhookType.ChannelFollower);
    assert.equal(hook.isChannelFollower(), true);
    assert.equal(hook.sourceChannel?.id, news.id);
    assert.equal(hook.sourceGuild?.id, sourceGuildId);
    assert.equal(hook.name, 'Herald #releases');

    const copies: Message[] = [];
    client.on(Events.MessageCreate, (m) => {
      if (m.channelId === targetChannelId && m.webhookId) copies.push(m);
    });
    const message = await news.send('Accord 2.0 is out');
    assert.equal(message.crosspostable, true);
    const published = await message.crosspost();
    assert.equal(published.id, message.id);
    // discord.js hands back its cached message, which the gateway's MESSAGE_UPDATE marks as crossposted: that
    // event may come after the REST answer (as on Discord), so wait for it.
    await waitUntil(() => published.flags.has(MessageFlags.Crossposted) || undefined, 'the cached message marked crossposted');
    const fetched = await news.messages.fetch({ message: message.id, force: true });
    assert.equal(fetched.flags.has(MessageFlags.Crossposted), true);

    const copy = await waitUntil(() => copies[0], 'the crossposted copy');
    assert.equal(copy.content, 'Accord 2.0 is out');
    assert.equal(copy.webhookId, hook.id);
    assert.equal(copy.author.username, 'Herald #releases');
    assert.equal(copy.flags.has(MessageFlags.IsCrosspost), true);
    assert.equal(copy.reference?.messageId, message.id);
    assert.equal(copy.reference?.channelId, news.id);
    assert.equal(copy.reference?.guildId, sourceGuildId);

    // Publishing twice is Discord's 40033.
    await assert.rejects(() => message.crosspost(), (err: any) => err.code === 40033);

    // Deleting the follower webhook unfollows.
    await hook.delete();
    assert.equal((await target.fetchWebhooks()).size, 0);
  });
});
