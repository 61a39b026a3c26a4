/**
 * discord.js v14, unpatched, and custom guild emoji: a bot with MANAGE_GUILD_EXPRESSIONS creates an emoji from a
 * PNG buffer with guild.emojis.create({ attachment, name }) and from a GIF file on disk, sees guild.emojis.cache
 * updated from GUILD_EMOJIS_UPDATE, reacts to a message with message.react(emoji), edits it, and deletes it with
 * emoji.delete().
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { Client, Events, GatewayIntentBits, type TextChannel } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('discord.js v14 and custom emoji', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  let channelId: string;
  let owner: TestUser;
  let dir: string;

  before(async () => {
    t = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'accord-emoji-'));
    owner = await t.register();
    const guild = await t.createGuild(owner, 'djs emoji');
    guildId = guild.id;
    channelId = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Emoji Bot' } });
    const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
    const perms = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.READ_MESSAGE_HISTORY | Permissions.ADD_REACTIONS
      | Permissions.MANAGE_GUILD_EXPRESSIONS | Permissions.CREATE_GUILD_EXPRESSIONS | Permissions.MANAGE_GUILD;
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${perms}`, {
      auth: owner,
      body: { guild_id: guild.id, permissions: perms.toString(), authorize: true },
    });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildExpressions, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions],
      rest: { api: `${t.url}/api` },
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(reset.body.token);
    await ready;
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('guild.emojis.create from a buffer, the cache from the event, message.react(emoji), edit, emoji.delete()', async () => {
    const guild = await client.guilds.fetch(guildId);
    const created: string[] = [];
    client.on(Events.GuildEmojiCreate, (e) => created.push(e.id));
    const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#ff8800' } }).png().toBuffer();

    const emoji = await guild.emojis.create({ attachment: png, name: 'orange' });
    assert.equal(emoji.name, 'orange');
    assert.equal(emoji.animated, false);
    assert.equal(emoji.requiresColons, true);
    assert.equal(emoji.managed, false);
    assert.equal(emoji.available, true);
    assert.equal(emoji.imageURL({ extension: 'png' }).endsWith(`/emojis/${emoji.id}.png`), true);
    assert.equal(emoji.toString(), `<:orange:${emoji.id}>`);

    // GUILD_EMOJIS_UPDATE reaches the cache (discord.js emits GuildEmojiCreate for the new one).
    await waitUntil(() => created.includes(emoji.id), 'GuildEmojiCreate');
    assert.equal(client.guilds.cache.get(guildId)!.emojis.cache.get(emoji.id)?.name, 'orange');

    // The image is on the CDN where discord.js says.
    const res = await fetch(emoji.imageURL({ extension: 'png' }).replace(/^https?:\/\/[^/]+/, t.url));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(png));

    // React with it.
    const channel = (await client.channels.fetch(channelId)) as TextChannel;
    const message = await channel.send('react with orange');
    const reaction = await message.react(emoji);
    assert.equal(reaction.emoji.id, emoji.id);
    const fetched = await channel.messages.fetch({ message: message.id, force: true });
    const onMessage = fetched.reactions.cache.get(emoji.id);
    assert.equal(onMessage?.count, 1);
    assert.equal(onMessage?.emoji.name, 'orange');

    // Fetch, edit, and the cache follows the event.
    const fetchedEmoji = await guild.emojis.fetch(emoji.id, { force: true });
    assert.equal(fetchedEmoji.author?.id, client.user!.id);
    await emoji.edit({ name: 'tangerine' });
    await waitUntil(() => client.guilds.cache.get(guildId)!.emojis.cache.get(emoji.id)?.name === 'tangerine', 'rename in cache');

    // Editing the guild keeps the emoji cache: discord.js replaces it with the list in the answer and in
    // GUILD_UPDATE, so an empty list there would delete every cached emoji.
    const lost: string[] = [];
    const onLost = (e: { id: string }) => lost.push(e.id);
    client.on(Events.GuildEmojiDelete, onLost);
    await guild.setName('djs emoji renamed');
    await waitUntil(() => client.guilds.cache.get(guildId)!.name === 'djs emoji renamed', 'GUILD_UPDATE');
    await new Promise((r) => setTimeout(r, 100));
    client.off(Events.GuildEmojiDelete, onLost);
    assert.deepEqual(lost, []);
    assert.equal(client.guilds.cache.get(guildId)!.emojis.cache.get(emoji.id)?.name, 'tangerine');

    // The guild preview lists it, with the counts (the owner and the bot; the bot is online).
    const preview = await client.fetchGuildPreview(guildId);
    assert.equal(preview.name, 'djs emoji renamed');
    assert.equal(preview.emojis.get(emoji.id)?.name, 'tangerine');
    assert.equal(preview.approximateMemberCount, 2);
    assert.equal(preview.approximatePresenceCount, 1);

    // Delete: GuildEmojiDelete and gone from the cache; the reaction stays.
    const deleted = new Promise<string>((resolve) => client.once(Events.GuildEmojiDelete, (e) => resolve(e.id)));
    await emoji.delete();
    assert.equal(await deleted, emoji.id);
    assert.equal(client.guilds.cache.get(guildId)!.emojis.cache.has(emoji.id), false);
    const after = await channel.messages.fetch({ message: message.id, force: true });
    assert.equal(after.reactions.cache.get(emoji.id)?.count, 1);
  });

  it('guild.emojis.create from a GIF file keeps it animated', async () => {
    const guild = await client.guilds.fetch(guildId);
    const frames = await Promise.all(['#ff0000', '#00ff00'].map((c) => sharp({ create: { width: 32, height: 32, channels: 4, background: c } }).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100], loop: 0 }).toBuffer();
    const file = join(dir, 'party.gif');
    writeFileSync(file, gif);
    const emoji = await guild.emojis.create({ attachment: file, name: 'party' });
    assert.equal(emoji.animated, true);
    assert.equal(emoji.toString(), `<a:party:${emoji.id}>`);
    const res = await fetch(`${t.url}/emojis/${emoji.id}.gif`);
    assert.equal(res.headers.get('content-type'), 'image/gif');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(gif));
    await emoji.delete();
  });
});
