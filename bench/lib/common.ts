/**
 * What the gateway benchmarks share: argument parsing, a mergeable latency histogram, tables, the results file,
 * /proc readings (CPU seconds, RSS) of the process under test, starting and stopping that process the way a
 * user starts it, a small HTTP client for setup, and forking load workers (bench/lib/load-worker.ts).
 *
 * Everything talks to 127.0.0.1 only, and every wait has a deadline.
 */
import { execFileSync, spawn, fork, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const RESULTS_DIR = join(REPO, 'bench', 'results');

/**
 * Rate limits raised for load: every per-route limit ×1000 (the schema's maximum; users' IDENTIFY rate scales
 * with it), global 1,000,000/s per user, no per-IP gateway socket cap (every load socket comes from 127.0.0.1);
 * and a cheap password hash (cost 12) so that registering thousands of accounts takes seconds.
 */
export const LOAD_LIMITS = { ACCORD_RATE_LIMIT_SCALE: '1000', ACCORD_RATE_LIMIT_GLOBAL: '1000000', ACCORD_GATEWAY_SOCKETS_PER_IP: '10000000', ACCORD_PASSWORD_HASH_COST: '12' } as const;

/**
 * The password hash cost for benches that report the server's peak RSS and register few users (fanout, send):
 * 15, not LOAD_LIMITS' 12. scrypt's buffer is 2^cost KiB. At 12 (4 MiB) glibc serves it from the malloc arena of
 * the libuv thread that hashes and keeps it there afterwards (its mmap threshold rises to the first such buffer
 * freed), so four threads' arenas held 16 MB for the rest of the run. From 15 (32 MiB) the buffer is above
 * glibc's largest threshold, always mapped and returned, as the default 17's (128 MiB) is in production.
 */
const MEMORY_HASH_COST = 15;
/** LOAD_LIMITS with MEMORY_HASH_COST: the server environment of those benches. */
export const MEMORY_LOAD_LIMITS = { ...LOAD_LIMITS, ACCORD_PASSWORD_HASH_COST: String(MEMORY_HASH_COST) };

// ------------------------------------------------------------------------------------------------ arguments

export class Args {
  constructor(private readonly args: string[]) {}
  has(name: string): boolean {
    return this.args.includes(`--${name}`);
  }
  str(name: string): string | undefined {
    const i = this.args.indexOf(`--${name}`);
    return i >= 0 ? this.args[i + 1] : undefined;
  }
  int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return n;
  }
  num(name: string, fallback: number, min = 0, max = Number.MAX_VALUE): number {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in ${min}..${max}`);
    return n;
  }
  choice<T extends string>(name: string, options: readonly T[], fallback: T): T {
    const raw = this.str(name) ?? fallback;
    if (!options.includes(raw as T)) throw new Error(`--${name} must be one of ${options.join('|')}`);
    return raw as T;
  }
}

// ------------------------------------------------------------------------------------------------ histogram

/**
 * Latency histogram in milliseconds: 10 µs buckets below 100 ms, 1 ms buckets to 10 s, 100 ms buckets to 600 s.
 * Fixed size, so workers ship theirs over IPC and the parent merges them.
 */
const H_FINE = 10_000;
const H_MID = 9_900;
const H_COARSE = 5_900;
export const HIST_SIZE = H_FINE + H_MID + H_COARSE;

export class Hist {
  counts: Float64Array;
  n = 0;
  max = 0;
  sum = 0;
  constructor(counts?: ArrayLike<number>, n = 0, max = 0, sum = 0) {
    this.counts = counts ? Float64Array.from(counts) : new Float64Array(HIST_SIZE);
    this.n = n;
    this.max = max;
    this.sum = sum;
  }
  static bucket(ms: number): number {
    if (!(ms > 0)) return 0;
    if (ms < 100) return Math.floor(ms * 100);
    if (ms < 10_000) return H_FINE + Math.floor(ms - 100);
    return Math.min(HIST_SIZE - 1, H_FINE + H_MID + Math.floor((ms - 10_000) / 100));
  }
  static upper(b: number): number {
    if (b < H_FINE) return (b + 1) / 100;
    if (b < H_FINE + H_MID) return 100 + (b - H_FINE) + 1;
    return 10_000 + (b - H_FINE - H_MID + 1) * 100;
  }
  add(ms: number): void {
    this.counts[Hist.bucket(ms)]!++;
    this.n++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }
  merge(o: HistJson | Hist): void {
    for (let i = 0; i < HIST_SIZE; i++) this.counts[i]! += o.counts[i]!;
    this.n += o.n;
    this.sum += o.sum;
    if (o.max > this.max) this.max = o.max;
  }
  /** Upper edge of the bucket holding the p-th percentile. */
  pct(p: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let acc = 0;
    for (let i = 0; i < HIST_SIZE; i++) {
      acc += this.counts[i]!;
      if (acc >= rank) return Math.min(Hist.upper(i), this.max);
    }
    return this.max;
  }
  get mean(): number {
    return this.n ? this.sum / this.n : NaN;
  }
  /** What was added since `earlier`, a copy of this histogram taken before; max is this one's (an upper bound). */
  since(earlier: Hist): Hist {
    const out = new Hist(this.counts, this.n - earlier.n, this.max, this.sum - earlier.sum);
    for (let i = 0; i < HIST_SIZE; i++) out.counts[i]! -= earlier.counts[i]!;
    return out;
  }
  toJSON(): HistJson {
    return { counts: Array.from(this.counts), n: this.n, max: this.max, sum: this.sum };
  }
  static from(j: HistJson): Hist {
    return new Hist(j.counts, j.n, j.max, j.sum);
  }
  summary(): LatencySummary {
    return {
      count: this.n, p50Ms: round(this.pct(50)), p99Ms: round(this.pct(99)), maxMs: round(this.max), meanMs: round(this.mean),
      cdf: this.n ? CDF_PERCENTILES.map((q) => [q, round(q === 100 ? this.max : this.pct(q), 3)] as [number, number]) : [],
    };
  }
}
export interface HistJson {
  counts: ArrayLike<number>;
  n: number;
  max: number;
  sum: number;
}
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** [percentile, ms] points of the distribution, for `npm run bench -- report`'s CDF plots. */
  cdf: Array<[number, number]>;
}

/** Where the CDF is sampled: dense in the tail, where the differences are. */
export const CDF_PERCENTILES = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5, 99.9, 100];

export const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const log = (s: string) => process.stderr.write(`${s}\n`);
/** Wall clock with sub-millisecond resolution, comparable between processes of this machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

// ------------------------------------------------------------------------------------------------ output

export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function machine(loadBefore: number[]) {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memory: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    // The machine is shared: the 1-minute load average before and after says how busy it was.
    loadavg: { before: loadBefore.map((x) => round(x)), after: os.loadavg().map((x) => round(x)) },
  };
}

/** The short commit of the working copy ('unknown' outside git), with '+' when it has uncommitted changes. */
export function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO, encoding: 'utf8' }).trim();
    return dirty ? `${commit}+` : commit;
  } catch {
    return 'unknown';
  }
}

/** Every results file this process wrote, in order: `bench targets` reads back what each workload it ran wrote. */
export const resultsWritten: string[] = [];

export function writeResults(name: string, parameters: unknown, loadBefore: number[], results: unknown): string {
  const out = { workload: name, commit: gitCommit(), parameters, machine: machine(loadBefore), results };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  resultsWritten.push(file);
  console.log(`machine: ${os.cpus().length} cpus, load average ${loadBefore[0]!.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`);
  console.log(`results: ${file}`);
  return file;
}

// ------------------------------------------------------------------------------------------------ /proc

const CLK_TCK = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds. */
export function cpuSeconds(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    } catch (err) {
      if (p === pid) throw err; // a child that just exited counts nothing
    }
  }
  return total;
}

/**
 * A process and its descendants (a server started with ACCORD_WORKERS=N is a primary and N workers): CPU and
 * memory are summed over the tree, so one process and a pool compare on what the machine spent.
 */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${out[i]}/task`)) {
        const children = readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (children) out.push(...children.split(' ').map(Number));
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

/** VmRSS and VmHWM (peak) in bytes, summed over the process and its descendants. */
/** Where a server's memory is, in MB: V8 heap (used / reserved), Buffers, and RSS split anonymous / file-backed. */
export interface MemoryBreakdown { heapUsedMb: number; heapTotalMb: number; externalMb: number; arrayBuffersMb: number; rssAnonMb: number; rssFileMb: number }

export async function memoryBreakdown(url: string, pid: number): Promise<MemoryBreakdown | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const gauge = (name: string) => mb(Number(new RegExp(`^accord_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN));
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => mb(Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024);
    return {
      heapUsedMb: gauge('process_heap_used_bytes'), heapTotalMb: gauge('process_heap_total_bytes'), externalMb: gauge('process_external_memory_bytes'),
      arrayBuffersMb: gauge('process_array_buffers_bytes'), rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile'),
    };
  } catch {
    return null;
  }
}

export function memory(pid: number): { rss: number; hwm: number } {
  let rss = 0;
  let hwm = 0;
  for (const p of processTree(pid)) {
    let status: string;
    try {
      status = readFileSync(`/proc/${p}/status`, 'utf8');
    } catch (err) {
      if (p === pid) throw err;
      continue;
    }
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    rss += kb('VmRSS');
    hwm += kb('VmHWM');
  }
  return { rss, hwm };
}

/** Samples VmRSS every `everyMs` until stopped; reports the highest value seen. */
export function rssSampler(pid: number, everyMs = 200) {
  let peak = 0;
  const take = () => {
    try {
      peak = Math.max(peak, memory(pid).rss);
    } catch {
      /* process gone */
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/** CPU seconds and peak sampled RSS of a process over a measured window. */
export function measureWindow(pid: number) {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const rss = rssSampler(pid);
  return {
    stop() {
      return { cpuSeconds: round(cpuSeconds(pid) - cpu0, 2), wallSeconds: round((performance.now() - t0) / 1000, 2), peakRss: rss.stop() };
    },
  };
}

export const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

/**
 * TCP connections the kernel dropped because a listen queue was full (TcpExt ListenOverflows, machine-wide since
 * boot): a server that does not accept fast enough makes clients retransmit their SYN after 1, 3, 7, 15 … s.
 */
export function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (!lines[i]!.startsWith('TcpExt:')) continue;
    const names = lines[i]!.split(' ');
    const values = lines[i + 1]!.split(' ');
    const k = names.indexOf('ListenOverflows');
    return k > 0 ? Number(values[k]) : NaN;
  }
  return NaN;
}

// ------------------------------------------------------------------------------------------------ processes

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitHttp(url: string, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`process exited with ${proc.exitCode} before answering ${url}`);
    try {
      const res = await request('GET', url);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

export interface ServerProcess {
  proc: ChildProcess;
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  logFile: string;
  profileDir?: string;
  stop(): Promise<void>;
}

export interface AccordOptions {
  dataDir?: string;
  /** --cpu-prof into a temp folder; the profile is written when the process exits on SIGINT. */
  profile?: boolean;
  logLevel?: string;
  env?: Record<string, string>;
  /** How the server runs: 'compiled' is `npm start` (dist/, built by `npm run build`), 'tsx' the sources through the loader. */
  runtime?: ServerRuntime;
}

export type ServerRuntime = 'compiled' | 'tsx';

/** The entry arguments for each runtime; 'compiled' needs a current `npm run build`. */
export function serverEntry(runtime: ServerRuntime): string[] {
  return runtime === 'tsx' ? ['--import', 'tsx', 'src/main.ts', 'start'] : ['dist/main.js', 'start'];
}

let defaultRuntime: ServerRuntime = 'compiled';

/** The runtime of every server a benchmark starts without naming one (bench/run.ts sets it from `--runtime`). */
export function setDefaultRuntime(runtime: ServerRuntime): void {
  defaultRuntime = runtime;
}

/**
 * Starts Accord as a user does — `node --import tsx src/main.ts start` — on a free port of 127.0.0.1 with a fresh
 * data folder and the rate limits raised (LOAD_LIMITS). Logs go to a file (a pipe nobody reads would block it).
 */
export async function startAccord(opts: AccordOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(join(os.tmpdir(), 'accord-bench-'));
  const logFile = join(dataDir, 'server.log');
  const profileDir = opts.profile ? join(dataDir, 'cpu-profile') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const fd = openSync(logFile, 'a');
  // BENCH_SERVER_NODE_FLAGS: V8 flags to try on the server (--trace-gc …) that NODE_OPTIONS refuses.
  const nodeFlags = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), ...(process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
  const runtime = opts.runtime ?? defaultRuntime;
  if (runtime === 'compiled' && !existsSync(join(REPO, 'dist/main.js'))) throw new Error('dist/main.js is missing: run `npm run build` (bench/run.ts and npm ci do it)');
  const proc = spawn(process.execPath, [...nodeFlags, ...serverEntry(runtime)], {
    cwd: REPO,
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ACCORD_DATA_DIR: dataDir,
      ACCORD_LOG_LEVEL: opts.logLevel ?? 'warn',
      ...LOAD_LIMITS,
      ...opts.env,
    },
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/readyz`, 60_000, proc);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; server log: ${logFile}\n${tail(logFile)}`);
  }
  return { proc, pid: proc.pid!, port, url, dataDir, logFile, profileDir, stop: () => stopProcess(proc, 'SIGINT') };
}

export function tail(file: string, lines = 20): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Signal, then wait for exit (bounded); SIGKILL if it does not go. */
export async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGINT', timeoutMs = 30_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Forks a TypeScript module as a child process with IPC (tsx loader). */
export function forkTs(file: string, args: string[] = [], env: Record<string, string> = {}): ChildProcess {
  // BENCH_WORKER_FLAGS: Node flags for the forked bench processes (load workers …): --import a monitor, --cpu-prof; BENCH_SERVER_NODE_FLAGS is the server's.
  return fork(file, args, { execArgv: ['--import', 'tsx', ...(process.env.BENCH_WORKER_FLAGS?.split(' ').filter(Boolean) ?? [])], cwd: REPO, env: { ...process.env, ...env }, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Request/response over a forked worker's IPC channel; every call has a deadline. */
export class WorkerClient {
  #next = 0;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    file = join(REPO, 'bench', 'lib', 'load-worker.ts'),
  ) {
    this.proc = forkTs(file);
    let onReady!: () => void;
    this.ready = new Promise((r) => (onReady = r));
    this.proc.on('message', (m: { id?: number; ok?: boolean; result?: unknown; error?: string; ready?: boolean }) => {
      if (m.ready) return onReady();
      const p = m.id !== undefined ? this.#pending.get(m.id) : undefined;
      if (!p) return;
      this.#pending.delete(m.id!);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`${this.name}: ${m.error}`));
    });
    this.proc.on('exit', (code) => {
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${this.name} exited with ${code}`));
      }
      this.#pending.clear();
    });
  }

  call<T = unknown>(cmd: string, body: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.proc.send({ id, cmd, ...body });
    });
  }

  async close(): Promise<void> {
    await this.call('exit', {}, 10_000).catch(() => {});
    await stopProcess(this.proc, 'SIGTERM', 5_000);
  }
}

