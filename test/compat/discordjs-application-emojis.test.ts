/**
 * discord.js v14, unpatched, against application emoji: client.application.emojis create / fetch (all and one) /
 * edit / delete, the emoji's fields (author, animated, imageURL on the CDN), using it in a message and as a
 * reaction in a guild whose @everyone lacks USE_EXTERNAL_EMOJIS, and Discord's refusals as DiscordAPIError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { Client, DiscordAPIError, GatewayIntentBits, type TextChannel } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { botWorld, loggedInClient } from './setup.ts';
import { waitFor } from '../helpers/services.ts';

describe('discord.js v14 and application emojis', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  let channelId: string;

  before(async () => {
    t = await startTestServer();
    const world = await botWorld(t, 'djs app emojis', Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.READ_MESSAGE_HISTORY | Permissions.ADD_REACTIONS);
    guildId = world.guild.id;
    channelId = world.channel.id;
    // Nobody has USE_EXTERNAL_EMOJIS here, the bot's role included: app emoji do not need it.
    const everyone = await t.request('PATCH', `/guilds/${guildId}/roles/${guildId}`, { auth: world.owner, body: { permissions: String(Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES) } });
    assert.equal(everyone.status, 200, JSON.stringify(everyone.body));
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    await waitFor(() => client.guilds.cache.has(guildId), { what: 'the guild' });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('creates, fetches, renames, uses and deletes an application emoji', async () => {
    const attachment = await sharp({ create: { width: 48, height: 48, channels: 4, background: '#e91e63' } }).png().toBuffer();
    const emoji = await client.application!.emojis.create({ attachment, name: 'accord_heart' });
    assert.equal(emoji.name, 'accord_heart');
    assert.equal(emoji.animated, false);
    assert.equal(emoji.author?.id, client.user!.id);
    assert.equal(emoji.requiresColons, true);
    assert.equal(emoji.managed, false);
    const image = await fetch(emoji.imageURL({ extension: 'png' }));
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');

    const all = await client.application!.emojis.fetch();
    assert.deepEqual([...all.keys()], [emoji.id]);
    const one = await client.application!.emojis.fetch(emoji.id, { force: true });
    assert.equal(one.name, 'accord_heart');

    const renamed = await emoji.setName('accord_love');
    assert.equal(renamed.name, 'accord_love');
    await assert.rejects(client.application!.emojis.create({ attachment, name: 'accord_love' }), (err: unknown) => err instanceof DiscordAPIError && err.code === 50035);

    const channel = (await client.channels.fetch(channelId)) as TextChannel;
    const message = await channel.send(`made with ${emoji}`);
    assert.equal(message.content, `made with <:accord_love:${emoji.id}>`);
    const reaction = await message.react(emoji);
    assert.equal(reaction.emoji.id, emoji.id);
    const fetched = await channel.messages.fetch({ message: message.id, force: true });
    assert.deepEqual(fetched.reactions.cache.map((r) => [r.emoji.id, r.count, r.me]), [[emoji.id, 1, true]]);

    await emoji.delete();
    await assert.rejects(client.application!.emojis.fetch(emoji.id, { force: true }), (err: unknown) => err instanceof DiscordAPIError && err.code === 10014);
    assert.equal((await client.application!.emojis.fetch()).size, 0);
  });
});
