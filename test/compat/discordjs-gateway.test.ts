/**
 * discord.js v14, unpatched, against Accord's gateway: login through GET /gateway/bot, READY and the guild
 * cache, messageCreate for a user's message, message.reply, typingStart; compression; a server-side socket
 * drop while a message is sent (resume, the message emitted exactly once); and an expired session
 * (re-identify).
 *
 * Compression: discord.js 14.28 asks @discordjs/ws (1.2.x) for zlib-stream when the optional `zlib-sync`
 * module is installed (it is a devDependency here, so the test covers it); compression is switched on through
 * the public `ws.buildStrategy` option, and the test checks that the connection URL asked for zlib-stream.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CompressionMethod, SimpleShardingStrategy } from '@discordjs/ws';
import { Client, Events, GatewayIntentBits, type Message } from 'discord.js';
import type { SessionsRole } from '../../src/sessions/index.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';

const sessionsRole = (t: TestServer) => t.server.roles.find((r) => r.name === 'sessions') as SessionsRole;

interface World {
  owner: TestUser;
  bot: TestUser;
  guild: any;
  channel: any;
}

async function world(t: TestServer): Promise<World> {
  const owner = await t.register();
  const guild = await t.createGuild(owner, 'djs guild');
  const channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'DJS Bot' } });
  // Allow MESSAGE_CONTENT (GATEWAY_MESSAGE_CONTENT) so the bot reads message text.
  await t.request('PATCH', `/applications/${app.body.id}`, { auth: owner, body: { flags: 1 << 18 } });
  const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
  const bot = { id: app.body.id, token: reset.body.token, username: app.body.bot.username, auth: `Bot ${reset.body.token}` };
  const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${(1n << 10n) | (1n << 11n) | (1n << 16n)}`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  return { owner, bot, guild, channel };
}

function makeClient(t: TestServer, compression = false): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.GuildMessageTyping],
    rest: { api: `${t.url}/api` },
    // discord.js picks zlib-stream by itself when zlib-sync is installed; set it explicitly either way.
    ws: {
      buildStrategy: (manager: any) => {
        manager.options.compression = compression ? CompressionMethod.ZlibStream : null;
        return new SimpleShardingStrategy(manager);
      },
    },
  });
}

async function login(client: Client, token: string): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(token);
  await ready;
}

const post = (t: TestServer, user: TestUser, channelId: string, content: string) =>
  t.request('POST', `/channels/${channelId}/messages`, { auth: user, body: { content } }).then((r) => {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  });

describe('discord.js v14 gateway', () => {
  let t: TestServer;
  let w: World;
  const clients: Client[] = [];
  const sockets: Duplex[] = [];
  const record = (_req: unknown, socket: Duplex) => sockets.push(socket);

  before(async () => {
    t = await startTestServer();
    w = await world(t);
    t.server.app.server.on('upgrade', record);
  });
  after(async () => {
    for (const c of clients) await c.destroy();
    t.server.app.server.off('upgrade', record);
    await t.close();
  });

  for (const compression of [false, true]) {
    it(`logs in, caches the guild, gets messageCreate, replies, sees typingStart${compression ? ' (zlib-stream)' : ''}`, async () => {
      const client = makeClient(t, compression);
      clients.push(client);
      const debug: string[] = [];
      client.on(Events.Debug, (line) => debug.push(line));
      await login(client, w.bot.token);
      assert.equal(client.user!.id, w.bot.id);
      const connecting = debug.filter((l) => l.includes('Connecting to '));
      assert.ok(connecting.length > 0, 'discord.js logged its gateway URL');
      assert.equal(connecting.every((l) => l.includes('compress=zlib-stream')), compression, 'zlib-stream asked for exactly when enabled');
      assert.ok(client.guilds.cache.has(w.guild.id));
      assert.ok(client.channels.cache.has(w.channel.id));

      const got = new Promise<Message>((resolve) => client.on(Events.MessageCreate, (m) => m.content === `ping ${compression}` && resolve(m)));
      await post(t, w.owner, w.channel.id, `ping ${compression}`);
      const message = await got;
      assert.equal(message.author.id, w.owner.id);
      assert.equal(message.guildId, w.guild.id);
      const reply = await message.reply(`pong ${compression}`);
      assert.equal(reply.reference?.messageId, message.id);
      const history = await t.request('GET', `/channels/${w.channel.id}/messages?limit=5`, { auth: w.owner });
      assert.ok(history.body.some((m: any) => m.content === `pong ${compression}` && m.author.id === w.bot.id));

      const typing = new Promise<string>((resolve) => client.once(Events.TypingStart, (tp) => resolve(tp.user.id)));
      await t.request('POST', `/channels/${w.channel.id}/typing`, { auth: w.owner });
      assert.equal(await typing, w.owner.id);
      await client.destroy();
    });
  }

  it('resumes after the server drops its socket, and emits the message sent meanwhile exactly once', async () => {
    const client = makeClient(t);
    clients.push(client);
    const before = sockets.length;
    await login(client, w.bot.token);
    const resumes0 = sessionsRole(t).stats().resumes;
    const seen: string[] = [];
    client.on(Events.MessageCreate, (m) => seen.push(m.content));
    const socket = sockets.slice(before).at(-1)!;
    socket.destroy(); // server-side TCP drop, no close frame
    await post(t, w.owner, w.channel.id, 'sent during the drop');
    await waitFor(() => seen.includes('sent during the drop'), { timeoutMs: 15_000, what: 'messageCreate after resume' });
    assert.equal(sessionsRole(t).stats().resumes, resumes0 + 1);
    await post(t, w.owner, w.channel.id, 'after resume');
    await waitFor(() => seen.includes('after resume'), { what: 'live message' });
    assert.equal(seen.filter((s) => s === 'sent during the drop').length, 1);
  });
});

describe('discord.js v14 after its session expired', () => {
  it('re-identifies cleanly when RESUME is refused (resumeGraceMs 0)', async () => {
    const t = await startTestServer({ resumeGraceMs: 0 });
    const sockets: Duplex[] = [];
    t.server.app.server.on('upgrade', (_req: unknown, socket: Duplex) => sockets.push(socket));
    const client = makeClient(t);
    try {
      const w = await world(t);
      await login(client, w.bot.token);
      const firstSession = (client.ws as any).shards.get(0).sessionInfo?.sessionId;
      sockets.at(-1)!.destroy();
      await waitFor(() => sessionsRole(t).stats().identifies >= 2, { timeoutMs: 20_000, what: 're-identify' });
      await waitFor(() => sessionsRole(t).stats().sessions === 1 && (client.ws as any).shards.get(0).sessionInfo?.sessionId !== firstSession, { timeoutMs: 20_000, what: 'new session' });
      const got = new Promise<string>((resolve) => client.on(Events.MessageCreate, (m) => resolve(m.content)));
      await post(t, w.owner, w.channel.id, 'new session works');
      assert.equal(await got, 'new session works');
      assert.ok(client.guilds.cache.has(w.guild.id));
    } finally {
      await client.destroy();
      await t.close();
    }
  });
});
