/**
 * GuildPermissionCache (src/sessions/permission-cache.ts) on its own: where the member count that makes a guild
 * large comes from (snapshot state, GUILD_CREATE, member events, later snapshots), and VIEW_CHANNEL as the router
 * asks it, through the memo that role, channel and owner changes must clear. Over sockets, the same cache is
 * exercised by test/integration/member-subscriptions.test.ts and the permission suites.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GuildPermissionState } from '../../src/contracts/guild.ts';
import { Permissions } from '../../src/protocol/permissions.ts';
import { GuildPermissionCache } from '../../src/sessions/permission-cache.ts';

const GUILD = '100000000000000001';
const OWNER = '100000000000000002';
const USER = '100000000000000003';
const ROLE = '100000000000000004';
const CHANNEL = '100000000000000005';
const VIEW = String(Permissions.VIEW_CHANNEL);
const NOW = Date.now();

function state(over: Partial<GuildPermissionState> = {}): GuildPermissionState {
  return {
    guildId: GUILD,
    ownerId: OWNER,
    // @everyone (id = guild id) may view; ROLE adds nothing.
    roles: [{ id: GUILD, permissions: VIEW, position: 0 }, { id: ROLE, permissions: '0', position: 1 }],
    channels: [{ id: CHANNEL, type: 0, parentId: null, overwrites: [] }],
    ...over,
  };
}

const member = (roles: string[] = []) => ({ user: { id: USER }, roles, communication_disabled_until: null });

describe('guild permission cache: member count', () => {
  it('takes the count from the snapshot state; a guild is large only above the threshold', () => {
    const cache = new GuildPermissionCache();
    cache.setFromState(state({ memberCount: 50 }));
    assert.equal(cache.memberCount(GUILD), 50);
    assert.equal(cache.isLarge(GUILD, 50), false, '50 members at large_threshold 50 is not large');
    cache.apply('GUILD_MEMBER_ADD', GUILD, { user: { id: USER } });
    assert.equal(cache.memberCount(GUILD), 51);
    assert.equal(cache.isLarge(GUILD, 50), true);
    cache.apply('GUILD_MEMBER_REMOVE', GUILD, { user: { id: USER } });
    assert.equal(cache.isLarge(GUILD, 50), false);
  });

  it('takes the count from a GUILD_CREATE payload when no snapshot state came', () => {
    const cache = new GuildPermissionCache();
    cache.setFromGuildPayload({ id: GUILD, owner_id: OWNER, member_count: 300, roles: [], channels: [] });
    assert.equal(cache.memberCount(GUILD), 300);
    assert.equal(cache.isLarge(GUILD, 250), true);
  });

  it('a later snapshot replaces a count the member events got wrong', () => {
    const cache = new GuildPermissionCache();
    cache.setFromState(state({ memberCount: 10 }));
    // A join the snapshot had already counted, seen again as an event: one too many.
    cache.apply('GUILD_MEMBER_ADD', GUILD, {});
    assert.equal(cache.memberCount(GUILD), 11);
    cache.setMemberCount(GUILD, 10);
    assert.equal(cache.memberCount(GUILD), 10);
  });

  it('never counts below zero, and knows nothing of guilds it does not hold', () => {
    const cache = new GuildPermissionCache();
    cache.setFromState(state({ memberCount: 1 }));
    cache.apply('GUILD_MEMBER_REMOVE', GUILD, {});
    cache.apply('GUILD_MEMBER_REMOVE', GUILD, {});
    assert.equal(cache.memberCount(GUILD), 0);
    const other = '100000000000000099';
    cache.apply('GUILD_MEMBER_ADD', other, {});
    cache.setMemberCount(other, 500);
    assert.equal(cache.memberCount(other), 0, 'events and counts for an unknown guild are ignored');
    assert.equal(cache.isLarge(other, 50), false);
    cache.drop(GUILD);
    assert.equal(cache.memberCount(GUILD), 0);
  });

  it('a state without a count keeps the one it had', () => {
    const cache = new GuildPermissionCache();
    cache.setFromState(state({ memberCount: 70 }));
    cache.setFromState(state());
    assert.equal(cache.memberCount(GUILD), 70);
  });
});

describe('guild permission cache: VIEW_CHANNEL', () => {
  it('answers for known local members only, and follows role changes through the memo', () => {
    const cache = new GuildPermissionCache();
    cache.setFromState(state());
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), false, 'a member the node has not recorded is refused');
    cache.setMember(GUILD, USER, member([ROLE]));
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), true);
    // @everyone loses VIEW_CHANNEL: the memoised answer must not survive.
    cache.apply('GUILD_ROLE_UPDATE', GUILD, { role: { id: GUILD, permissions: '0' } });
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), false);
    cache.apply('GUILD_ROLE_UPDATE', GUILD, { role: { id: ROLE, permissions: VIEW } });
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), true, 'the held role grants it');
    cache.apply('GUILD_ROLE_DELETE', GUILD, { role_id: ROLE });
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), false, 'a deleted role is taken from the members holding it');
  });

  it('applies channel overwrites, member overwrites and ownership', () => {
    const cache = new GuildPermissionCache();
    cache.setFromState(state());
    cache.setMember(GUILD, USER, member());
    cache.setMember(GUILD, OWNER, { user: { id: OWNER }, roles: [] });
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), true);
    cache.apply('CHANNEL_UPDATE', GUILD, { id: CHANNEL, type: 0, permission_overwrites: [{ id: GUILD, type: 0, allow: '0', deny: VIEW }] });
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), false, 'denied to @everyone');
    assert.equal(cache.canView(GUILD, CHANNEL, OWNER, NOW), true, 'the owner sees every channel');
    cache.apply('CHANNEL_UPDATE', GUILD, {
      id: CHANNEL, type: 0,
      permission_overwrites: [{ id: GUILD, type: 0, allow: '0', deny: VIEW }, { id: USER, type: 1, allow: VIEW, deny: '0' }],
    });
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), true, 'a member overwrite allows it back');
    cache.apply('GUILD_UPDATE', GUILD, { owner_id: USER });
    cache.apply('CHANNEL_UPDATE', GUILD, { id: CHANNEL, type: 0, permission_overwrites: [{ id: GUILD, type: 0, allow: '0', deny: VIEW }] });
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), true, 'the new owner sees it');
    assert.equal(cache.canView(GUILD, CHANNEL, OWNER, NOW), false, 'the old owner no longer does');
    cache.apply('CHANNEL_DELETE', GUILD, { id: CHANNEL });
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), false, 'a deleted channel is seen by no one');
  });

  it("a member's role change reaches the cache through GUILD_MEMBER_UPDATE", () => {
    const cache = new GuildPermissionCache();
    cache.setFromState(state({ roles: [{ id: GUILD, permissions: '0', position: 0 }, { id: ROLE, permissions: VIEW, position: 1 }] }));
    cache.setMember(GUILD, USER, member());
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), false);
    cache.apply('GUILD_MEMBER_UPDATE', GUILD, member([ROLE]));
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), true);
    cache.forgetMember(GUILD, USER);
    cache.apply('GUILD_MEMBER_UPDATE', GUILD, member([ROLE]));
    assert.equal(cache.canView(GUILD, CHANNEL, USER, NOW), false, 'a member the node forgot is not brought back by an update');
  });
});

describe('guild permission cache: holds (events kept to holders of a permission)', () => {
  const MANAGE = Permissions.MANAGE_CHANNELS;
  it('needs every bit and the channel in view; unknown members, channels and guilds hold nothing', () => {
    const cache = new GuildPermissionCache();
    cache.setFromState(state({
      roles: [{ id: GUILD, permissions: VIEW, position: 0 }, { id: ROLE, permissions: String(MANAGE), position: 1 }],
    }));
    assert.equal(cache.holds(GUILD, CHANNEL, USER, MANAGE, NOW), false, 'a member the node has not recorded');
    cache.setMember(GUILD, USER, member());
    assert.equal(cache.holds(GUILD, CHANNEL, USER, MANAGE, NOW), false, 'without the role');
    cache.setMember(GUILD, USER, member([ROLE]));
    assert.equal(cache.holds(GUILD, CHANNEL, USER, MANAGE, NOW), true);
    assert.equal(cache.holds(GUILD, CHANNEL, USER, MANAGE | Permissions.BAN_MEMBERS, NOW), false, 'every bit asked');
    assert.equal(cache.holds(GUILD, '100000000000000009', USER, MANAGE, NOW), false, 'an unknown channel');
    assert.equal(cache.holds('100000000000000008', CHANNEL, USER, MANAGE, NOW), false, 'an unknown guild');
    assert.equal(cache.holds(GUILD, CHANNEL, OWNER, MANAGE, NOW), false, 'the owner, unrecorded as a member, is unknown too');
  });

  it('follows the channel overwrites: denied there, or the channel out of view, holds nothing', () => {
    const cache = new GuildPermissionCache();
    const overwrites = [{ id: ROLE, type: 0 as const, allow: '0', deny: String(MANAGE) }];
    cache.setFromState(state({
      roles: [{ id: GUILD, permissions: VIEW, position: 0 }, { id: ROLE, permissions: String(MANAGE), position: 1 }],
      channels: [{ id: CHANNEL, type: 0, parentId: null, overwrites }],
    }));
    cache.setMember(GUILD, USER, member([ROLE]));
    assert.equal(cache.holds(GUILD, CHANNEL, USER, MANAGE, NOW), false, 'denied by the overwrite');
    const hidden = new GuildPermissionCache();
    hidden.setFromState(state({
      roles: [{ id: GUILD, permissions: '0', position: 0 }, { id: ROLE, permissions: String(MANAGE), position: 1 }],
    }));
    hidden.setMember(GUILD, USER, member([ROLE]));
    assert.equal(hidden.holds(GUILD, CHANNEL, USER, MANAGE, NOW), false, 'Manage Channels without View Channel');
  });
});
