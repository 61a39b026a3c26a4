/**
 * Child process for test/integration/cluster-limits.test.ts: an api node's enforce_nonce send through the real
 * write path (api/messages/write.ts createOnce, store createOnce) that dies by SIGKILL either right after its
 * commit, before it could answer the client (`after-commit`), or inside its transaction with the nonce claimed
 * and the message inserted but nothing committed (`before-commit`).
 * argv: `<after-commit|before-commit> <postgres url> <schema> <channel id> <author id> <nonce>`.
 */
import { writeSync } from 'node:fs';
import { MessageWrites } from '../../src/api/messages/write.ts';
import { NONCE_WINDOW_MS } from '../../src/api/messages/send-limits.ts';
import { MemoryBus } from '../../src/bus/memory.ts';
import { OutboxRelay } from '../../src/contracts/outbox.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import type { OutboxRecord } from '../../src/store/types.ts';
import { message } from '../contract/store.fixtures.ts';

const [when, url, schema, channelId, authorId, nonce] = process.argv.slice(2) as [string, string, string, string, string, string];
const store = await openPostgresStore({ url, schema });
const channel = (await store.channels.get(channelId))!;

class DiesAfterCommit extends OutboxRelay {
  override async published(_records: readonly OutboxRecord[]): Promise<void> {
    writeSync(1, 'committed\n');
    process.kill(process.pid, 'SIGKILL');
  }
}
const ids = new SnowflakeGenerator({ workerId: 9 });
const writes = new MessageWrites(store, new DiesAfterCommit({ store, bus: new MemoryBus(), ids, log: silentLogger }));
const record = message(channel.id, authorId, { id: ids.next(), guildId: channel.guildId, content: 'sent once', nonce });
writeSync(1, `message ${record.id}\n`);
if (when === 'before-commit') {
  // The outbox function runs inside the transaction, after the claim and the message row.
  await store.messages.createOnce(record, nonce, Date.now() - NONCE_WINDOW_MS, {
    outbox: () => {
      writeSync(1, 'in transaction\n');
      process.kill(process.pid, 'SIGKILL');
      return [];
    },
  });
} else {
  await writes.createOnce(channel, record, nonce, Date.now() - NONCE_WINDOW_MS, [], { id: record.id, channel_id: channel.id, content: record.content, nonce });
}
writeSync(1, 'survived\n');
