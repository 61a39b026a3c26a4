/**
 * Child process for test/integration/outbox-crash.test.ts: sends one message through the real write path
 * (api/messages/write.ts) and dies by SIGKILL exactly between the commit and the publish, the moment the outbox
 * exists for. argv: `sqlite <data dir>` or `postgres <url> <schema>`.
 */
import { writeSync } from 'node:fs';
import { MessageWrites } from '../../src/api/messages/write.ts';
import { MemoryBus } from '../../src/bus/memory.ts';
import { OutboxRelay } from '../../src/contracts/outbox.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import { openStore } from '../../src/store/open.ts';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import type { OutboxRecord } from '../../src/store/types.ts';
import { bundle, message, user } from '../contract/store.fixtures.ts';

const [kind, where, schema] = process.argv.slice(2);
const store = kind === 'postgres' ? await openPostgresStore({ url: where!, schema: schema! }) : await openStore({ dataDir: where! });
await store.migrate();
const owner = await store.users.create(user());
const b = bundle(owner.id);
await store.guilds.create(b);
const channel = (await store.channels.get(b.channels[0]!.id))!;

class DiesAfterCommit extends OutboxRelay {
  override async published(records: readonly OutboxRecord[]): Promise<void> {
    writeSync(1, `committed ${records.map((r) => r.id).join(',')}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
const ids = new SnowflakeGenerator({ workerId: 7 });
const writes = new MessageWrites(store, new DiesAfterCommit({ store, bus: new MemoryBus(), ids, log: silentLogger }));
const record = message(channel.id, owner.id, { content: 'written, never published' });
writeSync(1, `message ${record.id} ${channel.guildId}\n`);
await writes.create(channel, record, [], { id: record.id, channel_id: channel.id, content: record.content });
writeSync(1, 'survived\n');
