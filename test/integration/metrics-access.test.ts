/**
 * Finding 10 of issue #11: /metrics is not public on the client port. Three modes: a separate listener
 * (ACCORD_METRICS_PORT, the client port answers 404), a bearer token (ACCORD_METRICS_TOKEN, 401 without it), or
 * by default loopback clients only (after trusted-proxy resolution; others get 404). /healthz and /readyz stay
 * public in every mode.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricsListenerAddress } from '../../src/http.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const NOT_FOUND = { code: 0, message: '404: Not Found' };

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function probesArePublic(t: TestServer) {
  assert.equal((await get(`${t.url}/healthz`)).status, 200);
  assert.equal((await get(`${t.url}/readyz`)).status, 200);
}

describe('/metrics by default: loopback clients only', () => {
  it('answers a loopback client, and cannot be fooled by X-Forwarded-For from one', async () => {
    const t = await startTestServer();
    try {
      const res = await get(`${t.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.text, /^accord_process_resident_memory_bytes \d+$/m);
      // Nobody is a trusted proxy: the header is the client's word, and the socket is loopback.
      assert.equal((await get(`${t.url}/metrics`, { 'x-forwarded-for': '203.0.113.9' })).status, 200);
      await probesArePublic(t);
    } finally {
      await t.close();
    }
  });

  it('answers 404 to a client that is not loopback once its address is resolved through a trusted proxy', async () => {
    const t = await startTestServer({ trustedProxies: ['loopback'] });
    try {
      const outside = await get(`${t.url}/metrics`, { 'x-forwarded-for': '203.0.113.9' });
      assert.equal(outside.status, 404);
      assert.deepEqual(JSON.parse(outside.text), NOT_FOUND);
      assert.equal((await get(`${t.url}/metrics`, { 'x-forwarded-for': '127.0.0.1' })).status, 200);
      assert.equal((await get(`${t.url}/healthz`, { 'x-forwarded-for': '203.0.113.9' })).status, 200);
    } finally {
      await t.close();
    }
  });
});

describe('/metrics behind a bearer token (ACCORD_METRICS_TOKEN)', () => {
  it('answers 401 without the token or with a wrong one, 200 with it', async () => {
    const t = await startTestServer({ metricsToken: TOKEN });
    try {
      const refused: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-0123456789abcd' }, { authorization: TOKEN }, { authorization: `Bot ${TOKEN}` }, { authorization: 'Bearer ' }];
      for (const headers of refused) {
        const res = await get(`${t.url}/metrics`, headers);
        assert.equal(res.status, 401, JSON.stringify(headers));
        assert.deepEqual(JSON.parse(res.text), { code: 0, message: '401: Unauthorized' });
        assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      }
      const ok = await get(`${t.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
      assert.equal(ok.status, 200);
      assert.match(ok.text, /^accord_http_responses_total\{status="4xx"\} [1-9]\d*$/m);
      await probesArePublic(t);
    } finally {
      await t.close();
    }
  });
});

describe('/metrics on its own port (ACCORD_METRICS_PORT)', () => {
  it('serves /metrics there, 404 on the client port, and closes with the process', async () => {
    const t = await startTestServer({ metricsPort: 0 });
    const address = metricsListenerAddress(t.server.app);
    assert.ok(address, 'metrics listener address');
    const metricsUrl = `http://127.0.0.1:${address.port}`;
    try {
      const client = await get(`${t.url}/metrics`);
      assert.equal(client.status, 404);
      assert.deepEqual(JSON.parse(client.text), NOT_FOUND);
      const res = await get(`${metricsUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(res.text, /^accord_gateway_sessions \d+$/m);
      assert.equal((await get(`${metricsUrl}/metrics?x=1`)).status, 200);
      assert.equal((await get(`${metricsUrl}/healthz`)).status, 404);
      assert.equal((await get(`${metricsUrl}/api/v10/gateway`)).status, 404);
      await probesArePublic(t);
    } finally {
      await t.close();
    }
    await assert.rejects(fetch(`${metricsUrl}/metrics`), 'the metrics listener closes with the process');
  });

  it('still asks for the token there when both are set', async () => {
    const t = await startTestServer({ metricsPort: 0, metricsToken: TOKEN });
    const metricsUrl = `http://127.0.0.1:${metricsListenerAddress(t.server.app)!.port}`;
    try {
      assert.equal((await get(`${metricsUrl}/metrics`)).status, 401);
      assert.equal((await get(`${metricsUrl}/metrics`, { authorization: `Bearer ${TOKEN}` })).status, 200);
      assert.equal((await get(`${t.url}/metrics`, { authorization: `Bearer ${TOKEN}` })).status, 404);
    } finally {
      await t.close();
    }
  });
});
