/** The search index contract against SQLite FTS5, in memory and in a file; plus the factory's choice. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSearchIndex } from '../../src/search/sqlite-index.ts';
import { openSearchIndex } from '../../src/search/open-index.ts';
import { searchIndexContract } from './search-index.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'accord-search-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

searchIndexContract('sqlite (memory)', async () => {
  const index = new SqliteSearchIndex(':memory:');
  return { index, cleanup: () => index.close() };
});

searchIndexContract('sqlite (file)', async () => {
  const path = join(root, `search-${n++}.sqlite`);
  const index = new SqliteSearchIndex(path);
  return {
    index,
    async cleanup() {
      await index.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    },
  };
});

describe('sqlite search index', () => {
  it('keeps documents and backfill state across a reopen', async () => {
    const path = join(root, 'reopen.sqlite');
    const first = new SqliteSearchIndex(path);
    await first.upsert([{ id: '1100000000000000000', guildId: null, channelId: '5', authorId: '6', authorType: 'user', content: 'persisted words', mentions: [], mentionRoles: [], mentionEveryone: false, has: [], pinned: false }]);
    await first.setBackfill('5', { done: true, cursor: '1100000000000000000', indexed: 1 });
    await first.close();
    const again = new SqliteSearchIndex(path);
    assert.deepEqual(await again.search({ channelIds: ['5'], content: 'persist', sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 10 }), { total: 1, ids: ['1100000000000000000'] });
    assert.deepEqual(await again.getBackfill('5'), { done: true, cursor: '1100000000000000000', indexed: 1 });
    assert.ok(((await again.sizeBytes()) ?? 0) > 0);
    await again.close();
  });

  it('openSearchIndex picks SQLite in the data folder by default, and for a SQLite store', async () => {
    const dataDir = join(root, 'data');
    const index = await openSearchIndex({ dataDir });
    assert.equal(index.kind, 'sqlite');
    assert.ok(existsSync(join(dataDir, 'search.sqlite')));
    await index.close();
    const forced = await openSearchIndex({ dataDir, databaseUrl: 'postgres://nobody@127.0.0.1:1/none', searchIndex: 'sqlite' });
    assert.equal(forced.kind, 'sqlite');
    await forced.close();
    await assert.rejects(openSearchIndex({ dataDir, searchIndex: 'postgres' }), /ACCORD_DATABASE_URL/);
  });
});
