import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

describe('HTTP basics', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ bodyLimitBytes: 4096 });
  });
  after(() => t.close());

  it('listens with a backlog of 4096 (capped by the kernel\'s somaxconn), not Node\'s 511, for connect storms', { skip: process.platform !== 'linux' }, (ctx) => {
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    if (somaxconn <= 511) return ctx.skip(`this kernel caps every backlog at ${somaxconn}: both would look the same`);
    // ss shows a listening socket's backlog as its Send-Q.
    const port = new URL(t.url).port;
    const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
    const [state, , sendQ] = line.split(/\s+/);
    assert.equal(state, 'LISTEN', line);
    assert.equal(Number(sendQ), Math.min(4096, somaxconn));
  });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${t.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as any).store, true);
  });

  it('serves JSON with exactly application/json and Discord’s 404 shape', async () => {
    const res = await t.request('GET', '/nope');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(res.body, { code: 0, message: '404: Not Found' });
  });

  it('refuses a missing or bad token with 401', async () => {
    const none = await t.request('GET', '/users/@me');
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 0);
    const bad = await t.request('GET', '/users/@me', { auth: 'MTIz.MTIz.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
    assert.equal(bad.status, 401);
    assert.equal(typeof bad.body.message, 'string');
  });

  it('answers 413 for an oversized body and 400 50109 for broken JSON, without a stack trace', async () => {
    const big = await t.request('POST', '/auth/register', { body: { username: 'x'.repeat(10_000), password: 'y' } });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 40005);
    const broken = await t.request('POST', '/auth/register', { raw: '{"username": ', headers: { 'content-type': 'application/json' } });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.code, 50109);
    assert.equal(broken.body.message, 'The request body contains invalid JSON.');
    assert.ok(!JSON.stringify(broken.body).includes('at '), 'no stack trace in the body');
  });

  it('refuses retired API versions and serves v9 and the bare /api alias', async () => {
    const v3 = await fetch(`${t.url}/api/v3/gateway`);
    assert.equal(v3.status, 400);
    assert.equal(((await v3.json()) as any).code, 50041);
    for (const base of ['/api/v9', '/api']) {
      const res = await fetch(`${t.url}${base}/gateway`);
      assert.equal(res.status, 200, base);
      assert.match(((await res.json()) as any).url, /^ws:\/\/127\.0\.0\.1:\d+\/gateway$/);
    }
  });

  it('puts Discord’s rate-limit headers on responses', async () => {
    const res = await fetch(`${t.api}/gateway`);
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-reset-after', 'x-ratelimit-bucket']) {
      assert.ok(res.headers.get(h), `missing ${h}`);
    }
  });

  it('routes /users/%40me (how discord-api-types encodes it) like /users/@me', async () => {
    const user = await t.register();
    const res = await t.request('GET', '/users/%40me', { auth: user });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, user.id);
  });

  it('exposes Prometheus metrics for HTTP and the roles of the process', async () => {
    await t.request('GET', '/nope');
    const res = await fetch(`${t.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^# TYPE accord_http_responses_total counter$/m);
    assert.match(text, /^accord_http_responses_total\{status="4xx"\} [1-9]\d*$/m);
    assert.match(text, /^accord_gateway_sessions \d+$/m);
    assert.match(text, /^accord_gateway_events_out_total \d+$/m);
    assert.match(text, /^accord_process_resident_memory_bytes \d+$/m);
  });
});
