/**
 * Opens a SQLite file in WAL mode when other processes may be opening it at the same moment (ACCORD_WORKERS runs
 * several on one data folder).
 *
 * The busy timeout is set first, so that every later statement waits for another process's lock instead of failing.
 * Switching a new file to WAL is the exception: two connections that both hold the read lock and both want to change
 * the journal mode would deadlock, so SQLite answers one of them SQLITE_BUSY at once without waiting. That switch
 * is therefore retried here until the timeout, sleeping between tries; once either process has switched, the file
 * is WAL and the next try is a plain read.
 */
import Database from 'better-sqlite3';

const RETRY_SLEEP_MS = 10;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function openWalDatabase(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (path === ':memory:') return db;
    const deadline = Date.now() + busyTimeoutMs;
    for (;;) {
      try {
        db.pragma('journal_mode = WAL');
        return db;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
        // Synchronous, as the open is: it runs once, at start-up, before the process serves anything.
        Atomics.wait(sleeper, 0, 0, RETRY_SLEEP_MS);
      }
    }
  } catch (err) {
    db.close();
    throw err;
  }
}
