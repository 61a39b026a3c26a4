/** GuildSoundStore: a guild's soundboard sounds, their edits, deletion and the guild's cascade. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { GuildSoundRecord, Store } from '../../src/store/types.ts';
import { guildWithChannel, newId, rejectsWith } from './store.fixtures.ts';

function soundOf(guildId: string, userId: string, extra: Partial<GuildSoundRecord> = {}): GuildSoundRecord {
  return { id: newId(), guildId, name: 'quack', volume: 1, emojiId: null, emojiName: null, userId, createdAt: 1_700_000_000_000, ...extra };
}

export function guildSoundsContract(s: () => Store): void {
  describe('guild soundboard sounds', () => {
    it('creates, lists ascending by id, edits and deletes; volume kept exactly', async () => {
      const { guild, owner } = await guildWithChannel(s());
      const other = await guildWithChannel(s());
      const a = await s().guildSounds.create(soundOf(guild.id, owner.id, { name: 'airhorn', volume: 0.35, emojiName: '📯' }));
      const b = await s().guildSounds.create(soundOf(guild.id, owner.id, { name: 'cricket', emojiId: newId() }));
      await s().guildSounds.create(soundOf(other.guild.id, other.owner.id));
      assert.deepEqual(a, { ...soundOf(guild.id, owner.id), id: a.id, name: 'airhorn', volume: 0.35, emojiName: '📯' });
      assert.deepEqual(await s().guildSounds.listByGuild(guild.id), [a, b].sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1)));
      const edited = await s().guildSounds.update(a.id, { name: 'horn', volume: 0.123456, emojiId: null, emojiName: null });
      assert.deepEqual(edited, { ...a, name: 'horn', volume: 0.123456, emojiName: null });
      assert.equal(await s().guildSounds.update(newId(), { name: 'x' }), null);
      assert.equal(await s().guildSounds.delete(a.id), true);
      assert.equal(await s().guildSounds.delete(a.id), false);
      assert.equal(await s().guildSounds.get(a.id), null);
    });

    it('refuses a volume outside 0–1 and an unknown guild; goes with its guild', async () => {
      const { guild, owner } = await guildWithChannel(s());
      await rejectsWith(s().guildSounds.create(soundOf(guild.id, owner.id, { volume: 1.5 })), InvalidInputError);
      await rejectsWith(s().guildSounds.create(soundOf(guild.id, owner.id, { volume: Number.NaN })), InvalidInputError);
      await rejectsWith(s().guildSounds.create(soundOf(newId(), owner.id)), NotFoundError, { entity: 'guild' });
      const kept = await s().guildSounds.create(soundOf(guild.id, owner.id));
      await s().guilds.delete(guild.id);
      assert.equal(await s().guildSounds.get(kept.id), null);
    });
  });
}
