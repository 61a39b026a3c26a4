/** Store contract: users' notification settings per guild (UserGuildSettingsStore, migration 16). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultGuildSettings } from '../../src/store/notification-settings.ts';
import { NotFoundError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/types.ts';
import { guildWithChannel, newId, rejectsWith, user } from './store.fixtures.ts';

export function userGuildSettingsContract(s: () => Store): void {
  describe('user guild settings', () => {
    it('gives the defaults until a put, then what was put with the version bumped on each put', async () => {
      const { owner, guild, channel } = await guildWithChannel(s());
      assert.deepEqual(await s().userGuildSettings.get(owner.id, guild.id), defaultGuildSettings(owner.id, guild.id));
      const put = await s().userGuildSettings.put({
        ...defaultGuildSettings(owner.id, guild.id), messageNotifications: 1, muted: true, muteEndTime: 1_900_000_000_000, muteTimeWindow: 3600,
        channelOverrides: [{ channelId: channel!.id, messageNotifications: 2, muted: true, muteEndTime: null, muteTimeWindow: -1, collapsed: true }],
      });
      assert.equal(put.version, 1);
      assert.deepEqual(await s().userGuildSettings.get(owner.id, guild.id), put);
      assert.equal(put.channelOverrides[0]!.messageNotifications, 2);
      const again = await s().userGuildSettings.put({ ...put, muted: false, muteEndTime: null, muteTimeWindow: null });
      assert.equal(again.version, 2);
      assert.equal(again.muted, false);
      assert.equal(again.messageNotifications, 1);
    });

    it('keeps DM settings (guild null) apart from guild settings; lists a user\'s own only', async () => {
      const { owner, guild } = await guildWithChannel(s());
      const other = await s().users.create(user());
      await s().userGuildSettings.put({ ...defaultGuildSettings(owner.id, null), suppressEveryone: true });
      await s().userGuildSettings.put({ ...defaultGuildSettings(owner.id, guild.id), suppressRoles: true });
      await s().userGuildSettings.put({ ...defaultGuildSettings(other.id, guild.id), mobilePush: false });
      const dm = await s().userGuildSettings.get(owner.id, null);
      assert.equal(dm.guildId, null);
      assert.equal(dm.suppressEveryone, true);
      assert.equal(dm.suppressRoles, false);
      const listed = await s().userGuildSettings.listForUser(owner.id);
      assert.deepEqual(listed.map((r) => r.guildId), [null, guild.id]);
    });

    it('getMany: one record per distinct user in the order asked, defaults for those without', async () => {
      const { owner, guild } = await guildWithChannel(s());
      const a = await s().users.create(user());
      const b = await s().users.create(user());
      await s().userGuildSettings.put({ ...defaultGuildSettings(b.id, guild.id), messageNotifications: 2 });
      await s().userGuildSettings.put({ ...defaultGuildSettings(a.id, null), messageNotifications: 1 });
      const got = await s().userGuildSettings.getMany([a.id, b.id, owner.id, b.id], guild.id);
      assert.deepEqual(got.map((r) => [r.userId, r.messageNotifications]), [[a.id, null], [b.id, 2], [owner.id, null]]);
      assert.deepEqual(await s().userGuildSettings.getMany([], guild.id), []);
    });

    it('putIfVersion writes only over the version it was given (0: none stored)', async () => {
      const { owner, guild } = await guildWithChannel(s());
      const base = defaultGuildSettings(owner.id, guild.id);
      const first = await s().userGuildSettings.putIfVersion({ ...base, muted: true }, 0);
      assert.equal(first?.version, 1);
      // A second writer that also read "none stored" loses, and changes nothing.
      assert.equal(await s().userGuildSettings.putIfVersion({ ...base, suppressRoles: true }, 0), null);
      assert.equal(await s().userGuildSettings.putIfVersion({ ...base, suppressRoles: true }, 2), null);
      const second = await s().userGuildSettings.putIfVersion({ ...first!, suppressRoles: true }, 1);
      assert.deepEqual([second?.version, second?.muted, second?.suppressRoles], [2, true, true]);
      assert.equal((await s().userGuildSettings.get(owner.id, guild.id)).version, 2);
    });

    it('refuses an unknown user', async () => {
      await rejectsWith(s().userGuildSettings.put(defaultGuildSettings(newId(), null)), NotFoundError);
    });
  });
}
