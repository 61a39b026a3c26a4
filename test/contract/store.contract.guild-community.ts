/** Contract: guild community settings (GuildStore.update's widget / vanity / welcome screen fields, GuildCommunityStore). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, InvalidInputError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/types.ts';
import { guildWithChannel, idAt, member, message, rejectsWith, uniq, user } from './store.fixtures.ts';

const DAY = 86_400_000;

export function guildCommunityContract(s: () => Store): void {
  describe('guild community', () => {
    it('stores the widget, the vanity code (lower case, unique) and the welcome screen on the guild; unset fields are absent', async () => {
      const { guild, channel } = await guildWithChannel(s());
      assert.equal('widgetEnabled' in guild, false);
      const code = uniq('Club-');
      const updated = await s().guilds.update(guild.id, {
        widgetEnabled: true, widgetChannelId: channel!.id, vanityUrlCode: code,
        welcomeScreen: { enabled: true, description: 'hi', welcomeChannels: [{ channelId: channel!.id, description: 'chat', emojiId: null, emojiName: '👋' }] },
      });
      assert.equal(updated.widgetEnabled, true);
      assert.equal(updated.widgetChannelId, channel!.id);
      assert.equal(updated.vanityUrlCode, code.toLowerCase());
      assert.equal(updated.vanityUses, 0);
      assert.deepEqual(updated.welcomeScreen, { enabled: true, description: 'hi', welcomeChannels: [{ channelId: channel!.id, description: 'chat', emojiId: null, emojiName: '👋' }] });
      assert.equal(await s().guildCommunity.guildIdByVanityCode(code.toUpperCase()), guild.id);
      const other = await guildWithChannel(s());
      await rejectsWith(s().guilds.update(other.guild.id, { vanityUrlCode: code }), ConflictError);
      await rejectsWith(s().guilds.update(other.guild.id, { vanityUrlCode: 'has space' }), InvalidInputError);
      const cleared = await s().guilds.update(guild.id, { vanityUrlCode: null, widgetEnabled: false });
      assert.equal(cleared.vanityUrlCode, undefined);
      assert.equal(cleared.widgetEnabled, undefined);
      assert.equal(await s().guildCommunity.guildIdByVanityCode(code), null);
    });

    it('stores the onboarding on the guild, read back as written; a malformed one is refused; null clears it', async () => {
      const { guild, channel } = await guildWithChannel(s());
      assert.equal('onboarding' in guild, false);
      const onboarding = {
        enabled: true, mode: 0, defaultChannelIds: [channel!.id],
        prompts: [{ id: idAt(1_700_000_000_000), type: 0, title: 'Q', singleSelect: true, required: false, inOnboarding: true, options: [
          { id: idAt(1_700_000_000_000, 1), title: 'A', description: null, channelIds: [channel!.id], roleIds: [], emojiId: null, emojiName: '🎹', emojiAnimated: false },
        ] }],
      };
      assert.deepEqual((await s().guilds.update(guild.id, { onboarding })).onboarding, onboarding);
      assert.deepEqual((await s().guilds.get(guild.id))!.onboarding, onboarding);
      await rejectsWith(s().guilds.update(guild.id, { onboarding: { ...onboarding, prompts: [{ ...onboarding.prompts[0]!, id: 'not an id' }] } }), InvalidInputError);
      assert.equal((await s().guilds.update(guild.id, { onboarding: null })).onboarding, undefined);
    });
    it('keeps the incident actions\' times on the guild, each set and cleared on its own; unset they are absent', async () => {
      const { guild } = await guildWithChannel(s());
      assert.equal('invitesDisabledUntil' in guild, false);
      const until = 1_800_000_000_000;
      const paused = await s().guilds.update(guild.id, { invitesDisabledUntil: until, dmsDisabledUntil: until + 1 });
      assert.equal(paused.invitesDisabledUntil, until);
      assert.equal(paused.dmsDisabledUntil, until + 1);
      assert.deepEqual(await s().guilds.get(guild.id), paused);
      const half = await s().guilds.update(guild.id, { invitesDisabledUntil: null });
      assert.equal('invitesDisabledUntil' in half, false);
      assert.equal(half.dmsDisabledUntil, until + 1);
      await rejectsWith(s().guilds.update(guild.id, { dmsDisabledUntil: 1.5 }), InvalidInputError);
      assert.equal((await s().guilds.get(guild.id))!.dmsDisabledUntil, until + 1);
    });

    it('keeps the guild\'s mfa level; 0 reads as absent', async () => {
      const { guild } = await guildWithChannel(s());
      assert.equal('mfaLevel' in guild, false);
      const raised = await s().guilds.update(guild.id, { mfaLevel: 1 });
      assert.equal(raised.mfaLevel, 1);
      assert.deepEqual(await s().guilds.get(guild.id), raised);
      await rejectsWith(s().guilds.update(guild.id, { mfaLevel: 0.5 }), InvalidInputError);
      assert.equal((await s().guilds.get(guild.id))!.mfaLevel, 1);
      assert.equal('mfaLevel' in (await s().guilds.update(guild.id, { mfaLevel: 0 })), false);
    });

    it('joinByVanity adds the member and counts the use in one transaction', async () => {
      const { guild } = await guildWithChannel(s());
      const code = uniq('join-');
      await s().guilds.update(guild.id, { vanityUrlCode: code });
      const u = await s().users.create(user());
      assert.ok(await s().guildCommunity.joinByVanity(member(guild.id, u.id), code));
      assert.ok(await s().members.get(guild.id, u.id));
      assert.equal((await s().guilds.get(guild.id))!.vanityUses, 1);
      await rejectsWith(s().guildCommunity.joinByVanity(member(guild.id, u.id), code), ConflictError);
      assert.equal((await s().guilds.get(guild.id))!.vanityUses, 1);
      assert.equal(await s().guildCommunity.joinByVanity(member(guild.id, (await s().users.create(user())).id), 'not-the-code'), null);
    });

    it('prune candidates: role-less, joined and silent since the cutoff, never the owner; removeMembers removes them', async () => {
      const now = Date.now();
      const { owner, guild, channel } = await guildWithChannel(s());
      const [idle, talker, fresh] = await Promise.all([user(), user(), user()].map((u) => s().users.create(u)));
      for (const [u, age] of [[idle, 10], [talker, 10], [fresh, 1]] as const) await s().members.add(member(guild.id, u.id, { joinedAt: now - age * DAY }));
      await s().messages.create(message(channel!.id, talker.id, { guildId: guild.id, id: idAt(now - DAY) }));
      const cands = await s().guildCommunity.pruneCandidates(guild.id, now - 7 * DAY, []);
      assert.deepEqual(cands, [idle.id]);
      assert.ok(!cands.includes(owner.id));
      const removed = await s().guildCommunity.removeMembers(guild.id, [...cands, fresh.id, '123456789012345678']);
      assert.deepEqual(removed.sort(), [idle.id, fresh.id].sort());
      assert.equal(await s().members.get(guild.id, idle.id), null);
      assert.ok(await s().members.get(guild.id, talker.id));
    });
  });
}
