/**
 * Finding 4 of issue #11, limits before work: authentication and rate limits answer before a body is read, JSON
 * nesting is capped (ACCORD_JSON_MAX_DEPTH), and an IP that makes too many invalid requests (401, 403, 429) is
 * refused for a while (ACCORD_INVALID_REQUEST_LIMIT / ACCORD_INVALID_REQUEST_BAN_MS), logged once per ban.
 * "Not parsed" is observed from outside: a body that would be answered 400 (broken or too deep JSON) gets the
 * 401 / 429 instead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { WebSocket } from 'ws';
import { InvalidRequestLimiter } from '../../src/lib/invalid-requests.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';

/** A clock that only moves when told: rate-limit windows stay open for the whole test. */
const stillClock = () => {
  const t = Date.now();
  return () => t;
};

/** A JSON object whose arrays and objects nest `depth` deep in all (the object itself is level 1). */
function nested(depth: number, extra: Record<string, unknown> = {}): string {
  const fields = Object.entries(extra).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`).join('');
  return `{${fields}"nested":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
}

function post(t: TestServer, route: string, raw: string, headers: Record<string, string> = {}) {
  return t.request('POST', route, { raw, headers: { 'content-type': 'application/json', ...headers } });
}

/** A POST to a path outside /api/v10. */
async function postAt(t: TestServer, path: string, raw: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}${path}`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: await res.json() };
}

const isJsonInvalid = (body: any) => body?.code === 50109 && body?.message === 'The request body contains invalid JSON.';

describe('limits before the body is read', () => {
  it('a rate-limited client gets its 429 without its body being parsed', async () => {
    const t = await startTestServer({ rateLimitScale: 1 }, { now: stillClock() });
    try {
      const broken = '{"login": "a", "password": ';
      // While the client is within its limit, the broken body is read and refused.
      assert.ok(isJsonInvalid((await post(t, '/auth/login', broken)).body));
      for (let i = 0; i < 4; i++) assert.equal((await post(t, '/auth/login', JSON.stringify({ login: 'x@example.test', password: 'nope' }))).status, 400);
      // The auth bucket (5 per minute) is spent: the same broken body, and a very deep one, never reach the parser.
      const limited = await post(t, '/auth/login', broken);
      assert.equal(limited.status, 429, JSON.stringify(limited.body));
      assert.equal((await post(t, '/auth/login', nested(100_000))).status, 429);
    } finally {
      await t.close();
    }
  });

  it('a request with an invalid token gets its 401 without its body being parsed', async () => {
    const t = await startTestServer();
    try {
      const res = await post(t, '/guilds', '{"name": ', { authorization: 'not a token' });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 0);
    } finally {
      await t.close();
    }
  });

  it('a request for no route gets its 404 without its body being parsed', async () => {
    const t = await startTestServer();
    try {
      assert.deepEqual(await postAt(t, '/nowhere', '{"broken": '), { status: 404, body: { code: 0, message: '404: Not Found' } });
      assert.deepEqual(await postAt(t, '/api/v10/nowhere', '{"broken": '), { status: 404, body: { code: 0, message: '404: Not Found' } });
      assert.equal((await postAt(t, '/api/v5/guilds', '{"broken": ')).body.code, 50041);
    } finally {
      await t.close();
    }
  });
});

describe('JSON nesting depth (ACCORD_JSON_MAX_DEPTH = 32, the default)', () => {
  it('accepts 32 levels and refuses 33 with a 400 in Discord\'s shape', async () => {
    const t = await startTestServer();
    try {
      const user = await t.register();
      const ok = await post(t, '/guilds', nested(32, { name: 'Deep enough' }), { authorization: user.auth });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      const deep = await post(t, '/guilds', nested(33, { name: 'Too deep' }), { authorization: user.auth });
      assert.equal(deep.status, 400);
      assert.ok(isJsonInvalid(deep.body), JSON.stringify(deep.body));
    } finally {
      await t.close();
    }
  });

  it('does not count brackets inside strings, escaped quotes included', async () => {
    const t = await startTestServer();
    try {
      const user = await t.register();
      const body = JSON.stringify({ name: 'Brackets', note: `\\"${'['.repeat(200)}\\"${'{'.repeat(200)}` });
      const res = await post(t, '/guilds', body, { authorization: user.auth });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    } finally {
      await t.close();
    }
  });

  it('refuses a body nested a million deep and stays healthy', async () => {
    const t = await startTestServer({ jsonMaxDepth: 8 });
    try {
      const user = await t.register();
      assert.equal((await post(t, '/guilds', nested(8, { name: 'Eight' }), { authorization: user.auth })).status, 201);
      assert.equal((await post(t, '/guilds', nested(9, { name: 'Nine' }), { authorization: user.auth })).status, 400);
      const deep = await post(t, '/guilds', '['.repeat(1_000_000), { authorization: user.auth });
      assert.equal(deep.status, 400);
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    } finally {
      await t.close();
    }
  });
});

/** Tries a gateway upgrade: 101 when it opened, else the refused status with its body. */
function gatewayUpgrade(t: TestServer, headers: Record<string, string>): Promise<{ status: number; body: string; retryAfter?: string }> {
  const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/gateway?v=10&encoding=json`, { headers });
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
  });
}

