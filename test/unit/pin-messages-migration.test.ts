/**
 * Migration 33 splits pinning out of MANAGE_MESSAGES as Discord did: roles and overwrites that allowed or denied
 * MANAGE_MESSAGES allow or deny PIN_MESSAGES too, and nothing else changes. Run on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { migrate, MIGRATIONS } from '../../src/store/sql/migrations.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { guildWithChannel, newId, role } from '../contract/store.fixtures.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';

const { MANAGE_MESSAGES, PIN_MESSAGES, SEND_MESSAGES, ADMINISTRATOR } = Permissions;
const BEFORE = MIGRATIONS.filter((m) => m.version < 33);

async function checkSplit(store: SqlStore): Promise<void> {
  assert.ok((await migrate(store.driver, BEFORE)).includes(32));
  const { guild, channel } = await guildWithChannel(store);
  const bits = {
    moderator: SEND_MESSAGES | MANAGE_MESSAGES,
    plain: SEND_MESSAGES,
    // Bits far apart, high and low, all kept through the casts.
    high: ADMINISTRATOR | MANAGE_MESSAGES | (1n << 50n),
  };
  const roles = Object.fromEntries(await Promise.all(Object.entries(bits).map(async ([name, p]) =>
    [name, await store.roles.create(role(guild.id, { name, permissions: p.toString() }))] as const)));
  await store.overwrites.put({ channelId: channel.id, id: roles.moderator!.id, type: 0, allow: MANAGE_MESSAGES.toString(), deny: '0' });
  await store.overwrites.put({ channelId: channel.id, id: roles.plain!.id, type: 0, allow: SEND_MESSAGES.toString(), deny: MANAGE_MESSAGES.toString() });
  await store.overwrites.put({ channelId: channel.id, id: roles.high!.id, type: 0, allow: '0', deny: SEND_MESSAGES.toString() });
  // Pinning allowed on its own here, Manage Messages denied: pinning stays allowed (not allowed and denied at once).
  const member = newId();
  await store.overwrites.put({ channelId: channel.id, id: member, type: 1, allow: PIN_MESSAGES.toString(), deny: MANAGE_MESSAGES.toString() });

  // 33 first; later migrations (34 …) follow it.
  assert.equal((await store.migrate())[0], 33);
  const after = new Map((await store.roles.listByGuild(guild.id)).map((r) => [r.name, BigInt(r.permissions)]));
  assert.equal(after.get('moderator'), bits.moderator | PIN_MESSAGES);
  assert.equal(after.get('plain'), bits.plain);
  assert.equal(after.get('high'), bits.high | PIN_MESSAGES);
  assert.equal(after.get('@everyone'), 104324673n, '@everyone had no MANAGE_MESSAGES and is unchanged');
  const overwrites = new Map((await store.overwrites.listByChannel(channel.id)).map((o) => [o.id, [BigInt(o.allow), BigInt(o.deny)]]));
  assert.deepEqual(overwrites.get(roles.moderator!.id), [MANAGE_MESSAGES | PIN_MESSAGES, 0n]);
  assert.deepEqual(overwrites.get(roles.plain!.id), [SEND_MESSAGES, MANAGE_MESSAGES | PIN_MESSAGES]);
  assert.deepEqual(overwrites.get(roles.high!.id), [0n, SEND_MESSAGES]);
  assert.deepEqual(overwrites.get(member), [PIN_MESSAGES, MANAGE_MESSAGES]);
  // Permissions stay decimal text, as every reader expects.
  assert.equal(typeof (await store.roles.get(guild.id, roles.moderator!.id))!.permissions, 'string');
}

const postgresSkip = await serviceSkip('postgres');

describe('migration 33: PIN_MESSAGES split from MANAGE_MESSAGES', () => {
  it('SQLite', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    try {
      await checkSplit(store);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL', { skip: postgresSkip }, async () => {
    const { store, drop } = await freshPostgresStore();
    try {
      await checkSplit(store as SqlStore);
    } finally {
      await drop();
    }
  });
});
