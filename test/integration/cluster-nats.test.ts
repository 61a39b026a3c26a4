/**
 * Two Accord processes (in one test process) joined by a real NATS server and sharing one SQLite store, both
 * running every role: what a user does through server B reaches a gateway session on server A.
 *
 * Both buses share one prefix, unique to this run: every subject lives under it (NatsBus), so other test runs on
 * the same NATS neither hear these events nor join these queue groups.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { NatsBus } from '../../src/bus/nats.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { Intents } from '../../src/protocol/intents.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { apiRequest as http, serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';

interface Frame {
  op: number;
  d: any;
  s: number | null;
  t: string | null;
}

/** A bare gateway client: identify, answer heartbeats, record every frame. */
class GatewayClient {
  readonly frames: Frame[] = [];
  private heartbeat?: NodeJS.Timeout;
  private seq: number | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame.s !== null && frame.s !== undefined) this.seq = frame.s;
      this.frames.push(frame);
      if (frame.op === 10) {
        this.heartbeat = setInterval(() => this.send({ op: 1, d: this.seq }), frame.d.heartbeat_interval);
      }
    });
    ws.on('close', () => clearInterval(this.heartbeat));
  }

  static async connect(baseUrl: string, token: string, presence?: { status: string }): Promise<GatewayClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/gateway?v=10&encoding=json`);
    const client = new GatewayClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await waitFor(() => client.frames.some((f) => f.op === 10), { what: 'HELLO' });
    client.send({
      op: 2,
      d: {
        token,
        intents: Intents.GUILDS | Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT,
        properties: { os: 'linux', browser: 'accord-test', device: 'accord-test' },
        ...(presence ? { presence: { since: null, activities: [], afk: false, ...presence } } : {}),
      },
    });
    await client.waitFor((f) => f.t === 'READY', 'READY');
    return client;
  }

  send(payload: unknown) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(payload));
  }

  waitFor(predicate: (f: Frame) => boolean, what: string, timeoutMs = 5000): Promise<Frame> {
    return waitFor(() => this.frames.find(predicate), { what, timeoutMs }) as Promise<Frame>;
  }

  async close() {
    clearInterval(this.heartbeat);
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.ws.once('close', r));
    this.ws.close(1000);
    await closed;
  }
}

describe('cluster over NATS', { skip: await serviceSkip('nats') }, () => {
  const run = `${process.pid}-${Date.now().toString(36)}`;
  let dataDir: string;
  let store: Store;
  const buses: NatsBus[] = [];
  const servers: RunningServer[] = [];
  const clients: GatewayClient[] = [];
  let a: RunningServer, b: RunningServer;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-cluster-'));
    store = await openStore({ dataDir });
    await store.migrate();
    const { NatsBus } = await import('../../src/bus/nats.ts');
    for (const [i, name] of ['a', 'b'].entries()) {
      const bus = await NatsBus.connect({ servers: TEST_NATS_URL, name: `accord-test-${name}`, streamPrefix: `T${run}` });
      buses.push(bus);
      const config = loadConfig({
        env: {},
        overrides: {
          port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000,
          nodeId: `cluster-${run}-${name}`, workerId: 1, processId: i + 1,
        },
      });
      servers.push(await startServer(config, { store, bus, log: silentLogger }));
    }
    [a, b] = servers;
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const s of servers) await s.close().catch(() => {});
    await buses[0]?.destroyQueues().catch(() => {}); // this run's streams (one prefix for both)
    for (const bus of buses) await bus.close().catch(() => {});
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function register(base: string, username: string) {
    const res = await http(base, 'POST', '/auth/register', undefined, { username, password: 'correct horse battery staple', email: `${username}@example.test` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const me = await http(base, 'GET', '/users/@me', res.body.token);
    return { id: me.body.id as string, token: res.body.token as string };
  }

  it('a message sent through B reaches a gateway session on A; a presence set on B reaches A', async () => {
    const alice = await register(a.url, `alice${run.replace(/-/g, '')}`.slice(0, 32));
    const bob = await register(b.url, `bob${run.replace(/-/g, '')}`.slice(0, 32));
    const guild = (await http(a.url, 'POST', '/guilds', alice.token, { name: 'Cluster' })).body;
    const channels = (await http(a.url, 'GET', `/guilds/${guild.id}/channels`, alice.token)).body;
    const text = channels.find((c: any) => c.type === 0);
    const invite = await http(a.url, 'POST', `/channels/${text.id}/invites`, alice.token, {});
    assert.equal((await http(b.url, 'POST', `/invites/${invite.body.code}`, bob.token)).status, 200);

    // Alice on A: READY, then GUILD_CREATE from the guild role (either node's).
    const onA = await GatewayClient.connect(a.url, alice.token);
    clients.push(onA);
    const created = await onA.waitFor((f) => f.t === 'GUILD_CREATE' && f.d.id === guild.id, 'GUILD_CREATE');
    assert.equal(created.d.member_count, 2);

    // Bob writes through B's REST API.
    const sent = await http(b.url, 'POST', `/channels/${text.id}/messages`, bob.token, { content: 'hello across nodes' });
    assert.equal(sent.status, 200);
    const message = await onA.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.id === sent.body.id, 'MESSAGE_CREATE on A');
    assert.equal(message.d.content, 'hello across nodes');
    assert.equal(message.d.author.id, bob.id);
    assert.equal(message.d.guild_id, guild.id);

    // Bob comes online on B, then goes dnd: Alice on A sees both.
    const onB = await GatewayClient.connect(b.url, bob.token, { status: 'online' });
    clients.push(onB);
    await onA.waitFor((f) => f.t === 'PRESENCE_UPDATE' && f.d.user.id === bob.id && f.d.status === 'online', 'bob online on A');
    onB.send({ op: 3, d: { since: null, activities: [{ name: 'Testing', type: 0 }], status: 'dnd', afk: false } });
    const dnd = await onA.waitFor((f) => f.t === 'PRESENCE_UPDATE' && f.d.user.id === bob.id && f.d.status === 'dnd', 'bob dnd on A');
    assert.equal(dnd.d.guild_id, guild.id);
    assert.deepEqual(dnd.d.activities.map((x: any) => x.name), ['Testing']);
    assert.equal(Object.keys(dnd.d.client_status).length, 1);
    // One presence node publishes: each change arrives once (checked after a later event went through).
    const later = await http(b.url, 'POST', `/channels/${text.id}/messages`, bob.token, { content: 'barrier' });
    await onA.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.id === later.body.id, 'barrier message on A');
    assert.equal(onA.frames.filter((f) => f.t === 'PRESENCE_UPDATE' && f.d.user.id === bob.id && f.d.status === 'dnd').length, 1);
  });
});
