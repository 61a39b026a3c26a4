/**
 * Oceanic.js 1.15, unpatched, against Accord (plain HTTP; Oceanic's REST goes through fetch to
 * `rest.baseURL`, and the gateway URL comes from GET /gateway/bot).
 *
 * What Oceanic relies on: GET /gateway/bot's `url` (it appends `/` and `?v=10&encoding=json`), its
 * `session_start_limit.max_concurrency` (auto concurrency), `shards` (auto sharding); READY's `application`
 * (wrapped in ClientApplication), `user`, `guilds`, `session_id` and `resume_gateway_url` (it appends `/` there
 * too before resuming); JSON responses recognised only when the content type is exactly `application/json`.
 * With `removeDisallowedIntents` it first reads GET /applications/@me to check the privileged-intent flags.
 *
 * Covered: login with the guild cached (plain and zlib-stream through zlib-sync, a devDependency here),
 * messageCreate for a user's message, reply / edit / react through Oceanic's REST, the 404 code surfaced as
 * DiscordRESTError; history paged back (getMessages over 100 and getMessagesIterator, walking with `before`;
 * `after` within one page — beyond one page Oceanic itself is wrong, see the skipped case); typing / edit /
 * reaction / delete events and REQUEST_GUILD_MEMBERS (getAllUsers at login, fetchMembers by id and by query);
 * REST lookups and a DM; a server-side socket drop (RESUME, the message sent meanwhile emitted exactly once); an
 * expired session (op 9, IDENTIFY again on the same socket); a burst over a real rate limit (paced, no 429).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { AnyTextableChannel, Client as OceanicClient, Message, TextChannel, Uncached } from 'oceanic.js';
import type { SessionsRole } from '../../src/sessions/index.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { botWorld, post, type BotWorld } from './setup.ts';

// Oceanic's ESM entry (esm.mjs) reads `(await import('./dist/lib/Client.js')).default.default`; under tsx's
// CommonJS interop that is undefined (plain `node` gives Client), so the suite loads the CommonJS entry, which is
// the same code.
const { Client, DiscordRESTError } = createRequire(import.meta.url)('oceanic.js') as typeof import('oceanic.js');
type Client = OceanicClient;

const sessionsRole = (t: TestServer) => t.server.roles.find((r) => r.name === 'sessions') as SessionsRole;
type AnyMessage = Message<AnyTextableChannel | Uncached>;

interface ClientOpts {
  compress?: boolean;
  removeDisallowedIntents?: boolean;
  getAllUsers?: boolean;
}

function oceanicClient(t: TestServer, token: string, opts: ClientOpts = {}) {
  const client = new Client({
    auth: `Bot ${token}`,
    rest: { baseURL: `${t.url}/api/v10` },
    gateway: {
      intents: ['GUILDS', 'GUILD_MESSAGES', 'MESSAGE_CONTENT', 'GUILD_MESSAGE_REACTIONS', 'GUILD_MESSAGE_TYPING', 'DIRECT_MESSAGES', ...(opts.getAllUsers ? (['GUILD_MEMBERS'] as const) : [])],
      compress: opts.compress ? 'zlib-stream' : false,
      removeDisallowedIntents: opts.removeDisallowedIntents ?? false,
      getAllUsers: opts.getAllUsers ?? false,
    },
  });
  const errors: unknown[] = [];
  const warnings: string[] = [];
  const debug: string[] = [];
  client.on('error', (err: unknown) => errors.push(err)); // a dropped socket is reported as an error
  client.on('warn', (line: string) => warnings.push(line));
  client.on('debug', (line: string) => debug.push(line));
  return { client, errors, warnings, debug };
}

async function connect(client: Client): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
  await client.connect();
  await ready;
}

describe('oceanic.js 1.15', () => {
  let t: TestServer;
  let w: BotWorld;
  const clients: Client[] = [];
  const sockets: Duplex[] = [];
  const record = (_req: unknown, socket: Duplex) => sockets.push(socket);

  function makeClient(opts: ClientOpts = {}) {
    const made = oceanicClient(t, w.bot.token, opts);
    clients.push(made.client);
    return made;
  }

  before(async () => {
    t = await startTestServer();
    w = await botWorld(t, 'Oceanic');
    t.server.app.server.on('upgrade', record);
  });
  after(async () => {
    for (const c of clients) c.disconnect(false);
    t.server.app.server.off('upgrade', record);
    await t.close();
  });

  for (const compress of [false, true]) {
    it(`logs in, caches the guild, gets messageCreate, replies, edits and reacts${compress ? ' (zlib-stream)' : ''}`, async () => {
      const { client, errors, warnings } = makeClient({ compress, removeDisallowedIntents: true });
      const before = sockets.length;
      const urls: string[] = [];
      const onUpgrade = (req: { url?: string }) => urls.push(req.url ?? '');
      t.server.app.server.on('upgrade', onUpgrade);
      try {
        await connect(client);
      } finally {
        t.server.app.server.off('upgrade', onUpgrade);
      }
      assert.equal(sockets.length, before + 1);
      assert.equal(urls[0], `/gateway/?v=10&encoding=json${compress ? '&compress=zlib-stream' : ''}`);
      assert.deepEqual(warnings, [], 'MESSAGE_CONTENT is allowed by the application flags, so nothing was removed');
      assert.equal(client.user.id, w.bot.id);
      assert.equal(client.user.bot, true);
      assert.equal(client.application.id, w.appId);
      const guild = client.guilds.get(w.guild.id);
      assert.ok(guild, 'guild cached');
      assert.ok(guild.channels.get(w.channel.id), 'channel cached');
      assert.ok(guild.members.get(w.bot.id), 'own member cached');
      assert.equal(client.getChannel(w.channel.id)?.id, w.channel.id);

      const content = `!ping ${compress}`;
      const got = new Promise<AnyMessage>((resolve) => client.on('messageCreate', (m) => m.content === content && resolve(m)));
      const sent = await post(t, w.owner, w.channel.id, content);
      const message = await got;
      assert.equal(message.id, sent.id);
      assert.equal(message.author.id, w.owner.id);
      assert.equal(message.guildID, w.guild.id);
      assert.equal(message.channelID, w.channel.id);
      assert.equal(message.channel?.id, w.channel.id);

      const reply = await client.rest.channels.createMessage(w.channel.id, { content: `pong ${compress}`, messageReference: { messageID: message.id } });
      assert.equal(reply.author.id, w.bot.id);
      assert.equal(reply.messageReference?.messageID, message.id);
      assert.equal(reply.referencedMessage?.id, message.id);

      const edited = await client.rest.channels.editMessage(w.channel.id, reply.id, { content: `pong ${compress} (edited)` });
      assert.equal(edited.content, `pong ${compress} (edited)`);
      assert.ok(edited.editedTimestamp instanceof Date);

      await message.createReaction('👍');
      const reactors = await client.rest.channels.getReactions(w.channel.id, message.id, '👍');
      assert.deepEqual(reactors.map((u) => u.id), [w.bot.id]);
      const fetched = await client.rest.channels.getMessage(w.channel.id, message.id);
      assert.equal(fetched.reactions[0]?.count, 1);
      assert.equal(fetched.reactions[0]?.me, true);
      await message.deleteReaction('👍');
      assert.equal((await client.rest.channels.getMessage(w.channel.id, message.id)).reactions.length, 0);

      await assert.rejects(client.rest.channels.getMessage(w.channel.id, '123456789012345678'), (err: unknown) => {
        assert.ok(err instanceof DiscordRESTError, String(err));
        assert.equal(err.code, 10008);
        assert.equal(err.status, 404);
        return true;
      });

      await message.delete();
      const history = await client.rest.channels.getMessages(w.channel.id, { limit: 10 });
      assert.ok(!history.some((m) => m.id === message.id));
      assert.equal(history[0]?.id, reply.id);
      assert.deepEqual(errors, []);
      client.disconnect(false);
    });
  }

  it('pages 250 messages back with getMessages / getMessagesIterator, in order, each once', async () => {
    const { client } = makeClient();
    await connect(client);
    const created = await t.request('POST', `/guilds/${w.guild.id}/channels`, { auth: w.owner, body: { name: 'history', type: 0 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const channelId: string = created.body.id;
    await waitFor(() => client.getChannel(channelId), { what: 'CHANNEL_CREATE in the cache' });

    const sent: string[] = [];
    for (let i = 0; i < 250; i++) sent.push((await client.rest.channels.createMessage(channelId, { content: `#${i}` })).id);
    const all = await client.rest.channels.getMessages(channelId, { limit: Infinity });
    assert.deepEqual(all.map((m) => m.id), [...sent].reverse());
    const before = await client.rest.channels.getMessages(channelId, { limit: 150, before: sent[200] });
    assert.deepEqual(before.map((m) => m.id), sent.slice(50, 200).reverse());
    const pages: number[] = [];
    for await (const page of client.rest.channels.getMessagesIterator(channelId, { limit: 250 })) pages.push(page.length);
    assert.deepEqual(pages, [100, 100, 50]);
    client.disconnect(false);
  });

  it(
    'pages forward with `after` beyond 100 messages',
    {
      skip:
        'Oceanic 1.15 bug, not Accord: getMessagesIterator continues an `after` walk from messages.at(-1), the OLDEST ' +
        'message of the page, but Discord (and Accord) return every page newest first (discord-api-docs #7740), so ' +
        'the second request overlaps the first (150 asked, 100 distinct). Eris pages the same history correctly.',
    },
    async () => {
      const { client } = makeClient();
      const sent: string[] = [];
      for (let i = 0; i < 150; i++) sent.push((await client.rest.channels.createMessage(w.channel.id, { content: `after #${i}` })).id);
      const forward = await client.rest.channels.getMessages(w.channel.id, { limit: 149, after: sent[0] });
      assert.deepEqual(new Set(forward.map((m) => m.id)), new Set(sent.slice(1)));
    },
  );

  it('pages forward with `after` within one request (newest first, as Discord)', async () => {
    const { client } = makeClient();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push((await client.rest.channels.createMessage(w.channel.id, { content: `fwd #${i}` })).id);
    const forward = await client.rest.channels.getMessages(w.channel.id, { limit: 3, after: sent[0] });
    assert.deepEqual(forward.map((m) => m.id), sent.slice(1, 4).reverse());
  });

  it("sees a user's typing, edit, reaction and delete as events; fetches members over the gateway", async () => {
    // The bot has no GUILD_PRESENCES: its GUILD_CREATE lists only itself, as Discord documents. With getAllUsers,
    // Oceanic then sends REQUEST_GUILD_MEMBERS for the guild, and the chunk (which may come after `ready`) fills
    // its member cache.
    const { client, errors } = makeClient({ getAllUsers: true });
    await connect(client);
    const guild = client.guilds.get(w.guild.id)!;
    await waitFor(() => guild.members.size === 2, { what: 'the member chunk cached' });
    assert.deepEqual([...guild.members.keys()].sort(), [w.owner.id, w.bot.id].sort());
    const members = await guild.fetchMembers({ userIDs: [w.owner.id], timeout: 5000 });
    assert.deepEqual(members.map((m) => m.id), [w.owner.id]);
    const byQuery = await guild.fetchMembers({ query: w.owner.username.slice(0, 4), limit: 10, timeout: 5000 });
    assert.ok(byQuery.some((m) => m.id === w.owner.id), 'query finds the owner');

    const message = await client.rest.channels.createMessage(w.channel.id, { content: 'react to me' });
    const typing = new Promise<[string, string]>((resolve) => client.once('typingStart', (...[channel, user]) => resolve([channel.id, user.id])));
    await t.request('POST', `/channels/${w.channel.id}/typing`, { auth: w.owner });
    assert.deepEqual(await typing, [w.channel.id, w.owner.id]);

    const own = await post(t, w.owner, w.channel.id, 'to be edited');
    await waitFor(() => guild.channels.get(w.channel.id) && (guild.channels.get(w.channel.id) as TextChannel).messages.get(own.id), { what: 'message cached' });
    const updated = new Promise<[string, string | undefined]>((resolve) => client.once('messageUpdate', (m, old) => resolve([m.content, old?.content])));
    assert.equal((await t.request('PATCH', `/channels/${w.channel.id}/messages/${own.id}`, { auth: w.owner, body: { content: 'edited' } })).status, 200);
    assert.deepEqual(await updated, ['edited', 'to be edited']);

    const added = new Promise<[string, string | null, string]>((resolve) => client.once('messageReactionAdd', (m, reactor, reaction) => resolve([m.id, reaction.emoji.name, reactor.id])));
    assert.equal((await t.request('PUT', `/channels/${w.channel.id}/messages/${message.id}/reactions/${encodeURIComponent('🎉')}/@me`, { auth: w.owner })).status, 204);
    assert.deepEqual(await added, [message.id, '🎉', w.owner.id]);
    const cached = (guild.channels.get(w.channel.id) as TextChannel).messages.get(message.id);
    assert.equal(cached?.reactions.find((r) => r.emoji.name === '🎉')?.count, 1, 'Oceanic counted the reaction on its cached message');
    const removed = new Promise<[string, string]>((resolve) => client.once('messageReactionRemove', (m, reactor) => resolve([m.id, reactor.id])));
    await t.request('DELETE', `/channels/${w.channel.id}/messages/${message.id}/reactions/${encodeURIComponent('🎉')}/@me`, { auth: w.owner });
    assert.deepEqual(await removed, [message.id, w.owner.id]);

    const deleted = new Promise<string>((resolve) => client.once('messageDelete', (m) => resolve(m.id)));
    await t.request('DELETE', `/channels/${w.channel.id}/messages/${own.id}`, { auth: w.owner });
    assert.equal(await deleted, own.id);
    assert.deepEqual(errors, []);
    client.disconnect(false);
  });

  it('looks up users, the guild and members over REST, and opens a DM', async () => {
    const { client } = makeClient();
    await connect(client);
    const user = await client.rest.users.get(w.owner.id);
    assert.equal(user.username, w.owner.username);
    const guild = await client.rest.guilds.get(w.guild.id);
    assert.equal(guild.id, w.guild.id);
    assert.equal(guild.ownerID, w.owner.id);
    assert.ok(guild.roles.get(w.guild.id), '@everyone role');
    const member = await client.rest.guilds.getMember(w.guild.id, w.owner.id);
    assert.equal(member.id, w.owner.id);
    const members = await client.rest.guilds.getMembers(w.guild.id, { limit: 10 });
    assert.deepEqual(members.map((m) => m.id).sort(), [w.owner.id, w.bot.id].sort());
    const channels = await client.rest.guilds.getChannels(w.guild.id);
    assert.ok(channels.some((c) => c.id === w.channel.id));

    const dm = await client.rest.users.createDM(w.owner.id);
    assert.equal(dm.recipient.id, w.owner.id);
    const got = new Promise<AnyMessage>((resolve) => client.on('messageCreate', (m) => m.channelID === dm.id && m.author.id === w.owner.id && resolve(m)));
    await dm.createMessage({ content: 'hello in private' });
    await post(t, w.owner, dm.id, 'hello back');
    const back = await got;
    assert.equal(back.content, 'hello back');
    assert.equal(back.guildID, null);
    client.disconnect(false);
  });

  it('resumes after the server drops its socket, and emits the message sent meanwhile exactly once', async () => {
    const { client } = makeClient();
    const before = sockets.length;
    await connect(client);
    const resumed = new Promise<void>((resolve) => client.once('shardResume', () => resolve()));
    const resumes0 = sessionsRole(t).stats().resumes;
    const seen: string[] = [];
    client.on('messageCreate', (m) => seen.push(m.content));
    const socket = sockets.slice(before).at(-1)!;
    socket.destroy(); // server-side TCP drop, no close frame
    await post(t, w.owner, w.channel.id, 'sent during the drop');
    await waitFor(() => seen.includes('sent during the drop'), { timeoutMs: 15_000, what: 'messageCreate after resume' });
    await resumed;
    assert.equal(sessionsRole(t).stats().resumes, resumes0 + 1);
    await post(t, w.owner, w.channel.id, 'after resume');
    await waitFor(() => seen.includes('after resume'), { what: 'live message' });
    assert.equal(seen.filter((s) => s === 'sent during the drop').length, 1);
    assert.ok(client.guilds.get(w.guild.id));
    client.disconnect(false);
  });
});

describe('oceanic.js 1.15: real rate limits', () => {
  let t: TestServer;
  let client: Client | undefined;
  before(async () => {
    t = await startTestServer({ rateLimitScale: 1 });
  });
  after(async () => {
    client?.disconnect(false);
    await t.close();
  });

  it('a burst over the message-create limit is queued by Oceanic from the X-RateLimit headers, every message stored once', async () => {
    const w = await botWorld(t, 'Oceanic limits');
    const made = oceanicClient(t, w.bot.token);
    client = made.client;
    await connect(client);
    const count = 14; // the create bucket allows 10 per 5 s
    const started = Date.now();
    const sent = await Promise.all(Array.from({ length: count }, (_, i) => client!.rest.channels.createMessage(w.channel.id, { content: `burst ${i}` })));
    assert.equal(sent.length, count);
    assert.ok(Date.now() - started >= 1000, 'Oceanic waited for the bucket to reset');
    const stored = await client.rest.channels.getMessages(w.channel.id, { limit: 100 });
    // The channel also holds the bot's join message (type 7) from when it was added.
    assert.deepEqual(stored.filter((m) => m.type !== 7).map((m) => m.content).sort(), Array.from({ length: count }, (_, i) => `burst ${i}`).sort());
    // Oceanic paced itself from X-RateLimit-Remaining / -Reset-After: no 429 came back, and no header was missing.
    assert.deepEqual(made.debug.filter((l) => /429 \(|ratelimit headers/i.test(l)), []);
    assert.deepEqual(made.errors, []);
  });
});

describe('oceanic.js 1.15 after its session expired', () => {
  it('re-identifies on the same socket when RESUME is refused (resumeGraceMs 0)', async () => {
    const t = await startTestServer({ resumeGraceMs: 0 });
    const sockets: Duplex[] = [];
    t.server.app.server.on('upgrade', (_req: unknown, socket: Duplex) => sockets.push(socket));
    const w = await botWorld(t, 'Oceanic expired');
    const { client, warnings } = oceanicClient(t, w.bot.token);
    try {
      await connect(client);
      const shard = client.shards.get(0)!;
      const firstSession = shard.sessionID;
      sockets.at(-1)!.destroy();
      await waitFor(() => sessionsRole(t).stats().identifies >= 2, { timeoutMs: 20_000, what: 're-identify' });
      await waitFor(() => shard.sessionID && shard.sessionID !== firstSession && shard.status === 'ready', { timeoutMs: 20_000, what: 'new session' });
      assert.ok(warnings.some((l) => l.includes('not resumable')), 'Oceanic saw op 9 (false) and identified again');
      assert.equal(sockets.length, 2, 'IDENTIFY went over the socket that got op 9');
      const got = new Promise<string>((resolve) => client.on('messageCreate', (m) => resolve(m.content)));
      await post(t, w.owner, w.channel.id, 'new session works');
      assert.equal(await got, 'new session works');
      assert.ok(client.guilds.get(w.guild.id));
    } finally {
      client.disconnect(false);
      await t.close();
    }
  });
});
