/**
 * Store.watchRows on SQLite: a temporary trigger per watched table and kind of write (the connection's own, gone
 * with it) calls back into this process for each row changed, with the row's key. A trigger sees every statement,
 * a foreign key's ON DELETE CASCADE included, so no list of the store's write methods has to be kept in step. It
 * does not see other connections' writes.
 */
import type Database from 'better-sqlite3';
import type { RowChangeListener, WatchedTables } from '../types.ts';

const FUNCTION = 'accord_row_changed';
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export class RowChanges {
  readonly #db: Database.Database;
  /** Key columns of each watched table: one set per table, whoever watches it. */
  readonly #keys = new Map<string, readonly string[]>();
  readonly #listeners: Array<{ tables: ReadonlySet<string>; listener: RowChangeListener }> = [];

  constructor(db: Database.Database) {
    this.#db = db;
    // Ids as bigints whatever the connection's default, so that a key is reported with every digit.
    db.function(FUNCTION, { varargs: true, deterministic: false, safeIntegers: true }, (table: unknown, ...keys: unknown[]) => {
      this.#changed(String(table), keys.map(String));
      return null;
    });
  }

  /**
   * Creates the triggers of `tables` that do not exist yet (all checked first: nothing is created for a refused
   * call). Must run outside any transaction, and after every change to the schema: dropping or rebuilding a table
   * drops its triggers too (src/server.ts watches once the migrations have run; nothing alters the schema later).
   */
  watch(tables: WatchedTables, listener: RowChangeListener): void {
    for (const [table, keys] of Object.entries(tables)) {
      if (![table, ...keys].every((name) => IDENTIFIER.test(name)) || keys.length === 0) throw new Error(`watchRows: bad table or key names for ${table}`);
      const known = this.#keys.get(table);
      if (known && known.join() !== keys.join()) throw new Error(`watchRows: ${table} is already watched by (${known.join(', ')})`);
    }
    for (const [table, keys] of Object.entries(tables)) {
      if (this.#keys.has(table)) continue;
      const call = (row: 'NEW' | 'OLD') => `SELECT ${FUNCTION}('${table}', ${keys.map((k) => `${row}.${k}`).join(', ')});`;
      this.#db.exec(`
        CREATE TEMP TRIGGER accord_watch_${table}_insert AFTER INSERT ON main.${table} BEGIN ${call('NEW')} END;
        CREATE TEMP TRIGGER accord_watch_${table}_update AFTER UPDATE ON main.${table} BEGIN ${call('OLD')} ${call('NEW')} END;
        CREATE TEMP TRIGGER accord_watch_${table}_delete AFTER DELETE ON main.${table} BEGIN ${call('OLD')} END;`);
      this.#keys.set(table, [...keys]);
    }
    this.#listeners.push({ tables: new Set(Object.keys(tables)), listener });
  }

  /** Writes that had been reported were undone wholesale. */
  reset(): void {
    for (const { listener } of this.#listeners) listener.reset();
  }

  #changed(table: string, keys: string[]): void {
    for (const { tables, listener } of this.#listeners) {
      if (!tables.has(table)) continue;
      // A listener that fails to take a change in forgets everything instead: never a write failing for it.
      try {
        listener.changed(table, keys);
      } catch {
        listener.reset();
      }
    }
  }
}
