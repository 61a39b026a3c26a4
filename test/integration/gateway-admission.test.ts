/**
 * Gateway admission over real sockets: the per-IP socket cap (HTTP 429 on the upgrade, the address resolved
 * through ACCORD_TRUSTED_PROXIES), Discord's identify rate (INVALID_SESSION when a bot or user identifies too
 * fast), and the bots' daily session start budget, shared by every sessions node through the store and reported by
 * GET /gateway/bot; when it runs out the bot token is reset and every session of the bot ends, as on Discord.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip, waitFor } from '../helpers/services.ts';
import { makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

const servers: TestServer[] = [];
const clients: GatewayClient[] = [];
const sockets: WebSocket[] = [];
const drops: Array<() => Promise<void>> = [];

async function server(overrides: Parameters<typeof startTestServer>[0] = {}, opts: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  const t = await startTestServer({ heartbeatIntervalMs: 5000, ...overrides }, opts);
  servers.push(t);
  return t;
}

async function connect(t: TestServer): Promise<GatewayClient> {
  const c = await GatewayClient.connect(t.url);
  clients.push(c);
  return c;
}

/** Opens a raw gateway socket with extra request headers: 'open', or the HTTP status of a refused upgrade. */
function upgrade(t: TestServer, headers: Record<string, string> = {}): Promise<{ outcome: 'open' | number; ws: WebSocket; body: string }> {
  const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/gateway?v=10&encoding=json`, { headers });
  sockets.push(ws);
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ outcome: 'open', ws, body: '' }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ outcome: res.statusCode ?? 0, ws, body }));
    });
  });
}

async function gatewayBot(t: TestServer, auth: string): Promise<any> {
  const res = await t.request('GET', '/gateway/bot', { auth });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.session_start_limit;
}

/** IDENTIFY on a fresh socket and return the first answer: READY, op 9, or the close. */
async function identifyOutcome(c: GatewayClient, token: string): Promise<{ ready?: any; invalid?: boolean; close?: number }> {
  await c.waitForOp(10);
  c.send(2, { token, properties: { os: 'linux', browser: 'test', device: 'test' }, intents: 1 });
  await waitFor(() => c.closed || c.payloads.some((p) => p.op === 9 || (p.op === 0 && p.t === 'READY')), { what: 'identify outcome' });
  const ready = c.dispatches('READY')[0];
  if (ready) return { ready: ready.d };
  const invalid = c.payloads.find((p) => p.op === 9);
  if (invalid) return { invalid: invalid.d };
  return { close: c.closed!.code };
}

after(async () => {
  for (const c of clients) await c.close();
  for (const ws of sockets) ws.terminate();
  for (const t of servers.reverse()) await t.close();
  for (const drop of drops) await drop();
});

describe('gateway admission: sockets per IP', () => {
  it('refuses the upgrade beyond the cap with 429, and X-Forwarded-For from an untrusted peer does not escape it', async () => {
    const t = await server({ gatewaySocketsPerIp: 2 });
    const a = await upgrade(t, { 'x-forwarded-for': '198.51.100.1' });
    const b = await upgrade(t, { 'x-forwarded-for': '198.51.100.2' });
    assert.equal(a.outcome, 'open');
    assert.equal(b.outcome, 'open');
    const refused = await upgrade(t, { 'x-forwarded-for': '198.51.100.3' });
    assert.equal(refused.outcome, 429);
    assert.equal(JSON.parse(refused.body).code, 0);
    assert.match(await (await fetch(`${t.url}/metrics`)).text(), /^accord_gateway_upgrades_refused_total 1$/m);

    // A closed socket frees its place.
    a.ws.terminate();
    await waitFor(async () => {
      const again = await upgrade(t);
      if (again.outcome === 'open') return true;
      assert.equal(again.outcome, 429);
      return false;
    }, { what: 'a place after a socket closed' });
  });

  it('counts each client behind a trusted proxy by its own address', async () => {
    const t = await server({ gatewaySocketsPerIp: 1, trustedProxies: ['loopback'] });
    assert.equal((await upgrade(t, { 'x-forwarded-for': '198.51.100.1' })).outcome, 'open');
    assert.equal((await upgrade(t, { 'x-forwarded-for': '198.51.100.1' })).outcome, 429);
    assert.equal((await upgrade(t, { 'x-forwarded-for': '198.51.100.2' })).outcome, 'open');
  });
});

describe('gateway admission: identify rate', () => {
  it('answers a bot identifying beyond max_concurrency per 5 s with INVALID_SESSION false; other bots are unaffected', async () => {
    const t = await server({ identifyMaxConcurrency: 2 });
    const owner = await t.register();
    const { bot } = await makeBot(t, owner, 'Fast');
    const { bot: other } = await makeBot(t, owner, 'Other');
    assert.equal((await gatewayBot(t, bot.auth)).max_concurrency, 2);

    assert.ok((await identifyOutcome(await connect(t), bot.token)).ready);
    assert.ok((await identifyOutcome(await connect(t), bot.token)).ready);
    const third = await connect(t);
    assert.deepEqual(await identifyOutcome(third, bot.token), { invalid: false });
    assert.equal(third.closed, null, 'the socket stays open: the client may identify again later');
    assert.ok((await identifyOutcome(await connect(t), other.token)).ready);
    assert.match(await (await fetch(`${t.url}/metrics`)).text(), /^accord_gateway_identifies_too_fast_total 1$/m);
    // A refused IDENTIFY starts no session: the daily budget counts only the two that did.
    assert.equal((await gatewayBot(t, bot.auth)).remaining, 100_000_000 - 2);
  });

  it('limits user accounts too (10 per 5 s, scaled by ACCORD_RATE_LIMIT_SCALE)', async () => {
    const t = await server({ rateLimitScale: 0.1 });
    const user = await t.register();
    assert.ok((await identifyOutcome(await connect(t), user.token)).ready);
    assert.deepEqual(await identifyOutcome(await connect(t), user.token), { invalid: false });
  });
});

describe('gateway admission: daily session start limit', () => {
  it('GET /gateway/bot reports the real numbers: each IDENTIFY takes one, a RESUME none', async () => {
    const t = await server({ sessionStartLimit: 5, identifyMaxConcurrency: 7 });
    const owner = await t.register();
    const { bot } = await makeBot(t, owner);
    assert.deepEqual(await gatewayBot(t, bot.auth), { total: 5, remaining: 5, reset_after: 0, max_concurrency: 7 });

    const first = await connect(t);
    const ready = (await identifyOutcome(first, bot.token)).ready;
    const one = await gatewayBot(t, bot.auth);
    assert.equal(one.remaining, 4);
    assert.ok(one.reset_after > 0 && one.reset_after <= 86_400_000, `reset_after ${one.reset_after}`);

    await first.close();
    const resumed = await connect(t);
    await resumed.waitForOp(10);
    resumed.send(6, { token: bot.token, session_id: ready.session_id, seq: 1 });
    await resumed.waitForDispatch('RESUMED');
    assert.equal((await gatewayBot(t, bot.auth)).remaining, 4, 'RESUME does not count');

    assert.ok((await identifyOutcome(await connect(t), bot.token)).ready);
    const two = await gatewayBot(t, bot.auth);
    assert.equal(two.remaining, 3);
    assert.ok(two.reset_after <= one.reset_after, 'the window started at the first IDENTIFY');
  });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`gateway admission: the session start budget on ${kind}`, { skip: kind === 'postgres' ? await serviceSkip('postgres') : false }, () => {
    /** A server on a fresh store of this kind (PostgreSQL: a schema of its own, dropped at the end). */
    const first = async (overrides: Parameters<typeof startTestServer>[0]) => {
      if (kind === 'sqlite') return server(overrides);
      const pg = await freshPostgresStore();
      drops.push(pg.drop);
      return server(overrides, { store: pg.store });
    };

    it('counts concurrent session starts from several connections once each', async () => {
      const t = await first({});
      const user = await t.register();
      const now = Date.now();
      const windows = await Promise.all(Array.from({ length: 20 }, () => t.store.sessionStarts.take(user.id, now, 86_400_000)));
      assert.deepEqual(windows.map((w) => w.count).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.equal(new Set(windows.map((w) => w.resetAt)).size, 1, 'one window');
      assert.deepEqual(await t.store.sessionStarts.get(user.id, now + 86_400_000), null, 'the window ends after 24 h');
      assert.equal((await t.store.sessionStarts.take(user.id, now + 86_400_000, 86_400_000)).count, 1, 'and the next start opens a new one');
    });

    it('when the budget runs out (counted across nodes): the bot token is reset and every session of the bot ends', async () => {
      const a = await first({ sessionStartLimit: 2 });
      // A second sessions node on the same store and bus.
      const b = await server({ sessionStartLimit: 2, roles: ['sessions'], nodeId: 'sessions-b' }, { store: a.store, bus: a.bus });
      const owner = await a.register();
      const { app, bot } = await makeBot(a, owner);

      const onA = await connect(a);
      const onB = await connect(b);
      assert.ok((await identifyOutcome(onA, bot.token)).ready);
      const readyB = (await identifyOutcome(onB, bot.token)).ready;
      assert.ok(readyB);
      assert.equal((await gatewayBot(a, bot.auth)).remaining, 0, 'both nodes count against one budget');

      const over = await connect(a);
      assert.deepEqual(await identifyOutcome(over, bot.token), { close: 4004 });
      assert.equal((await onA.waitForClose()).code, 4004);
      // The other node closes the bot's sessions too (the revocation goes over the bus); none can be resumed.
      assert.equal((await onB.waitForClose()).code, 4004);
      const resume = await connect(b);
      await resume.waitForOp(10);
      resume.send(6, { token: bot.token, session_id: readyB.session_id, seq: onB.lastSeq });
      assert.equal((await resume.waitForOp(9)).d, false);

      assert.equal((await a.request('GET', '/users/@me', { auth: bot.auth })).status, 401, 'the old token is gone');
      const reset = await a.request('POST', `/applications/${app.id}/bot/reset`, { auth: owner });
      assert.equal(reset.status, 200);
      const limit = await gatewayBot(a, `Bot ${reset.body.token}`);
      assert.equal(limit.remaining, 0, 'a new token does not refill the budget');
      assert.ok(limit.reset_after > 0);
    });
  });
}