export async function startWorkers(n: number): Promise<WorkerClient[]> {
  const workers = Array.from({ length: n }, (_, i) => new WorkerClient(`load-worker-${i}`));
  await Promise.race([Promise.all(workers.map((w) => w.ready)), sleep(30_000).then(() => Promise.reject(new Error('load workers did not start in 30 s')))]);
  return workers;
}

/** Splits items into n nearly equal contiguous shares. */
export function split<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < n; i++) out.push(items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
  return out;
}

// ------------------------------------------------------------------------------------------------ HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpResult {
  status: number;
  json: any;
  headers: http.IncomingHttpHeaders;
}

export function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}, opts: { localAddress?: string; timeoutMs?: number } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, {
      method, agent, localAddress: opts.localAddress,
      headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = text;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, json, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Setup calls: must succeed; a 429 is waited out (bounded number of tries). */
export async function api<T = any>(base: string, method: string, path: string, body?: unknown, token?: string, opts: { localAddress?: string } = {}): Promise<T> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const res = await request(method, `${base}/api/v10${path}`, body, token ? { authorization: token } : {}, opts);
    if (res.status === 429) {
      await sleep(Math.min(10_000, 1000 * Number(res.json?.retry_after ?? 1)));
      continue;
    }
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
    return res.json as T;
  }
  throw new Error(`${method} ${path}: still rate limited after 8 tries`);
}

/** Runs fn over items with at most `concurrency` in flight. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

/** Starts bench/lib/floor-server.ts as its own process (template: a MESSAGE_CREATE `d` captured from Accord). */
export async function startFloor(templateFile?: string): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'accord-floor-'));
  const logFile = join(dataDir, 'floor.log');
  const fd = openSync(logFile, 'a');
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'lib', 'floor-server.ts')], {
    cwd: REPO,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, PORT: String(port), ...(templateFile ? { FLOOR_TEMPLATE: templateFile } : {}) },
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/healthz`, 30_000, proc);
  return { proc, pid: proc.pid!, port, url, dataDir, logFile, stop: () => stopProcess(proc, 'SIGINT') };
}

/** The gateway URL of a server for the load workers. */
export const gatewayUrl = (httpUrl: string, compress: boolean) =>
  `${httpUrl.replace(/^http/, 'ws')}/gateway?v=10&encoding=json${compress ? '&compress=zlib-stream' : ''}`;

export const Intents = { GUILDS: 1, GUILD_MEMBERS: 2, GUILD_PRESENCES: 256, GUILD_MESSAGES: 512, MESSAGE_CONTENT: 32768 } as const;
