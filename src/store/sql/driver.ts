/**
 * The one seam between the SQL repositories (store/sql) and a database: SQLite (store/sqlite) or PostgreSQL
 * (store/postgres). SQL is written once with `?` placeholders; a driver adapts it to its database.
 *
 * Contract:
 * - Every error leaving a driver is a StoreError (see sql/errors.ts): unique violations → ConflictError,
 *   foreign key violations → NotFoundError of the parent (named by `opts.fk`, which wins over what the database
 *   reports so both dialects answer alike), anything else → StoreUnavailableError.
 * - Values come back as the database gives them: 64-bit integers as bigint (SQLite) or string (PostgreSQL),
 *   so repositories always map with String(x) / Number(x).
 * - `transaction(fn)` runs fn with a driver bound to one transaction; it commits when fn resolves and rolls
 *   back when it throws. Nested calls on the transaction's driver join the outer transaction.
 */
import type { RowChangeListener, WatchedTables } from '../types.ts';
import type { EntityKind } from '../errors.ts';

export type SqlValue = string | number | bigint | boolean | null | undefined;
export type Row = Record<string, unknown>;

export interface QueryOptions {
  /** The parent entity a foreign key violation of this statement means is missing. */
  fk?: EntityKind;
}

export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  all(sql: string, params?: readonly SqlValue[], opts?: QueryOptions): Promise<Row[]>;
  get(sql: string, params?: readonly SqlValue[], opts?: QueryOptions): Promise<Row | undefined>;
  run(sql: string, params?: readonly SqlValue[], opts?: QueryOptions): Promise<{ changes: number }>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Store.watchRows, where the driver can see every row its writes change (SQLite). */
  watchRows?(tables: WatchedTables, listener: RowChangeListener): Promise<void>;
}

/** Booleans as 0/1 and undefined as NULL, identically for both databases (better-sqlite3 binds neither). */
export function normalizeParams(params: readonly SqlValue[]): Array<string | number | bigint | null> {
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}
