/**
 * Migration 30 (src/store/sql/migrations.ts): a message without a nonce is not in the nonce index, which still serves
 * findByNonce, and the outbox keeps its records across the change to its table; on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrate, MIGRATIONS } from '../../src/store/sql/migrations.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { guildWithChannel, message, user } from '../contract/store.fixtures.ts';

const FIND_BY_NONCE = 'SELECT * FROM messages WHERE channel_id = ? AND author_id = ? AND nonce = ? AND id >= ? ORDER BY id DESC LIMIT 1';

/**
 * Migrates all but 30, writes messages (one with a nonce) and an outbox record, then applies 30. The later
 * migrations only add columns, which today's message INSERT names, so they go first.
 */
async function upgraded(store: SqlStore) {
  await migrate(store.driver, MIGRATIONS.filter((m) => m.version !== 30));
  const { channel } = await guildWithChannel(store);
  const author = await store.users.create(user());
  const plain = await store.messages.create(message(channel!.id, author.id));
  const withNonce = await store.messages.create({ ...message(channel!.id, author.id), nonce: 'n-1' });
  const record = { id: '1234567890123456789', kind: 'event' as const, subject: 'test', payload: '{"a":1}', createdAt: 1 };
  await store.messages.create(message(channel!.id, author.id), { outbox: [record] });
  assert.deepEqual(await store.migrate(), [30]);
  return { channel: channel!, author, plain, withNonce, record };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`${dialect}: fewer pages per message write`, { skip: dialect === 'postgres' ? await serviceSkip('postgres') : false }, () => {
    it('keeps messages and outbox records, finds by nonce through the index, and indexes no message without a nonce', async () => {
      const pg = dialect === 'postgres' ? await freshPostgresStore() : null;
      const store = (pg?.store ?? (await openSqliteStore({ path: ':memory:' }))) as SqlStore;
      try {
        const { channel, author, plain, withNonce, record } = await upgraded(store);
        assert.equal((await store.messages.findByNonce(channel.id, author.id, 'n-1', 0))?.id, withNonce.id);
        assert.equal((await store.messages.get(channel.id, plain.id))?.id, plain.id);
        assert.deepEqual((await store.outbox.pending({ limit: 10 })).map((r) => [r.id, r.payload]), [[record.id, record.payload]]);
        await store.outbox.done([record.id]);
        assert.deepEqual(await store.outbox.pending({ limit: 10 }), []);

        const params = [BigInt(channel.id), BigInt(author.id), 'n-1', 0n];
        if (dialect === 'sqlite') {
          const plan = await store.driver.all(`EXPLAIN QUERY PLAN ${FIND_BY_NONCE}`, params);
          assert.match(String(plan[0]?.detail), /USING INDEX messages_nonce/);
          const index = await store.driver.get("SELECT sql FROM sqlite_master WHERE name = 'messages_nonce'");
          assert.match(String(index?.sql), /WHERE nonce IS NOT NULL$/);
          const outbox = await store.driver.all("SELECT name FROM sqlite_master WHERE tbl_name = 'outbox' AND type = 'index'");
          assert.deepEqual(outbox, [], 'the outbox is one b-tree: its id is the rowid');
        } else {
          const plan = await store.driver.transaction(async (tx) => {
            await tx.exec('SET LOCAL enable_seqscan = off');
            return tx.all(`EXPLAIN ${FIND_BY_NONCE}`, params);
          });
          assert.match(plan.map((r) => String(r['QUERY PLAN'])).join('\n'), /using messages_nonce/);
          const index = await store.driver.get("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'messages_nonce'");
          assert.match(String(index?.indexdef), /WHERE \(nonce IS NOT NULL\)/);
          assert.equal(await store.driver.get("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'outbox_created'"), undefined);
        }
      } finally {
        if (pg) await pg.drop();
        else await store.close();
      }
    });
  });
}
