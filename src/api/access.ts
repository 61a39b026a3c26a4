/**
 * Permission checks for routes: load what a check needs from the store, run Discord's algorithm
 * (protocol/permissions.ts), and throw Discord's errors. A stranger gets 404 for what does not exist and 403
 * Missing Access (50001) for what exists but is not theirs to see; a member lacking a bit gets 50013.
 */
import { ApiError, ErrorCodes } from '../protocol/errors.ts';
import {
  ALL_PERMISSIONS, GuildMfaLevel, MFA_GATED_PERMISSIONS, Permissions, computeBasePermissions, computeChannelPermissions, hasPermission,
  type PermissionContext,
} from '../protocol/permissions.ts';
import { isSnowflake } from '../protocol/snowflake.ts';
import type { ApplicationRecord, ChannelRecord, GuildRecord, MemberRecord, RoleRecord, Store } from '../store/types.ts';

/** What a DM recipient may do in a DM or group DM. */
export const DM_PERMISSIONS =
  Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.READ_MESSAGE_HISTORY | Permissions.ADD_REACTIONS |
  Permissions.EMBED_LINKS | Permissions.ATTACH_FILES | Permissions.USE_EXTERNAL_EMOJIS | Permissions.MENTION_EVERYONE |
  Permissions.SEND_TTS_MESSAGES | Permissions.PIN_MESSAGES;

export interface GuildAccess {
  guild: GuildRecord;
  member: MemberRecord;
  roles: RoleRecord[];
  /** Guild-level permissions of the caller. */
  permissions: bigint;
  /**
   * The guild requires 2FA for moderation (mfa_level 1) and the caller's account (a bot's owner's) has none; then
   * `mfaWithheld` holds the moderator permissions the caller would otherwise have, refused with 60003.
   */
  withoutMfa: boolean;
  mfaWithheld: bigint;
  isOwner: boolean;
  /** Rank (roleRank) of the caller's highest role (0 = only @everyone); Infinity for the owner. */
  topPosition: number;
}

export interface ChannelAccess {
  channel: ChannelRecord;
  /** Present for guild channels. */
  guild?: GuildAccess;
  /** Permissions in this channel (DM_PERMISSIONS for a recipient of a DM). */
  permissions: bigint;
  /** Moderator permissions in this channel withheld for want of 2FA (GuildAccess.mfaWithheld); 0n in a DM. */
  mfaWithheld: bigint;
}

export function permissionContext(guild: GuildRecord, member: MemberRecord, roles: readonly RoleRecord[], now = Date.now()): PermissionContext {
  return {
    guildId: guild.id,
    ownerId: guild.ownerId,
    userId: member.userId,
    memberRoleIds: member.roles,
    rolePermissions: new Map(roles.map((r) => [r.id, BigInt(r.permissions)])),
    communicationDisabledUntil: member.communicationDisabledUntil,
    now,
  };
}

/**
 * Each role's place in the hierarchy, 0 for the lowest: by position, and among roles sharing a position the older
 * (smaller id) above the newer. Discord: "roles with the same position are sorted by id", and discord.js ranks
 * them so (RoleManager.comparePositions). New roles all start at position 1, so without the tie-break a bot could
 * not assign a role it had just created: both would sit at 1.
 */
const ranksOf = new WeakMap<readonly RoleRecord[], Map<string, number>>();
function roleRanks(roles: readonly RoleRecord[]): Map<string, number> {
  let ranks = ranksOf.get(roles);
  if (!ranks) {
    ranks = new Map(rolesByRank(roles).map((r, i) => [r.id, i]));
    ranksOf.set(roles, ranks);
  }
  return ranks;
}

/** The roles from the lowest in the hierarchy to the highest (see roleRanks). */
export function rolesByRank<R extends Pick<RoleRecord, 'id' | 'position'>>(roles: readonly R[]): R[] {
  return [...roles].sort((a, b) => a.position - b.position || (BigInt(b.id) < BigInt(a.id) ? -1 : BigInt(b.id) > BigInt(a.id) ? 1 : 0));
}

