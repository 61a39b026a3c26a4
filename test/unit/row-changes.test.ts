/**
 * Store.watchRows on SQLite (src/store/sqlite/row-changes.ts): each row change of a watched table reaches the
 * listeners watching that table, with its key (an update with the key before and after), except an update that sets
 * only columns left unwatched; names are checked; a table is watched by one spec; a listener that throws is reset
 * instead of failing the write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import type { RowChangeListener } from '../../src/store/types.ts';
import { guildWithChannel, message, role } from '../contract/store.fixtures.ts';

function recorder(): RowChangeListener & { seen: string[]; resets: number } {
  return {
    seen: [],
    resets: 0,
    changed(table, keys) {
      this.seen.push(`${table}:${keys.join(',')}`);
    },
    reset() {
      this.resets++;
    },
  };
}

describe('row changes (SQLite triggers)', () => {
  let store: SqlStore;
  before(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await store.migrate();
  });
  after(() => store.close());

  it('reports inserts, updates (before and after) and deletes of watched tables only, to the listeners of each', async () => {
    const roles = recorder();
    const guilds = recorder();
    await store.watchRows!({ roles: ['guild_id', 'id'] }, roles);
    await store.watchRows!({ guilds: ['id'], roles: ['guild_id', 'id'] }, guilds);
    const { guild } = await guildWithChannel(store);
    const r = await store.roles.create(role(guild.id));
    await store.roles.update(guild.id, r.id, { name: 'renamed' });
    await store.roles.delete(guild.id, r.id);
    const expected = [`roles:${guild.id},${guild.id}`, `roles:${guild.id},${r.id}`, `roles:${guild.id},${r.id}`, `roles:${guild.id},${r.id}`, `roles:${guild.id},${r.id}`];
    assert.deepEqual(roles.seen, expected);
    assert.deepEqual(guilds.seen, [`guilds:${guild.id}`, ...expected]);
  });

  it('reports a row that REPLACE deletes for a conflict on another unique column', async () => {
    const seen = recorder();
    await store.watchRows!({ guilds: ['id'] }, seen);
    const a = (await guildWithChannel(store)).guild;
    const b = (await guildWithChannel(store)).guild;
    await store.driver.run('UPDATE guilds SET vanity_url_code = ? WHERE id = ?', ['taken', BigInt(a.id)]);
    seen.seen.length = 0;
    await store.driver.run('UPDATE OR REPLACE guilds SET vanity_url_code = ? WHERE id = ?', ['taken', BigInt(b.id)]);
    assert.equal(await store.guilds.get(a.id), null, 'guild a was replaced away');
    assert.ok(seen.seen.includes(`guilds:${a.id}`), `the deleted guild is reported: ${seen.seen.join(' ')}`);
  });

  it('refuses names that are not plain identifiers, and a second key for a watched table, creating nothing', async () => {
    await assert.rejects(store.watchRows!({ 'roles; DROP TABLE roles': ['id'] }, recorder()), /bad table or key names/);
    await assert.rejects(store.watchRows!({ members: ['user_id) --'] }, recorder()), /bad table or key names/);
    await assert.rejects(store.watchRows!({ roles: ['id'] }, recorder()), /already watched/);
    // Refused whole: the valid table listed first got no triggers either.
    await assert.rejects(store.watchRows!({ bans: ['guild_id'], 'x y': ['id'] }, recorder()), /bad table or key names/);
    const triggers = await store.driver.all("SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND tbl_name = 'bans'");
    assert.deepEqual(triggers, []);
  });

  it('leaves out updates that set only unwatched columns; inserts, deletes and any other update are reported', async () => {
    // A store of its own: this file's other tests watch channels by id alone.
    const own = await openSqliteStore({ path: ':memory:' });
    try {
      await own.migrate();
      const seen = recorder();
      await own.watchRows!({ channels: { keys: ['id'], unwatched: ['last_message_id'] } }, seen);
      const { channel: ch, owner } = await guildWithChannel(own);
      const id = BigInt(ch!.id);
      assert.deepEqual(seen.seen, [`channels:${ch!.id}`], 'the insert');
      seen.seen.length = 0;
      // A message moves last_message_id alone (sql/messages.ts), as does this statement.
      await own.messages.create(message(ch!.id, owner.id));
      await own.driver.run('UPDATE channels SET last_message_id = 1 WHERE id = ?', [id]);
      assert.deepEqual(seen.seen, []);
      await own.driver.run('UPDATE channels SET last_message_id = 2, name = ? WHERE id = ?', ['both', id]);
      await own.channels.update(ch!.id, { topic: 'topic' });
      await own.channels.delete(ch!.id);
      assert.deepEqual(seen.seen, Array(5).fill(`channels:${ch!.id}`), 'two updates (before and after) and the delete');
      await assert.rejects(own.watchRows!({ channels: ['id'] }, recorder()), /already watched by \(id\) but updates of \(last_message_id\)/);
      // A column the table lacks is refused, with nothing created for the tables listed with it.
      await assert.rejects(own.watchRows!({ bans: ['guild_id'], roles: { keys: ['id'], unwatched: ['no_such_column'] } }, recorder()), /roles has no column no_such_column/);
      assert.deepEqual(await own.driver.all("SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND tbl_name IN ('bans', 'roles')"), []);
      await assert.rejects(own.watchRows!({ bans: { keys: ['guild_id', 'user_id'], unwatched: ['user_id'] } }, recorder()), /a key column of bans cannot be unwatched/);
      // A column added after the triggers were made would go unwatched: watching that table again is refused.
      await own.driver.exec('ALTER TABLE channels ADD COLUMN added_later TEXT');
      await assert.rejects(own.watchRows!({ channels: { keys: ['id'], unwatched: ['last_message_id'] } }, recorder()), /channels changed since its triggers were made/);
    } finally {
      await own.close();
    }
  });

  it('a listener that throws is reset, and the write goes through', async () => {
    const failing = { ...recorder(), changed() { throw new Error('boom'); } };
    await store.watchRows!({ channels: ['id'] }, failing);
    const { channel } = await guildWithChannel(store);
    assert.ok(await store.channels.get(channel!.id));
    assert.ok(failing.resets >= 1);
  });
});
