/**
 * The HTTP server belongs to the process: whatever roles it runs, it answers health, readiness and metrics; the
 * REST app exists only where the api role runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';

describe('a process without the api role', () => {
  it('sessions only: health, readiness, metrics and the gateway, but no REST routes', async () => {
    const t = await startTestServer({ roles: ['sessions'] });
    try {
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${t.url}/readyz`)).status, 200);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /^accord_gateway_sessions /m);
      const rest = await fetch(`${t.url}/api/v10/gateway`);
      assert.equal(rest.status, 404);
      assert.deepEqual(await rest.json(), { code: 0, message: '404: Not Found' });
      const ws = new WebSocket(`${t.url.replace('http', 'ws')}/gateway?v=10&encoding=json`);
      const hello = await new Promise<any>((resolve, reject) => {
        ws.once('message', (data) => resolve(JSON.parse(String(data))));
        ws.once('error', reject);
      });
      assert.equal(hello.op, 10);
      ws.close();
    } finally {
      await t.close();
    }
  });

  it('presence only: health and metrics, no web client and no gateway', async () => {
    const t = await startTestServer({ roles: ['presence'] });
    try {
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
      assert.match(await (await fetch(`${t.url}/metrics`)).text(), /^accord_process_/m);
      assert.equal((await fetch(`${t.url}/`)).status, 404);
    } finally {
      await t.close();
    }
  });
});

describe('bus failures on /metrics', () => {
  it('a subscriber that throws is logged and counted as accord_bus_failures_total{kind="subscriber"}', async () => {
    const t = await startTestServer();
    try {
      const count = async () => Number(/^accord_bus_failures_total\{kind="subscriber"\} (\d+)$/m.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1] ?? -1);
      assert.equal(await count(), 0);
      t.bus.subscribe('test.boom', () => {
        throw new Error('boom');
      });
      t.bus.publish('test.boom', {});
      await waitFor(async () => (await count()) === 1, { what: 'the subscriber failure counted' });
    } finally {
      await t.close();
    }
  });
});
