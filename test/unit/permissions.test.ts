/** Discord's permission algorithm (src/protocol/permissions.ts), table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_PERMISSIONS, MFA_GATED_PERMISSIONS, Permissions as P, computeBasePermissions, computeChannelPermissions, hasPermission, parsePermissions,
  type PermissionContext, type PermissionOverwriteInput,
} from '../../src/protocol/permissions.ts';

const GUILD = '100';
const OWNER = '1';
const USER = '2';
const ROLE_A = '10';
const ROLE_B = '11';
const ADMIN_ROLE = '12';
const NOW = 1_700_000_000_000;

const roles = new Map<string, bigint>([
  [GUILD, P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY],
  [ROLE_A, P.KICK_MEMBERS | P.EMBED_LINKS],
  [ROLE_B, P.BAN_MEMBERS | P.ATTACH_FILES],
  [ADMIN_ROLE, P.ADMINISTRATOR],
]);

function ctx(over: Partial<PermissionContext> = {}): PermissionContext {
  return { guildId: GUILD, ownerId: OWNER, userId: USER, memberRoleIds: [], rolePermissions: roles, communicationDisabledUntil: null, now: NOW, ...over };
}
const ow = (id: string, type: 0 | 1, allow: bigint, deny: bigint): PermissionOverwriteInput => ({ id, type, allow, deny });
const EVERYONE_BASE = P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY;

describe('computeBasePermissions', () => {
  const cases: Array<{ name: string; ctx: PermissionContext; want: bigint }> = [
    { name: 'owner gets everything', ctx: ctx({ userId: OWNER }), want: ALL_PERMISSIONS },
    { name: '@everyone is the base', ctx: ctx(), want: EVERYONE_BASE },
    { name: 'roles are OR-ed onto @everyone', ctx: ctx({ memberRoleIds: [ROLE_A, ROLE_B] }), want: EVERYONE_BASE | P.KICK_MEMBERS | P.EMBED_LINKS | P.BAN_MEMBERS | P.ATTACH_FILES },
    { name: 'ADMINISTRATOR role → everything', ctx: ctx({ memberRoleIds: [ADMIN_ROLE] }), want: ALL_PERMISSIONS },
    { name: 'unknown role ids are ignored', ctx: ctx({ memberRoleIds: ['999', ROLE_A] }), want: EVERYONE_BASE | P.KICK_MEMBERS | P.EMBED_LINKS },
    { name: 'no @everyone role → only the member roles', ctx: ctx({ rolePermissions: new Map([[ROLE_A, P.KICK_MEMBERS]]), memberRoleIds: [ROLE_A] }), want: P.KICK_MEMBERS },
    { name: 'timed out → only view and history', ctx: ctx({ memberRoleIds: [ROLE_A], communicationDisabledUntil: NOW + 60_000 }), want: P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY },
    { name: 'an expired timeout does nothing', ctx: ctx({ communicationDisabledUntil: NOW - 1 }), want: EVERYONE_BASE },
    { name: 'admins are exempt from timeouts', ctx: ctx({ memberRoleIds: [ADMIN_ROLE], communicationDisabledUntil: NOW + 60_000 }), want: ALL_PERMISSIONS },
    { name: 'the owner is exempt from timeouts', ctx: ctx({ userId: OWNER, communicationDisabledUntil: NOW + 60_000 }), want: ALL_PERMISSIONS },
  ];
  for (const c of cases) it(c.name, () => assert.equal(computeBasePermissions(c.ctx), c.want));
});

describe('computeChannelPermissions', () => {
  const cases: Array<{ name: string; ctx?: PermissionContext; overwrites: PermissionOverwriteInput[]; want: bigint }> = [
    { name: 'no overwrites → base', overwrites: [], want: EVERYONE_BASE },
    { name: 'owner ignores overwrites', ctx: ctx({ userId: OWNER }), overwrites: [ow(GUILD, 0, 0n, P.VIEW_CHANNEL), ow(OWNER, 1, 0n, ALL_PERMISSIONS)], want: ALL_PERMISSIONS },
    { name: 'admin ignores overwrites', ctx: ctx({ memberRoleIds: [ADMIN_ROLE] }), overwrites: [ow(ADMIN_ROLE, 0, 0n, P.VIEW_CHANNEL), ow(USER, 1, 0n, P.VIEW_CHANNEL)], want: ALL_PERMISSIONS },
    { name: '@everyone deny removes a bit', overwrites: [ow(GUILD, 0, 0n, P.SEND_MESSAGES)], want: P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY },
    { name: '@everyone allow adds a bit', overwrites: [ow(GUILD, 0, P.ADD_REACTIONS, 0n)], want: EVERYONE_BASE | P.ADD_REACTIONS },
    {
      name: 'role allow beats role deny (allow of one role, deny of another)',
      ctx: ctx({ memberRoleIds: [ROLE_A, ROLE_B] }),
      overwrites: [ow(GUILD, 0, 0n, P.SEND_MESSAGES), ow(ROLE_A, 0, 0n, P.ADD_REACTIONS), ow(ROLE_B, 0, P.ADD_REACTIONS | P.SEND_MESSAGES, 0n)],
      want: EVERYONE_BASE | P.KICK_MEMBERS | P.EMBED_LINKS | P.BAN_MEMBERS | P.ATTACH_FILES | P.ADD_REACTIONS,
    },
    {
      name: 'role overwrite beats the @everyone overwrite',
      ctx: ctx({ memberRoleIds: [ROLE_A] }),
      overwrites: [ow(GUILD, 0, 0n, P.VIEW_CHANNEL), ow(ROLE_A, 0, P.VIEW_CHANNEL, 0n)],
      want: EVERYONE_BASE | P.KICK_MEMBERS | P.EMBED_LINKS,
    },
    {
      name: 'member overwrite beats role overwrites',
      ctx: ctx({ memberRoleIds: [ROLE_A] }),
      overwrites: [ow(ROLE_A, 0, P.MANAGE_MESSAGES, 0n), ow(USER, 1, 0n, P.MANAGE_MESSAGES | P.SEND_MESSAGES)],
      // Without SEND_MESSAGES, EMBED_LINKS (from ROLE_A) goes too.
      want: P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY | P.KICK_MEMBERS,
    },
    { name: 'member allow restores what @everyone denied', overwrites: [ow(GUILD, 0, 0n, P.VIEW_CHANNEL), ow(USER, 1, P.VIEW_CHANNEL, 0n)], want: EVERYONE_BASE },
    { name: 'overwrites of roles the member lacks do nothing', overwrites: [ow(ROLE_A, 0, P.MANAGE_MESSAGES, P.VIEW_CHANNEL)], want: EVERYONE_BASE },
    { name: 'overwrites of other members do nothing', overwrites: [ow('3', 1, 0n, P.VIEW_CHANNEL)], want: EVERYONE_BASE },
    { name: 'no VIEW_CHANNEL → nothing at all', overwrites: [ow(GUILD, 0, P.MANAGE_MESSAGES, P.VIEW_CHANNEL)], want: 0n },
    {
      name: 'no SEND_MESSAGES strips mention-everyone, tts, attach, embed',
      ctx: ctx({ memberRoleIds: [ROLE_B] }),
      overwrites: [ow(GUILD, 0, P.MENTION_EVERYONE | P.SEND_TTS_MESSAGES | P.EMBED_LINKS | P.ADD_REACTIONS, P.SEND_MESSAGES)],
      want: P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY | P.BAN_MEMBERS | P.ADD_REACTIONS,
    },
    {
      name: 'timed out → only view and history, even with allows',
      ctx: ctx({ communicationDisabledUntil: NOW + 1000 }),
      overwrites: [ow(USER, 1, P.MANAGE_MESSAGES | P.ADD_REACTIONS, 0n)],
      want: P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY,
    },
    { name: 'timed out and no VIEW_CHANNEL → nothing', ctx: ctx({ communicationDisabledUntil: NOW + 1000 }), overwrites: [ow(USER, 1, 0n, P.VIEW_CHANNEL)], want: 0n },
    { name: 'timed-out admin keeps everything', ctx: ctx({ memberRoleIds: [ADMIN_ROLE], communicationDisabledUntil: NOW + 1000 }), overwrites: [], want: ALL_PERMISSIONS },
    { name: 'unknown member role with an overwrite still applies the overwrite', ctx: ctx({ memberRoleIds: ['999'] }), overwrites: [ow('999', 0, P.ADD_REACTIONS, 0n)], want: EVERYONE_BASE | P.ADD_REACTIONS },
  ];
  for (const c of cases) it(c.name, () => assert.equal(computeChannelPermissions(c.ctx ?? ctx(), c.overwrites), c.want));

  it('orders deny before allow at every level', () => {
    // The same bit both allowed and denied by one overwrite ends up allowed.
    assert.equal(hasPermission(computeChannelPermissions(ctx(), [ow(GUILD, 0, P.ADD_REACTIONS, P.ADD_REACTIONS)]), P.ADD_REACTIONS), true);
    assert.equal(hasPermission(computeChannelPermissions(ctx(), [ow(USER, 1, P.ADD_REACTIONS, P.ADD_REACTIONS)]), P.ADD_REACTIONS), true);
  });
});

describe('server-wide 2FA (withoutMfa)', () => {
  const mod = ctx({ memberRoleIds: [ROLE_B] });
  it('withholds exactly the moderator permissions, at guild and channel level', () => {
    const held = computeBasePermissions(mod);
    assert.ok(held & MFA_GATED_PERMISSIONS, 'the fixture role holds a moderator permission');
    assert.equal(computeBasePermissions({ ...mod, withoutMfa: true }), held & ~MFA_GATED_PERMISSIONS);
    const overwrites = [ow(USER, 1, P.MANAGE_MESSAGES | P.ADD_REACTIONS, 0n)];
    const inChannel = computeChannelPermissions(mod, overwrites);
    assert.equal(hasPermission(inChannel, P.MANAGE_MESSAGES), true);
    assert.equal(computeChannelPermissions({ ...mod, withoutMfa: true }, overwrites), inChannel & ~MFA_GATED_PERMISSIONS);
  });
  it('an administrator and the owner keep every other permission, overwrites still bypassed', () => {
    const denied = [ow(GUILD, 0, 0n, P.VIEW_CHANNEL)];
    for (const who of [ctx({ memberRoleIds: [ADMIN_ROLE] }), ctx({ userId: OWNER })]) {
      assert.equal(computeBasePermissions({ ...who, withoutMfa: true }), ALL_PERMISSIONS & ~MFA_GATED_PERMISSIONS);
      assert.equal(computeChannelPermissions({ ...who, withoutMfa: true }, denied), ALL_PERMISSIONS & ~MFA_GATED_PERMISSIONS);
    }
  });
  it("is Discord's starred list: not View Audit Log, Manage Events, Pin Messages or Mention Everyone", () => {
    for (const bit of [P.KICK_MEMBERS, P.BAN_MEMBERS, P.ADMINISTRATOR, P.MANAGE_CHANNELS, P.MANAGE_GUILD, P.MANAGE_MESSAGES, P.MANAGE_ROLES, P.MANAGE_WEBHOOKS, P.MANAGE_GUILD_EXPRESSIONS, P.MANAGE_THREADS, P.MODERATE_MEMBERS]) {
      assert.equal(hasPermission(MFA_GATED_PERMISSIONS, bit), true);
    }
    for (const bit of [P.VIEW_AUDIT_LOG, P.MANAGE_EVENTS, P.PIN_MESSAGES, P.MENTION_EVERYONE, P.MANAGE_NICKNAMES, P.MUTE_MEMBERS]) assert.equal(hasPermission(MFA_GATED_PERMISSIONS, bit), false);
  });
});

describe('helpers', () => {
  it('hasPermission needs every bit', () => {
    assert.equal(hasPermission(P.KICK_MEMBERS | P.BAN_MEMBERS, P.KICK_MEMBERS), true);
    assert.equal(hasPermission(P.KICK_MEMBERS, P.KICK_MEMBERS | P.BAN_MEMBERS), false);
    assert.equal(hasPermission(0n, 0n), true);
  });
  it('parsePermissions accepts decimal strings and numbers, masks unknown bits, refuses the rest', () => {
    assert.equal(parsePermissions('8'), P.ADMINISTRATOR);
    assert.equal(parsePermissions(2048), P.SEND_MESSAGES);
    assert.equal(parsePermissions((1n << 62n).toString()), 0n);
    for (const bad of ['-1', '0x10', '1.5', '', 'abc']) assert.throws(() => parsePermissions(bad), RangeError);
  });
  it('ALL_PERMISSIONS holds every flag', () => {
    for (const bit of Object.values(P)) assert.equal(hasPermission(ALL_PERMISSIONS, bit), true);
  });
});
