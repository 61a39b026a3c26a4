/**
 * openWalDatabase's failure paths (src/store/sqlite/open-wal.ts); the retried switch itself is tested by processes
 * racing on one new file (test/helpers/sqlite-open-race.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openWalDatabase } from '../../src/store/sqlite/open-wal.ts';

describe('openWalDatabase', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-open-wal-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a file locked by another connection throughout: SQLITE_BUSY once the busy timeout is over, not at once', () => {
    const path = join(dir, 'locked.sqlite');
    const holder = new Database(path);
    holder.exec('CREATE TABLE t (x INTEGER)');
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const started = Date.now();
      assert.throws(() => openWalDatabase(path, 300), (err: { code?: string }) => err.code === 'SQLITE_BUSY');
      assert.ok(Date.now() - started >= 290, `gave up after ${Date.now() - started} ms`);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // Free again: it opens, in WAL.
    const db = openWalDatabase(path, 300);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });

  it('a file that is not a database fails at once, without retrying', () => {
    const path = join(dir, 'garbage.sqlite');
    writeFileSync(path, Buffer.alloc(4096, 7));
    const started = Date.now();
    assert.throws(() => openWalDatabase(path, 5000), (err: { code?: string }) => err.code === 'SQLITE_NOTADB');
    assert.ok(Date.now() - started < 1000);
  });
});
