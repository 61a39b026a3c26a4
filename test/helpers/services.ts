/**
 * Networked test suites (PostgreSQL, NATS) talk to the real servers on this machine.
 * Under CI=true a suite whose server cannot be reached FAILS; elsewhere it is skipped with one line saying why
 * and how to enable it. Addresses come from ACCORD_TEST_DATABASE_URL / ACCORD_TEST_NATS_URL.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import type { Store } from '../../src/store/types.ts';

export const TEST_DATABASE_URL = process.env.ACCORD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_NATS_URL = process.env.ACCORD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

const inCI = process.env.CI === 'true' || process.env.CI === '1';

function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol.startsWith('postgres') ? 5432 : 4222));
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves to a skip reason (string) when the service is down outside CI, to false when it is up;
 * throws under CI when it is down. Use as `{ skip: await serviceSkip('postgres') }` in describe options.
 */
export async function serviceSkip(service: 'postgres' | 'nats'): Promise<string | false> {
  const url = service === 'postgres' ? TEST_DATABASE_URL : TEST_NATS_URL;
  if (await reachable(url)) return false;
  const how = service === 'postgres' ? 'start PostgreSQL or set ACCORD_TEST_DATABASE_URL' : 'start nats-server -js or set ACCORD_TEST_NATS_URL';
  if (inCI) throw new Error(`${service} is required under CI=true but ${url} is not reachable`);
  const reason = `${service} not reachable at ${url}: skipped (${how}; CI=true makes this a failure)`;
  console.log(`# ${reason}`);
  return reason;
}

/** Polls `check` until it returns a truthy value or the timeout passes. Every wait in the tests goes through this. */
export async function waitFor<T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}

/** A PostgreSQL store in a fresh schema of its own; `drop()` closes it and drops the schema. */
export async function freshPostgresStore(): Promise<{ store: Store; schema: string; drop: () => Promise<void> }> {
  const schema = `accord_test_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema });
  return {
    store,
    schema,
    async drop() {
      await store.close();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A REST call to a process at `base` (its /api/v10), answered with the status and the parsed JSON body. */
export async function apiRequest(base: string, method: string, route: string, auth?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/api/v10${route}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
