/**
 * SqlDriver over better-sqlite3. One driver per database file per process: better-sqlite3 waits for a lock
 * synchronously (busy_timeout), so a second connection in the same thread waiting on the first would block the
 * very event loop the first needs to finish its transaction. Several *processes* on one file are fine. The database is synchronous, so a statement outside a transaction simply runs;
 * a transaction, though, stays open across the awaits of its callback, so the driver serialises: while one is
 * open, every other statement and transaction on this driver waits for it (a promise-chained mutex) and
 * nothing interleaves into it.
 */
import Database from 'better-sqlite3';
import { normalizeParams, type QueryOptions, type Row, type SqlDriver, type SqlValue } from '../sql/driver.ts';
import { toStoreError } from '../sql/errors.ts';

type Statement = Database.Statement<unknown[], unknown>;

class Core {
  readonly #cache = new Map<string, Statement>();
  constructor(readonly db: Database.Database) {}

  /** Prepared statements cached by SQL text; the set of texts is bounded (callers chunk IN lists at 500 ids, so one query shape has at most 500 texts) and the cache is cleared past 2,000. */
  prepare(sql: string): Statement {
    let stmt = this.#cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.#cache.size > 2000) this.#cache.clear();
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }

  all(sql: string, params: readonly SqlValue[], opts?: QueryOptions): Row[] {
    try {
      return this.prepare(sql).all(...normalizeParams(params)) as Row[];
    } catch (err) {
      throw toStoreError(err, 'sqlite', opts);
    }
  }

  run(sql: string, params: readonly SqlValue[], opts?: QueryOptions): { changes: number } {
    try {
      const stmt = this.prepare(sql);
      const values = normalizeParams(params);
      if (stmt.reader) return { changes: stmt.all(...values).length };
      return { changes: stmt.run(...values).changes };
    } catch (err) {
      throw toStoreError(err, 'sqlite', opts);
    }
  }

  exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (err) {
      throw toStoreError(err, 'sqlite');
    }
  }
}

/** The driver handed to a transaction's callback: same connection, no locking, nested transactions join. */
class SqliteTxDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  constructor(readonly core: Core) {}
  async all(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return this.core.all(sql, params, opts);
  }
  async get(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return this.core.all(sql, params, opts)[0];
  }
  async run(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return this.core.run(sql, params, opts);
  }
  async exec(sql: string) {
    this.core.exec(sql);
  }
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async close() {
    throw new Error('close() inside a transaction');
  }
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly #core: Core;
  /** Settles when the open transaction ends; null when none is open. */
  #txDone: Promise<void> | null = null;
  #closed = false;

  constructor(path: string) {
    let db: Database.Database;
    try {
      db = new Database(path);
      // WAL with synchronous=NORMAL: a commit is written to the WAL file before COMMIT returns, but not fsynced
      // until checkpoint. A power loss may therefore drop the last transactions; a killed *process* cannot, since
      // the data is already in the OS page cache. What we promise (and test, store-crash.test.ts) is that an
      // acknowledged write survives a process kill; FULL would cost an fsync per commit for the power-loss case.
      // First, so that switching a new file to WAL waits for another process doing the same.
      db.pragma('busy_timeout = 10000');
      if (path !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.defaultSafeIntegers(true);
    } catch (err) {
      throw toStoreError(err, 'sqlite');
    }
    this.#core = new Core(db);
  }

  // Every wait is an inline `while (this.#txDone) await this.#txDone` followed, in the same synchronous
  // stretch, by the statement or by taking the lock: a helper returning a promise would add a microtask
  // between the check and the use, and two waiters woken together could both start a transaction.
  #checkOpen(): void {
    if (this.#closed) throw toStoreError(new Error('store is closed'), 'sqlite');
  }

  async all(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions): Promise<Row[]> {
    while (this.#txDone) await this.#txDone;
    this.#checkOpen();
    return this.#core.all(sql, params, opts);
  }

  async get(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions): Promise<Row | undefined> {
    return (await this.all(sql, params, opts))[0];
  }

  async run(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions): Promise<{ changes: number }> {
    while (this.#txDone) await this.#txDone;
    this.#checkOpen();
    return this.#core.run(sql, params, opts);
  }

  async exec(sql: string): Promise<void> {
    while (this.#txDone) await this.#txDone;
    this.#checkOpen();
    this.#core.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    while (this.#txDone) await this.#txDone;
    this.#checkOpen();
    let release!: () => void;
    this.#txDone = new Promise<void>((r) => (release = r));
    try {
      // IMMEDIATE takes the write lock now, so two processes cannot both read then fail to upgrade (SQLITE_BUSY).
      this.#core.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(new SqliteTxDriver(this.#core));
        this.#core.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.#core.db.inTransaction) this.#core.db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      throw toStoreError(err, 'sqlite');
    } finally {
      this.#txDone = null;
      release();
    }
  }

  async close(): Promise<void> {
    while (this.#txDone) await this.#txDone;
    if (this.#closed) return;
    this.#closed = true;
    this.#core.db.close();
  }
}
