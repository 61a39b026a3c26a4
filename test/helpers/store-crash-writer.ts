/**
 * Child process for test/integration/store-crash.test.ts: opens the SQLite store at argv[2], migrates, then
 * writes messages forever, printing `ack <id>` for each write only after messages.create resolved.
 * The parent kills it with SIGKILL mid-stream.
 */
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { bundle, message, user } from '../contract/store.fixtures.ts';

const store = await openSqliteStore({ path: process.argv[2] });
await store.migrate();
const owner = await store.users.create(user());
const b = bundle(owner.id);
await store.guilds.create(b);
const channelId = b.channels[0].id;
process.stdout.write(`channel ${channelId}\n`);
for (let i = 0; ; i++) {
  const m = await store.messages.create(message(channelId, owner.id, { content: `message ${i}` }));
  process.stdout.write(`ack ${m.id}\n`);
}
