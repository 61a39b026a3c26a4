/** Store contract: auto moderation rules (AutoModerationStore, migration 35). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { AutoModRuleRecord, Store } from '../../src/store/types.ts';
import { guildWithChannel, newId, rejectsWith } from './store.fixtures.ts';

function rule(guildId: string, creatorId: string, over: Partial<AutoModRuleRecord> = {}): AutoModRuleRecord {
  return {
    id: newId(), guildId, name: 'No spam', creatorId, eventType: 1, triggerType: 1,
    triggerMetadata: { keywordFilter: ['cat*', 'i like c++'], regexPatterns: ['(b|c)at'], allowList: ['catalog'] },
    actions: [{ type: 1, metadata: { customMessage: 'Not here' } }, { type: 3, metadata: { durationSeconds: 60 } }],
    enabled: true, exemptRoles: [], exemptChannels: [],
    ...over,
  };
}

export function autoModerationContract(s: () => Store): void {
  describe('auto moderation rules', () => {
    it('creates, reads, lists, updates and deletes rules, keeping them to their guild', async () => {
      const { guild, owner, channel } = await guildWithChannel(s());
      const first = await s().autoModeration.create(rule(guild.id, owner.id, { exemptRoles: [guild.id], exemptChannels: [channel!.id] }));
      assert.deepEqual(first.triggerMetadata, { keywordFilter: ['cat*', 'i like c++'], regexPatterns: ['(b|c)at'], allowList: ['catalog'] });
      assert.deepEqual(first.actions, [{ type: 1, metadata: { customMessage: 'Not here' } }, { type: 3, metadata: { durationSeconds: 60 } }]);
      assert.deepEqual([first.enabled, first.exemptRoles, first.exemptChannels], [true, [guild.id], [channel!.id]]);
      const second = await s().autoModeration.create(rule(guild.id, owner.id, { triggerType: 5, triggerMetadata: { mentionTotalLimit: 5 }, enabled: false }));
      assert.equal(second.enabled, false);
      assert.deepEqual((await s().autoModeration.listByGuild(guild.id)).map((r) => r.id), [first.id, second.id]);

      const other = await guildWithChannel(s());
      assert.equal(await s().autoModeration.get(other.guild.id, first.id), null, 'another guild does not see it');
      assert.equal(await s().autoModeration.update(other.guild.id, first.id, { name: 'x' }), null);
      assert.deepEqual(await s().autoModeration.listByGuild(other.guild.id), []);

      const updated = await s().autoModeration.update(guild.id, first.id, { name: 'Renamed', enabled: false, exemptChannels: [], triggerMetadata: { keywordFilter: ['dog'] } });
      assert.deepEqual([updated?.name, updated?.enabled, updated?.exemptChannels, updated?.triggerMetadata, updated?.triggerType], ['Renamed', false, [], { keywordFilter: ['dog'] }, 1]);
      assert.deepEqual(updated?.exemptRoles, [guild.id], 'what the patch does not name stays');

      assert.equal(await s().autoModeration.delete(other.guild.id, first.id), false);
      assert.equal(await s().autoModeration.delete(guild.id, first.id), true);
      assert.equal(await s().autoModeration.delete(guild.id, first.id), false);
      assert.deepEqual((await s().autoModeration.listByGuild(guild.id)).map((r) => r.id), [second.id]);
    });

    it('refuses an unknown guild, a bad name or exempt id, and goes with its guild', async () => {
      const { guild, owner } = await guildWithChannel(s());
      await rejectsWith(s().autoModeration.create(rule(newId(), owner.id)), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().autoModeration.create(rule(guild.id, owner.id, { name: '' })), InvalidInputError, { field: 'name' });
      await rejectsWith(s().autoModeration.create(rule(guild.id, owner.id, { exemptRoles: ['not-an-id'] })), InvalidInputError, { field: 'exempt_roles' });
      assert.deepEqual(await s().autoModeration.listByGuild(guild.id), [], 'nothing half-written');
      const kept = await s().autoModeration.create(rule(guild.id, owner.id));
      await s().guilds.delete(guild.id);
      assert.equal(await s().autoModeration.get(guild.id, kept.id), null);
    });
  });
}
