/** Contract: webhooks of guild channels, and webhook messages keeping the author they were sent as. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import { WebhookType, type Store, type WebhookRecord } from '../../src/store/types.ts';
import { channel, guildWithChannel, message, newId, rejectsWith } from './store.fixtures.ts';

function webhook(guildId: string, channelId: string, over: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id: newId(), type: WebhookType.INCOMING, guildId, channelId, creatorId: newId(), name: 'Captain Hook', avatar: null,
    token: 'T'.repeat(68), applicationId: null, createdAt: 1_700_000_000_000, ...over,
  };
}

const idsOf = (list: readonly { id: string }[]) => list.map((w) => w.id);

export function webhooksContract(s: () => Store): void {
  describe('webhooks', () => {
    it('creates and reads back the same record; unknown ids are null', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const w = webhook(guild.id, ch.id, { avatar: 'a'.repeat(32), applicationId: newId() });
      assert.deepEqual(await s().webhooks.create(w), w);
      assert.deepEqual(await s().webhooks.get(w.id), w);
      assert.equal(await s().webhooks.get(newId()), null);
      const bare = webhook(guild.id, ch.id, { creatorId: null, token: null, type: WebhookType.APPLICATION });
      assert.deepEqual(await s().webhooks.create(bare), bare);
    });

    it('refuses bad input and an unknown channel', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      await rejectsWith(s().webhooks.create(webhook(guild.id, ch.id, { name: '' })), InvalidInputError, { field: 'name' });
      await rejectsWith(s().webhooks.create(webhook(guild.id, ch.id, { name: 'x'.repeat(81) })), InvalidInputError, { field: 'name' });
      await rejectsWith(s().webhooks.create(webhook(guild.id, ch.id, { type: 7 as never })), InvalidInputError, { field: 'type' });
      await rejectsWith(s().webhooks.create(webhook(guild.id, newId())), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().webhooks.get('nope'), InvalidInputError);
    });

    it('lists by channel and by guild, ascending, and counts a guild', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const other = await s().channels.create(channel(guild.id));
      const a = await s().webhooks.create(webhook(guild.id, ch.id));
      const b = await s().webhooks.create(webhook(guild.id, other.id));
      const c = await s().webhooks.create(webhook(guild.id, ch.id));
      assert.deepEqual(idsOf(await s().webhooks.listByChannel(ch.id)), [a.id, c.id]);
      assert.deepEqual(idsOf(await s().webhooks.listByChannel(other.id)), [b.id]);
      assert.deepEqual(idsOf(await s().webhooks.listByGuild(guild.id)), [a.id, b.id, c.id]);
      assert.equal(await s().webhooks.countByGuild(guild.id), 3);
      assert.equal(await s().webhooks.countByGuild(newId()), 0);
    });

    it('renames, changes the avatar and moves to another channel', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const other = await s().channels.create(channel(guild.id));
      const w = await s().webhooks.create(webhook(guild.id, ch.id));
      const renamed = await s().webhooks.update(w.id, { name: 'Hooky', avatar: 'b'.repeat(32) });
      assert.deepEqual(renamed, { ...w, name: 'Hooky', avatar: 'b'.repeat(32) });
      const moved = await s().webhooks.update(w.id, { channelId: other.id, avatar: null });
      assert.deepEqual(moved, { ...renamed, channelId: other.id, avatar: null });
      assert.deepEqual(await s().webhooks.listByChannel(ch.id), []);
      assert.deepEqual(await s().webhooks.update(w.id, {}), moved);
      await rejectsWith(s().webhooks.update(w.id, { channelId: newId() }), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().webhooks.update(newId(), { name: 'x' }), NotFoundError, { entity: 'webhook' });
      await rejectsWith(s().webhooks.update(newId(), {}), NotFoundError, { entity: 'webhook' });
      await rejectsWith(s().webhooks.update(w.id, { name: 'x'.repeat(81) }), InvalidInputError, { field: 'name' });
    });

    it('deletes; its channel or guild going deletes it too', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const other = await s().channels.create(channel(guild.id));
      const w = await s().webhooks.create(webhook(guild.id, ch.id));
      const sent = await s().messages.create(message(ch.id, w.id, { guildId: guild.id, webhookId: w.id, webhookAuthor: { username: 'Hook', avatar: null, avatarUrl: null } }));
      await s().webhooks.delete(w.id);
      assert.equal(await s().webhooks.get(w.id), null);
      await rejectsWith(s().webhooks.delete(w.id), NotFoundError, { entity: 'webhook' });
      // Its messages stay.
      assert.notEqual(await s().messages.get(ch.id, sent.id), null);

      const inOther = await s().webhooks.create(webhook(guild.id, other.id));
      await s().channels.delete(other.id);
      assert.equal(await s().webhooks.get(inOther.id), null);
      const inGuild = await s().webhooks.create(webhook(guild.id, ch.id));
      await s().guilds.delete(guild.id);
      assert.equal(await s().webhooks.get(inGuild.id), null);
    });
  });

  describe('webhook messages', () => {
    it('keep the author they were sent as; other messages have none', async () => {
      const { guild, channel: ch, owner } = await guildWithChannel(s());
      const hookId = newId();
      const sent = message(ch.id, hookId, {
        guildId: guild.id, webhookId: hookId, webhookAuthor: { username: 'Override', avatar: null, avatarUrl: 'https://example.test/a.png?x=1' },
      });
      assert.deepEqual(await s().messages.create(sent), sent);
      assert.deepEqual(await s().messages.get(ch.id, sent.id), sent);
      const withAvatar = message(ch.id, hookId, { guildId: guild.id, webhookId: hookId, webhookAuthor: { username: 'Hook', avatar: 'c'.repeat(32), avatarUrl: null } });
      await s().messages.create(withAvatar);
      const edited = await s().messages.update(ch.id, withAvatar.id, { content: 'edited' });
      assert.deepEqual(edited.webhookAuthor, withAvatar.webhookAuthor);
      const plain = await s().messages.create(message(ch.id, owner.id));
      assert.equal('webhookAuthor' in (await s().messages.get(ch.id, plain.id))!, false);
      assert.deepEqual((await s().messages.list(ch.id)).map((m) => m.webhookAuthor?.username ?? null), [null, 'Hook', 'Override']);
    });

    it('refuses a malformed author', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const hookId = newId();
      const bad = (webhookAuthor: unknown) => message(ch.id, hookId, { guildId: guild.id, webhookId: hookId, webhookAuthor: webhookAuthor as never });
      await rejectsWith(s().messages.create(bad({ username: '', avatar: null, avatarUrl: null })), InvalidInputError, { field: 'webhook_author.username' });
      await rejectsWith(s().messages.create(bad({ username: 'x', avatar: null, avatarUrl: 'u'.repeat(2049) })), InvalidInputError, { field: 'webhook_author.avatar_url' });
      await rejectsWith(s().messages.create(bad('Hook')), InvalidInputError, { field: 'webhook_author' });
    });
  });
}
