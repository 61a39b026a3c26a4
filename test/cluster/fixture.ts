/**
 * The fault tests' cluster: a nats-server and a PostgreSQL of its own (temp folder, free ports), every node of
 * scripts/cluster/topology.ts, HAProxy in front. The tests stop and kill these private servers freely; the
 * machine's shared PostgreSQL and NATS are never touched.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Cluster, haproxyMissing } from '../../scripts/cluster/launcher.ts';
import { portOpen, PrivateNats, PrivatePostgres } from '../../scripts/cluster/services.ts';
import { NODE_ROLES } from '../../scripts/cluster/topology.ts';
import { connect as connectNats } from 'nats';
import { guildPartition } from '../../src/contracts/guild.ts';

/** The nodes' defaults (src/config/schema.ts): the JetStream prefix and the partition count. */
const STREAM_PREFIX = 'ACCORD';
const GUILD_PARTITIONS = 64;

export interface User {
  id: string;
  token: string;
}

export interface Response {
  status: number;
  headers: Headers;
  body: any;
  ms: number;
}

/** One measured fault: what was done, how long until the service was whole again, and what was seen meanwhile. */
export interface FaultResult {
  test: string;
  fault: string;
  recoveryMs: number;
  details: Record<string, unknown>;
}

/** The test cluster's guild partition lease TTL: short, so a takeover after kill -9 takes seconds. */
export const GUILD_PARTITION_TTL_MS = 3000;

/** node:tests's own clock is not for measurement; this one is monotonic. */
export const now = (): number => performance.now();

/**
 * `count` consecutive free ports, below Linux's ephemeral range (32768+) where other test servers on this machine
 * get their port-0 listeners: a port of this cluster is then not taken by someone else while its process restarts.
 */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = !(await portOpen(p, 200));
    if (ok) return base;
  }
  throw new Error('no range of free ports found');
}

