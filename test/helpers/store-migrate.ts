/** Opens the SQLite store at argv[2], migrates, prints the versions applied as JSON (for concurrency tests). */
import { openSqliteStore } from '../../src/store/sqlite/index.ts';

const store = await openSqliteStore({ path: process.argv[2] });
process.stdout.write(JSON.stringify(await store.migrate()));
await store.close();
