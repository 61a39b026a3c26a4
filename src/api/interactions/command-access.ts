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
import type { ChannelAccess } from '../access.ts';

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
  const refuse = () => {
    throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  };
  const guild = access.guild;
  if (!guild) return;
  if (!hasPermission(access.permissions, Permissions.USE_APPLICATION_COMMANDS)) refuse();
  if (guild.isOwner || hasPermission(guild.permissions, Permissions.ADMINISTRATOR)) return;
  const guildId = guild.guild.id;
  const [own, app] = await Promise.all([
    store.applicationCommands.getPermissions(command.applicationId, guildId, command.id),
    store.applicationCommands.getPermissions(command.applicationId, guildId, command.applicationId),
  ]);
  const ownEntries = own?.permissions ?? [];
  const appEntries = app?.permissions ?? [];
  const allChannels = (BigInt(guildId) - 1n).toString();
  const channel = channelVerdict(ownEntries, access.channel.id, allChannels) ?? channelVerdict(appEntries, access.channel.id, allChannels);
  if (channel === false) refuse();
  const member = memberVerdict(ownEntries, userId, guild.member.roles, guildId) ?? memberVerdict(appEntries, userId, guild.member.roles, guildId);
  if (member === false) refuse();
  if (member === true) return;
  if (command.defaultMemberPermissions !== null) {
    const needed = BigInt(command.defaultMemberPermissions);
    if (needed === 0n || !hasPermission(guild.permissions, needed)) refuse();
  }
}
