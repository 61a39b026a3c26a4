/** Contract: channels, overwrites, invites, read states, push subscriptions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import { ChannelType, type InviteRecord, type Store } from '../../src/store/types.ts';
import { channel, guildWithChannel, ids, member, message, newId, rejectsWith, role, uniq, user } from './store.fixtures.ts';

export function channelsContract(s: () => Store): void {
  describe('channels', () => {
    it('creates, reads, lists by (position, id), updates', async () => {
      const { guild, channel: first } = await guildWithChannel(s());
      const cat = await s().channels.create(channel(guild.id, { type: ChannelType.GUILD_CATEGORY, name: 'cat', position: 0 }));
      const c = channel(guild.id, { name: 'second', position: 5, topic: 't'.repeat(1024), parentId: cat.id, nsfw: true, rateLimitPerUser: 30 });
      assert.deepEqual(await s().channels.create(c), c);
      assert.deepEqual(await s().channels.get(c.id), c);
      assert.equal(await s().channels.get(newId()), null);
      assert.deepEqual(ids(await s().channels.listByGuild(guild.id)), [first.id, cat.id, c.id]); // position 0, 0 (by id), 5
      const updated = await s().channels.update(c.id, { name: 'renamed', topic: null, rateLimitPerUser: 0, lastPinTimestamp: 5 });
      assert.equal(updated.name, 'renamed');
      assert.equal(updated.topic, null);
      assert.equal(updated.lastPinTimestamp, 5);
      assert.deepEqual(await s().channels.get(c.id), updated);
      await rejectsWith(s().channels.update(newId(), { name: 'x' }), NotFoundError, { entity: 'channel' });
    });
    it('advanceLastMessageId moves last_message_id forward only; thread defaults are kept when set', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const [older, newer] = [newId(), newId()];
      await s().channels.advanceLastMessageId(ch.id, newer);
      await s().channels.advanceLastMessageId(ch.id, older);
      assert.deepEqual(await s().channels.getLastMessageId(ch.id), { lastMessageId: newer });
      const withDefaults = await s().channels.create(channel(guild.id, { name: 'defaults', defaultAutoArchiveDuration: 1440, defaultThreadRateLimitPerUser: 30 }));
      const read = (await s().channels.get(withDefaults.id))!;
      assert.deepEqual([read.defaultAutoArchiveDuration, read.defaultThreadRateLimitPerUser], [1440, 30]);
      const cleared = await s().channels.update(withDefaults.id, { defaultAutoArchiveDuration: null });
      assert.equal('defaultAutoArchiveDuration' in cleared, false);
      assert.equal(cleared.defaultThreadRateLimitPerUser, 30);
      assert.equal('defaultAutoArchiveDuration' in (await s().channels.get(ch.id))!, false);
    });

    it('a voice channel keeps its status until it is cleared (absent when none; at most 500 characters)', async () => {
      const { guild } = await guildWithChannel(s());
      const voice = await s().channels.create(channel(guild.id, { name: 'voice', type: ChannelType.GUILD_VOICE }));
      assert.equal('voiceStatus' in voice, false);
      assert.equal((await s().channels.update(voice.id, { voiceStatus: 'Playing 🎲' })).voiceStatus, 'Playing 🎲');
      assert.equal((await s().channels.get(voice.id))?.voiceStatus, 'Playing 🎲');
      assert.equal((await s().channels.listByGuild(guild.id)).find((c) => c.id === voice.id)?.voiceStatus, 'Playing 🎲');
      await rejectsWith(s().channels.update(voice.id, { voiceStatus: 'x'.repeat(501) }), InvalidInputError, { field: 'voice_status' });
      assert.equal('voiceStatus' in (await s().channels.update(voice.id, { voiceStatus: null })), false);
    });

    it('rejects bad input, duplicates and unknown guilds', async () => {
      const { guild, channel: first } = await guildWithChannel(s());
      await rejectsWith(s().channels.create(channel(guild.id, { name: 'n'.repeat(101) })), InvalidInputError, { field: 'name' });
      await rejectsWith(s().channels.create(channel(guild.id, { topic: 't'.repeat(4097) })), InvalidInputError, { field: 'topic' });
      await rejectsWith(s().channels.create(channel(guild.id, { name: '' })), InvalidInputError, { field: 'name' });
      await rejectsWith(s().channels.create(channel(guild.id, { rateLimitPerUser: 21601 })), InvalidInputError, { field: 'rate_limit_per_user' });
      await rejectsWith(s().channels.create(channel(guild.id, { id: first.id })), ConflictError, { entity: 'channel', field: 'id' });
      await rejectsWith(s().channels.create(channel(newId())), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().channels.create(channel(guild.id, { parentId: 'nope' })), InvalidInputError, { field: 'parent_id' });
      await rejectsWith(s().channels.update(first.id, { name: 'n'.repeat(101) }), InvalidInputError, { field: 'name' });
    });
    it('sets positions and parents in one transaction', async () => {
      const { guild, channel: a } = await guildWithChannel(s());
      const cat = await s().channels.create(channel(guild.id, { type: ChannelType.GUILD_CATEGORY, name: 'cat', position: 9 }));
      const b = await s().channels.create(channel(guild.id, { position: 1 }));
      await s().channels.setPositions(guild.id, [{ id: a.id, position: 2, parentId: cat.id }, { id: b.id, position: 0 }, { id: cat.id, position: 1 }]);
      assert.deepEqual(ids(await s().channels.listByGuild(guild.id)), [b.id, cat.id, a.id]);
      assert.equal((await s().channels.get(a.id))?.parentId, cat.id);
      await s().channels.setPositions(guild.id, [{ id: a.id, position: 2, parentId: null }]);
      assert.equal((await s().channels.get(a.id))?.parentId, null);
      await rejectsWith(s().channels.setPositions(guild.id, [{ id: b.id, position: 7 }, { id: newId(), position: 0 }]), NotFoundError, { entity: 'channel' });
      assert.equal((await s().channels.get(b.id))?.position, 0);
      const other = await guildWithChannel(s());
      await rejectsWith(s().channels.setPositions(guild.id, [{ id: other.channel.id, position: 3 }]), NotFoundError, { entity: 'channel' });
    });
    it('delete cascades to messages, overwrites, invites, read states; children lose their parent', async () => {
      const { guild, owner } = await guildWithChannel(s());
      const cat = await s().channels.create(channel(guild.id, { type: ChannelType.GUILD_CATEGORY, name: 'cat' }));
      const child = await s().channels.create(channel(guild.id, { parentId: cat.id }));
      const m = await s().messages.create(message(cat.id, owner.id));
      await s().reactions.add(cat.id, m.id, { id: null, name: '🔥' }, owner.id);
      await s().pins.pin(cat.id, m.id, 1);
      await s().overwrites.put({ channelId: cat.id, id: owner.id, type: 1, allow: '0', deny: '0' });
      const code = uniq('c');
      await s().invites.create(invite(code, guild.id, cat.id));
      await s().readStates.ack({ userId: owner.id, channelId: cat.id, lastMessageId: m.id, mentionCount: 2, lastPinTimestamp: null });
      await s().channels.delete(cat.id);
      assert.equal(await s().channels.get(cat.id), null);
      assert.equal((await s().channels.get(child.id))?.parentId, null);
      assert.equal(await s().messages.get(cat.id, m.id), null);
      assert.deepEqual(await s().pins.list(cat.id), []);
      assert.deepEqual(await s().overwrites.listByChannel(cat.id), []);
      assert.equal(await s().invites.get(code), null);
      assert.deepEqual(await s().readStates.listForUser(owner.id), []);
      await rejectsWith(s().channels.delete(cat.id), NotFoundError, { entity: 'channel' });
    });
    it('DMs: recipients, findDm both ways, private channel lists', async () => {
      const a = await s().users.create(user());
      const b = await s().users.create(user());
      const c = await s().users.create(user());
      const dm = await s().channels.create(channel(null), [a.id, b.id]);
      assert.equal(dm.guildId, null);
      assert.equal((await s().channels.findDm(a.id, b.id))?.id, dm.id);
      assert.equal((await s().channels.findDm(b.id, a.id))?.id, dm.id);
      assert.equal(await s().channels.findDm(a.id, c.id), null);
      const group = await s().channels.create(channel(null, { type: ChannelType.GROUP_DM, ownerId: a.id, name: 'group' }), [a.id, b.id]);
      assert.equal(await s().channels.findDm(a.id, b.id).then((d) => d?.id), dm.id); // group DMs are not 1:1 DMs
      assert.deepEqual(ids(await s().channels.listPrivateForUser(a.id)), [dm.id, group.id]);
      await s().channels.addRecipient(group.id, c.id);
      await s().channels.addRecipient(group.id, c.id);
      assert.deepEqual(await s().channels.listRecipients(group.id), [a.id, b.id, c.id].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1)));
      await s().channels.removeRecipient(group.id, b.id);
      await s().channels.removeRecipient(group.id, b.id);
      assert.deepEqual(ids(await s().channels.listPrivateForUser(b.id)), [dm.id]);
      await rejectsWith(s().channels.addRecipient(newId(), a.id), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().channels.create(channel(null, { guildId: null, type: ChannelType.GUILD_TEXT })), InvalidInputError);
    });
    it('listPrivateWithRecipients: listPrivateForUser with each channel\'s listRecipients, in one read', async () => {
      const asc = (xs: string[]) => [...xs].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
      const [a, b, c, d] = [await s().users.create(user()), await s().users.create(user()), await s().users.create(user()), await s().users.create(user())];
      assert.deepEqual(await s().channels.listPrivateWithRecipients(a.id), []);
      const group = await s().channels.create(channel(null, { type: ChannelType.GROUP_DM, ownerId: a.id, name: 'group' }), [a.id, b.id, c.id]);
      const dm = await s().channels.create(channel(null), [a.id, d.id]);
      const other = await s().channels.create(channel(null), [b.id, c.id]);
      const expected = (await s().channels.listPrivateForUser(a.id)).map((ch) => ch.id);
      assert.deepEqual(expected, asc([group.id, dm.id]));
      const got = await s().channels.listPrivateWithRecipients(a.id);
      assert.deepEqual(got.map((x) => x.channel), await s().channels.listPrivateForUser(a.id));
      for (const x of got) assert.deepEqual(x.recipients, await s().channels.listRecipients(x.channel.id));
      assert.deepEqual(got.find((x) => x.channel.id === group.id)?.recipients, asc([a.id, b.id, c.id]));
      assert.deepEqual(got.find((x) => x.channel.id === dm.id)?.recipients, asc([a.id, d.id]));
      assert.deepEqual((await s().channels.listPrivateWithRecipients(b.id)).map((x) => x.channel.id), asc([group.id, other.id]));
      await s().channels.removeRecipient(group.id, a.id);
      assert.deepEqual((await s().channels.listPrivateWithRecipients(a.id)).map((x) => [x.channel.id, x.recipients]), [[dm.id, asc([a.id, d.id])]]);
    });
  });

  describe('channels with their overwrites', () => {
    const ow = (channelId: string, id: string, allow = '0', deny = '0', type: 0 | 1 = 0) => ({ channelId, id, type, allow, deny });
    const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));

    it('create stores the overwrites with the channel; a repeated id keeps the last', async () => {
      const { guild } = await guildWithChannel(s());
      const c = channel(guild.id);
      const u = newId();
      const set = [ow(c.id, guild.id, '0', '1024'), ow(c.id, u, '2048', '0', 1), ow(c.id, u, '3072', '8', 1)];
      assert.deepEqual(await s().channels.create(c, [], set), c);
      assert.deepEqual(await s().overwrites.listByChannel(c.id), byId([set[0]!, set[2]!]));
      const d = channel(guild.id);
      await rejectsWith(s().channels.create(d, [], [ow(c.id, u)]), InvalidInputError, { field: 'channel_id' });
      assert.equal(await s().channels.get(d.id), null);
    });
    it('create is atomic: an overwrite that cannot be stored leaves no channel', async () => {
      const { guild } = await guildWithChannel(s());
      const c = channel(guild.id);
      // The bad id is checked as its INSERT runs, after the channel's and the first overwrite's.
      await rejectsWith(s().channels.create(c, [], [ow(c.id, guild.id), ow(c.id, '9'.repeat(25))]), InvalidInputError, { field: 'id' });
      assert.equal(await s().channels.get(c.id), null);
      assert.deepEqual(await s().overwrites.listByChannel(c.id), []);
      assert.deepEqual(ids(await s().channels.listByGuild(guild.id)).includes(c.id), false);
      const d = channel(guild.id);
      await rejectsWith(s().channels.create(d, [], [ow(d.id, guild.id, 'all')]), InvalidInputError, { field: 'allow' });
      assert.equal(await s().channels.get(d.id), null);
    });
    it('update replaces the overwrite set with the fields', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const u = newId();
      await s().overwrites.put(ow(ch.id, guild.id, '0', '1024'));
      const updated = await s().channels.update(ch.id, { name: 'renamed' }, { overwrites: [ow(ch.id, u, '4', '0', 1)] });
      assert.equal(updated.name, 'renamed');
      assert.deepEqual(await s().channels.get(ch.id), updated);
      assert.deepEqual(await s().overwrites.listByChannel(ch.id), [ow(ch.id, u, '4', '0', 1)]);
      // Overwrites alone, and an empty set clears.
      assert.deepEqual(await s().channels.update(ch.id, {}, { overwrites: [] }), updated);
      assert.deepEqual(await s().overwrites.listByChannel(ch.id), []);
      // Without the option the set is left alone.
      await s().overwrites.put(ow(ch.id, u, '1', '0', 1));
      await s().channels.update(ch.id, { topic: 't' });
      assert.equal((await s().overwrites.listByChannel(ch.id)).length, 1);
      const nowhere = newId();
      await rejectsWith(s().channels.update(nowhere, {}, { overwrites: [] }), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().channels.update(nowhere, { name: 'x' }, { overwrites: [] }), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().channels.update(ch.id, {}, { overwrites: [ow(nowhere, u)] }), InvalidInputError, { field: 'channel_id' });
    });
    it('update is atomic: an overwrite that cannot be stored leaves the fields and the old set', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      await s().overwrites.put(ow(ch.id, guild.id, '0', '1024'));
      const before = await s().channels.get(ch.id);
      // The channel's UPDATE and the DELETE of the old set have run when the bad overwrite is reached.
      await rejectsWith(
        s().channels.update(ch.id, { name: 'renamed', topic: 'new' }, { overwrites: [ow(ch.id, newId()), ow(ch.id, 'bad')] }),
        InvalidInputError, { field: 'id' },
      );
      assert.deepEqual(await s().channels.get(ch.id), before);
      assert.deepEqual(await s().overwrites.listByChannel(ch.id), [ow(ch.id, guild.id, '0', '1024')]);
    });
    it('setPositions with lockPermissions copies the new parent\'s overwrites in the same transaction', async () => {
      const { guild, channel: a } = await guildWithChannel(s());
      const u = newId();
      const catRecord = channel(guild.id, { type: ChannelType.GUILD_CATEGORY, name: 'cat' });
      const cat = await s().channels.create(catRecord, [], [ow(catRecord.id, guild.id, '0', '1024'), ow(catRecord.id, u, '2048', '0', 1)]);
      const bRecord = channel(guild.id, { position: 3 });
      const b = await s().channels.create(bRecord, [], [ow(bRecord.id, u, '0', '4', 1)]);
      await s().overwrites.put(ow(a.id, u, '0', '2048', 1));
      await s().channels.setPositions(guild.id, [
        { id: a.id, position: 1, parentId: cat.id, lockPermissions: true },
        { id: b.id, position: 2, parentId: cat.id },
      ]);
      assert.equal((await s().channels.get(a.id))?.parentId, cat.id);
      assert.deepEqual(await s().overwrites.listByChannel(a.id), byId([ow(a.id, guild.id, '0', '1024'), ow(a.id, u, '2048', '0', 1)]));
      assert.deepEqual(await s().overwrites.listByChannel(b.id), [ow(b.id, u, '0', '4', 1)]); // not locked: kept
      // A lock on a channel left without a parent changes nothing.
      await s().channels.setPositions(guild.id, [{ id: b.id, position: 2, parentId: null, lockPermissions: true }]);
      assert.deepEqual(await s().overwrites.listByChannel(b.id), [ow(b.id, u, '0', '4', 1)]);
    });
    it('setPositions is atomic: an unknown channel leaves positions, parents and overwrites as they were', async () => {
      const { guild, channel: a } = await guildWithChannel(s());
      const cat = await s().channels.create(channel(guild.id, { type: ChannelType.GUILD_CATEGORY, name: 'cat' }));
      await s().overwrites.put(ow(cat.id, guild.id, '0', '1024'));
      await s().overwrites.put(ow(a.id, guild.id, '2048', '0'));
      await rejectsWith(
        s().channels.setPositions(guild.id, [{ id: a.id, position: 4, parentId: cat.id, lockPermissions: true }, { id: newId(), position: 0 }]),
        NotFoundError, { entity: 'channel' },
      );
      const after = await s().channels.get(a.id);
      assert.deepEqual([after?.position, after?.parentId], [0, null]);
      assert.deepEqual(await s().overwrites.listByChannel(a.id), [ow(a.id, guild.id, '2048', '0')]);
    });
  });

  describe('group DM leave', () => {
    const sorted = (list: string[]) => [...list].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    const group = async (n: number) => {
      const users = [];
      for (let i = 0; i < n; i++) users.push((await s().users.create(user())).id);
      const g = await s().channels.create(channel(null, { type: ChannelType.GROUP_DM, ownerId: users[0], name: 'g' }), users);
      return { g, users };
    };

    it('removes the recipient; the owner leaving hands the group to the lowest remaining id; the last out deletes it', async () => {
      const { g, users: [owner, b, c] } = await group(3);
      let r = await s().channels.removeGroupRecipient(g.id, b!);
      assert.deepEqual(r, { channel: g, recipients: sorted([owner!, c!]) });
      r = await s().channels.removeGroupRecipient(g.id, b!); // idempotent
      assert.deepEqual(r.recipients, sorted([owner!, c!]));
      await s().channels.addRecipient(g.id, b!);
      r = await s().channels.removeGroupRecipient(g.id, owner!);
      const heir = sorted([b!, c!])[0];
      assert.equal(r.channel?.ownerId, heir);
      assert.deepEqual(await s().channels.get(g.id), r.channel);
      const m = await s().messages.create(message(g.id, b!));
      await s().channels.removeGroupRecipient(g.id, b!);
      r = await s().channels.removeGroupRecipient(g.id, c!);
      assert.deepEqual(r, { channel: null, recipients: [] });
      assert.equal(await s().channels.get(g.id), null);
      assert.equal(await s().messages.get(g.id, m.id), null);
      assert.deepEqual(await s().channels.listPrivateForUser(c!), []);
    });
    it('rejects unknown channels and channels that are not group DMs', async () => {
      const a = await s().users.create(user());
      const b = await s().users.create(user());
      const dm = await s().channels.create(channel(null), [a.id, b.id]);
      await rejectsWith(s().channels.removeGroupRecipient(dm.id, a.id), InvalidInputError, { field: 'type' });
      assert.deepEqual(await s().channels.listRecipients(dm.id), sorted([a.id, b.id]));
      await rejectsWith(s().channels.removeGroupRecipient(newId(), a.id), NotFoundError, { entity: 'channel' });
    });
    it('the last two leaving at once still delete the group', async () => {
      for (let round = 0; round < 5; round++) {
        const { g, users } = await group(2);
        await Promise.all(users.map((u) => s().channels.removeGroupRecipient(g.id, u)));
        assert.equal(await s().channels.get(g.id), null);
      }
    });
  });

  describe('overwrites', () => {
    it('puts (insert or replace), lists by channel and guild, replaces the set, deletes', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const ch2 = await s().channels.create(channel(guild.id));
      const u = newId();
      await s().overwrites.put({ channelId: ch.id, id: guild.id, type: 0, allow: '0', deny: '1024' });
      await s().overwrites.put({ channelId: ch.id, id: u, type: 1, allow: '2048', deny: '0' });
      const replaced = await s().overwrites.put({ channelId: ch.id, id: u, type: 1, allow: '3072', deny: '8' });
      assert.deepEqual(replaced, { channelId: ch.id, id: u, type: 1, allow: '3072', deny: '8' });
      assert.deepEqual(await s().overwrites.listByChannel(ch.id), [
        { channelId: ch.id, id: guild.id, type: 0, allow: '0', deny: '1024' },
        { channelId: ch.id, id: u, type: 1, allow: '3072', deny: '8' },
      ].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)));
      await s().overwrites.put({ channelId: ch2.id, id: u, type: 1, allow: '1', deny: '0' });
      assert.equal((await s().overwrites.listByGuild(guild.id)).length, 3);
      await s().overwrites.replaceForChannel(ch.id, [{ channelId: ch.id, id: u, type: 1, allow: '4', deny: '0' }]);
      assert.deepEqual(await s().overwrites.listByChannel(ch.id), [{ channelId: ch.id, id: u, type: 1, allow: '4', deny: '0' }]);
      await s().overwrites.delete(ch.id, u);
      assert.deepEqual(await s().overwrites.listByChannel(ch.id), []);
      await rejectsWith(s().overwrites.delete(ch.id, u), NotFoundError, { entity: 'overwrite' });
      await rejectsWith(s().overwrites.put({ channelId: newId(), id: u, type: 1, allow: '0', deny: '0' }), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().overwrites.replaceForChannel(newId(), []), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().overwrites.put({ channelId: ch.id, id: u, type: 1, allow: 'x', deny: '0' }), InvalidInputError, { field: 'allow' });
      // A failing replacement leaves the old set.
      await s().overwrites.put({ channelId: ch2.id, id: guild.id, type: 0, allow: '0', deny: '0' });
      await rejectsWith(
        s().overwrites.replaceForChannel(ch2.id, [{ channelId: ch2.id, id: u, type: 1, allow: '0', deny: '0' }, { channelId: ch2.id, id: 'bad', type: 1, allow: '0', deny: '0' }]),
        InvalidInputError,
      );
      assert.equal((await s().overwrites.listByChannel(ch2.id)).length, 2);
    });
  });

  describe('invites', () => {
    it('creates, reads, lists and deletes; rejects a taken code', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const code = uniq('inv');
      const inv = invite(code, guild.id, ch.id, { maxAge: 86400, expiresAt: Date.now() + 86_400_000 });
      assert.deepEqual(await s().invites.create(inv), inv);
      assert.deepEqual(await s().invites.get(code), inv);
      assert.equal(await s().invites.get(uniq('none')), null);
      assert.deepEqual(await s().invites.listByGuild(guild.id), [inv]);
      assert.deepEqual(await s().invites.listByChannel(ch.id), [inv]);
      await rejectsWith(s().invites.create(invite(code, guild.id, ch.id)), ConflictError, { entity: 'invite', field: 'code' });
      await rejectsWith(s().invites.create(invite('c'.repeat(33), guild.id, ch.id)), InvalidInputError, { field: 'code' });
      await rejectsWith(s().invites.create(invite(uniq('x'), guild.id, newId())), NotFoundError);
      await s().invites.delete(code);
      assert.equal(await s().invites.get(code), null);
      await rejectsWith(s().invites.delete(code), NotFoundError, { entity: 'invite' });
    });
    it('expires: get and use return null after expiresAt', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const code = uniq('exp');
      await s().invites.create(invite(code, guild.id, ch.id, { maxAge: 60, createdAt: 1000, expiresAt: 61_000 }));
      assert.notEqual(await s().invites.get(code, 60_999), null);
      assert.equal((await s().invites.use(code, 60_999))?.uses, 1);
      assert.equal(await s().invites.get(code, 61_000), null);
      assert.equal(await s().invites.use(code, 61_000), null);
      assert.deepEqual(await s().invites.listByGuild(guild.id), []);
    });
    it('use counts atomically: concurrent uses of a maxUses=3 invite succeed exactly 3 times', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const code = uniq('max');
      await s().invites.create(invite(code, guild.id, ch.id, { maxUses: 3 }));
      const results = await Promise.all(Array.from({ length: 12 }, () => s().invites.use(code)));
      const ok = results.filter((r): r is InviteRecord => r !== null);
      assert.equal(ok.length, 3);
      assert.deepEqual(ok.map((r) => r.uses).sort(), [1, 2, 3]);
      assert.equal(await s().invites.get(code), null); // used up: deleted
      assert.equal(await s().invites.use(uniq('unknown')), null);
      const unlimited = uniq('inf');
      await s().invites.create(invite(unlimited, guild.id, ch.id));
      for (let i = 1; i <= 5; i++) assert.equal((await s().invites.use(unlimited))?.uses, i);
    });
  });

  describe('community invites', () => {
    it('stores the roles an invite gives, each once', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const code = uniq('roles');
      const [a, b] = [newId(), newId()];
      const created = await s().invites.create(invite(code, guild.id, ch.id, { roleIds: [a, b, a] }));
      assert.deepEqual(created.roleIds, [a, b]);
      assert.deepEqual((await s().invites.get(code))?.roleIds, [a, b]);
      assert.deepEqual((await s().invites.listByChannel(ch.id))[0]?.roleIds, [a, b]);
      await rejectsWith(s().invites.create(invite(uniq('bad'), guild.id, ch.id, { roleIds: ['x'] })), InvalidInputError, { field: 'role_ids' });
    });
    it('stores target users with the invite, each once in order; reads, counts, replaces them; cascades', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const code = uniq('tgt');
      const [a, b, c] = [newId(), newId(), newId()];
      const created = await s().invites.create(invite(code, guild.id, ch.id, { createdAt: 5000 }), { targetUserIds: [b, a, b] });
      assert.equal(created.targetUsersAt, 5000);
      assert.deepEqual(await s().invites.targetUsers(code), [b, a]);
      assert.equal(await s().invites.targetUserCount(code), 2);
      assert.equal(await s().invites.isTargetUser(code, a), true);
      assert.equal(await s().invites.isTargetUser(code, c), false);
      const replaced = await s().invites.setTargetUsers(code, [c], 9000);
      assert.equal(replaced.targetUsersAt, 9000);
      assert.deepEqual(await s().invites.targetUsers(code), [c]);
      assert.equal(await s().invites.isTargetUser(code, a), false);
      await rejectsWith(s().invites.setTargetUsers(code, [], 9001), InvalidInputError);
      await rejectsWith(s().invites.setTargetUsers(code, ['nope'], 9001), InvalidInputError);
      assert.deepEqual(await s().invites.targetUsers(code), [c], 'a refused replacement changes nothing');
      await rejectsWith(s().invites.setTargetUsers(uniq('none'), [a], 1), NotFoundError, { entity: 'invite' });
      assert.equal(await s().invites.targetUsers(uniq('none')), null);
      // An invite for anyone: no list, no time.
      const open = uniq('open');
      assert.equal((await s().invites.create(invite(open, guild.id, ch.id))).targetUsersAt, null);
      assert.deepEqual(await s().invites.targetUsers(open), []);
      // A bad list stores no invite.
      const bad = uniq('badtgt');
      await rejectsWith(s().invites.create(invite(bad, guild.id, ch.id), { targetUserIds: [a, 'x'] }), InvalidInputError);
      assert.equal(await s().invites.get(bad), null);
      await s().invites.delete(code);
      assert.equal(await s().invites.targetUserCount(code), 0);
      // Many users (more than one insert batch) keep their order.
      const many = Array.from({ length: 1234 }, () => newId());
      const big = uniq('big');
      await s().invites.create(invite(big, guild.id, ch.id), { targetUserIds: many });
      assert.deepEqual(await s().invites.targetUsers(big), many);
    });
    it('addWithInvite: only target users join a targeted invite; the invite gives its roles that still exist', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const kept = await s().roles.create(role(guild.id));
      const code = uniq('tj');
      const [u, v] = [await s().users.create(user()), await s().users.create(user())];
      await s().invites.create(invite(code, guild.id, ch.id, { roleIds: [kept.id, newId()], temporary: true }), { targetUserIds: [u.id] });
      assert.equal(await s().members.addWithInvite(member(guild.id, v.id, { temporary: true }), code), null);
      assert.equal(await s().members.get(guild.id, v.id), null);
      assert.equal((await s().invites.get(code))?.uses, 0, 'no use counted for someone not on the list');
      const joined = await s().members.addWithInvite(member(guild.id, u.id, { temporary: true }), code);
      assert.deepEqual(joined?.member.roles, [kept.id]);
      assert.equal(joined?.member.temporary ?? false, false, 'a role makes the membership permanent');
      assert.equal(joined?.invite.uses, 1);
    });
    it('acceptInviteRoles: adds the roles a member lacks with one use; nothing new counts nothing; checks targets and uses', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const [r1, r2] = [await s().roles.create(role(guild.id)), await s().roles.create(role(guild.id))];
      const u = await s().users.create(user());
      await s().members.add(member(guild.id, u.id, { roles: [r1.id] }));
      const code = uniq('ar');
      await s().invites.create(invite(code, guild.id, ch.id, { roleIds: [r1.id, r2.id], maxUses: 2 }));
      const first = await s().members.acceptInviteRoles(guild.id, u.id, code);
      assert.deepEqual(first?.added, [r2.id]);
      assert.deepEqual([...first!.member.roles].sort(), [r1.id, r2.id].sort());
      assert.equal(first?.invite.uses, 1);
      const again = await s().members.acceptInviteRoles(guild.id, u.id, code);
      assert.deepEqual(again?.added, []);
      assert.equal((await s().invites.get(code))?.uses, 1, 'nothing new: no use');
      // Not a member, another guild's invite, unknown: null.
      const stranger = await s().users.create(user());
      assert.equal(await s().members.acceptInviteRoles(guild.id, stranger.id, code), null);
      const other = await guildWithChannel(s());
      assert.equal(await s().members.acceptInviteRoles(other.guild.id, u.id, code), null);
      assert.equal(await s().members.acceptInviteRoles(guild.id, u.id, uniq('none')), null);
      // Targeted at others: null, nothing given.
      const w = await s().users.create(user());
      await s().members.add(member(guild.id, w.id));
      const targeted = uniq('art');
      await s().invites.create(invite(targeted, guild.id, ch.id, { roleIds: [r2.id] }), { targetUserIds: [u.id] });
      assert.equal(await s().members.acceptInviteRoles(guild.id, w.id, targeted), null);
      assert.deepEqual((await s().members.get(guild.id, w.id))?.roles, []);
      // Expired: null.
      const expired = uniq('are');
      await s().invites.create(invite(expired, guild.id, ch.id, { roleIds: [r2.id], maxAge: 60, createdAt: 1000, expiresAt: 61_000 }));
      assert.equal(await s().members.acceptInviteRoles(guild.id, w.id, expired, 61_000), null);
      assert.deepEqual((await s().members.get(guild.id, w.id))?.roles, []);
    });
  });

  describe('joining by invite', () => {
    it('addWithInvite counts one use and adds the member together', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const code = uniq('join');
      await s().invites.create(invite(code, guild.id, ch.id, { maxUses: 2 }));
      const u = await s().users.create(user());
      const joined = await s().members.addWithInvite(member(guild.id, u.id), code);
      assert.deepEqual(joined?.member, await s().members.get(guild.id, u.id));
      assert.equal(joined?.invite.uses, 1);
      assert.equal((await s().invites.get(code))?.uses, 1);
      // The last use deletes the invite, as InviteStore.use does.
      const v = await s().users.create(user());
      assert.equal((await s().members.addWithInvite(member(guild.id, v.id), code))?.invite.uses, 2);
      assert.equal(await s().invites.get(code), null);
      // Unknown, used up or expired: nobody is added.
      const w = await s().users.create(user());
      assert.equal(await s().members.addWithInvite(member(guild.id, w.id), code), null);
      const expired = uniq('exp');
      await s().invites.create(invite(expired, guild.id, ch.id, { maxAge: 60, createdAt: 1000, expiresAt: 61_000 }));
      assert.equal(await s().members.addWithInvite(member(guild.id, w.id), expired, 61_000), null);
      assert.equal(await s().members.addWithInvite(member(guild.id, w.id), 'c'.repeat(40)), null);
      assert.equal(await s().members.get(guild.id, w.id), null);
    });
    it('addWithInvite is atomic: a member that cannot be added counts no use', async () => {
      const { guild, owner, channel: ch } = await guildWithChannel(s());
      const code = uniq('once');
      const inv = await s().invites.create(invite(code, guild.id, ch.id, { maxUses: 1 }));
      // The use (which reached maxUses and deleted the invite) has run when the member's INSERT conflicts.
      await rejectsWith(s().members.addWithInvite(member(guild.id, owner.id), code), ConflictError, { entity: 'member', field: 'user_id' });
      assert.deepEqual(await s().invites.get(code), inv);
      const u = await s().users.create(user());
      await rejectsWith(s().members.addWithInvite(member(guild.id, u.id, { nick: 'n'.repeat(33) }), code), InvalidInputError, { field: 'nick' });
      assert.deepEqual(await s().invites.get(code), inv);
      const elsewhere = await guildWithChannel(s());
      await rejectsWith(s().members.addWithInvite(member(elsewhere.guild.id, u.id), code), InvalidInputError, { field: 'code' });
      assert.deepEqual(await s().invites.get(code), inv);
      assert.equal(await s().members.get(elsewhere.guild.id, u.id), null);
    });
  });

  describe('read states', () => {
    it('acks (insert or replace), lists, increments mentions', async () => {
      const { guild, channel: ch, owner } = await guildWithChannel(s());
      const ch2 = await s().channels.create(channel(guild.id));
      const u = await s().users.create(user());
      const m = newId();
      const state = { userId: u.id, channelId: ch.id, lastMessageId: m, mentionCount: 3, lastPinTimestamp: null };
      assert.deepEqual(await s().readStates.ack(state), state);
      assert.deepEqual(await s().readStates.ack({ ...state, mentionCount: 0, lastPinTimestamp: 7 }), { ...state, mentionCount: 0, lastPinTimestamp: 7 });
      assert.deepEqual(await s().readStates.listForUser(u.id), [{ ...state, mentionCount: 0, lastPinTimestamp: 7 }]);
      await s().readStates.incrementMentions(ch.id, [u.id, owner.id]);
      await s().readStates.incrementMentions(ch2.id, [u.id]);
      await s().readStates.incrementMentions(ch2.id, [u.id]);
      await s().readStates.incrementMentions(ch2.id, []);
      const states = await s().readStates.listForUser(u.id);
      assert.deepEqual(states.map((r) => [r.channelId, r.mentionCount, r.lastMessageId]), [[ch.id, 1, m], [ch2.id, 2, null]]);
      assert.deepEqual((await s().readStates.listForUser(owner.id)).map((r) => r.mentionCount), [1]);
      await rejectsWith(s().readStates.ack({ ...state, channelId: newId() }), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().readStates.incrementMentions(newId(), [u.id]), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().readStates.ack({ ...state, lastMessageId: 'x' }), InvalidInputError, { field: 'last_message_id' });
    });
  });

  describe('message create with mention counters', () => {
    it('bumps the mentioned users’ read states in the same transaction as the message', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const u = await s().users.create(user());
      const first = message(ch.id, owner.id);
      await s().messages.create(first, { mentionUserIds: [u.id, u.id] });
      await s().messages.create(message(ch.id, owner.id), { mentionUserIds: [u.id] });
      assert.deepEqual((await s().readStates.listForUser(u.id)).map((r) => [r.channelId, r.mentionCount]), [[ch.id, 2]]);
      // A bad mention id fails the whole write: no message, no lastMessageId move, no counter.
      const bad = message(ch.id, owner.id);
      await rejectsWith(s().messages.create(bad, { mentionUserIds: ['not-an-id'] }), InvalidInputError, { field: 'user_id' });
      assert.equal(await s().messages.get(ch.id, bad.id), null);
      assert.notEqual((await s().channels.get(ch.id))!.lastMessageId, bad.id);
      assert.deepEqual((await s().readStates.listForUser(u.id)).map((r) => r.mentionCount), [2]);
      assert.ok(await s().messages.get(ch.id, first.id));
    });
  });

  describe('push subscriptions', () => {
    it('puts, replaces keys of an existing endpoint, lists, deletes by endpoint', async () => {
      const u = await s().users.create(user());
      const sub = { id: newId(), userId: u.id, endpoint: 'https://push.example/abc', p256dh: 'key1', auth: 'auth1', createdAt: 5 };
      assert.deepEqual(await s().pushSubscriptions.put(sub), sub);
      const replaced = await s().pushSubscriptions.put({ ...sub, id: newId(), p256dh: 'key2', auth: 'auth2' });
      assert.deepEqual(replaced, { ...sub, p256dh: 'key2', auth: 'auth2' });
      const other = await s().pushSubscriptions.put({ ...sub, id: newId(), endpoint: 'https://push.example/def' });
      assert.deepEqual(ids(await s().pushSubscriptions.listForUser(u.id)), [sub.id, other.id]);
      await s().pushSubscriptions.deleteByEndpoint(u.id, sub.endpoint);
      await s().pushSubscriptions.deleteByEndpoint(u.id, sub.endpoint);
      assert.deepEqual(ids(await s().pushSubscriptions.listForUser(u.id)), [other.id]);
      await rejectsWith(s().pushSubscriptions.put({ ...sub, id: newId(), userId: newId() }), NotFoundError, { entity: 'user' });
      await rejectsWith(s().pushSubscriptions.put({ ...sub, id: other.id, endpoint: 'https://push.example/ghi' }), ConflictError, { entity: 'push_subscription', field: 'id' });
    });
  });
}

function invite(code: string, guildId: string, channelId: string, over: Partial<InviteRecord> = {}): InviteRecord {
  return { code, guildId, channelId, inviterId: null, uses: 0, maxUses: 0, maxAge: 0, temporary: false, createdAt: Date.now(), expiresAt: null, roleIds: [], targetUsersAt: null, ...over };
}
