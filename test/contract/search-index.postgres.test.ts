/** The search index contract against the real PostgreSQL on this machine, each index in a fresh schema dropped afterwards. */
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PostgresSearchIndex } from '../../src/search/postgres-index.ts';
import { openSearchIndex } from '../../src/search/open-index.ts';
import { serviceSkip, TEST_DATABASE_URL } from '../helpers/services.ts';
import { searchIndexContract } from './search-index.contract.ts';

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

describe('postgres search index', { skip: await serviceSkip('postgres') }, () => {
  searchIndexContract('postgres', async () => {
    const schema = freshSchema();
    const index = await PostgresSearchIndex.open({ url: TEST_DATABASE_URL, schema });
    return {
      index,
      async cleanup() {
        await index.close();
        await dropSchema(schema);
      },
    };
  });

  it('opening the same schema from several pools at once creates it once, and indexes partial words with pg_trgm', async () => {
    const schema = freshSchema();
    const indexes = await Promise.all([1, 2, 3].map(() => PostgresSearchIndex.open({ url: TEST_DATABASE_URL, schema })));
    try {
      assert.ok(indexes.every((i) => i.trigram), 'pg_trgm is available on the test server');
      await indexes[0]!.upsert([{ id: '1100000000000000000', guildId: null, channelId: '5', authorId: '6', authorType: 'user', content: 'shared', mentions: [], mentionRoles: [], mentionEveryone: false, has: [], pinned: false }]);
      assert.equal((await indexes[2]!.search({ channelIds: ['5'], content: 'shared', sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 5 })).total, 1);
    } finally {
      for (const i of indexes) await i.close();
      await dropSchema(schema);
    }
  });

  it('empties a table written by an older format, so that scopes are backfilled again', async () => {
    const schema = freshSchema();
    const doc = { id: '1100000000000000000', guildId: null, channelId: '5', authorId: '6', authorType: 'user' as const, content: 'old', mentions: [], mentionRoles: [], mentionEveryone: false, has: [], pinned: false };
    const q = { channelIds: ['5'], sortBy: 'timestamp' as const, sortOrder: 'desc' as const, offset: 0, limit: 5 };
    try {
      const first = await PostgresSearchIndex.open({ url: TEST_DATABASE_URL, schema });
      await first.upsert([doc]);
      await first.setBackfill('5', { done: true, cursor: null, indexed: 1 });
      // What version 1 left: no facets column, no version row.
      await first.pool.query('ALTER TABLE search_docs DROP COLUMN facets');
      await first.pool.query('DELETE FROM search_meta');
      await first.close();
      const again = await PostgresSearchIndex.open({ url: TEST_DATABASE_URL, schema });
      assert.equal(await again.getBackfill('5'), null);
      assert.deepEqual(await again.search(q), { total: 0, ids: [] });
      await again.upsert([{ ...doc, linkHostnames: ['example.com'] }]);
      await again.setBackfill('5', { done: true, cursor: null, indexed: 1 });
      assert.deepEqual(await again.search({ ...q, linkHostnames: ['example.com'] }), { total: 1, ids: [doc.id] });
      await again.close();
      // The current format is kept.
      const third = await PostgresSearchIndex.open({ url: TEST_DATABASE_URL, schema });
      assert.deepEqual(await third.getBackfill('5'), { done: true, cursor: null, indexed: 1 });
      await third.close();
    } finally {
      await dropSchema(schema);
    }
  });

  it('openSearchIndex picks PostgreSQL when the store is PostgreSQL', async () => {
    // The factory uses the URL's default search_path; only check the choice, on a throwaway schema via the URL's options.
    const schema = freshSchema();
    const url = `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema},public`)}`;
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`).finally(() => client.end());
    try {
      const index = await openSearchIndex({ dataDir: '/nonexistent-never-created', databaseUrl: url });
      assert.equal(index.kind, 'postgres');
      await index.close();
    } finally {
      await dropSchema(schema);
    }
  });
});
