/**
 * A whole Accord process for tests: started through server.ts exactly as `npm start` does (SQLite in a temp
 * folder, in-memory bus by default), listening on a free port on 127.0.0.1, with helpers to call the REST API
 * over real HTTP and to watch what the API publishes on the bus.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/server.ts';
import { freshPostgresStore, waitFor } from './services.ts';

export interface CapturedEvent {
  subject: string;
  t: string;
  d: any;
  guildId?: string;
  channelId?: string;
  userIds?: string[];
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestUser {
  id: string;
  token: string;
  username: string;
  /** Authorization header value (bare for users, `Bot …` for bots). */
  auth: string;
}

export class TestServer {
  readonly events: CapturedEvent[] = [];
  #seq = 0;

  constructor(readonly server: RunningServer, private readonly dataDir?: string) {
    server.bus.subscribe('gateway.>', (payload: any, subject) => this.events.push({ subject, ...payload }));
  }

  get url() {
    return this.server.url;
  }
  get api() {
    return `${this.server.url}/api/v10`;
  }
  get store() {
    return this.server.store;
  }
  get bus() {
    return this.server.bus;
  }

  async request<T = any>(method: string, route: string, opts: { auth?: string | TestUser; body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = typeof opts.auth === 'object' ? opts.auth.auth : opts.auth;
    if (auth) headers.authorization = auth;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(`${this.api}${route}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Registers a fresh user and returns its token. */
  async register(username?: string): Promise<TestUser> {
    const name = username ?? `user${Date.now().toString(36)}${(this.#seq++).toString(36)}`;
    const res = await this.request('POST', '/auth/register', { body: { username: name, password: 'correct horse battery staple', email: `${name}@example.test` } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
    const me = await this.request('GET', '/users/@me', { auth: res.body.token });
    return { id: me.body.id, token: res.body.token, username: name, auth: res.body.token };
  }

  async createGuild(owner: TestUser, name = 'Test Guild'): Promise<any> {
    const res = await this.request('POST', '/guilds', { auth: owner, body: { name } });
    if (res.status !== 201) throw new Error(`create guild failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Creates an invite in the guild's first text channel and has `user` join through it. */
  async join(owner: TestUser, guildId: string, user: TestUser): Promise<void> {
    const channels = await this.request('GET', `/guilds/${guildId}/channels`, { auth: owner });
    const text = channels.body.find((c: any) => c.type === 0);
    const invite = await this.request('POST', `/channels/${text.id}/invites`, { auth: owner, body: {} });
    if (invite.status !== 200) throw new Error(`invite failed: ${invite.status} ${JSON.stringify(invite.body)}`);
    const joined = await this.request('POST', `/invites/${invite.body.code}`, { auth: user });
    if (joined.status !== 200) throw new Error(`join failed: ${joined.status} ${JSON.stringify(joined.body)}`);
  }

  /** Waits for a published event matching `t` (and the predicate), newer than index `from`. */
  async waitForEvent(t: string, predicate: (e: CapturedEvent) => boolean = () => true, from = 0, timeoutMs = 3000): Promise<CapturedEvent> {
    const found = await waitFor(() => this.events.slice(from).find((e) => e.t === t && predicate(e)), { timeoutMs, what: `event ${t}` });
    return found as CapturedEvent;
  }

  async close() {
    await this.server.close();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Generous rate limits unless a test asks for real ones. */
export async function startTestServer(overrides: Partial<Record<keyof Config, unknown>> = {}, opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-test-'));
  const config = loadConfig({
    env: {},
    overrides: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000, identifyMaxConcurrency: 1024, sessionStartLimit: 100_000_000, busCheckPayloads: true, passwordHashCost: 12, ...overrides },
  });
  const server = await startServer(config, { log: silentLogger, ...opts });
  return new TestServer(server, dataDir);
}

/**
 * A test server on `backend`: the harness's SQLite, or a fresh PostgreSQL schema, migrated, that `close` drops
 * after the server stops. For suites that run the same cases on both (`for (const backend of …)`).
 */
export async function startTestServerOn(backend: 'sqlite' | 'postgres'): Promise<TestServer> {
  if (backend === 'sqlite') return startTestServer();
  const fresh = await freshPostgresStore();
  await fresh.store.migrate();
  const t = await startTestServer({}, { store: fresh.store });
  const close = t.close.bind(t);
  t.close = async () => {
    await close();
    await fresh.drop();
  };
  return t;
}

/** A counter or gauge of the server's GET /metrics (`accord_<name>`), 0 when absent. */
export async function metric(t: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`accord_${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