/** Polls `check` every `intervalMs` until it is truthy or `timeoutMs` passes (then throws naming `what`). */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | false | null | undefined> | T | false | null | undefined, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A page for the embed role to unfurl, counting how often each path is fetched. */
export class PageServer {
  readonly hits = new Map<string, number>();
  #server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const p = req.url ?? '/';
      this.hits.set(p, (this.hits.get(p) ?? 0) + 1);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>page ${p}</title><meta property="og:title" content="Cluster page ${p}"><meta property="og:description" content="fault test"></head><body></body></html>`);
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.#server.address() as { port: number }).port;
  }

  url(p: string): string {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}

export class ClusterFixture {
  readonly dir: string;
  nats!: PrivateNats;
  postgres!: PrivatePostgres;
  cluster!: Cluster;
  readonly pages = new PageServer();
  /** Nodes that exited although no test stopped them. */
  readonly unexpectedExits: string[] = [];
  readonly results: FaultResult[] = [];
  #seq = 0;

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'accord-cluster-'));
    // PostgreSQL runs as the postgres user when this runs as root: it must reach its folder inside this one.
    chmodSync(this.dir, 0o755);
  }

  get proxy(): string {
    return this.cluster.proxyUrl;
  }

  async start(): Promise<void> {
    const missing = haproxyMissing();
    if (missing) throw new Error(missing);
    await this.pages.start();
    // base: proxy, +1 … nodes, then the status page, NATS and PostgreSQL.
    const base = await freeRange(NODE_ROLES.length + 4);
    const [statsPort, natsPort, pgPort] = [1, 2, 3].map((i) => base + NODE_ROLES.length + i);
    this.nats = new PrivateNats(natsPort!, path.join(this.dir, 'nats'));
    await this.nats.start();
    this.postgres = new PrivatePostgres(pgPort!, path.join(this.dir, 'postgres'));
    await this.postgres.init();
    await this.postgres.start();
    this.cluster = new Cluster({
      databaseUrl: this.postgres.url,
      natsUrl: this.nats.url,
      proxyPort: base,
      statsPort: statsPort!,
      basePort: base,
      dir: this.dir,
      env: {
        ACCORD_LOG_LEVEL: 'info',
        // Many requests from one user in a short time; the limits are not what these tests are about.
        ACCORD_RATE_LIMIT_SCALE: '100',
        ACCORD_RATE_LIMIT_GLOBAL: '10000',
        ACCORD_PASSWORD_HASH_COST: '10',
        ACCORD_EMBED_ALLOW_HOSTS: '127.0.0.1',
        // A lost outbox publish (NATS down at commit) is found by the sweep soon.
        ACCORD_OUTBOX_SWEEP_MS: '500',
        ACCORD_OUTBOX_STALE_MS: '1000',
        // A killed guild node's partitions are taken over within about 4/3 of this (docs/guild-partitions.md).
        ACCORD_GUILD_PARTITION_TTL_MS: String(GUILD_PARTITION_TTL_MS),
      },
    });
    this.cluster.onUnexpectedExit = (node, code, signal) => this.unexpectedExits.push(`${node.spec.id} (${signal ?? code})`);
    await this.cluster.start();
  }

  /** Stops everything; keeps the folder (logs) when `keep`, else deletes it. */
  async stop(keep: boolean): Promise<void> {
    await this.cluster?.stop().catch(() => {});
    await this.postgres?.stop().catch(() => {});
    await this.nats?.stop().catch(() => {});
    await this.pages.close();
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }

  /** A REST call through the proxy, bounded by `timeoutMs` (a hang fails the test instead of stalling it). */
  async request(method: string, route: string, opts: { auth?: User; body?: unknown; timeoutMs?: number } = {}): Promise<Response> {
    const started = now();
    const res = await fetch(`${this.proxy}/api/v10${route}`, {
      method,
      headers: { ...(opts.auth ? { authorization: opts.auth.token } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text, and the test that expected JSON says so
    }
    return { status: res.status, headers: res.headers, body, ms: now() - started };
  }

  async register(): Promise<User> {
    const name = `c${Date.now().toString(36)}${(this.#seq++).toString(36)}`;
    const res = await this.request('POST', '/auth/register', { body: { username: name, password: 'correct horse battery staple', email: `${name}@example.test` } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
    const me = await this.request('GET', '/users/@me', { auth: { id: '', token: res.body.token } });
    return { id: me.body.id, token: res.body.token };
  }

  /** A guild owned by `owner` with `member` joined through an invite; its first text channel. */
  async guild(owner: User, member: User): Promise<{ guildId: string; channelId: string }> {
    const guild = await this.request('POST', '/guilds', { auth: owner, body: { name: 'Cluster' } });
    if (guild.status !== 201) throw new Error(`create guild failed: ${guild.status}`);
    const channels = await this.request('GET', `/guilds/${guild.body.id}/channels`, { auth: owner });
    const channelId = channels.body.find((c: any) => c.type === 0).id as string;
    const invite = await this.request('POST', `/channels/${channelId}/invites`, { auth: owner, body: {} });
    const joined = await this.request('POST', `/invites/${invite.body.code}`, { auth: member });
    if (joined.status !== 200) throw new Error(`join failed: ${joined.status}`);
    return { guildId: guild.body.id, channelId };
  }

  send(user: User, channelId: string, content: string, timeoutMs?: number): Promise<Response> {
    return this.request('POST', `/channels/${channelId}/messages`, { auth: user, body: { content }, timeoutMs });
  }

  /** The guild node that holds the lease on `guildId`'s partition (the KV bucket of docs/guild-partitions.md), or null. */
  async partitionOwner(guildId: string): Promise<string | null> {
    const nc = await connectNats({ servers: this.nats.url });
    try {
      const kv = await nc.jetstream().views.kv(`${STREAM_PREFIX}_guild_partitions`);
      const entry = await kv.get(`p.${guildPartition(guildId, GUILD_PARTITIONS)}`);
      return entry && entry.operation === 'PUT' ? entry.string() : null;
    } finally {
      await nc.close();
    }
  }

  record(result: FaultResult): void {
    this.results.push(result);
  }

  /** The results as a table on stdout and as JSON in `file`. */
  report(file: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), host: os.hostname(), cpus: os.cpus().length, results: this.results }, null, 2)}\n`);
    const rows = this.results.map((r) => [r.test, r.fault, `${(r.recoveryMs / 1000).toFixed(2)} s`, Object.entries(r.details).map(([k, v]) => `${k}=${typeof v === 'number' ? Math.round(v) : JSON.stringify(v)}`).join(' ')]);
    const header = ['test', 'fault', 'recovery', 'details'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(['', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `results written to ${file}`].join('\n'));
  }
}
