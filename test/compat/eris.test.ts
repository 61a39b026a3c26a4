/**
 * Eris 0.18, unpatched, against Accord. (Its ESM entry exports a factory as default; the classes are named exports.)
 *
 * Eris only speaks HTTPS to the REST API (`https.request({ host: rest.domain, path: rest.baseURL + route })`, no
 * port option), so Accord serves TLS itself here (ACCORD_TLS_CERT / ACCORD_TLS_KEY, a self-signed certificate
 * made at test time) and the bot trusts that certificate through its public options: `rest.agent` (an
 * https.Agent with `ca`, whose `defaultPort` is Accord's port — the only way to reach a port other than 443)
 * and `ws: { ca }` for the gateway. Because the port then counts as the agent's default, Node leaves it out of
 * the Host header, so Accord cannot derive its address from the request; it is given ACCORD_PUBLIC_URL, as it
 * would be behind a proxy, and GET /gateway/bot answers `wss://127.0.0.1:<port>/gateway`. Eris appends `/`
 * before the query (`/gateway/?v=10&encoding=json`) and sends `Bot <token>` in IDENTIFY.
 *
 * Covered: login through GET /gateway/bot, READY with the guild cached (plain and zlib-stream), messageCreate
 * for a user's message, reply / edit / react through Eris's REST, the 404 code surfaced as DiscordRESTError;
 * history paged back by Eris (before and after, 100 per request); typing / edit / reaction / delete events and
 * REQUEST_GUILD_MEMBERS (getAllUsers at login, fetchMembers by id and by query); restMode lookups and a DM; a
 * server-side socket drop (RESUME, the message sent meanwhile emitted exactly once); an expired session
 * (op 9, IDENTIFY again on the same socket); a burst over a real rate limit (paced from the headers, no 429).
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Client, DiscordRESTError, type Message, type TextChannel } from 'eris';
import type { SessionsRole } from '../../src/sessions/index.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { botWorld, freePort, post, selfSignedCert, trustCertificate, type BotWorld, type SelfSigned } from './setup.ts';

const sessionsRole = (t: TestServer) => t.server.roles.find((r) => r.name === 'sessions') as SessionsRole;

interface TlsServer {
  t: TestServer;
  tls: SelfSigned;
  port: number;
}

/**
 * Accord serving HTTPS/WSS itself with a fresh self-signed certificate. The port is chosen first so that
 * ACCORD_PUBLIC_URL can name it (see the file comment).
 */
async function startTlsServer(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TlsServer> {
  const tls = selfSignedCert();
  const port = await freePort();
  const t = await startTestServer({ port, tlsCert: tls.certFile, tlsKey: tls.keyFile, publicUrl: `https://127.0.0.1:${port}`, ...overrides });
  assert.ok(t.url.startsWith('https://'), t.url);
  trustCertificate(t, tls.cert);
  return { t, tls, port };
}

function erisClient(server: TlsServer, token: string, opts: { getAllUsers?: boolean; restMode?: boolean; compress?: boolean } = {}): { client: Client; errors: Error[]; debug: string[] } {
  const agent = new https.Agent({ ca: server.tls.cert, keepAlive: true });
  // https.request takes its port from the agent when the options carry none; Eris passes only host and path.
  Object.assign(agent, { defaultPort: server.port });
  const client = new Client(`Bot ${token}`, {
    intents: ['guilds', 'guildMessages', 'messageContent', 'guildMessageReactions', 'guildMessageTyping', 'directMessages', ...(opts.getAllUsers ? (['guildMembers'] as const) : [])],
    getAllUsers: opts.getAllUsers ?? false,
    restMode: opts.restMode ?? false,
    compress: opts.compress ?? false, // zlib-stream through zlib-sync (a devDependency here)
    rest: { domain: '127.0.0.1', baseURL: '/api/v10', agent },
    ws: { ca: server.tls.cert },
  });
  const errors: Error[] = [];
  const debug: string[] = [];
  client.on('error', (err: Error) => errors.push(err)); // a dropped socket is reported as an error; without a listener it would throw
  client.on('debug', (line: string) => debug.push(line));
  return { client, errors, debug };
}

async function connect(client: Client): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
  await client.connect();
  await ready;
}

