/**
 * A sessions node cut off from NATS (its TCP connection dropped, as in a network partition) while the rest of the
 * cluster keeps going: once it reconnects it reads the event log from before its disconnect and delivers what it
 * missed to its sessions — a message (outbox event, deduplicated by id) and a channel created meanwhile (published
 * straight after its commit, routed because the log stored it while the node was away) — each once, and nothing
 * from before the cut twice.
 *
 * Node B (in this process, every role) talks to NATS directly; node A (in this process, sessions only) through a
 * TCP relay the test cuts. Both share one SQLite store and one NATS prefix, unique to this run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NatsBus } from '../../src/bus/nats.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { apiRequest as http, serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';
import { TcpCut } from '../helpers/tcp-cut.ts';
import { GatewayClient } from './gateway-client.ts';

describe('gateway: a sessions node catches up after losing NATS', { skip: await serviceSkip('nats') }, () => {
  const run = `${process.pid}${Date.now().toString(36)}`;
  const prefix = `C${run}`;
  let dataDir: string;
  let store: Store;
  let relay: TcpCut;
  const buses: NatsBus[] = [];
  const servers: RunningServer[] = [];
  const clients: GatewayClient[] = [];

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-catch-up-'));
    store = await openStore({ dataDir });
    await store.migrate();
    const nats = new URL(TEST_NATS_URL);
    relay = await TcpCut.to(nats.hostname, Number(nats.port || 4222));
    const { NatsBus } = await import('../../src/bus/nats.ts');
    for (const [i, name] of ['b', 'a'].entries()) {
      const servers_ = name === 'a' ? `nats://127.0.0.1:${relay.port}` : TEST_NATS_URL;
      const bus = await NatsBus.connect({ servers: servers_, name: `accord-test-catch-up-${name}`, streamPrefix: prefix });
      buses.push(bus);
      const config = loadConfig({
        env: {},
        overrides: {
          port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000,
          nodeId: `catch-up-${run}-${name}`, workerId: 1, processId: i + 1, ...(name === 'a' ? { roles: ['sessions' as const] } : {}),
        },
      });
      servers.push(await startServer(config, { store, bus, log: silentLogger }));
    }
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const s of servers.reverse()) await s.close().catch(() => {});
    await buses[0]?.destroyQueues().catch(() => {});
    for (const bus of buses) await bus.close().catch(() => {});
    await relay?.close();
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers what was published while it was away, once, after the reconnect', { timeout: 60_000 }, async () => {
    const [b, a] = servers as [RunningServer, RunningServer];
    const busA = buses[1]!;
    const reg = await http(b.url, 'POST', '/auth/register', undefined, { username: `cu${run}`.slice(0, 32), password: 'correct horse battery staple', email: `cu${run}@example.test` });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const token = reg.body.token as string;
    const guild = (await http(b.url, 'POST', '/guilds', token, { name: 'Catch-up' })).body;
    const channels = (await http(b.url, 'GET', `/guilds/${guild.id}/channels`, token)).body;
    const text = channels.find((c: any) => c.type === 0).id;
    const send = async (content: string) => {
      const res = await http(b.url, 'POST', `/channels/${text}/messages`, token, { content });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.id as string;
    };

    const c = await GatewayClient.connect(a.url);
    clients.push(c);
    await c.identify(token);
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    const beforeCut = await send('before the cut');
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === beforeCut);

    relay.cut();
    await waitFor(() => !busA.connected, { timeoutMs: 10_000, what: 'node A sees its NATS connection gone' });
    const whileAway = await send('while A was away');
    const created = await http(b.url, 'POST', `/guilds/${guild.id}/channels`, token, { name: 'made-while-away', type: 0 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // Nothing reaches A meanwhile.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.dispatches('MESSAGE_CREATE').filter((p) => p.d.id === whileAway).length, 0);

    relay.mend();
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === whileAway, 20_000);
    await c.waitForDispatch('CHANNEL_CREATE', (d) => d.id === created.body.id, 10_000);
    const afterId = await send('after the reconnect');
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === afterId);

    const count = (t: string, id: string) => c.dispatches(t).filter((p) => p.d.id === id).length;
    assert.equal(count('MESSAGE_CREATE', beforeCut), 1, 'a message from before the cut is not sent again');
    assert.equal(count('MESSAGE_CREATE', whileAway), 1);
    assert.equal(count('CHANNEL_CREATE', created.body.id), 1);
    assert.equal(count('MESSAGE_CREATE', afterId), 1);
    const seqs = c.payloads.filter((p) => p.op === 0).map((p) => p.s!);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'seqs stay contiguous');
    const stats = (a.roles.find((r) => r.name === 'sessions') as any).stats();
    assert.ok(stats.catchUpEvents >= 2, `caught-up events counted (${stats.catchUpEvents})`);
  });
});
