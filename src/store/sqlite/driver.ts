/**
 * SqlDriver over better-sqlite3. One driver per database file per process: better-sqlite3 waits for a lock
 * synchronously (busy_timeout), so a second connection in the same thread waiting on the first would block the
 * very event loop the first needs to finish its transaction. Several *processes* on one file are fine.
 *
 * The database is synchronous, so a statement outside a transaction simply runs; a transaction, though, stays
 * open across the awaits of its callback, so the driver serialises: while one runs, every other statement and
 * transaction on this driver waits for it (a promise-chained mutex) and nothing interleaves into it.
 *
 * Group commit: a COMMIT costs more than the rest of a small transaction (it appends the changed pages to the
 * WAL). So the transactions that finish in two event-loop turns share one SQLite transaction, each in its own
 * savepoint (a failing one undoes only its writes), and one COMMIT at the end of the second turn (two
 * setImmediates) or after MAX_GROUP of them. The second turn takes in the requests that arrived while the first
 * ran: under load the groups are larger and a send costs less (`send`: about 2% more messages a second and a
 * lower p50); idle, one more turn of an empty loop adds microseconds. Each caller's promise settles only after that COMMIT: nothing is acknowledged before
 * it is written, and if the COMMIT fails every member fails (our schema has no deferred constraints, so only an
 * I/O error or a full disk fails a COMMIT, never one member's data). A write outside a transaction while a group is
 * open joins it, for the same reason. Reads do not wait for the COMMIT: they see what the group's finished
 * transactions wrote, as the next transaction would (if that COMMIT then failed, such a read saw writes that
 * never landed; it takes an I/O error or a full disk). Other processes on the file see a group once committed,
 * and wait for the write lock at most two event-loop turns longer.
 *
 * In a process that is the only one on its file (`soleProcess`), reads outside a group share one read transaction
 * per event-loop turn (#beginRead), which a write of ours ends first.
 */
import Database from 'better-sqlite3';
import { normalizeParams, type QueryOptions, type Row, type SqlDriver, type SqlValue } from '../sql/driver.ts';
import { toStoreError } from '../sql/errors.ts';
import type { RowChangeListener, WatchedTables } from '../types.ts';
import { openWalDatabase } from './open-wal.ts';
import { RowChanges } from './row-changes.ts';

type Statement = Database.Statement<unknown[], unknown>;

/** Transactions sharing one SQLite transaction, each acknowledged when it commits. */
interface CommitGroup {
  members: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

/**
 * Each transaction of a group runs inside this savepoint, so that one failing undoes only its own writes.
 * BEGIN, SAVEPOINT, RELEASE and COMMIT run as cached prepared statements (Core.run), not through exec, which
 * parses its text on every call: 7.7 µs for a SAVEPOINT against about 1 µs, two per message create.
 */
const SAVEPOINT = 'accord_tx';
/** A group commits at the end of the event-loop turn after the one it opened in, or once it holds this many transactions. */
export const MAX_GROUP = 256;

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

