/**
 * Picks the store from configuration: PostgreSQL when `databaseUrl` is a postgres:// or postgresql:// URL,
 * otherwise SQLite at `${dataDir}/accord.sqlite` (the folder is created). Does not migrate.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './types.ts';

/** `soleProcess`: no other process uses the database (src/server.ts decides; see SqliteDriver). */
export async function openStore(config: { databaseUrl?: string; dataDir: string; databasePoolSize?: number; soleProcess?: boolean }): Promise<Store> {
  const url = config.databaseUrl;
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    const { openPostgresStore } = await import('./postgres/index.ts');
    return openPostgresStore({ url, maxConnections: config.databasePoolSize });
  }
  mkdirSync(config.dataDir, { recursive: true });
  const { openSqliteStore } = await import('./sqlite/index.ts');
  return openSqliteStore({ path: join(config.dataDir, 'accord.sqlite'), soleProcess: config.soleProcess });
}
