/** Discord's permission algorithm (DISCORD.md §3.5), used to decide what the UI offers; the server enforces. */
import type { GuildInfo } from './store.ts';
import type { Channel, Member } from './types.ts';

export const P = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  MANAGE_ROLES: 1n << 28n,
} as const;

export const ALL = (1n << 53n) - 1n;

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
  { bit: P.ADD_REACTIONS, label: 'Add Reactions', channel: true },
  { bit: P.MANAGE_MESSAGES, label: 'Manage Messages', channel: true },
  { bit: P.MENTION_EVERYONE, label: 'Mention @everyone', channel: true },
];

const big = (s: string | undefined) => {
  try {
    return BigInt(s ?? '0');
  } catch {
    return 0n;
  }
};

export function basePermissions(guild: GuildInfo, userId: string, member: Member | undefined): bigint {
  if (guild.owner_id === userId) return ALL;
  let p = big(guild.roles[guild.id]?.permissions);
  for (const rid of member?.roles ?? []) p |= big(guild.roles[rid]?.permissions);
  return p & P.ADMINISTRATOR ? ALL : p;
}

export function channelPermissions(guild: GuildInfo, channel: Channel, userId: string, member: Member | undefined): bigint {
  let p = basePermissions(guild, userId, member);
  if (p & P.ADMINISTRATOR) return ALL;
  const ows = channel.permission_overwrites ?? [];
  const everyone = ows.find((o) => o.id === guild.id);
  if (everyone) p = (p & ~big(everyone.deny)) | big(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of ows) {
    if (o.type === 0 && member?.roles.includes(o.id)) {
      allow |= big(o.allow);
      deny |= big(o.deny);
    }
  }
  p = (p & ~deny) | allow;
  const own = ows.find((o) => o.type === 1 && o.id === userId);
  if (own) p = (p & ~big(own.deny)) | big(own.allow);
  if (!(p & P.VIEW_CHANNEL)) return 0n;
  return p;
}

export const has = (p: bigint, bit: bigint) => (p & bit) === bit;
