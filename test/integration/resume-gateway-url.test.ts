/**
 * Behind a proxy (docs/cluster.md): READY's resume_gateway_url is ACCORD_RESUME_GATEWAY_URL, the proxy path that
 * reaches this very node, and a database outage answers 503 with Retry-After so clients come back shortly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';

describe('a node behind a proxy', () => {
  it('READY names ACCORD_RESUME_GATEWAY_URL as resume_gateway_url; GET /gateway still names the public URL', async () => {
    const t = await startTestServer({ publicUrl: 'https://chat.example', resumeGatewayUrl: 'wss://chat.example/gateway-node/sessions-1/' });
    try {
      const user = await t.register();
      assert.deepEqual((await t.request('GET', '/gateway')).body, { url: 'wss://chat.example/gateway' });
      const c = await GatewayClient.connect(t.url);
      const ready = await c.identify(user.token);
      assert.equal(ready.resume_gateway_url, 'wss://chat.example/gateway-node/sessions-1');
      await c.close();
    } finally {
      await t.close();
    }
  });

  it('a store that cannot be reached: 503 in Discord\'s shape with Retry-After', async () => {
    const t = await startTestServer();
    const user = await t.register();
    await t.server.store.close();
    try {
      const res = await fetch(`${t.url}/api/v10/users/@me/guilds`, { headers: { authorization: user.token } });
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { code: 0, message: 'Service Unavailable' });
      assert.equal(res.headers.get('retry-after'), '1');
    } finally {
      await t.close().catch(() => {});
    }
  });
});
