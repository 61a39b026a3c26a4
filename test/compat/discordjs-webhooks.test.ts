/**
 * discord.js v14, unpatched, and webhooks: a bot with MANAGE_WEBHOOKS creates one with `channel.createWebhook()`
 * (with an avatar) and finds it with `guild.fetchWebhooks()`, hearing WEBHOOKS_UPDATE as `webhooksUpdate`; then a
 * `WebhookClient({ id, token })` — no bot token at all — sends (with a file and overrides), edits, fetches and
 * deletes a message, which the bot sees arrive as a webhook message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AttachmentBuilder, Client, Events, GatewayIntentBits, WebhookClient, type Message, type TextChannel } from 'discord.js';
import sharp from 'sharp';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { botWorld, type BotWorld } from './setup.ts';

describe('discord.js v14 and webhooks', () => {
  let t: TestServer;
  let world: BotWorld;
  let client: Client;
  let hooks: WebhookClient | undefined;
  const received: Message[] = [];
  const webhookUpdates: string[] = [];

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'hooks');
    // The bot's role gets MANAGE_WEBHOOKS from the owner.
    const role = await t.request('POST', `/guilds/${world.guild.id}/roles`, { auth: world.owner, body: { name: 'hook keeper', permissions: Permissions.MANAGE_WEBHOOKS.toString() } });
    assert.equal(role.status, 200, JSON.stringify(role.body));
    const put = await t.request('PUT', `/guilds/${world.guild.id}/members/${world.bot.id}/roles/${role.body.id}`, { auth: world.owner });
    assert.equal(put.status, 204, JSON.stringify(put.body));

    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.GuildWebhooks],
      rest: { api: `${t.url}/api`, cdn: t.url },
    });
    client.on(Events.MessageCreate, (m) => received.push(m));
    client.on('webhooksUpdate', (channel) => webhookUpdates.push(channel.id));
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(world.bot.token);
    await ready;
  });
  after(async () => {
    hooks?.destroy();
    await client?.destroy();
    await t?.close();
  });

  it('a bot creates a webhook with an avatar and fetches the guild\'s webhooks', async () => {
    const channel = (await client.channels.fetch(world.channel.id)) as TextChannel;
    const avatar = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#8040c0' } }).png().toBuffer();
    const webhook = await channel.createWebhook({ name: 'Deploys', avatar });
    assert.equal(webhook.name, 'Deploys');
    assert.equal(webhook.channelId, channel.id);
    assert.equal(webhook.guildId, world.guild.id);
    assert.equal(webhook.owner?.id, world.bot.id);
    assert.ok(webhook.token);
    assert.ok(webhook.isIncoming());
    const avatarUrl = webhook.avatarURL();
    assert.ok(avatarUrl?.startsWith(`${t.url}/avatars/${webhook.id}/`), avatarUrl ?? 'no avatar URL');
    assert.equal((await fetch(avatarUrl!)).status, 200);

    await waitFor(() => webhookUpdates.includes(channel.id), { what: 'webhooksUpdate' });

    const all = await channel.guild.fetchWebhooks();
    assert.deepEqual([...all.keys()], [webhook.id]);
    assert.equal(all.get(webhook.id)!.token, webhook.token);
    const inChannel = await channel.fetchWebhooks();
    assert.equal(inChannel.size, 1);

    const edited = await webhook.edit({ name: 'Releases' });
    assert.equal(edited.name, 'Releases');
  });

  it('a WebhookClient sends with a file, edits, fetches and deletes its message', async () => {
    const [webhook] = [...(await client.guilds.cache.get(world.guild.id)!.fetchWebhooks()).values()];
    assert.ok(webhook?.token);
    hooks = new WebhookClient({ id: webhook.id, token: webhook.token }, { rest: { api: `${t.url}/api` } });

    const sent = await hooks.send({
      content: 'v1.2.3 is out',
      username: 'Release Bot',
      avatarURL: 'https://example.test/release.png',
      files: [new AttachmentBuilder(Buffer.from('changelog\n'), { name: 'CHANGELOG.txt' })],
    });
    assert.equal(sent.content, 'v1.2.3 is out');
    assert.equal(sent.webhook_id, webhook.id);
    assert.equal(sent.author.id, webhook.id);
    assert.equal(sent.author.username, 'Release Bot');
    assert.equal(sent.author.bot, true);
    assert.equal(sent.attachments[0]?.filename, 'CHANGELOG.txt');
    assert.equal(await (await fetch(sent.attachments[0]!.url)).text(), 'changelog\n');

    // The bot sees it arrive as a webhook message.
    const seen = await waitFor(() => received.find((m) => m.id === sent.id), { what: 'the webhook message over the gateway' });
    assert.equal(seen.webhookId, webhook.id);
    assert.equal(seen.author.username, 'Release Bot');
    assert.equal(seen.author.bot, true);
    assert.equal(seen.attachments.first()?.name, 'CHANGELOG.txt');

    const edited = await hooks.editMessage(sent.id, { content: 'v1.2.3 is out (edited)' });
    assert.equal(edited.content, 'v1.2.3 is out (edited)');
    assert.ok(edited.edited_timestamp);
    assert.equal(edited.attachments.length, 1);

    const fetched = await hooks.fetchMessage(sent.id);
    assert.equal(fetched.content, 'v1.2.3 is out (edited)');
    assert.equal(fetched.author.username, 'Release Bot');

    await hooks.deleteMessage(sent.id);
    await assert.rejects(hooks.fetchMessage(sent.id), (err: any) => err.code === 10008 && err.status === 404);

    // A WebhookClient holding a wrong token gets Discord's error.
    const wrong = new WebhookClient({ id: webhook.id, token: 'x'.repeat(68) }, { rest: { api: `${t.url}/api` } });
    try {
      await assert.rejects(wrong.send('nope'), (err: any) => err.code === 50027 && err.status === 401);
    } finally {
      wrong.destroy();
    }
  });

  it('a bot deletes the webhook', async () => {
    const [webhook] = [...(await client.guilds.cache.get(world.guild.id)!.fetchWebhooks()).values()];
    await webhook!.delete();
    assert.equal((await client.guilds.cache.get(world.guild.id)!.fetchWebhooks()).size, 0);
  });
});
