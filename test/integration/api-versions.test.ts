/**
 * /api/v9/… and the bare /api/… serve the same routes as /api/v10/… (the routes are mounted once, under
 * /api/v10, and the process rewrites the aliases onto it: src/api/versions.ts); other versions are refused as
 * Discord refuses them, and unknown paths answer Discord's 404 under every prefix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { canonicalApiUrl } from '../../src/api/versions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('API versions', () => {
  let t: TestServer;
  let user: TestUser;
  before(async () => {
    t = await startTestServer();
    user = await t.register();
  });
  after(() => t.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: user.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  it('serves every route under /api/v10, /api/v9 and /api, with parameters, queries and bodies', async () => {
    for (const base of ['/api/v10', '/api/v9', '/api']) {
      const me = await call('GET', `${base}/users/@me`);
      assert.equal(me.status, 200, base);
      assert.equal(me.body.id, user.id, base);
      // discord-api-types' %40me and the alias together.
      const encoded = await call('GET', `${base}/users/%40me`);
      assert.equal(encoded.status, 200, `${base} %40me`);
      const other = await call('GET', `${base}/users/${user.id}`);
      assert.equal(other.status, 200, `${base} /users/{id}`);
      const guilds = await call('GET', `${base}/users/@me/guilds?limit=5`);
      assert.equal(guilds.status, 200, `${base} query`);
      assert.ok(Array.isArray(guilds.body), base);
      const guild = await call('POST', `${base}/guilds`, { name: `via ${base}` });
      assert.equal(guild.status, 201, `${base} POST`);
      assert.equal(guild.body.name, `via ${base}`);
      assert.ok(guild.headers.get('x-ratelimit-bucket'), `${base} rate-limit headers`);
    }
  });

  it('refuses other versions as Discord does and answers 404 for unknown paths under every prefix', async () => {
    for (const v of [3, 11]) {
      const res = await call('GET', `/api/v${v}/gateway`);
      assert.equal(res.status, 400, `v${v}`);
      assert.equal(res.body.code, 50041, `v${v}`);
    }
    for (const path of ['/api/v8/gateway', '/api/v10/nope', '/api/v9/nope', '/api/nope', '/api/v10']) {
      const res = await call('GET', path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.body, { code: 0, message: '404: Not Found' }, path);
    }
  });

  it('maps only /api/v9 and the unversioned /api onto /api/v10', () => {
    const cases: Array<[string, string]> = [
      ['/api/v10/users/@me', '/api/v10/users/@me'],
      ['/api/v9/users/@me', '/api/v10/users/@me'],
      ['/api/users/@me', '/api/v10/users/@me'],
      ['/api/v9?x=1', '/api/v10?x=1'],
      ['/api/gateway?v=10', '/api/v10/gateway?v=10'],
      ['/api/voice/regions', '/api/v10/voice/regions'],
      ['/api', '/api/v10'],
      ['/api/v8/gateway', '/api/v8/gateway'],
      ['/api/v11/gateway', '/api/v11/gateway'],
      ['/api/v09/gateway', '/api/v09/gateway'],
      ['/apis/x', '/apis/x'],
      ['/gateway', '/gateway'],
      ['/', '/'],
    ];
    for (const [url, routed] of cases) assert.equal(canonicalApiUrl(url), routed, url);
  });
});
