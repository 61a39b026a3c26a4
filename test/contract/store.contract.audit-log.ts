/** Contract: the guild audit log (AuditLogStore) and audit entries written inside other writes' transactions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { AuditLogEntryRecord, Store } from '../../src/store/types.ts';
import { guildWithChannel, idAt, message, newId, rejectsWith } from './store.fixtures.ts';

const NOW = 1_750_000_000_000;

function entry(guildId: string, over: Partial<AuditLogEntryRecord> = {}): AuditLogEntryRecord {
  return {
    id: newId(), guildId, userId: newId(), targetId: newId(), actionType: 20, changes: null, options: null, reason: null, createdAt: NOW, ...over,
  };
}

export function auditLogContract(s: () => Store): void {
  describe('audit log', () => {
    it('stores entries as given and lists them newest first, with filters and paging', async () => {
      const { guild } = await guildWithChannel(s());
      const mod = newId();
      const a = entry(guild.id, { userId: mod, changes: [{ key: 'nick', old_value: 'a', new_value: 'b' }], options: { channel_id: newId(), count: '2' }, reason: 'why ✓' });
      const b = entry(guild.id, { actionType: 22, targetId: null });
      const c = entry(guild.id, { userId: mod, actionType: 22 });
      for (const e of [a, b, c]) await s().auditLog.create(e);
      const q = { limit: 50, since: 0 };
      assert.deepEqual(await s().auditLog.list(guild.id, q), [c, b, a]);
      assert.deepEqual(await s().auditLog.list(guild.id, { ...q, userId: mod }), [c, a]);
      assert.deepEqual(await s().auditLog.list(guild.id, { ...q, actionType: 22 }), [c, b]);
      assert.deepEqual(await s().auditLog.list(guild.id, { ...q, userId: mod, actionType: 22 }), [c]);
      assert.deepEqual(await s().auditLog.list(guild.id, { ...q, before: c.id, limit: 1 }), [b]);
      assert.deepEqual(await s().auditLog.list(guild.id, { ...q, after: a.id }), [b, c], 'after alone: oldest first');
      assert.deepEqual(await s().auditLog.list(guild.id, { ...q, after: a.id, before: c.id }), [b]);
      assert.deepEqual(await s().auditLog.list(newId(), q), []);
    });

    it('leaves out entries older than `since` and prunes them', async () => {
      const { guild } = await guildWithChannel(s());
      const old = entry(guild.id, { id: idAt(NOW - 100_000), createdAt: NOW - 100_000 });
      const fresh = entry(guild.id);
      await s().auditLog.create(old);
      await s().auditLog.create(fresh);
      assert.deepEqual(await s().auditLog.list(guild.id, { limit: 10, since: NOW - 1000 }), [fresh]);
      assert.ok((await s().auditLog.prune(NOW - 1000)) >= 1);
      assert.deepEqual(await s().auditLog.list(guild.id, { limit: 10, since: 0 }), [fresh]);
    });

    it('refuses bad input and an unknown guild; entries go with their guild', async () => {
      const { guild } = await guildWithChannel(s());
      await rejectsWith(s().auditLog.create(entry(newId())), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().auditLog.create(entry(guild.id, { reason: 'x'.repeat(513) })), InvalidInputError, { field: 'reason' });
      await rejectsWith(s().auditLog.list(guild.id, { limit: 101, since: 0 }), InvalidInputError, { field: 'limit' });
      await s().auditLog.create(entry(guild.id));
      await s().guilds.delete(guild.id);
      assert.deepEqual(await s().auditLog.list(guild.id, { limit: 10, since: 0 }), []);
    });

    it('writes with WithOutbox store their audit entries in the same transaction, only when they changed something', async () => {
      const { guild, channel: ch, owner } = await guildWithChannel(s());
      const m = await s().messages.create(message(ch.id, owner.id, { guildId: guild.id }));
      const pin = entry(guild.id, { actionType: 74 });
      assert.equal(await s().pins.pin(ch.id, m.id, NOW, { audit: [pin] }), true);
      assert.equal(await s().pins.pin(ch.id, m.id, NOW, { audit: [entry(guild.id, { actionType: 74 })] }), false);
      const del = entry(guild.id, { actionType: 72 });
      await s().messages.delete(ch.id, m.id, { audit: [del] });
      const bulk: AuditLogEntryRecord[] = [];
      assert.deepEqual(await s().messages.bulkDelete(ch.id, [newId(), newId()], { audit: (gone) => (gone.length ? [entry(guild.id)] : bulk) }), []);
      assert.deepEqual((await s().auditLog.list(guild.id, { limit: 10, since: 0 })).map((e) => e.id), [del.id, pin.id]);
      // An entry that cannot be stored rolls the write back.
      const m2 = await s().messages.create(message(ch.id, owner.id, { guildId: guild.id }));
      await rejectsWith(s().messages.delete(ch.id, m2.id, { audit: [entry(guild.id, { reason: 'x'.repeat(600) })] }), InvalidInputError, { field: 'reason' });
      assert.ok(await s().messages.get(ch.id, m2.id));
    });
  });
}
