/**
 * Migration 44 gives bots Discord's four-digit discriminators, derived from their ids as new bots' are
 * (botDiscriminator in api/routes/applications.ts); people keep "0". Run on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { botDiscriminator } from '../../src/api/routes/applications.ts';
import { migrate, MIGRATIONS } from '../../src/store/sql/migrations.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { user } from '../contract/store.fixtures.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';

const BEFORE = MIGRATIONS.filter((m) => m.version < 44);

async function checkDiscriminators(store: SqlStore): Promise<void> {
  assert.ok((await migrate(store.driver, BEFORE)).includes(43));
  // Ids picked so that the derived tags cover both ends: 9998 → 9999, 19998 → 0001 and 10000 → 0002 (padded).
  const ids = ['9998', '1175928366562541568', '19998', '10000'];
  const bots = await Promise.all(ids.map((id) => store.users.create(user({ id, bot: true, passwordHash: null, discriminator: '0' }))));
  const person = await store.users.create(user({ discriminator: '0' }));
  // 44 first; later migrations (45 …) follow it.
  assert.equal((await store.migrate())[0], 44);
  for (const b of bots) {
    const after = await store.users.get(b.id);
    assert.equal(after!.discriminator, botDiscriminator(b.id), `bot ${b.id}`);
    assert.match(after!.discriminator, /^\d{4}$/);
  }
  assert.deepEqual(ids.map(botDiscriminator), ['9999', '7534', '0001', '0002']);
  assert.equal((await store.users.get(person.id))!.discriminator, '0');
}

const postgresSkip = await serviceSkip('postgres');

describe('migration 44: bot discriminators', () => {
  it('SQLite', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    try {
      await checkDiscriminators(store);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL', { skip: postgresSkip }, async () => {
    const { store, drop } = await freshPostgresStore();
    try {
      await checkDiscriminators(store as SqlStore);
    } finally {
      await drop();
    }
  });
});
