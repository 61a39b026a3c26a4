/** The search index contract against SQLite FTS5, in memory and in a file; plus the factory's choice. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteSearchIndex } from '../../src/search/sqlite-index.ts';
import { openSearchIndex } from '../../src/search/open-index.ts';
import { openAtOnce } from '../helpers/sqlite-open-race.ts';
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

  it('optimize() merges the segments of a bulk load in steps, yielding between them', async () => {
    const index = new SqliteSearchIndex(':memory:', { mergePages: 4 });
    const doc = (n: number) => ({
      id: (1_100_000_000_000_000_000n + BigInt(n)).toString(), guildId: null, channelId: '5', authorId: '6', authorType: 'user' as const,
      content: `word${n % 50} common text number ${n}`, mentions: [], mentionRoles: [], mentionEveryone: false, has: [], pinned: false,
    });
    // Small batches: each writes a segment (FTS5 merges only some of them as it goes).
    for (let b = 0; b < 60; b++) await index.upsert(Array.from({ length: 50 }, (_, i) => doc(b * 50 + i)));
    const before = index.segmentCount();
    const found = await index.search({ channelIds: ['5'], content: 'word7', sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 25 });
    let ticks = 0;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    let running = true;
    setImmediate(tick);
    await index.optimize();
    running = false;
    assert.ok(before > 1, `a bulk load leaves several segments (${before})`);
    assert.equal(index.segmentCount(), 1);
    assert.ok(ticks > 1, 'the event loop ran between merge steps');
    assert.deepEqual(await index.search({ channelIds: ['5'], content: 'word7', sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 25 }), found);
    // Nothing left to merge: one step that does nothing.
    await index.optimize();
    assert.equal(index.segmentCount(), 1);
    await index.close();
  });

  it('several processes opening one new file at once, then writing to it, all succeed (ACCORD_WORKERS)', { timeout: 60_000 }, async () => {
    // Before the open waited and retried the switch to WAL, and the index's transactions took the write lock at
    // BEGIN, about one start in eight of two workers failed with "database is locked".
    const dir = mkdtempSync(join(root, 'race-'));
    const processes = 4;
    const rounds = 8;
    const { failures } = await openAtOnce('search', dir, processes, rounds);
    assert.deepEqual(failures, []);
    for (let r = 0; r < rounds; r++) {
      const index = new SqliteSearchIndex(join(dir, `search-${r}.sqlite`));
      assert.equal((await index.search({ channelIds: ['5'], sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 10 })).total, processes, `round ${r}`);
      await index.close();
    }
  });

  it('drops an index written by an older format, so that scopes are backfilled again', async () => {
    const path = join(root, 'old-format.sqlite');
    const old = new Database(path);
    old.exec("CREATE TABLE search_docs (id INTEGER PRIMARY KEY, guild_id INTEGER, channel_id INTEGER NOT NULL, mention_everyone INTEGER NOT NULL, pinned INTEGER NOT NULL); CREATE TABLE search_backfill (scope_id TEXT PRIMARY KEY, done INTEGER NOT NULL, cursor TEXT, indexed INTEGER NOT NULL); INSERT INTO search_backfill VALUES ('5', 1, NULL, 1); INSERT INTO search_docs VALUES (1, NULL, 5, 0, 0)");
    old.pragma('user_version = 1');
    old.close();
    const index = new SqliteSearchIndex(path);
    assert.equal(await index.getBackfill('5'), null);
    assert.deepEqual(await index.search({ channelIds: ['5'], sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 10 }), { total: 0, ids: [] });
    await index.setBackfill('5', { done: true, cursor: null, indexed: 0 });
    await index.close();
    // The current format is kept.
    const again = new SqliteSearchIndex(path);
    assert.deepEqual(await again.getBackfill('5'), { done: true, cursor: null, indexed: 0 });
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
