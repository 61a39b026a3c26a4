/**
 * A PostgreSQL connection that dies while a transaction holds it (a server restart, a terminated backend) must fail
 * that transaction with StoreUnavailableError, never crash the process. pg emits 'error' on a checked-out client
 * whose connection ends, and pg-pool listens only on idle clients: without our own listener that event is fatal,
 * which took an api node down when the cluster fault test restarted PostgreSQL.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PostgresDriver } from '../../src/store/postgres/driver.ts';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import { PostgresSearchIndex } from '../../src/search/postgres-index.ts';
import { serviceSkip, TEST_DATABASE_URL } from '../helpers/services.ts';

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe('PostgreSQL connection lost mid-transaction', { skip: await serviceSkip('postgres') }, () => {
  for (const when of ['between statements', 'during a statement'] as const) {
    it(`${when}: the transaction fails with StoreUnavailableError, the process lives, the pool recovers`, async () => {
      const errors: unknown[] = [];
      const onUncaught = (err: unknown) => errors.push(err);
      // node:test turns an uncaught exception into a failure of whatever test runs; catch it here to say which.
      process.prependListener('uncaughtException', onUncaught);
      const driver = new PostgresDriver(new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 }));
      try {
        const outcome = await driver
          .transaction(async (tx) => {
            const { pid } = (await tx.get('SELECT pg_backend_pid() AS pid')) as { pid: number };
            if (when === 'between statements') {
              await terminate(pid);
              await sleep(200); // the server's goodbye arrives while no statement runs
              await tx.get('SELECT 1 AS one');
            } else {
              await Promise.all([tx.get('SELECT pg_sleep(5)'), sleep(100).then(() => terminate(pid))]);
            }
            return 'committed';
          })
          .catch((err: unknown) => err);
        await sleep(100);
        assert.deepEqual(errors, [], 'no uncaught error');
        assert.ok(outcome instanceof StoreUnavailableError, `StoreUnavailableError, not ${String(outcome)}`);
        // The dead connection was not put back: the next transaction works.
        assert.equal(await driver.transaction(async (tx) => ((await tx.get('SELECT 1 AS one')) as { one: number }).one), 1);
      } finally {
        process.removeListener('uncaughtException', onUncaught);
        await driver.close();
      }
    });
  }

  it('the search index pool survives its connections being terminated', async () => {
    const index = await PostgresSearchIndex.open({ url: TEST_DATABASE_URL, schema: `accord_test_conn_${process.pid}` });
    const pool = (index as unknown as { pool: pg.Pool }).pool;
    try {
      const client = await pool.connect();
      const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
      client.release();
      await terminate(rows[0].pid);
      await sleep(200);
      const again = await pool.query('SELECT 1 AS one');
      assert.equal(again.rows[0].one, 1);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS accord_test_conn_${process.pid} CASCADE`).catch(() => undefined);
      await index.close();
    }
  });
});
