/**
 * Gateway protocol over real sockets: HELLO, heartbeats, every close code Accord emits, INVALID_SESSION and a
 * re-identify on the same socket, query parameters and paths.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Intents } from '../../src/protocol/intents.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot, makeFriends } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

describe('gateway protocol', () => {
  let t: TestServer;
  let user: TestUser;
  let bot: TestUser;
  let app: any;
  const clients: GatewayClient[] = [];
  const connect = async (opts: Parameters<typeof GatewayClient.connect>[1] = {}) => {
    const c = await GatewayClient.connect(t.url, opts);
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 1000 });
    user = await t.register();
    ({ app, bot } = await makeBot(t, user, 'Proto Bot'));
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('sends HELLO with heartbeat_interval, acks heartbeats with op 11 (s and t null)', async () => {
    const c = await connect();
    const hello = await c.waitForOp(10);
    assert.deepEqual(hello, { op: 10, d: { heartbeat_interval: 1000 }, s: null, t: null });
    c.send(1, null);
    const ack = await c.waitForOp(11);
    assert.equal(ack.s, null);
    assert.equal(ack.t, null);
  });

  it('the upgrade\'s 101 answer and HELLO leave the server in one write', async () => {
    // Counted where the socket hands bytes to the kernel: each _write or _writev is one system call.
    const calls: string[] = [];
    const count = (_req: unknown, socket: any) => {
      for (const name of ['_write', '_writev'] as const) {
        const real = socket[name].bind(socket);
        socket[name] = (...args: unknown[]) => (calls.push(name), real(...args));
      }
    };
    t.server.app.server.prependListener('upgrade', count);
    try {
      const c = await connect();
      await c.waitForOp(10);
    } finally {
      t.server.app.server.off('upgrade', count);
    }
    assert.deepEqual(calls, ['_writev']);
  });

  it('accepts /gateway/ and / as paths; refuses others with 404 and zstd-stream with 400', async () => {
    for (const path of ['/gateway/', '/']) {
      const c = await connect({ path });
      await c.waitForOp(10);
    }
    await assert.rejects(GatewayClient.connect(t.url, { path: '/nope' }), /404/);
    await assert.rejects(GatewayClient.connect(t.url, { query: 'v=10&encoding=json&compress=zstd-stream' }), /400/);
  });

  it('4012 for an unsupported API version, 4002 for etf encoding', async () => {
    const c = await connect({ query: 'v=6&encoding=json' });
    assert.equal((await c.waitForClose()).code, 4012);
    const e = await connect({ query: 'v=10&encoding=etf' });
    assert.equal((await e.waitForClose()).code, 4002);
  });

  it('4001 unknown opcode', async () => {
    const c = await connect();
    await c.identify(user.token);
    c.send(42, {});
    assert.equal((await c.waitForClose()).code, 4001);
  });

  it('4002 for invalid JSON, a non-object, and a payload over 4096 bytes', async () => {
    const a = await connect();
    a.sendRaw('{nope');
    assert.equal((await a.waitForClose()).code, 4002);
    const b = await connect();
    b.sendRaw('[1,2,3]');
    assert.equal((await b.waitForClose()).code, 4002);
    const c = await connect();
    c.send(1, 'x'.repeat(5000));
    assert.equal((await c.waitForClose()).code, 4002);
  });

  it('4003 for a payload before identify, 4004 for a bad token, 4005 for a second identify', async () => {
    const a = await connect();
    a.send(3, { status: 'online', activities: [], since: null, afk: false });
    assert.equal((await a.waitForClose()).code, 4003);
    const b = await connect();
    b.send(2, { token: 'not-a-token', properties: {}, intents: 0 });
    assert.equal((await b.waitForClose()).code, 4004);
    const c = await connect();
    await c.identify(user.token);
    c.send(2, { token: user.token, properties: {}, intents: 0 });
    assert.equal((await c.waitForClose()).code, 4005);
  });

  it('accepts a bot token with its "Bot " prefix', async () => {
    const c = await connect();
    const ready = await c.identify(bot.auth, { intents: Intents.GUILDS });
    assert.equal(ready.user.id, bot.id);
    assert.deepEqual(ready.application, { id: app.id, flags: 0 });
  });

  it('4008 after more than 120 payloads in 60 s', async () => {
    const c = await connect();
    await c.waitForOp(10);
    for (let i = 0; i < 125; i++) c.send(1, null);
    assert.equal((await c.waitForClose()).code, 4008);
  });

  it('4009 for a zombie: asks for a heartbeat (op 1) first, then closes', async () => {
    const c = await connect({ heartbeat: false });
    await c.waitForOp(10);
    const started = Date.now();
    const request = await c.waitForOp(1, 3000);
    assert.equal(request.d, null);
    assert.equal((await c.waitForClose(3000)).code, 4009);
    assert.ok(Date.now() - started >= 1200, 'not before 1.5 × interval');
  });

  it('4010 for an invalid shard', async () => {
    for (const shard of [[1, 1], [0, 0], [-1, 2], 'x']) {
      const c = await connect();
      await c.waitForOp(10);
      c.send(2, { token: bot.token, properties: {}, intents: Intents.GUILDS, shard });
      assert.equal((await c.waitForClose()).code, 4010, JSON.stringify(shard));
    }
  });

  it('4013 for invalid intents (unknown bits, missing for a bot), 4014 for privileged intents the app lacks', async () => {
    const a = await connect();
    await a.waitForOp(10);
    a.send(2, { token: bot.token, properties: {}, intents: 1 << 30 });
    assert.equal((await a.waitForClose()).code, 4013);
    const b = await connect();
    await b.waitForOp(10);
    b.send(2, { token: bot.token, properties: {} });
    assert.equal((await b.waitForClose()).code, 4013);
    const c = await connect();
    await c.waitForOp(10);
    c.send(2, { token: bot.token, properties: {}, intents: Intents.GUILDS | Intents.MESSAGE_CONTENT });
    assert.equal((await c.waitForClose()).code, 4014);
    // A user token is not limited by intents.
    const d = await connect();
    const ready = await d.identify(user.token, { intents: Intents.GUILDS | Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT });
    assert.equal(ready.user.id, user.id);
  });

  it('privileged intents pass once the application flags allow them', async () => {
    const flags = (1 << 12) | (1 << 14) | (1 << 18);
    const res = await t.request('PATCH', `/applications/${app.id}`, { auth: user, body: { flags } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const c = await connect();
    const ready = await c.identify(bot.token, { intents: Intents.GUILDS | Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT });
    assert.equal(ready.user.id, bot.id);
  });

  it("a bot's GUILD_CREATE lists only the bot without GUILD_PRESENCES, and every member with it (Discord's Guild Create)", async () => {
    const guild = await t.createGuild(user, 'Members listed guild');
    const other = await t.register();
    await t.join(user, guild.id, other);
    const { bot: b, app: a } = await makeBot(t, user, 'Listing Bot');
    assert.equal((await t.request('PATCH', `/applications/${a.id}`, { auth: user, body: { flags: 1 << 12 } })).status, 200);
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${a.id}&scope=bot`, { auth: user, body: { guild_id: guild.id, authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    const without = await connect();
    await without.identify(b.token, { intents: Intents.GUILDS | Intents.GUILD_MESSAGES });
    const bare = (await without.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id)).d;
    assert.deepEqual(bare.members.map((m: any) => m.user.id), [b.id]);
    assert.deepEqual(bare.presences, []);
    assert.equal(bare.member_count, 3);
    const withIntent = await connect();
    await withIntent.identify(b.token, { intents: Intents.GUILDS | Intents.GUILD_PRESENCES });
    const full = (await withIntent.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id)).d;
    assert.deepEqual(full.members.map((m: any) => m.user.id).sort(), [user.id, other.id, b.id].sort());
    // The bot itself is online (two sessions): its own presence is listed.
    assert.ok(full.presences.some((p: any) => p.user.id === b.id), JSON.stringify(full.presences));
    await without.close();
    await withIntent.close();
  });

  it('4013 for op 8 asking every member without GUILD_MEMBERS', async () => {
    const guild = await t.createGuild(user, 'op8 guild');
    const { bot: b, app: a } = await makeBot(t, user, 'Op8 Bot');
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${a.id}&scope=bot`, { auth: user, body: { guild_id: guild.id, authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    const c = await connect();
    await c.identify(b.token, { intents: Intents.GUILDS });
    await c.waitForDispatch('GUILD_CREATE');
    c.send(8, { guild_id: guild.id, query: '', limit: 0 });
    assert.equal((await c.waitForClose()).code, 4013);
  });

  it('RESUME of an unknown session gets INVALID_SESSION false, and the same socket may IDENTIFY afterwards', async () => {
    const c = await connect();
    await c.waitForOp(10);
    c.send(6, { token: user.token, session_id: 'nope', seq: 0 });
    const inv = await c.waitForOp(9);
    assert.equal(inv.d, false);
    c.send(2, { token: user.token, properties: {}, intents: 0 });
    const ready = await c.waitForDispatch('READY');
    assert.equal(ready.d.user.id, user.id);
    assert.equal(c.closed, null);
  });

  it('READY carries the documented fields; op 8 with user_ids answers GUILD_MEMBERS_CHUNK', async () => {
    const guild = await t.createGuild(user, 'ready guild');
    const c = await connect();
    const ready = await c.identify(user.token);
    assert.equal(ready.v, 10);
    assert.equal(ready.user.id, user.id);
    assert.ok(ready.user.email);
    assert.match(ready.session_id, /^[0-9a-f]{32}$/);
    assert.equal(ready.session_type, 'normal');
    assert.match(ready.resume_gateway_url, /^ws:\/\/127\.0\.0\.1:\d+\/gateway$/);
    assert.ok(Array.isArray(ready.private_channels));
    assert.deepEqual(ready.relationships, []);
    assert.deepEqual(ready.user_settings, {});
    assert.equal(ready.read_state.partial, false);
    assert.ok(ready.guilds.some((g: any) => g.id === guild.id && g.unavailable === true));
    assert.equal(ready.application, undefined);
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    c.send(8, { guild_id: guild.id, user_ids: [user.id], nonce: 'n1' });
    const chunk = await c.waitForDispatch('GUILD_MEMBERS_CHUNK');
    assert.equal(chunk.d.guild_id, guild.id);
    assert.equal(chunk.d.chunk_index, 0);
    assert.equal(chunk.d.chunk_count, 1);
    assert.equal(chunk.d.nonce, 'n1');
    assert.equal(chunk.d.members[0].user.id, user.id);
  });

  it("READY lists the user's DMs and group DMs, each with its other recipients, as GET /users/@me/channels does", async () => {
    const [a, b, c] = [await t.register(), await t.register(), await t.register()];
    const home = await t.createGuild(a, 'dm guild');
    await t.join(a, home.id, b); // sharing a guild lets a open a DM with b
    const dm = await t.request('POST', '/users/@me/channels', { auth: a, body: { recipient_id: b.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    for (const u of [b, c]) await makeFriends(t, u, a);
    const group = await t.request('POST', '/users/@me/channels', { auth: a, body: { recipients: [b.id, c.id] } });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    const asc = (xs: string[]) => [...xs].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    const recipients = (ready: any) => Object.fromEntries(ready.private_channels.map((ch: any) => [ch.id, ch.recipients.map((u: any) => u.id)]));

    const readyA = await (await connect()).identify(a.token, { intents: Intents.GUILDS });
    assert.deepEqual(recipients(readyA), { [dm.body.id]: [b.id], [group.body.id]: asc([b.id, c.id]) });
    assert.deepEqual(readyA.private_channels, (await t.request('GET', '/users/@me/channels', { auth: a })).body);
    assert.equal(readyA.private_channels.find((ch: any) => ch.id === dm.body.id).type, 1);
    assert.equal(readyA.private_channels.find((ch: any) => ch.id === group.body.id).type, 3);

    const readyC = await (await connect()).identify(c.token, { intents: Intents.GUILDS });
    assert.deepEqual(recipients(readyC), { [group.body.id]: asc([a.id, b.id]) });
  });
});
