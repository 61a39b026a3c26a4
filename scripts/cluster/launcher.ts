/**
 * Starts a local Accord cluster: every node of topology.ts as its own `node --import tsx src/main.ts start`
 * process on one PostgreSQL and one NATS, behind HAProxy. Used by `npm run cluster` (cli.ts) and the fault tests
 * (test/cluster), which kill, stop and restart single nodes through it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderHaproxyConfig } from './haproxy.ts';
import { exited, portOpen, waitPort } from './services.ts';
import { clusterNodes, resumePath, type NodeSpec } from './topology.ts';

export const HAPROXY = process.env.ACCORD_HAPROXY ?? 'haproxy';

export interface ClusterOptions {
  databaseUrl: string;
  natsUrl: string;
  proxyPort: number;
  /** HAProxy's status page (/stats) on 127.0.0.1. */
  statsPort: number;
  basePort: number;
  /** Logs, the generated haproxy.cfg and local data (blob fallbacks, SQLite search if chosen) go here. */
  dir: string;
  /** Extra environment for every node (e.g. ACCORD_RATE_LIMIT_SCALE for tests). */
  env?: Record<string, string>;
  /** Where the repository is (the nodes run its src/main.ts). */
  root?: string;
}

export interface RunningNode {
  spec: NodeSpec;
  child: ChildProcess | null;
  /** Times this node was started (1 after the cluster came up). */
  starts: number;
}

