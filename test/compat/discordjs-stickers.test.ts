/**
 * discord.js v14, unpatched, and guild stickers: a bot with the expression permissions creates a sticker with
 * guild.stickers.create({ file, name, tags }), sees guild.stickers.cache updated from GUILD_STICKERS_UPDATE, sends
 * it with channel.send({ stickers: [id] }) (the message's stickers collection), fetches, edits and deletes it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Events, GatewayIntentBits, StickerFormatType, StickerType, type TextChannel } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { stickerPng } from '../helpers/sticker-files.ts';

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('discord.js v14 and guild stickers', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  let channelId: string;
  let owner: TestUser;

  before(async () => {
    t = await startTestServer();
    owner = await t.register();
    const guild = await t.createGuild(owner, 'djs stickers');
    guildId = guild.id;
    channelId = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Sticker Bot' } });
    const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
    const perms = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.READ_MESSAGE_HISTORY
      | Permissions.MANAGE_GUILD_EXPRESSIONS | Permissions.CREATE_GUILD_EXPRESSIONS;
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${perms}`, {
      auth: owner,
      body: { guild_id: guild.id, permissions: perms.toString(), authorize: true },
    });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildExpressions, GatewayIntentBits.GuildMessages],
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

  it('guild.stickers.create, the cache from the event, channel.send({ stickers }), edit, delete', async () => {
    const guild = await client.guilds.fetch(guildId);
    const created: string[] = [];
    client.on(Events.GuildStickerCreate, (s) => created.push(s.id));
    const png = await stickerPng('#22aa88', 320);

    const sticker = await guild.stickers.create({ file: png, name: 'wave', tags: 'wave', description: 'waving hello' });
    assert.equal(sticker.name, 'wave');
    assert.equal(sticker.tags, 'wave');
    assert.equal(sticker.description, 'waving hello');
    assert.equal(sticker.type, StickerType.Guild);
    assert.equal(sticker.format, StickerFormatType.PNG);
    assert.equal(sticker.guildId, guildId);
    assert.equal(sticker.url, `${t.url}/stickers/${sticker.id}.png`);

    await waitUntil(() => created.includes(sticker.id), 'GuildStickerCreate');
    assert.equal(client.guilds.cache.get(guildId)!.stickers.cache.get(sticker.id)?.name, 'wave');

    // The file where discord.js says it is.
    const res = await fetch(sticker.url);
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(png));

    // Send it.
    const channel = (await client.channels.fetch(channelId)) as TextChannel;
    const message = await channel.send({ stickers: [sticker.id] });
    assert.equal(message.content, '');
    assert.deepEqual([...message.stickers.keys()], [sticker.id]);
    assert.equal(message.stickers.first()!.name, 'wave');
    assert.equal(message.stickers.first()!.format, StickerFormatType.PNG);
    const again = await channel.messages.fetch({ message: message.id, force: true });
    assert.equal(again.stickers.first()?.id, sticker.id);

    // Fetch (with its creator), edit, and the cache follows.
    const fetched = await guild.stickers.fetch(sticker.id, { force: true });
    assert.equal(fetched.name, 'wave');
    const author = await fetched.fetchUser();
    assert.equal(author?.id, client.user!.id);
    const fromClient = await client.fetchSticker(sticker.id);
    assert.equal(fromClient.name, 'wave');
    await sticker.edit({ name: 'wave2', tags: 'hello' });
    await waitUntil(() => client.guilds.cache.get(guildId)!.stickers.cache.get(sticker.id)?.name === 'wave2', 'rename in cache');
    const packs = await client.fetchStickerPacks();
    assert.equal(packs.size, 0);

    const deleted = new Promise<string>((resolve) => client.once(Events.GuildStickerDelete, (s) => resolve(s.id)));
    await sticker.delete();
    assert.equal(await deleted, sticker.id);
    assert.equal(client.guilds.cache.get(guildId)!.stickers.cache.has(sticker.id), false);
  });
});
