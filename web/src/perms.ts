/**
 * What the UI offers, decided by the server's own implementation of Discord's permission algorithm
 * (src/protocol/permissions.ts, pure and browser-safe); the server still enforces every request.
 */
import {
  Permissions as P,
  computeBasePermissions,
  computeChannelPermissions,
  hasPermission,
  type PermissionContext,
} from '../../src/protocol/permissions.ts';
import { store, type GuildInfo } from './store.ts';
import type { Channel, Member } from './types.ts';

export { P };

/** The bits the settings screens let an owner toggle, in display order. */
export const KEY_PERMISSIONS: Array<{ bit: bigint; label: string; channel: boolean }> = [
  { bit: P.ADMINISTRATOR, label: 'Administrator', channel: false },
  { bit: P.MANAGE_GUILD, label: 'Manage Server', channel: false },
  { bit: P.MANAGE_ROLES, label: 'Manage Roles', channel: true },
  { bit: P.MANAGE_CHANNELS, label: 'Manage Channels', channel: true },
  { bit: P.KICK_MEMBERS, label: 'Kick Members', channel: false },
  { bit: P.BAN_MEMBERS, label: 'Ban Members', channel: false },
  { bit: P.CREATE_INSTANT_INVITE, label: 'Create Invite', channel: true },
  { bit: P.VIEW_CHANNEL, label: 'View Channels', channel: true },
  { bit: P.SEND_MESSAGES, label: 'Send Messages', channel: true },
  { bit: P.READ_MESSAGE_HISTORY, label: 'Read Message History', channel: true },
  { bit: P.ATTACH_FILES, label: 'Attach Files', channel: true },
  { bit: P.ADD_REACTIONS, label: 'Add Reactions', channel: true },
  { bit: P.MANAGE_MESSAGES, label: 'Manage Messages', channel: true },
  { bit: P.PIN_MESSAGES, label: 'Pin Messages', channel: true },
  { bit: P.MENTION_EVERYONE, label: 'Mention @everyone', channel: true },
  { bit: P.CREATE_EVENTS, label: 'Create Events', channel: true },
  { bit: P.MANAGE_EVENTS, label: 'Manage Events', channel: true },
];

const big = (s: string | undefined) => {
  try {
    return BigInt(s ?? '0');
  } catch {
    return 0n;
  }
};

function context(guild: GuildInfo, userId: string, member: Member | undefined): PermissionContext {
  return {
    guildId: guild.id,
    ownerId: guild.owner_id,
    userId,
    memberRoleIds: member?.roles ?? [],
    rolePermissions: new Map(Object.entries(guild.roles).map(([id, role]) => [id, big(role.permissions)])),
    communicationDisabledUntil: member?.communication_disabled_until ? Date.parse(member.communication_disabled_until) : null,
    // Server-wide 2FA: our own account without it holds no moderator permission here (the server refuses with
    // 60003). Whether another account has 2FA is not known to a client, so theirs are computed as held.
    withoutMfa: guild.mfa_level === 1 && userId === store.state.me?.id && !store.state.me.mfa_enabled,
  };
}

export function basePermissions(guild: GuildInfo, userId: string, member: Member | undefined): bigint {
  return computeBasePermissions(context(guild, userId, member));
}

export function channelPermissions(guild: GuildInfo, channel: Channel, userId: string, member: Member | undefined): bigint {
  const overwrites = (channel.permission_overwrites ?? []).map((o) => ({ id: o.id, type: o.type, allow: big(o.allow), deny: big(o.deny) }));
  return computeChannelPermissions(context(guild, userId, member), overwrites);
}

export const has = hasPermission;
