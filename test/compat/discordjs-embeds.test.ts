/**
 * discord.js v14, unpatched, and link unfurls: a bot sends a link with channel.send; the embed role's partial
 * MESSAGE_UPDATE (id, channel_id, guild_id, embeds) becomes a messageUpdate whose new message keeps its content
 * and author (discord.js patches only the fields present) and has the link embed.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Events, GatewayIntentBits, type Message, type PartialMessage, type TextChannel } from 'discord.js';
import { loggedInClient } from './setup.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

describe('discord.js v14 and link embeds', () => {
  let t: TestServer;
  let site: http.Server;
  let client: Client;

  before(async () => {
    site = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><meta property="og:title" content="Unfurled by Accord"><meta property="og:description" content="for discord.js"></head></html>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    t = await startTestServer({ embedAllowHosts: ['127.0.0.1'] });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
    await new Promise<void>((r) => site.close(() => r()));
  });

  it('emits messageUpdate with the embed for a link the bot sent', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner, 'djs embeds');
    const channelId = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Embed Bot' } });
    await t.request('PATCH', `/applications/${app.body.id}`, { auth: owner, body: { flags: 1 << 18 } });
    const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
    // VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, READ_MESSAGE_HISTORY.
    const perms = (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 16n);
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${perms}`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));

    client = await loggedInClient(t, reset.body.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent]);

    const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/article`;
    const channel = (await client.channels.fetch(channelId)) as TextChannel;
    const updated = new Promise<[Message | PartialMessage, Message | PartialMessage]>((resolve) =>
      client.on(Events.MessageUpdate, (before, after) => after.embeds.length > 0 && resolve([before, after])),
    );
    const sent = await channel.send(`read ${url}`);
    const [, after] = await updated;
    assert.equal(after.id, sent.id);
    assert.equal(after.content, `read ${url}`);
    assert.equal(after.author?.id, client.user!.id);
    assert.equal(after.embeds[0]!.title, 'Unfurled by Accord');
    assert.equal(after.embeds[0]!.description, 'for discord.js');
    assert.equal(after.embeds[0]!.url, url);
    assert.equal(after.editedTimestamp, null);
  });
});
