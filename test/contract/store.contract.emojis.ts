/** Contract: custom guild emoji (GuildEmojiStore), getMany above all — the one read message content's emoji are checked with. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../src/store/errors.ts';
import type { GuildEmojiRecord, Store } from '../../src/store/types.ts';
import { guildWithChannel, idAt, newId, rejectsWith } from './store.fixtures.ts';

const emojiOf = (guildId: string, userId: string, over: Partial<GuildEmojiRecord> = {}): GuildEmojiRecord => ({
  id: newId(), guildId, name: 'wave', roles: [], userId, animated: false, createdAt: 1_700_000_000_000, ...over,
});

export function guildEmojisContract(s: () => Store): void {
  describe('guild emojis', () => {
    it('getMany: the known ones of any guild, once each, ascending by id; unknown ids left out', async () => {
      const a = await guildWithChannel(s());
      const b = await guildWithChannel(s());
      const plain = await s().guildEmojis.create(emojiOf(a.guild.id, a.owner.id, { name: 'plain' }));
      const restricted = await s().guildEmojis.create(emojiOf(a.guild.id, a.owner.id, { name: 'vip', roles: [newId(), newId()], animated: true }));
      // Fewer digits than the others: ascending means by number, not by text.
      const early = await s().guildEmojis.create(emojiOf(b.guild.id, b.owner.id, { id: idAt(1_420_070_400_000 + 1_000 + Math.floor(Math.random() * 1e6)), name: 'early' }));
      const got = await s().guildEmojis.getMany([restricted.id, newId(), plain.id, early.id, restricted.id]);
      assert.deepEqual(got, [early, plain, restricted]);
      assert.deepEqual(got[2], await s().guildEmojis.get(restricted.id));
      assert.deepEqual(await s().guildEmojis.getMany([]), []);
      assert.deepEqual(await s().guildEmojis.getMany([newId()]), []);
    });

    it('getMany: more ids than one IN list holds are read in chunks, still ascending', async () => {
      const { guild, owner } = await guildWithChannel(s());
      const made: GuildEmojiRecord[] = [];
      for (let i = 0; i < 3; i++) made.push(await s().guildEmojis.create(emojiOf(guild.id, owner.id, { name: `e${i}` })));
      const unknown = Array.from({ length: 1_100 }, () => newId());
      const got = await s().guildEmojis.getMany([made[2]!.id, ...unknown.slice(0, 600), made[0]!.id, ...unknown.slice(600), made[1]!.id]);
      assert.deepEqual(got, made);
    });

    it('getMany: a malformed id is refused before the database', async () => {
      await rejectsWith(s().guildEmojis.getMany(['not-a-snowflake']), InvalidInputError);
      await rejectsWith(s().guildEmojis.getMany(['99999999999999999999']), InvalidInputError);
    });
  });
}
