/**
 * The identity and access caches (src/store/identity-cache.ts, access-cache.ts), and reads sharing a turn's
 * snapshot (src/store/sqlite/driver.ts), are on only for a process that is the sole writer of its database: its own
 * SQLite file and in-memory bus. Handed a bus or a store (as tests running several nodes on one are), or on NATS or
 * PostgreSQL, others may write, and the store is read every time: no cache metrics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBus } from '../../src/bus/index.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { SqliteDriver } from '../../src/store/sqlite/driver.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';

async function cacheMetrics(url: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...new Set([...text.matchAll(/^accord_(identity|access)_cache_reads_total\{/gm)].map((m) => m[1]!))].sort();
}

/** Whether the server's SQLite driver lets one turn's reads share a snapshot. */
function sharesReads(t: TestServer): boolean {
  const driver = (t.store as SqlStore).driver;
  assert.ok(driver instanceof SqliteDriver);
  return driver.sharesReads;
}

describe('store caches: only for the sole writer of a database', () => {
  it('on for a process with its own SQLite file and in-memory bus', async () => {
    const t = await startTestServer();
    try {
      assert.deepEqual(await cacheMetrics(t.url), ['access', 'identity']);
      assert.equal(sharesReads(t), true);
    } finally {
      await t.close();
    }
  });

  const handed = {
    'a bus': async () => {
      const bus = await openBus({ nodeId: 'handed' });
      return { opts: { bus }, close: () => bus.close() };
    },
    'a store': async () => {
      const store = await openSqliteStore({ path: ':memory:' });
      return { opts: { store }, close: () => store.close() };
    },
  };
  for (const [what, open] of Object.entries(handed)) {
    it(`off when handed ${what}`, async () => {
      const part = await open();
      const t = await startTestServer({}, part.opts);
      try {
        assert.deepEqual(await cacheMetrics(t.url), []);
        // Handed a store, the server did not open it: only the bus case says what src/server.ts asks for.
        if (what === 'a bus') assert.equal(sharesReads(t), false);
      } finally {
        await t.close();
        await part.close();
      }
    });
  }
});
