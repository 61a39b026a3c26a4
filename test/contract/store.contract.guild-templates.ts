/** Store contract: guild templates (GuildTemplateStore, migration 36), and guilds created with channel overwrites. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { GuildTemplateRecord, Store } from '../../src/store/types.ts';
import { bundle, guildWithChannel, newId, rejectsWith, user } from './store.fixtures.ts';

function template(guildId: string, creatorId: string, over: Partial<GuildTemplateRecord> = {}): GuildTemplateRecord {
  const at = Date.now();
  return {
    code: `c${newId().slice(-10)}`, guildId, name: 'Kit', description: null, usageCount: 0, creatorId, createdAt: at, updatedAt: at,
    snapshot: { name: 'Source', roles: [{ id: 0, name: '@everyone' }], channels: [] },
    ...over,
  };
}

export function guildTemplatesContract(s: () => Store): void {
  describe('guild templates', () => {
    it('creates one per guild, reads it by code, updates, counts uses and deletes it', async () => {
      const { guild, owner } = await guildWithChannel(s());
      const t = await s().guildTemplates.create(template(guild.id, owner.id, { description: 'All of it' }));
      assert.deepEqual([t.name, t.description, t.usageCount, t.snapshot], ['Kit', 'All of it', 0, { name: 'Source', roles: [{ id: 0, name: '@everyone' }], channels: [] }]);
      assert.deepEqual(await s().guildTemplates.get(t.code), t);
      assert.deepEqual((await s().guildTemplates.listByGuild(guild.id)).map((x) => x.code), [t.code]);
      await rejectsWith(s().guildTemplates.create(template(guild.id, owner.id)), ConflictError, { field: 'guild_id' });
      await rejectsWith(s().guildTemplates.create(template(newId(), owner.id)), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().guildTemplates.create(template(guild.id, owner.id, { name: '' })), InvalidInputError, { field: 'name' });

      const other = await guildWithChannel(s());
      assert.equal(await s().guildTemplates.update(other.guild.id, t.code, { name: 'x' }), null, 'another guild cannot touch it');
      assert.equal(await s().guildTemplates.delete(other.guild.id, t.code), null);
      const updated = await s().guildTemplates.update(guild.id, t.code, { name: 'Kit 2', description: null, snapshot: { name: 'Later' }, updatedAt: t.updatedAt + 5 });
      assert.deepEqual([updated?.name, updated?.description, updated?.snapshot, updated?.updatedAt], ['Kit 2', null, { name: 'Later' }, t.updatedAt + 5]);
      await s().guildTemplates.countUse(t.code);
      await s().guildTemplates.countUse(t.code);
      assert.equal((await s().guildTemplates.get(t.code))?.usageCount, 2);

      assert.equal((await s().guildTemplates.delete(guild.id, t.code))?.code, t.code);
      assert.equal(await s().guildTemplates.get(t.code), null);
      assert.equal(await s().guildTemplates.delete(guild.id, t.code), null);
      const again = await s().guildTemplates.create(template(guild.id, owner.id));
      await s().guilds.delete(guild.id);
      assert.equal(await s().guildTemplates.get(again.code), null, 'gone with its guild');
    });

    it('creates a guild with its channels\' overwrites in the same transaction, or nothing', async () => {
      const owner = await s().users.create(user());
      const b = bundle(owner.id);
      const channel = b.channels[0]!;
      const overwrite = { channelId: channel.id, id: b.guild.id, type: 0 as const, allow: '1024', deny: '2048' };
      await s().guilds.create({ ...b, overwrites: [overwrite] });
      assert.deepEqual(await s().overwrites.listByChannel(channel.id), [overwrite]);
      // An overwrite of a channel the bundle does not create refuses the whole bundle.
      const bad = bundle(owner.id);
      await rejectsWith(s().guilds.create({ ...bad, overwrites: [overwrite] }), InvalidInputError, { field: 'overwrites' });
      assert.equal(await s().guilds.get(bad.guild.id), null, 'nothing half-written');
    });
  });
}