  /** Whether `sql` only reads (a statement that does not prepare counts as one: running it throws the mapped error). */
  reads(sql: string): boolean {
    try {
      return this.prepare(sql).readonly;
    } catch {
      return true;
    }
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
  /** Settles when the running transaction's callback ends; null when none runs. */
  #txDone: Promise<void> | null = null;
  /** Transactions that finished and wait for one COMMIT (group commit); null when no write transaction is open. */
  #group: CommitGroup | null = null;
  #closed = false;
  #rowChanges: RowChanges | null = null;
  readonly #shareReads: boolean;

  /**
   * `soleProcess`: no other process uses this file, so the reads of one turn may share a snapshot (#beginRead).
   * Elsewhere a turn could read a snapshot older than a commit another process has already announced (on the bus)
   * in that same turn.
   */
  constructor(path: string, opts: { soleProcess?: boolean } = {}) {
    this.#shareReads = opts.soleProcess ?? false;
    let db: Database.Database;
    try {
      db = openWalDatabase(path, 10_000);
      // WAL with synchronous=NORMAL: a commit is written to the WAL file before COMMIT returns, but not fsynced
      // until checkpoint. A power loss may therefore drop the last transactions; a killed *process* cannot, since
      // the data is already in the OS page cache. What we promise (and test, store-crash.test.ts) is that an
      // acknowledged write survives a process kill; FULL would cost an fsync per commit for the power-loss case.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // A row that REPLACE (or INSERT/UPDATE OR REPLACE) deletes for a conflict fires delete triggers only with this
      // on, and Store.watchRows must hear of it (row-changes.ts). The schema has no triggers of its own.
      db.pragma('recursive_triggers = ON');
      db.defaultSafeIntegers(true);
    } catch (err) {
      throw toStoreError(err, 'sqlite');
    }
    this.#core = new Core(db);
  }

  /** Whether the reads of one event-loop turn share a snapshot (`soleProcess`). */
  get sharesReads(): boolean {
    return this.#shareReads;
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
    if (!this.#core.reads(sql)) {
      // A write with RETURNING: in an open group it joins it, as run() does; alone, never inside a read transaction.
      if (this.#group) return this.transaction((tx) => tx.all(sql, params, opts));
      this.#endRead();
    } else if (this.#shareReads && !this.#core.db.inTransaction) {
      this.#beginRead();
    }
    return this.#core.all(sql, params, opts);
  }

  async get(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions): Promise<Row | undefined> {
    return (await this.all(sql, params, opts))[0];
  }

  async run(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions): Promise<{ changes: number }> {
    while (this.#txDone) await this.#txDone;
    this.#checkOpen();
    // Inside an open group a write would be acknowledged before its COMMIT: it joins the group instead.
    if (this.#group) return this.transaction((tx) => tx.run(sql, params, opts));
    this.#endRead();
    return this.#core.run(sql, params, opts);
  }

  async exec(sql: string): Promise<void> {
    while (this.#txDone) await this.#txDone;
    this.#checkOpen();
    if (this.#group) return this.transaction((tx) => tx.exec(sql));
    this.#endRead();
    this.#core.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    while (this.#txDone) await this.#txDone;
    this.#checkOpen();
    let release!: () => void;
    this.#txDone = new Promise<void>((r) => (release = r));
    let result: T;
    let group: CommitGroup;
    try {
      group = this.#group ?? this.#openGroup();
      this.#core.run(`SAVEPOINT ${SAVEPOINT}`, []);
      try {
        result = await fn(new SqliteTxDriver(this.#core));
        this.#core.run(`RELEASE ${SAVEPOINT}`, []);
      } catch (err) {
        this.#rollBackMember(group, err);
        throw err;
      }
    } catch (err) {
      throw toStoreError(err, 'sqlite');
    } finally {
      this.#txDone = null;
      release();
    }
    // Acknowledged only once the group's COMMIT has written it; the promise is pushed before any waiter runs.
    const committed = new Promise<void>((resolve, reject) => group.members.push({ resolve, reject }));
    if (group.members.length >= MAX_GROUP) void this.#commit(group);
    await committed;
    return result;
  }

  /** BEGIN IMMEDIATE (the write lock, so two processes cannot both read then fail to upgrade), committed at the end of the next event-loop turn. */
  #openGroup(): CommitGroup {
    this.#endRead();
    this.#core.run('BEGIN IMMEDIATE', []);
    const group: CommitGroup = { members: [] };
    this.#group = group;
    setImmediate(() => setImmediate(() => void this.#commit(group)));
    return group;
  }

  /**
   * In a process alone on its file, reads outside a transaction share one read transaction until the end of the
   * event-loop turn. In WAL mode each statement run on its own takes and drops the database's shared locks (four
   * fcntl calls): 6.4 of the 7 µs a primary-key read costs, against 0.7 µs inside a transaction
   * (docs/performance.md). The reads of one turn see one snapshot; a write of ours (run, exec, a write through all()
   * or a group's BEGIN IMMEDIATE) ends it first, so what this process wrote is committed when acknowledged and read
   * back at once.
   */
  #beginRead(): void {
    this.#core.run('BEGIN', []);
    setImmediate(() => this.#endRead());
  }

  /** Ends the read transaction, if one is open: a transaction outside a group is one (SQLite may have ended it, an I/O error). */
  #endRead(): void {
    if (this.#group || !this.#core.db.inTransaction) return;
    try {
      // Ending a read transaction only drops its locks: nothing was written in it.
      this.#core.run('COMMIT', []);
    } catch {
      try {
        this.#core.db.exec('ROLLBACK');
      } catch {
        // Nothing left open.
      }
    }
  }

  /** Undoes one member's writes; if SQLite ended the whole transaction (an I/O error, a full disk), the group's finished members are lost with it. */
  #rollBackMember(group: CommitGroup, err: unknown): void {
    try {
      if (this.#core.db.inTransaction) {
        this.#core.db.exec(`ROLLBACK TO ${SAVEPOINT}`);
        this.#core.db.exec(`RELEASE ${SAVEPOINT}`);
        return;
      }
    } catch {
      // The savepoint could not be rolled back: the whole transaction goes.
    }
    this.#abandon(group, err);
  }

  /** Commits a group once no member is running (a no-op if it has ended already). */
  async #commit(group: CommitGroup): Promise<void> {
    while (this.#txDone) await this.#txDone;
    if (this.#group !== group) return;
    try {
      this.#core.run('COMMIT', []);
    } catch (err) {
      this.#abandon(group, err);
      return;
    }
    this.#endGroup(group, null);
  }

  /** Rolls the SQLite transaction back (if SQLite has not already) and fails every finished member with `err`. */
  #abandon(group: CommitGroup, err: unknown): void {
    try {
      if (this.#core.db.inTransaction) this.#core.db.exec('ROLLBACK');
    } catch {
      // Nothing more to undo.
    }
    // Changes reported to watchers, and read by others since, are gone with the group.
    this.#rowChanges?.reset();
    this.#endGroup(group, err);
  }

  /** Store.watchRows (row-changes.ts): once nothing runs, so the triggers are not created inside a group that may fail. */
  async watchRows(tables: WatchedTables, listener: RowChangeListener): Promise<void> {
    await this.#settle();
    this.#checkOpen();
    try {
      (this.#rowChanges ??= new RowChanges(this.#core.db)).watch(tables, listener);
    } catch (err) {
      throw toStoreError(err, 'sqlite');
    }
  }

  #endGroup(group: CommitGroup, err: unknown): void {
    if (this.#group === group) this.#group = null;
    const members = group.members.splice(0);
    for (const m of members) {
      if (err === null) m.resolve();
      else m.reject(toStoreError(err, 'sqlite'));
    }
  }

  /** Resolves once no transaction runs and no group waits for its COMMIT (committing the waiting ones). */
  async #settle(): Promise<void> {
    for (;;) {
      while (this.#txDone) await this.#txDone;
      this.#endRead();
      if (!this.#group) return;
      await this.#commit(this.#group);
    }
  }

  async close(): Promise<void> {
    await this.#settle();
    if (this.#closed) return;
    this.#closed = true;
    this.#core.db.close();
  }
}
