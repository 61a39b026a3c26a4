/**
 * Whether a member may use a command in a guild channel, as Discord decides
 * (https://discord.com/developers/docs/interactions/application-commands#permissions):
 *
 * 1. USE_APPLICATION_COMMANDS in the channel.
 * 2. The channel: an entry for this channel, else the "all channels" entry (guild id − 1), on the command, else on
 *    the application (the entries stored under the application's id); a denied channel refuses.
 * 3. The member: a user entry, else the member's roles (an allow on any role wins over denies), else @everyone
 *    (the guild's id) — on the command, else on the application.
 * 4. Without any member entry: `default_member_permissions` (ADMINISTRATOR holds all; "0" leaves admins only).
 *
 * The owner and administrators pass 2–4 (Discord lets them use every command).
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { hasPermission, Permissions } from '../../protocol/permissions.ts';
import type { ApplicationCommandRecord, CommandPermission, Store } from '../../store/types.ts';
import type { ChannelAccess, GuildAccess } from '../access.ts';

function channelVerdict(entries: readonly CommandPermission[], channelId: string, allChannels: string): boolean | null {
  const own = entries.find((e) => e.type === 3 && e.id === channelId);
  if (own) return own.permission;
  const all = entries.find((e) => e.type === 3 && e.id === allChannels);
  return all ? all.permission : null;
}

function memberVerdict(entries: readonly CommandPermission[], userId: string, roleIds: readonly string[], guildId: string): boolean | null {
  const user = entries.find((e) => e.type === 2 && e.id === userId);
  if (user) return user.permission;
  const roles = entries.filter((e) => e.type === 1 && e.id !== guildId && roleIds.includes(e.id));
  if (roles.some((e) => e.permission)) return true;
  if (roles.length) return false;
  const everyone = entries.find((e) => e.type === 1 && e.id === guildId);
  return everyone ? everyone.permission : null;
}

/** Throws 50013 when the caller (with `access` in the channel) may not use `command` there. */
export async function requireCommandAccess(store: Store, command: ApplicationCommandRecord, access: ChannelAccess, userId: string): Promise<void> {
  const guild = access.guild;
  if (!guild) return;
  const [own, app] = await Promise.all([
    store.applicationCommands.getPermissions(command.applicationId, guild.guild.id, command.id),
    store.applicationCommands.getPermissions(command.applicationId, guild.guild.id, command.applicationId),
  ]);
  const where = { guild, channelId: access.channel.id, channelPermissions: access.permissions };
  if (!commandAllowed(command, own?.permissions ?? [], app?.permissions ?? [], where, userId)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
}

/** Where a command would be used: a guild, and a channel of it (null: the guild as a whole, no channel rule applies). */
export interface CommandPlace {
  guild: GuildAccess;
  channelId: string | null;
  /** The caller's permissions in the channel (or the guild's, without one). */
  channelPermissions: bigint;
}

/**
 * The rules above over the permission entries already loaded: `own` on the command, `app` on the application
 * (stored under its id). The command index (routes/command-index.ts) asks this for many commands at once.
 */
export function commandAllowed(command: ApplicationCommandRecord, own: readonly CommandPermission[], app: readonly CommandPermission[], place: CommandPlace, userId: string): boolean {
  const { guild } = place;
  if (!hasPermission(place.channelPermissions, Permissions.USE_APPLICATION_COMMANDS)) return false;
  if (guild.isOwner || hasPermission(guild.permissions, Permissions.ADMINISTRATOR)) return true;
  const guildId = guild.guild.id;
  const allChannels = (BigInt(guildId) - 1n).toString();
  if (place.channelId !== null) {
    const channel = channelVerdict(own, place.channelId, allChannels) ?? channelVerdict(app, place.channelId, allChannels);
    if (channel === false) return false;
  }
  const member = memberVerdict(own, userId, guild.member.roles, guildId) ?? memberVerdict(app, userId, guild.member.roles, guildId);
  if (member !== null) return member;
  if (command.defaultMemberPermissions !== null) {
    const needed = BigInt(command.defaultMemberPermissions);
    if (needed === 0n || !hasPermission(guild.permissions, needed)) return false;
  }
  return true;
}
