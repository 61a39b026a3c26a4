/** The store contract against the real PostgreSQL on this machine, in a fresh schema dropped afterwards. */
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import { serviceSkip, TEST_DATABASE_URL } from '../helpers/services.ts';
import { storeContract } from './store.contract.ts';
import { MIGRATIONS } from '../../src/store/sql/migrations.ts';

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

const freshSchema = () => `accord_test_${randomBytes(6).toString('hex')}`;

describe('postgres store', { skip: await serviceSkip('postgres') }, () => {
  storeContract('postgres', async () => {
    const schema = freshSchema();
    const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema });
    return {
      store,
      async cleanup() {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  it('concurrent migrate() from several pools applies each migration once', async () => {
    const schema = freshSchema();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url: TEST_DATABASE_URL, schema })));
    try {
      const results = await Promise.all(stores.map((s) => s.migrate()));
      assert.deepEqual(results.flat().sort((a, b) => a - b), MIGRATIONS.map((m) => m.version));
    } finally {
      for (const s of stores) await s.close();
      await dropSchema(schema);
    }
  });
});