/** Whether haproxy can be run, with the reason when not. */
export function haproxyMissing(): string | null {
  const r = spawnSync(HAPROXY, ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `HAProxy not found (${HAPROXY}): install it (apt-get install haproxy) or set ACCORD_HAPROXY`;
  return null;
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function waitHealthy(port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await healthy(port))) {
    if (Date.now() > deadline) throw new Error(`${what} not healthy on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class Cluster {
  readonly nodes: RunningNode[];
  readonly proxyUrl: string;
  readonly #opts: ClusterOptions;
  readonly #root: string;
  #proxy: ChildProcess | null = null;
  #stopping = false;
  /** Called when a node exits that nobody stopped (the CLI reports it; the tests fail on it). */
  onUnexpectedExit: (node: RunningNode, code: number | null, signal: NodeJS.Signals | null) => void = () => {};

  constructor(opts: ClusterOptions) {
    this.#opts = opts;
    this.#root = opts.root ?? process.cwd();
    this.nodes = clusterNodes(opts.basePort).map((spec) => ({ spec, child: null, starts: 0 }));
    this.proxyUrl = `http://127.0.0.1:${opts.proxyPort}`;
    mkdirSync(path.join(opts.dir, 'logs'), { recursive: true });
  }

  get haproxyConfigPath(): string {
    return path.join(this.#opts.dir, 'haproxy.cfg');
  }

  node(id: string): RunningNode {
    const n = this.nodes.find((x) => x.spec.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  #env(spec: NodeSpec): NodeJS.ProcessEnv {
    const proxyWs = this.proxyUrl.replace(/^http/, 'ws');
    return {
      ...process.env,
      ACCORD_LOG_LEVEL: process.env.ACCORD_LOG_LEVEL ?? 'info',
      ...this.#opts.env,
      PORT: String(spec.port),
      HOST: '127.0.0.1',
      ACCORD_ROLES: spec.roles.join(','),
      ACCORD_NODE_ID: spec.id,
      ACCORD_WORKER_ID: String(spec.workerId),
      ACCORD_PROCESS_ID: '0',
      ACCORD_DATABASE_URL: this.#opts.databaseUrl,
      ACCORD_NATS_URL: this.#opts.natsUrl,
      // GET /gateway, file URLs and the like name the proxy; resumes come back to this very node.
      ACCORD_PUBLIC_URL: this.proxyUrl,
      ACCORD_RESUME_GATEWAY_URL: `${proxyWs}${resumePath(spec.id)}`,
      ACCORD_TRUSTED_PROXIES: 'loopback',
      ACCORD_DATA_DIR: path.join(this.#opts.dir, 'data', spec.id),
    };
  }

  /** Applies migrations once, before the nodes start (each node would otherwise race to do it). */
  async migrate(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'migrate'], {
      cwd: this.#root,
      env: { ...process.env, ...this.#opts.env, ACCORD_DATABASE_URL: this.#opts.databaseUrl, ACCORD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await exited(child);
    if (child.exitCode !== 0) throw new Error(`accord migrate failed (exit ${child.exitCode})`);
  }

  /** Starts (or restarts) one node and waits until it answers /healthz. */
  async startNode(id: string, timeoutMs = 120_000): Promise<void> {
    const node = this.node(id);
    if (node.child) throw new Error(`${id} is already running`);
    // Health checks below must reach this node, not whatever else listens there.
    if (await portOpen(node.spec.port)) throw new Error(`${id}: port ${node.spec.port} is taken by another process`);
    const log = openSync(path.join(this.#opts.dir, 'logs', `${id}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], { cwd: this.#root, env: this.#env(node.spec), stdio: ['ignore', log, log] });
    node.child = child;
    node.starts++;
    child.once('exit', (code, signal) => {
      if (node.child !== child) return;
      node.child = null;
      if (!this.#stopping) this.onUnexpectedExit(node, code, signal);
    });
    const deadline = Date.now() + timeoutMs;
    while (!(await healthy(node.spec.port))) {
      if (node.child !== child) throw new Error(`${id} exited while starting: see ${path.join(this.#opts.dir, 'logs', `${id}.log`)}`);
      if (Date.now() > deadline) throw new Error(`${id} not healthy after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops one node: SIGTERM (graceful: op 7 to gateway clients) or SIGKILL (a crash). */
  async stopNode(id: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const node = this.node(id);
    const child = node.child;
    if (!child) return;
    node.child = null; // an expected exit
    child.kill(signal);
    await Promise.race([exited(child), new Promise((r) => setTimeout(r, 20_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  }

  /** HAProxy's view of one server: UP, DOWN, MAINT, … (from the status page's CSV), per backend. */
  async proxyServerStatus(serverId: string): Promise<Record<string, string>> {
    const csv = await (await fetch(`http://127.0.0.1:${this.#opts.statsPort}/stats;csv`, { signal: AbortSignal.timeout(2000) })).text();
    const out: Record<string, string> = {};
    for (const line of csv.split('\n')) {
      const cols = line.split(',');
      if (cols[1] === serverId) out[cols[0]!] = cols[17]!.split(' ')[0]!;
    }
    return out;
  }

  async startProxy(): Promise<void> {
    writeFileSync(this.haproxyConfigPath, renderHaproxyConfig({ proxyPort: this.#opts.proxyPort, statsPort: this.#opts.statsPort, nodes: this.nodes.map((n) => n.spec) }));
    const check = spawnSync(HAPROXY, ['-c', '-q', '-f', this.haproxyConfigPath], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`haproxy rejected ${this.haproxyConfigPath}: ${check.stderr || check.stdout}`);
    const log = openSync(path.join(this.#opts.dir, 'logs', 'haproxy.log'), 'a');
    // -db: stay in the foreground, so the launcher owns the process.
    this.#proxy = spawn(HAPROXY, ['-db', '-f', this.haproxyConfigPath], { stdio: ['ignore', log, log] });
    await waitPort(this.#opts.proxyPort, true, 15_000, 'haproxy');
  }

  /** Migrations, every node (a few at a time: each start compiles TypeScript), then the proxy; waits until all are healthy. */
  async start(): Promise<void> {
    await this.migrate();
    const queue = [...this.nodes];
    const worker = async () => {
      for (let n = queue.shift(); n; n = queue.shift()) await this.startNode(n.spec.id);
    };
    await Promise.all([worker(), worker(), worker()]);
    await this.startProxy();
    // Through the proxy: HAProxy has seen the api nodes healthy once it routes a request to one.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${this.proxyUrl}/api/v10/gateway`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('the proxy does not reach an api node');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Stops the proxy and every node (gateway nodes first, so clients get op 7 while the rest is up). */
  async stop(): Promise<void> {
    this.#stopping = true;
    const order = [...this.nodes].sort((a, b) => Number(b.spec.roles.includes('sessions')) - Number(a.spec.roles.includes('sessions')));
    await Promise.all(order.filter((n) => n.spec.roles.includes('sessions')).map((n) => this.stopNode(n.spec.id)));
    await Promise.all(order.filter((n) => !n.spec.roles.includes('sessions')).map((n) => this.stopNode(n.spec.id)));
    const proxy = this.#proxy;
    if (proxy) {
      proxy.kill('SIGTERM');
      await Promise.race([exited(proxy), new Promise((r) => setTimeout(r, 5000))]);
      if (proxy.exitCode === null && proxy.signalCode === null) proxy.kill('SIGKILL');
      this.#proxy = null;
    }
  }
}
