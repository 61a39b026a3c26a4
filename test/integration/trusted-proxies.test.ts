/**
 * Finding 1 of issue #11: the client address behind per-IP limits. X-Forwarded-For is believed only from the
 * proxies in ACCORD_TRUSTED_PROXIES, whatever ACCORD_PUBLIC_URL says; from anyone else the socket's address is the
 * client, so rotating the header does not buy a fresh bucket. The clock is held still so every window stays open.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

/** A clock that only moves when told: rate-limit windows stay open for the whole test. */
const stillClock = () => {
  const t = Date.now();
  return () => t;
};

const BAD_LOGIN = { login: 'nobody@example.test', password: 'not the password' };

function login(t: TestServer, forwardedFor?: string) {
  return t.request('POST', '/auth/login', { body: BAD_LOGIN, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
}

describe('client IP without trusted proxies', () => {
  it('rotating X-Forwarded-For does not escape the per-IP login limit, even with a public URL set', async () => {
    const t = await startTestServer({ rateLimitScale: 1, publicUrl: 'https://chat.example.test' }, { now: stillClock() });
    try {
      // The auth bucket allows 5 per minute per caller.
      for (let i = 0; i < 5; i++) assert.equal((await login(t, `198.51.100.${i + 1}`)).status, 400);
      const sixth = await login(t, '198.51.100.99');
      assert.equal(sixth.status, 429);
      assert.equal(sixth.body.global, false);
      assert.equal((await login(t, '203.0.113.1, 198.51.100.100')).status, 429);
    } finally {
      await t.close();
    }
  });

  it('rotating X-Forwarded-For does not escape the global per-IP limit, even with a public URL set', async () => {
    const t = await startTestServer({ rateLimitGlobalPerSecond: 3, publicUrl: 'https://chat.example.test' }, { now: stillClock() });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await t.request('GET', '/gateway', { headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } })).status, 200);
      const fourth = await t.request('GET', '/gateway', { headers: { 'x-forwarded-for': '198.51.100.200' } });
      assert.equal(fourth.status, 429);
      assert.equal(fourth.body.global, true);
      assert.equal(fourth.headers.get('x-ratelimit-scope'), 'global');
    } finally {
      await t.close();
    }
  });

  it('ignores X-Forwarded-Proto and X-Forwarded-Host for the gateway URL', async () => {
    const t = await startTestServer();
    try {
      const res = await t.request('GET', '/gateway', { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example.test' } });
      assert.equal(res.body.url, `${t.url.replace(/^http/, 'ws')}/gateway`);
    } finally {
      await t.close();
    }
  });
});

describe('client IP behind a trusted proxy (127.0.0.1)', () => {
  it('gives each forwarded client its own login bucket', async () => {
    const t = await startTestServer({ rateLimitScale: 1, trustedProxies: ['127.0.0.1'] }, { now: stillClock() });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await login(t, '198.51.100.1')).status, 400);
      assert.equal((await login(t, '198.51.100.1')).status, 429);
      // Another client behind the same proxy, and the proxy itself, still have their whole budget.
      assert.equal((await login(t, '198.51.100.2')).status, 400);
      assert.equal((await login(t)).status, 400);
      // Hops are read from the right: the proxy appended the real client, whatever the client wrote before it.
      assert.equal((await login(t, '198.51.100.2, 198.51.100.1')).status, 429);
    } finally {
      await t.close();
    }
  });

  it('gives each forwarded client its own global bucket', async () => {
    const t = await startTestServer({ rateLimitGlobalPerSecond: 2, trustedProxies: ['loopback'] }, { now: stillClock() });
    try {
      const get = (ip: string) => t.request('GET', '/gateway', { headers: { 'x-forwarded-for': ip } });
      assert.equal((await get('198.51.100.7')).status, 200);
      assert.equal((await get('198.51.100.7')).status, 200);
      assert.equal((await get('198.51.100.7')).status, 429);
      assert.equal((await get('198.51.100.8')).status, 200);
    } finally {
      await t.close();
    }
  });

  it('tells clients the gateway URL the proxy was reached at', async () => {
    const t = await startTestServer({ trustedProxies: ['127.0.0.1'] });
    try {
      const res = await t.request('GET', '/gateway', { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.test' } });
      assert.equal(res.body.url, 'wss://chat.example.test/gateway');
    } finally {
      await t.close();
    }
  });

  it('refuses to start on a list it cannot read, naming the setting', async () => {
    await assert.rejects(startTestServer({ trustedProxies: ['not-an-address'] }), /trustedProxies \(ACCORD_TRUSTED_PROXIES/);
  });
});
