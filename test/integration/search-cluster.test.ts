/**
 * The search role as its own process in a cluster: an api node and a search-only node joined by a real NATS
 * server, sharing one SQLite store. Messages sent through the api node reach the search node's index through the
 * durable search.index queue (JetStream), and the api node forwards searches over the bus; when the search node
 * is gone the route answers 503 (code 0) and everything else goes on.
 *
 * Every subject lives under this run's prefix (NatsBus), so no other test run's search role answers these queries.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Bus } from '../../src/bus/types.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { apiRequest as http, serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';

describe('search in a cluster over NATS', { skip: await serviceSkip('nats') }, () => {
  const run = `${process.pid}-${Date.now().toString(36)}`;
  let dataDir: string;
  let store: Store;
  const buses: Bus[] = [];
  let api: RunningServer;
  let search: RunningServer | undefined;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-search-cluster-'));
    store = await openStore({ dataDir });
    await store.migrate();
    const { NatsBus } = await import('../../src/bus/nats.ts');
    const start = async (name: string, roles: string[], processId: number) => {
      // One stream prefix for both: the search node consumes the queue the api node's relay fills.
      const bus = await NatsBus.connect({ servers: TEST_NATS_URL, name: `accord-test-${name}`, streamPrefix: `S${run.replace(/-/g, '')}` });
      buses.push(bus);
      const config = loadConfig({
        env: {},
        overrides: {
          port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000,
          nodeId: `search-${run}-${name}`, workerId: 2, processId, roles, roleTimeoutMs: 500,
        },
      });
      return startServer(config, { store, bus, log: silentLogger });
    };
    api = await start('api', ['api', 'sessions', 'guild', 'presence'], 1);
    search = await start('search', ['search'], 2);
  });
  after(async () => {
    await search?.close().catch(() => {});
    await api?.close().catch(() => {});
    for (const bus of buses) await bus.close().catch(() => {});
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the api node forwards searches to the search node; without it, 503 and the rest goes on', async () => {
    const reg = await http(api.url, 'POST', '/auth/register', undefined, { username: `s${run.replace(/-/g, '')}`.slice(0, 32), password: 'correct horse battery staple' });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const token = reg.body.token as string;
    const guild = (await http(api.url, 'POST', '/guilds', token, { name: 'Cluster Search' })).body;
    const channelId = guild.system_channel_id as string;
    const old = await http(api.url, 'POST', `/channels/${channelId}/messages`, token, { content: 'history heron' });
    assert.equal(old.status, 200);

    const first = await http(api.url, 'GET', `/guilds/${guild.id}/messages/search?content=heron`, token);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const found = async (id: string) => {
      const res = await http(api.url, 'GET', `/guilds/${guild.id}/messages/search?content=heron`, token);
      return res.status === 200 && res.body.messages.some((hit: any[]) => hit[0].id === id);
    };
    await waitFor(() => found(old.body.id), { timeoutMs: 20_000, what: 'the backfilled message' });
    const live = await http(api.url, 'POST', `/channels/${channelId}/messages`, token, { content: 'live heron' });
    await waitFor(() => found(live.body.id), { timeoutMs: 20_000, what: 'the live message, through JetStream' });

    await search!.close();
    search = undefined;
    const down = await http(api.url, 'GET', `/guilds/${guild.id}/messages/search?content=heron`, token);
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.equal(down.body.code, 0);
    const still = await http(api.url, 'POST', `/channels/${channelId}/messages`, token, { content: 'sending still works' });
    assert.equal(still.status, 200);
    assert.equal((await http(api.url, 'GET', `/channels/${channelId}/messages?limit=1`, token)).body[0].id, still.body.id);
  });
});
