/**
 * Store.watchRows on SQLite: a temporary trigger per watched table and kind of write (the connection's own, gone
 * with it) calls back into this process for each row changed, with the row's key. A trigger sees every statement,
 * a foreign key's ON DELETE CASCADE included, so no list of the store's write methods has to be kept in step. It
 * does not see other connections' writes. A table may leave some columns unwatched: its update trigger then names
 * the others (UPDATE OF), so an UPDATE that sets only unwatched columns fires nothing.
 */
import type Database from 'better-sqlite3';
import type { RowChangeListener, WatchedTable, WatchedTables } from '../types.ts';

const specText = (spec: WatchedTable) => `(${spec.keys.join(', ')})${spec.unwatched.length ? ` but updates of (${spec.unwatched.join(', ')})` : ''}`;

const FUNCTION = 'accord_row_changed';
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export class RowChanges {
  readonly #db: Database.Database;
  /**
   * Each watched table's spec (its keys and unwatched columns) and the column list its update trigger names ('' for
   * none): one per table, whoever watches it.
   */
  readonly #watched = new Map<string, { spec: string; updateOf: string }>();
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
   * drops its triggers too, and a table's update trigger names its columns when some are unwatched (src/server.ts
   * watches once the migrations have run; nothing alters the schema later).
   */
  watch(tables: WatchedTables, listener: RowChangeListener): void {
    const planned: Array<{ table: string; spec: WatchedTable; updateOf: string }> = [];
    for (const [table, given] of Object.entries(tables)) {
      const spec: WatchedTable = Array.isArray(given) ? { keys: given, unwatched: [] } : (given as WatchedTable);
      const names = [table, ...spec.keys, ...spec.unwatched];
      if (!names.every((name) => IDENTIFIER.test(name)) || spec.keys.length === 0) throw new Error(`watchRows: bad table or key names for ${table}`);
      // An update of the key alone would go unreported, and the entry under the old key would stay.
      if (spec.unwatched.some((c) => spec.keys.includes(c))) throw new Error(`watchRows: a key column of ${table} cannot be unwatched`);
      const known = this.#watched.get(table);
      if (known && known.spec !== specText(spec)) throw new Error(`watchRows: ${table} is already watched by ${known.spec}`);
      const updateOf = this.#updateOf(table, spec.unwatched);
      // A column added since names no trigger: updates of it alone would go unreported.
      if (known && known.updateOf !== updateOf) throw new Error(`watchRows: ${table} changed since its triggers were made`);
      if (known) continue;
      planned.push({ table, spec, updateOf });
    }
    for (const { table, spec, updateOf } of planned) {
      const call = (row: 'NEW' | 'OLD') => `SELECT ${FUNCTION}('${table}', ${spec.keys.map((k) => `${row}.${k}`).join(', ')});`;
      this.#db.exec(`
        CREATE TEMP TRIGGER accord_watch_${table}_insert AFTER INSERT ON main.${table} BEGIN ${call('NEW')} END;
        CREATE TEMP TRIGGER accord_watch_${table}_update AFTER UPDATE${updateOf} ON main.${table} BEGIN ${call('OLD')} ${call('NEW')} END;
        CREATE TEMP TRIGGER accord_watch_${table}_delete AFTER DELETE ON main.${table} BEGIN ${call('OLD')} END;`);
      this.#watched.set(table, { spec: specText(spec), updateOf });
    }
    this.#listeners.push({ tables: new Set(Object.keys(tables)), listener });
  }

  /** ` OF <every other column>` for an update trigger that must not fire for updates of `unwatched` alone; '' for none. */
  #updateOf(table: string, unwatched: readonly string[]): string {
    if (unwatched.length === 0) return '';
    const columns = (this.#db.prepare('SELECT name FROM pragma_table_info(?, ?)').all(table, 'main') as Array<{ name: string }>).map((c) => c.name);
    const missing = unwatched.filter((c) => !columns.includes(c));
    if (missing.length) throw new Error(`watchRows: ${table} has no column ${missing.join(', ')}`);
    // Never empty: the keys are columns, and watched.
    const watched = columns.filter((c) => !unwatched.includes(c));
    // Quoted: a column may be named like a keyword.
    return ` OF ${watched.map((c) => `"${c}"`).join(', ')}`;
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
