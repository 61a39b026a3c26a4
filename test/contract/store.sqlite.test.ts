/** The store contract against SQLite: a file database in a temp folder, and an in-memory one. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { storeContract } from './store.contract.ts';

storeContract('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-store-'));
  const store = await openSqliteStore({ path: join(dir, 'accord.sqlite') });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

storeContract('sqlite (:memory:)', async () => {
  const store = await openSqliteStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});