/** `role`'s rank among the guild's `roles` (see roleRanks). */
export function roleRank(roles: readonly RoleRecord[], role: RoleRecord): number {
  return roleRanks(roles).get(role.id) ?? role.position;
}

/** The rank of the member's highest role (0 with none but @everyone); Infinity for the owner. */
export function topRolePosition(guild: GuildRecord, member: MemberRecord, roles: readonly RoleRecord[]): number {
  if (guild.ownerId === member.userId) return Infinity;
  const top = topRole(member, roles);
  return top ? roleRanks(roles).get(top.id)! : 0;
}

/** The member's highest role (null with none but @everyone). */
export function topRole(member: MemberRecord, roles: readonly RoleRecord[]): RoleRecord | null {
  const ranks = roleRanks(roles);
  const held = new Set(member.roles);
  let top: RoleRecord | null = null;
  for (const r of roles) if (held.has(r.id) && (!top || ranks.get(r.id)! > ranks.get(top.id)!)) top = r;
  return top;
}

function requireId(id: string, code: (typeof ErrorCodes)[keyof typeof ErrorCodes]) {
  if (!isSnowflake(id)) throw new ApiError(code);
}

/** The caller's standing in a guild: 10004 when unknown, 50001 when not a member. */
export async function guildAccess(store: Store, guildId: string, userId: string, now = Date.now()): Promise<GuildAccess> {
  requireId(guildId, ErrorCodes.UNKNOWN_GUILD);
  const guild = await store.guilds.get(guildId);
  if (!guild) throw new ApiError(ErrorCodes.UNKNOWN_GUILD);
  const member = await store.members.get(guildId, userId);
  if (!member) throw new ApiError(ErrorCodes.MISSING_ACCESS);
  const roles = await store.roles.listByGuild(guildId);
  // Read only in a guild that requires 2FA: the common case costs no query.
  const withoutMfa = guild.mfaLevel === GuildMfaLevel.ELEVATED && !(await accountHasMfa(store, userId));
  const held = computeBasePermissions(permissionContext(guild, member, roles, now));
  const mfaWithheld = withoutMfa ? held & MFA_GATED_PERMISSIONS : 0n;
  return {
    guild, member, roles, permissions: held & ~mfaWithheld, withoutMfa, mfaWithheld, isOwner: guild.ownerId === userId,
    topPosition: topRolePosition(guild, member, roles),
  };
}

/**
 * Whether the acting account logs in with two factors, as server-wide 2FA asks: for a bot, its application
 * owner's account (Discord: "the owner account"); a bot of no application has none.
 */
export async function accountHasMfa(store: Store, userId: string): Promise<boolean> {
  const user = await store.users.get(userId);
  if (!user?.bot) return Boolean(user?.mfaEnabled);
  const app = await store.applications.getByBotUser(userId);
  return app !== null && Boolean((await store.users.get(app.ownerId))?.mfaEnabled);
}

/** What @everyone alone may do in a channel of `guild` (someone who is not a member yet: widget.json, an invite's event). */
export async function everyoneChannelPermissions(store: Store, guild: GuildRecord, roles: readonly RoleRecord[], channelId: string, now: number): Promise<bigint> {
  const everyone = { guildId: guild.id, ownerId: guild.ownerId, userId: '0', memberRoleIds: [], rolePermissions: new Map(roles.map((r) => [r.id, BigInt(r.permissions)])), communicationDisabledUntil: null, now };
  const overwrites = await store.overwrites.listByChannel(channelId);
  return computeChannelPermissions(everyone, overwrites.map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) })));
}

/**
 * The application `appId` names, for its owner (the developer portal) or, with `bot`, also for its own bot user:
 * 10002 when unknown, 50001 for anyone else.
 */
export async function applicationAccess(store: Store, appId: string, userId: string, opts: { bot?: boolean } = {}): Promise<ApplicationRecord> {
  const app = isSnowflake(appId) ? await store.applications.get(appId) : null;
  if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
  if (app.ownerId !== userId && !(opts.bot && app.botUserId === userId)) throw new ApiError(ErrorCodes.MISSING_ACCESS);
  return app;
}

