/**
 * Private NATS and PostgreSQL servers for a local cluster: each in a folder of its own on a port of its own, so
 * the fault tests can stop and restart them without touching the machine's shared servers.
 *
 * PostgreSQL refuses to run as root; as root, initdb and pg_ctl run as the `postgres` user (runuser), which then
 * owns the data folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const NATS_SERVER = process.env.ACCORD_NATS_SERVER ?? '/usr/sbin/nats-server';

/** The newest PostgreSQL bin folder on Debian (/usr/lib/postgresql/<major>/bin), or ACCORD_PG_BIN. */
export function postgresBin(): string | null {
  if (process.env.ACCORD_PG_BIN) return process.env.ACCORD_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return majors.length ? path.join(root, majors[0]!, 'bin') : null;
}

export function portOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitPort(port: number, open: boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await portOpen(port)) !== open) {
    if (Date.now() > deadline) throw new Error(`${what}: port ${port} still ${open ? 'closed' : 'open'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves when the child exits (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A nats-server with JetStream, its store in `dir`: stop and start keep the streams. */
export class PrivateNats {
  #child: ChildProcess | null = null;
  readonly url: string;

  constructor(readonly port: number, readonly dir: string) {
    this.url = `nats://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const log = openSync(path.join(this.dir, 'nats.log'), 'a');
    // A fixed server name: JetStream keeps its streams under the name, so a restart finds them again.
    this.#child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir, '-n', 'accord-cluster'], { stdio: ['ignore', log, log] });
    await waitPort(this.port, true, 15_000, 'nats-server');
  }

  /** Graceful stop (SIGTERM), or a crash with `kill: true` (SIGKILL). */
  async stop({ kill = false } = {}): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill(kill ? 'SIGKILL' : 'SIGTERM');
    await Promise.race([exited(child), new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
    this.#child = null;
  }
}

/** A PostgreSQL cluster (initdb) in `dir`, trust authentication, user postgres, on 127.0.0.1:port. */
export class PrivatePostgres {
  readonly url: string;
  readonly #bin: string;
  readonly #asPostgres: boolean;

  constructor(readonly port: number, readonly dir: string) {
    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin; set ACCORD_PG_BIN)');
    this.#bin = bin;
    this.#asPostgres = process.getuid?.() === 0;
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  #run(tool: string, args: string[]): void {
    const cmd = path.join(this.#bin, tool);
    const r = this.#asPostgres ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  }

  async init(): Promise<void> {
    const data = path.join(this.dir, 'data');
    mkdirSync(data, { recursive: true });
    if (this.#asPostgres) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('running as root needs a postgres user to run PostgreSQL as');
      chownSync(this.dir, uid, gid);
      chownSync(data, uid, gid);
    }
    if (!existsSync(path.join(data, 'PG_VERSION'))) this.#run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  }

  async start(): Promise<void> {
    const data = path.join(this.dir, 'data');
    // fsync off: a test database on a shared machine; durability across a PostgreSQL *restart* does not need it.
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c max_connections=300`;
    this.#run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(this.dir, 'postgres.log'), '-w', '-t', '60', 'start']);
    await waitPort(this.port, true, 30_000, 'postgres');
  }

  /** Fast shutdown: open transactions are rolled back, clients disconnected. */
  async stop(): Promise<void> {
    this.#run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'fast', '-w', '-t', '60', 'stop']);
  }
}
