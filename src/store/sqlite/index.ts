/** The embedded store: SQLite in one file (or in memory). Does not migrate; call store.migrate(). */
import { SqlStore } from '../sql/store.ts';
import { SqliteDriver } from './driver.ts';

export function openSqliteStore({ path, soleProcess = false }: { path: string /* a file, or ':memory:' */; soleProcess?: boolean }): Promise<SqlStore> {
  return Promise.resolve().then(() => new SqlStore(new SqliteDriver(path, { soleProcess })));
}