interface LogLine {
  level: number;
  msg: string;
  ip?: string;
  invalidRequests?: number;
}

describe('invalid request limit (ACCORD_INVALID_REQUEST_LIMIT)', () => {
  it('refuses an IP after N invalid requests, logs the ban once, and lifts it after the ban time', async () => {
    const lines: LogLine[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
    // Behind a trusted loopback proxy, so two client addresses can be told apart.
    const t = await startTestServer({ invalidRequestLimit: 3, invalidRequestBanMs: 1000, trustedProxies: ['loopback'] }, { log });
    const as = (ip: string) => ({ 'x-forwarded-for': ip });
    try {
      const bans = () => lines.filter((l) => l.msg.startsWith('client IP refused'));
      for (let i = 0; i < 3; i++) assert.equal((await t.request('GET', '/users/@me', { auth: 'bad token', headers: as('198.51.100.1') })).status, 401);
      assert.equal(bans().length, 1);
      assert.deepEqual({ ip: bans()[0]!.ip, invalidRequests: bans()[0]!.invalidRequests }, { ip: '198.51.100.1', invalidRequests: 3 });

      const refused = await t.request('GET', '/users/@me', { auth: 'bad token', headers: as('198.51.100.1') });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(refused.body.code, 0);
      assert.equal(refused.body.global, true);
      assert.ok(refused.body.retry_after > 0 && refused.body.retry_after <= 1);
      assert.match(refused.body.message, /^You are being blocked from accessing our API temporarily/);
      // Everything from that IP is refused, before any body is read; other IPs and the probes are not.
      assert.equal((await t.request('GET', '/gateway', { headers: as('198.51.100.1') })).status, 429);
      assert.equal((await post(t, '/auth/login', '{"broken": ', as('198.51.100.1'))).status, 429);
      assert.equal((await t.request('GET', '/users/@me', { auth: 'bad token', headers: as('198.51.100.2') })).status, 401);
      assert.equal((await fetch(`${t.url}/healthz`, { headers: as('198.51.100.1') })).status, 200);
      // The gateway refuses the banned address's upgrade too, with the same answer.
      const upgrade = await gatewayUpgrade(t, as('198.51.100.1'));
      assert.equal(upgrade.status, 429);
      assert.match(JSON.parse(upgrade.body).message, /^You are being blocked/);
      assert.equal(upgrade.retryAfter, '1');
      assert.equal((await gatewayUpgrade(t, as('198.51.100.2'))).status, 101);
      assert.equal(bans().length, 1, 'one log line per ban, not per refused request');

      // The ban lifts after ACCORD_INVALID_REQUEST_BAN_MS, with a clean count.
      await waitFor(async () => (await t.request('GET', '/gateway', { headers: as('198.51.100.1') })).status === 200, { timeoutMs: 5000, intervalMs: 100, what: 'the ban to lift' });
      assert.equal((await t.request('GET', '/users/@me', { auth: 'bad token', headers: as('198.51.100.1') })).status, 401);
      assert.equal(bans().length, 1);

      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /^accord_http_invalid_request_bans_total 1$/m);
      assert.match(metrics, /^accord_http_invalid_request_refused_total [1-9]\d*$/m);
    } finally {
      await t.close();
    }
  });

  it('counts 429s as invalid requests', async () => {
    const t = await startTestServer({ rateLimitScale: 1, invalidRequestLimit: 2, invalidRequestBanMs: 60_000 }, { now: stillClock() });
    try {
      for (let i = 0; i < 5; i++) await post(t, '/auth/login', JSON.stringify({ login: 'x@example.test', password: 'nope' }));
      for (let i = 0; i < 2; i++) {
        const limited = await post(t, '/auth/login', '{}');
        assert.equal(limited.body.message, 'You are being rate limited.', JSON.stringify(limited.body));
      }
      assert.match((await t.request('GET', '/gateway')).body.message, /^You are being blocked/);
    } finally {
      await t.close();
    }
  });

  it('keeps its table of IPs bounded', () => {
    const limiter = new InvalidRequestLimiter({ limit: 10, banMs: 60_000, maxTracked: 100 });
    for (let i = 0; i < 10_000; i++) limiter.record(`10.0.${i >> 8}.${i & 255}`);
    assert.ok(limiter.size <= 100, `tracked ${limiter.size}`);
  });
});