/**
 * The caller's standing in a channel: 10003 when unknown, 50001 when not visible to them. `staleLastMessageId`:
 * the caller does not read the channel's lastMessageId, which may then be older than stored (ChannelStore.get).
 */
export async function channelAccess(store: Store, channelId: string, userId: string, now = Date.now(), opts: { staleLastMessageId?: boolean } = {}): Promise<ChannelAccess> {
  requireId(channelId, ErrorCodes.UNKNOWN_CHANNEL);
  const channel = await store.channels.get(channelId, opts);
  if (!channel) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
  if (!channel.guildId) {
    const recipients = await store.channels.listRecipients(channelId);
    if (!recipients.includes(userId)) throw new ApiError(ErrorCodes.MISSING_ACCESS);
    return { channel, permissions: DM_PERMISSIONS, mfaWithheld: 0n };
  }
  const guild = await guildAccess(store, channel.guildId, userId, now);
  // A thread has the permissions of its parent channel (its own overwrites are the parent's).
  const isThread = THREAD_TYPES.has(channel.type) && channel.parentId !== null;
  const overwrites = await store.overwrites.listByChannel(isThread ? channel.parentId! : channelId);
  const held = computeChannelPermissions(
    permissionContext(guild.guild, guild.member, guild.roles, now),
    overwrites.map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) })),
  );
  const mfaWithheld = guild.withoutMfa ? held & MFA_GATED_PERMISSIONS : 0n;
  const permissions = held & ~mfaWithheld;
  if (!hasPermission(permissions, Permissions.VIEW_CHANNEL)) throw new ApiError(ErrorCodes.MISSING_ACCESS);
  // A private thread is seen by its members and by those who may MANAGE_THREADS. Seeing is not moderating: the
  // bits as held decide, server-wide 2FA or not, as the gateway's and the thread lists' visibility does.
  if (isThread && channel.type === 12 && !hasPermission(held, Permissions.MANAGE_THREADS) && !(await store.threads.getMember(channelId, userId))) {
    throw new ApiError(ErrorCodes.MISSING_ACCESS);
  }
  return { channel, guild, permissions, mfaWithheld };
}

/** Thread channel types: announcement, public and private threads. */
export const THREAD_TYPES: ReadonlySet<number> = new Set([10, 11, 12]);

/**
 * Throws unless every bit of `needed` is held: 60003 when every missing bit is a moderator permission withheld for
 * want of 2FA (pass the access, not its bits, to tell), 50013 otherwise.
 */
export function requirePermission(held: bigint | { permissions: bigint; mfaWithheld: bigint }, needed: bigint): void {
  const permissions = typeof held === 'bigint' ? held : held.permissions;
  if (!hasPermission(permissions, needed)) throw permissionRefusal(held, needed);
}

/**
 * The error for lacking `needed` (see requirePermission), for checks that decide between several bits first; with
 * `alternatives`, for lacking each of them (any one would do). 60003 when 2FA alone would grant every missing bit of
 * one of them, 50013 otherwise.
 */
export function permissionRefusal(held: bigint | { permissions: bigint; mfaWithheld: bigint }, needed: bigint, ...alternatives: bigint[]): ApiError {
  if (typeof held === 'bigint') return new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  const restorable = [needed, ...alternatives].some((bits) => {
    const missing = bits & ~held.permissions;
    return missing !== 0n && (missing & ~held.mfaWithheld) === 0n;
  });
  return new ApiError(restorable ? ErrorCodes.TWO_FACTOR_REQUIRED : ErrorCodes.MISSING_PERMISSIONS);
}

/** Role hierarchy: the caller may act on a member only if their top role is strictly higher (owner always). */
export function requireAbove(access: GuildAccess, targetTopPosition: number, targetIsOwner = false): void {
  if (targetIsOwner || (!access.isOwner && access.topPosition <= targetTopPosition)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
}

export { ALL_PERMISSIONS, Permissions };