describe('eris 0.18 (HTTPS / WSS)', () => {
  let server: TlsServer;
  let port: number;
  let t: TestServer;
  let w: BotWorld;
  const clients: Client[] = [];
  const sockets: Duplex[] = [];
  const record = (_req: unknown, socket: Duplex) => sockets.push(socket);

  function makeClient(opts: Parameters<typeof erisClient>[2] = {}) {
    const made = erisClient(server, w.bot.token, opts);
    clients.push(made.client);
    return made;
  }

  before(async () => {
    server = await startTlsServer();
    ({ t, port } = server);
    w = await botWorld(t, 'Eris');
    t.server.app.server.on('upgrade', record);
  });
  after(async () => {
    for (const c of clients) c.disconnect({ reconnect: false });
    t.server.app.server.off('upgrade', record);
    await t.close();
    server.tls.dispose();
  });

  it('GET /gateway/bot under TLS answers application/json with a wss:// url', async () => {
    const res = await t.request('GET', '/gateway/bot', { auth: w.bot });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.body.url, `wss://127.0.0.1:${port}/gateway`);
    assert.equal(res.body.shards, 1);
    assert.ok(res.body.session_start_limit.remaining >= 1);
    assert.equal(typeof res.body.session_start_limit.max_concurrency, 'number');
  });

  for (const compress of [false, true]) {
    it(`logs in, caches the guild, gets messageCreate, replies, edits and reacts${compress ? ' (zlib-stream)' : ''}`, async () => {
      const { client, debug, errors } = makeClient({ compress });
      await connect(client);
      assert.equal(client.user.id, w.bot.id);
      assert.equal(client.user.bot, true);
      assert.equal(client.gatewayURL, `wss://127.0.0.1:${port}/gateway/?v=10&encoding=json${compress ? '&compress=zlib-stream' : ''}`);
      const guild = client.guilds.get(w.guild.id);
      assert.ok(guild, 'guild cached');
      assert.ok(guild.channels.get(w.channel.id), 'channel cached');
      assert.ok(guild.members.get(w.bot.id), 'own member cached');
      assert.equal(client.getChannel(w.channel.id)?.id, w.channel.id);
      assert.ok(!debug.some((l) => /(Global|Unexpected) 429/.test(l)), 'no rate limit hit during login');

      const got = new Promise<Message>((resolve) => client.on('messageCreate', (m: Message) => m.content === `!ping ${compress}` && resolve(m)));
      const sent = await post(t, w.owner, w.channel.id, `!ping ${compress}`);
      const message = await got;
      assert.equal(message.id, sent.id);
      assert.equal(message.author.id, w.owner.id);
      assert.equal(message.guildID, w.guild.id);
      assert.equal(message.channel.id, w.channel.id);

      const reply = await client.createMessage(w.channel.id, { content: `pong ${compress}`, messageReference: { messageID: message.id } });
      assert.equal(reply.author.id, w.bot.id);
      assert.equal(reply.content, `pong ${compress}`);
      assert.equal(reply.messageReference?.messageID, message.id);
      assert.equal(reply.referencedMessage?.id, message.id);

      const edited = await reply.edit(`pong ${compress} (edited)`);
      assert.equal(edited.content, `pong ${compress} (edited)`);
      assert.ok(edited.editedTimestamp);

      await message.addReaction('👍');
      const reactors = await client.getMessageReaction(w.channel.id, message.id, '👍');
      assert.deepEqual(reactors.map((u) => u.id), [w.bot.id]);
      const fetched = await client.getMessage(w.channel.id, message.id);
      assert.equal(fetched.reactions['👍']?.count, 1);
      assert.equal(fetched.reactions['👍']?.me, true);
      await message.removeReaction('👍');
      const again = await client.getMessage(w.channel.id, message.id);
      assert.equal(again.reactions['👍'], undefined);

      await assert.rejects(client.getMessage(w.channel.id, '123456789012345678'), (err: any) => {
        assert.ok(err instanceof DiscordRESTError, String(err));
        assert.equal(err.code, 10008);
        assert.equal(err.res.statusCode, 404);
        return true;
      });

      await message.delete();
      const history = await client.getMessages(w.channel.id, { limit: 10 });
      assert.ok(!history.some((m) => m.id === message.id));
      assert.equal(history[0]?.content, `pong ${compress} (edited)`);
      assert.deepEqual(errors, []);
      client.disconnect({ reconnect: false });
    });
  }

  it('pages 250 messages back with getMessages (before and after), in order, each once', async () => {
    const { client } = makeClient();
    await connect(client);
    const channel = await client.createChannel(w.guild.id, 'history', 0).catch((err: unknown) => err);
    // The bot has no MANAGE_CHANNELS; the owner makes the channel.
    assert.ok(channel instanceof Error);
    const created = await t.request('POST', `/guilds/${w.guild.id}/channels`, { auth: w.owner, body: { name: 'history', type: 0 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const channelId: string = created.body.id;
    await waitFor(() => client.getChannel(channelId), { what: 'CHANNEL_CREATE in the cache' });

    const sent: string[] = [];
    for (let i = 0; i < 250; i++) sent.push((await client.createMessage(channelId, `#${i}`)).id);
    const newestFirst = await client.getMessages(channelId, { limit: 300 });
    assert.deepEqual(newestFirst.map((m) => m.id), [...sent].reverse());
    const before = await client.getMessages(channelId, { limit: 150, before: sent[200] });
    assert.deepEqual(before.map((m) => m.id), sent.slice(50, 200).reverse());
    const afterFirst = await client.getMessages(channelId, { limit: 150, after: sent[0] });
    assert.deepEqual(afterFirst.map((m) => m.id), sent.slice(1, 151).reverse());
    client.disconnect({ reconnect: false });
  });

  it("sees a user's typing, edit, reaction and delete as events; fetches members over the gateway", async () => {
    // getAllUsers: Eris sends REQUEST_GUILD_MEMBERS for every guild and reports ready only once the chunks came.
    const { client, errors } = makeClient({ getAllUsers: true });
    await connect(client);
    const guild = client.guilds.get(w.guild.id)!;
    assert.deepEqual([...guild.members.keys()].sort(), [w.owner.id, w.bot.id].sort());
    const members = await guild.fetchMembers({ userIDs: [w.owner.id], timeout: 5000 });
    assert.deepEqual(members.map((m) => m.id), [w.owner.id]);
    const byQuery = await guild.fetchMembers({ query: w.owner.username.slice(0, 4), limit: 10, timeout: 5000 });
    assert.ok(byQuery.some((m) => m.id === w.owner.id), 'query finds the owner');

    const message = await client.createMessage(w.channel.id, 'react to me');
    const typing = new Promise<[string, string, string | undefined]>((resolve) =>
      client.once('typingStart', (channel: { id: string }, user: { id: string }, member: { id: string } | null) => resolve([channel.id, user.id, member?.id])),
    );
    await t.request('POST', `/channels/${w.channel.id}/typing`, { auth: w.owner });
    assert.deepEqual(await typing, [w.channel.id, w.owner.id, w.owner.id]);

    const own = await post(t, w.owner, w.channel.id, 'to be edited');
    await waitFor(() => client.getChannel(w.channel.id) && (client.getChannel(w.channel.id) as TextChannel).messages.get(own.id), { what: 'message cached' });
    const updated = new Promise<[string, string | undefined]>((resolve) => client.once('messageUpdate', (m: Message, old: { content: string } | null) => resolve([m.content, old?.content])));
    assert.equal((await t.request('PATCH', `/channels/${w.channel.id}/messages/${own.id}`, { auth: w.owner, body: { content: 'edited' } })).status, 200);
    assert.deepEqual(await updated, ['edited', 'to be edited']);

    const added = new Promise<[string, string, string]>((resolve) =>
      client.once('messageReactionAdd', (m: { id: string }, emoji: { name: string }, reactor: { id: string }) => resolve([m.id, emoji.name, reactor.id])),
    );
    assert.equal((await t.request('PUT', `/channels/${w.channel.id}/messages/${message.id}/reactions/${encodeURIComponent('🎉')}/@me`, { auth: w.owner })).status, 204);
    assert.deepEqual(await added, [message.id, '🎉', w.owner.id]);
    const cached = (client.getChannel(w.channel.id) as TextChannel).messages.get(message.id);
    assert.equal(cached?.reactions['🎉']?.count, 1, 'Eris counted the reaction on its cached message');
    const removed = new Promise<[string, string]>((resolve) => client.once('messageReactionRemove', (m: { id: string }, _e: unknown, userID: string) => resolve([m.id, userID])));
    await t.request('DELETE', `/channels/${w.channel.id}/messages/${message.id}/reactions/${encodeURIComponent('🎉')}/@me`, { auth: w.owner });
    assert.deepEqual(await removed, [message.id, w.owner.id]);

    const deleted = new Promise<string>((resolve) => client.once('messageDelete', (m: { id: string }) => resolve(m.id)));
    await t.request('DELETE', `/channels/${w.channel.id}/messages/${own.id}`, { auth: w.owner });
    assert.equal(await deleted, own.id);
    assert.deepEqual(errors, []);
    client.disconnect({ reconnect: false });
  });

  it('looks up users, the guild and members over REST (restMode), and opens a DM', async () => {
    const { client } = makeClient({ restMode: true });
    await connect(client);
    const user = await client.getRESTUser(w.owner.id);
    assert.equal(user.username, w.owner.username);
    const guild = await client.getRESTGuild(w.guild.id);
    assert.equal(guild.id, w.guild.id);
    assert.equal(guild.ownerID, w.owner.id);
    assert.ok(guild.roles.get(w.guild.id), '@everyone role');
    const member = await client.getRESTGuildMember(w.guild.id, w.owner.id);
    assert.equal(member.id, w.owner.id);
    const members = await client.getRESTGuildMembers(w.guild.id, { limit: 10 });
    assert.deepEqual(members.map((m) => m.id).sort(), [w.owner.id, w.bot.id].sort());

    const dm = await client.getDMChannel(w.owner.id);
    assert.deepEqual([...dm.recipients.keys()], [w.owner.id]);
    const got = new Promise<Message>((resolve) => client.on('messageCreate', (m: Message) => m.channel.id === dm.id && m.author.id === w.owner.id && resolve(m)));
    await dm.createMessage('hello in private');
    await post(t, w.owner, dm.id, 'hello back');
    const back = await got;
    assert.equal(back.content, 'hello back');
    assert.equal(back.guildID, undefined);
    client.disconnect({ reconnect: false });
  });

  it('resumes after the server drops its socket, and emits the message sent meanwhile exactly once', async () => {
    const { client } = makeClient();
    const before = sockets.length;
    await connect(client);
    const resumed = new Promise<void>((resolve) => client.once('shardResume', () => resolve()));
    const resumes0 = sessionsRole(t).stats().resumes;
    const seen: string[] = [];
    client.on('messageCreate', (m: Message) => seen.push(m.content));
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
    client.disconnect({ reconnect: false });
  });
});

describe('eris 0.18: real rate limits', () => {
  let server: TlsServer;
  let client: Client | undefined;
  before(async () => {
    server = await startTlsServer({ rateLimitScale: 1 });
  });
  after(async () => {
    client?.disconnect({ reconnect: false });
    await server.t.close();
    server.tls.dispose();
  });

  it('a burst over the message-create limit is queued by Eris from the X-RateLimit headers, every message stored once', async () => {
    const w = await botWorld(server.t, 'Eris limits');
    const made = erisClient(server, w.bot.token);
    client = made.client;
    await connect(client);
    const count = 14; // the create bucket allows 10 per 5 s
    const started = Date.now();
    const sent = await Promise.all(Array.from({ length: count }, (_, i) => client!.createMessage(w.channel.id, `burst ${i}`)));
    assert.equal(sent.length, count);
    assert.ok(Date.now() - started >= 1000, 'Eris waited for the bucket to reset');
    const stored = await client.getMessages(w.channel.id, { limit: 100 });
    // The channel also holds the bot's join message (type 7) from when it was added.
    assert.deepEqual(stored.filter((m) => m.type !== 7).map((m) => m.content).sort(), Array.from({ length: count }, (_, i) => `burst ${i}`).sort());
    assert.deepEqual(made.errors, []);
    // Eris paced itself from X-RateLimit-Remaining / -Reset-After: no 429 came back, and no header was missing.
    assert.deepEqual(made.debug.filter((l) => /(Global|Unexpected) 429|Missing ratelimit headers/.test(l)), []);
  });
});

describe('eris 0.18 after its session expired', () => {
  it('re-identifies on the same socket when RESUME is refused (resumeGraceMs 0)', async () => {
    const server = await startTlsServer({ resumeGraceMs: 0 });
    const sockets: Duplex[] = [];
    server.t.server.app.server.on('upgrade', (_req: unknown, socket: Duplex) => sockets.push(socket));
    const w = await botWorld(server.t, 'Eris expired');
    const { client } = erisClient(server, w.bot.token);
    const warnings: string[] = [];
    client.on('warn', (line: string) => warnings.push(line));
    try {
      await connect(client);
      const firstSession = client.shards.get(0)!.sessionID;
      sockets.at(-1)!.destroy();
      await waitFor(() => sessionsRole(server.t).stats().identifies >= 2, { timeoutMs: 20_000, what: 're-identify' });
      await waitFor(() => client.shards.get(0)!.sessionID && client.shards.get(0)!.sessionID !== firstSession && client.shards.get(0)!.status === 'ready', { timeoutMs: 20_000, what: 'new session' });
      assert.ok(warnings.some((l) => l.includes('Invalid session')), 'Eris saw op 9 and identified again');
      assert.equal(sockets.length, 2, 'IDENTIFY went over the socket that got op 9');
      const got = new Promise<string>((resolve) => client.on('messageCreate', (m: Message) => resolve(m.content)));
      await post(server.t, w.owner, w.channel.id, 'new session works');
      assert.equal(await got, 'new session works');
      assert.ok(client.guilds.get(w.guild.id));
    } finally {
      client.disconnect({ reconnect: false });
      await server.t.close();
      server.tls.dispose();
    }
  });
});
