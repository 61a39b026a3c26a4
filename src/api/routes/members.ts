/**
 * Members: list, search, get, edit (nick, roles, timeout, mute/deaf), kick, and single-role add/remove.
 * Acting on another member needs the permission and, for kicks, nicknames and timeouts, a top role strictly
 * above theirs; roles can only be given or taken when they sit below the caller's top role.
 */
import { memberGone } from '../integrations.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { ALL_PERMISSIONS, Permissions, computeBasePermissions, hasPermission } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { MemberRecord, RoleRecord, UserRecord } from '../../store/types.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { diffChanges, recordAudit } from '../audit-log.ts';
import { guildAccess, type GuildAccess, permissionContext, permissionRefusal, requireAbove, requirePermission, topRolePosition } from '../access.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { memberJson, publicUser } from '../../shapes/serialize.ts';
import { parse, snowflake, z } from '../validate.ts';
import { acceptImage, imageBodyLimit } from '../image-fields.ts';
import { requireAssignableRole } from './roles.ts';

/** Discord's longest timeout: 28 days. */
export const MAX_TIMEOUT_MS = 28 * 24 * 60 * 60 * 1000;

/** The GUILD_MEMBER_UPDATE / GUILD_MEMBER_ADD payload: the member object with its user and guild_id. */
export function memberEventPayload(member: MemberRecord, user: UserRecord) {
  return { ...memberJson(member, user), guild_id: member.guildId };
}

/** The member fields the audit log reports, as Discord names them. */
function memberAuditJson(m: MemberRecord): Record<string, unknown> {
  return {
    nick: m.nick, mute: m.mute, deaf: m.deaf, avatar_hash: m.avatar,
    communication_disabled_until: m.communicationDisabledUntil === null ? null : new Date(m.communicationDisabledUntil).toISOString(),
  };
}

/** Guild member flag BYPASSES_VERIFICATION, the only one a moderator sets (Discord's Guild Member Flags table). */
const BYPASSES_VERIFICATION = 1 << 2;

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(1),
  after: snowflake.optional(),
});
const searchQuery = z.object({
  query: z.string().max(100),
  limit: z.coerce.number().int().min(1).max(1000).default(1),
});

const patchBody = z.object({
  nick: z.string().max(32).nullish(),
  roles: z.array(snowflake).max(250).nullish(),
  mute: z.boolean().nullish(),
  deaf: z.boolean().nullish(),
  communication_disabled_until: z.string().datetime({ offset: true }).nullish(),
  flags: z.number().int().nonnegative().nullish(),
  channel_id: snowflake.nullish(),
});
/** What a member may change of their own membership: the nickname and the guild avatar. */
/** Modify Current Member: the nickname, and the per-server profile (avatar, banner, About Me, 190 characters). */
const ownMemberBody = z.object({ nick: z.string().max(32).nullish(), avatar: z.string().nullish(), banner: z.string().nullish(), bio: z.string().max(190).nullish() });

export function registerMembersRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  /** The target member with their user and top role position; '@me' is the caller. 10013 bad id, 10007 not a member. */
  const target = async (access: GuildAccess, rawId: string, caller: UserRecord) => {
    const userId = rawId === '@me' ? caller.id : rawId;
    if (!isSnowflake(userId)) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    const [member, user] = await Promise.all([store.members.get(access.guild.id, userId), userId === caller.id ? caller : store.users.get(userId)]);
    if (!user) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    if (!member) throw new ApiError(ErrorCodes.UNKNOWN_MEMBER);
    return { member, user, top: topRolePosition(access.guild, member, access.roles), isOwner: access.guild.ownerId === userId };
  };

  const withUsers = async (members: MemberRecord[]) => {
    const users = new Map((await store.users.getMany(members.map((m) => m.userId))).map((u) => [u.id, u]));
    return members.filter((m) => users.has(m.userId)).map((m) => memberJson(m, users.get(m.userId)));
  };

  const publishUpdate = (member: MemberRecord, user: UserRecord) => {
    const payload = memberEventPayload(member, user);
    ctx.dispatch.guild(member.guildId, 'GUILD_MEMBER_UPDATE', payload);
    return memberJson(member, user);
  };

  /** MEMBER_UPDATE (nick, mute, deaf, timeout) and MEMBER_ROLE_UPDATE ($add / $remove) entries of a member change. */
  const auditMemberChange = async (req: RouteRequest, before: MemberRecord, after: MemberRecord, roles: readonly RoleRecord[]) => {
    const changes = diffChanges(memberAuditJson(before), memberAuditJson(after), ['nick', 'mute', 'deaf', 'communication_disabled_until', 'avatar_hash']);
    if (changes.length) await recordAudit(ctx, req, after.guildId, { actionType: AuditLogEvent.MEMBER_UPDATE, targetId: after.userId, changes });
    const had = new Set(before.roles);
    const has = new Set(after.roles);
    const named = (ids: string[]) => ids.map((id) => ({ id, name: roles.find((r) => r.id === id)?.name ?? '' }));
    const added = named(after.roles.filter((id) => !had.has(id)));
    const removed = named(before.roles.filter((id) => !has.has(id)));
    const roleChanges = [...(added.length ? [{ key: '$add', new_value: added }] : []), ...(removed.length ? [{ key: '$remove', new_value: removed }] : [])];
    if (roleChanges.length) await recordAudit(ctx, req, after.guildId, { actionType: AuditLogEvent.MEMBER_ROLE_UPDATE, targetId: after.userId, changes: roleChanges });
  };

  ctx.get('/guilds/:guildId/members', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const q = parse(listQuery, req.query);
    return withUsers(await store.members.list(access.guild.id, { after: q.after, limit: q.limit }));
  });

  ctx.get('/guilds/:guildId/members/search', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const q = parse(searchQuery, req.query);
    return withUsers(await store.members.search(access.guild.id, q.query, q.limit));
  });

  ctx.get('/guilds/:guildId/members/:userId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const t = await target(access, req.params.userId, req.user);
    return memberJson(t.member, t.user);
  });

  ctx.patch('/guilds/:guildId/members/:userId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const t = await target(access, req.params.userId, req.user);
    const body = parse(patchBody, req.body);
    const self = t.user.id === req.user.id;
    const patch: Partial<MemberRecord> = {};

    if (body.nick !== undefined) {
      if (self && (access.permissions & Permissions.CHANGE_NICKNAME) === Permissions.CHANGE_NICKNAME) {
        // Changing one's own nickname needs no hierarchy.
      } else {
        requirePermission(access, Permissions.MANAGE_NICKNAMES);
        if (!self) requireAbove(access, t.top, t.isOwner);
      }
      patch.nick = body.nick || null;
    }

    if (body.roles != null) {
      requirePermission(access, Permissions.MANAGE_ROLES);
      const wanted = new Set(body.roles.filter((id) => id !== access.guild.id));
      const current = new Set(t.member.roles);
      const changed = [...wanted].filter((id) => !current.has(id)).concat([...current].filter((id) => !wanted.has(id)));
      for (const id of changed) {
        const role = access.roles.find((r) => r.id === id);
        if (!role) throw fieldError(['roles', body.roles.indexOf(id)], 'BASE_TYPE_INVALID', 'Unknown role');
        requireAssignableRole(access, role);
      }
      patch.roles = [...wanted];
      // A role makes a temporary membership permanent (Discord: "unless they've been assigned a role").
      if (wanted.size > 0 && t.member.temporary) patch.temporary = false;
    }

    if (body.communication_disabled_until !== undefined) {
      requirePermission(access, Permissions.MODERATE_MEMBERS);
      requireAbove(access, t.top, t.isOwner);
      // Admins cannot be timed out (the permission algorithm exempts them, so Discord refuses outright).
      const targetPerms = computeBasePermissions(permissionContext(access.guild, t.member, access.roles, now()));
      if (targetPerms === ALL_PERMISSIONS) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
      if (body.communication_disabled_until === null) {
        patch.communicationDisabledUntil = null;
      } else {
        const until = Date.parse(body.communication_disabled_until);
        if (until > now() + MAX_TIMEOUT_MS) {
          throw fieldError('communication_disabled_until', 'BASE_TYPE_BAD_TIME', 'Timeouts can be at most 28 days in the future');
        }
        patch.communicationDisabledUntil = until > now() ? until : null;
      }
    }

    // Server mute and deafen "will throw a 400 error if the user is not in a voice channel": Accord has no voice
    // connections, so nobody ever is.
    if (body.mute != null) requirePermission(access, Permissions.MUTE_MEMBERS);
    if (body.deaf != null) requirePermission(access, Permissions.DEAFEN_MEMBERS);
    // Moving (channel_id) or disconnecting (null) needs MOVE_MEMBERS and, likewise, a member in voice.
    if (body.channel_id !== undefined) requirePermission(access, Permissions.MOVE_MEMBERS);
    if (body.mute != null || body.deaf != null || body.channel_id !== undefined) throw new ApiError(ErrorCodes.TARGET_NOT_IN_VOICE);
    if (body.flags != null) {
      // "MANAGE_GUILD or MANAGE_ROLES or (MODERATE_MEMBERS and KICK_MEMBERS and BAN_MEMBERS)"; of the member
      // flags only BYPASSES_VERIFICATION is editable, the others stay as they are.
      const moderator = Permissions.MODERATE_MEMBERS | Permissions.KICK_MEMBERS | Permissions.BAN_MEMBERS;
      if (!hasPermission(access.permissions, Permissions.MANAGE_GUILD) && !hasPermission(access.permissions, Permissions.MANAGE_ROLES) && !hasPermission(access.permissions, moderator)) {
        throw permissionRefusal(access, Permissions.MANAGE_GUILD, Permissions.MANAGE_ROLES, moderator);
      }
      patch.flags = (t.member.flags & ~BYPASSES_VERIFICATION) | (body.flags & BYPASSES_VERIFICATION);
    }

    if (!Object.keys(patch).length) return memberJson(t.member, t.user);
    const member = await store.members.update(access.guild.id, t.user.id, patch);
    const json = publishUpdate(member, t.user);
    await auditMemberChange(req, t.member, member, access.roles);
    return json;
  });

  const editOwnNick = async (req: RouteRequest<{ guildId: string }>) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const body = parse(ownMemberBody, req.body);
    const patch: Partial<MemberRecord> = {};
    if (body.nick !== undefined) {
      if ((access.permissions & Permissions.CHANGE_NICKNAME) !== Permissions.CHANGE_NICKNAME) {
        requirePermission(access, Permissions.MANAGE_NICKNAMES);
      }
      patch.nick = body.nick || null;
    }
    // null or an empty About Me clears it; the user's own shows again.
    if (body.bio !== undefined) patch.bio = body.bio ?? '';
    // Last, once the rest is valid: a new image's bytes are stored before its hash.
    const images = { avatar: 'member-avatars', banner: 'member-banners' } as const;
    for (const field of ['avatar', 'banner'] as const) {
      if (body[field] === undefined) continue;
      const owner = { kind: images[field], guildId: access.guild.id, userId: req.user.id };
      patch[field] = await acceptImage(ctx.deps, body[field], { field, owner, current: access.member[field] ?? null });
    }
    if (!Object.keys(patch).length) return memberJson(access.member, req.user);
    const member = await store.members.update(access.guild.id, req.user.id, patch);
    const json = publishUpdate(member, req.user);
    await auditMemberChange(req, access.member, member, access.roles);
    return json;
  };
  // Registered explicitly so that /members/@me does not depend on the generic route's '@me' handling.
  ctx.patch('/guilds/:guildId/members/@me', { bodyLimit: imageBodyLimit(ctx.deps.config, 2) }, editOwnNick);
  ctx.patch('/guilds/:guildId/members/@me/nick', {}, async (req) => {
    const json = await editOwnNick(req);
    return { nick: json.nick };
  });

  ctx.delete('/guilds/:guildId/members/:userId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.KICK_MEMBERS);
    const t = await target(access, req.params.userId, req.user);
    requireAbove(access, t.top, t.isOwner);
    await store.members.remove(access.guild.id, t.user.id);
    ctx.dispatch.guild(access.guild.id, 'GUILD_MEMBER_REMOVE', { guild_id: access.guild.id, user: publicUser(t.user) });
    await memberGone(ctx, access.guild.id, t.user);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.MEMBER_KICK, targetId: t.user.id });
    return undefined;
  });

  const roleChange = async (req: RouteRequest<{ guildId: string; userId: string; roleId: string }>, add: boolean) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_ROLES);
    const t = await target(access, req.params.userId, req.user);
    const role = access.roles.find((r) => r.id === req.params.roleId && r.id !== access.guild.id);
    if (!role) throw new ApiError(ErrorCodes.UNKNOWN_ROLE);
    requireAssignableRole(access, role);
    if (t.member.roles.includes(role.id) === add) return undefined;
    let member = add
      ? await store.members.addRole(access.guild.id, t.user.id, role.id)
      : await store.members.removeRole(access.guild.id, t.user.id, role.id);
    // A role makes a temporary membership permanent (Discord: "unless they've been assigned a role").
    if (add && member.temporary) member = await store.members.update(access.guild.id, t.user.id, { temporary: false });
    publishUpdate(member, t.user);
    await auditMemberChange(req, t.member, member, access.roles);
    return undefined;
  };
  ctx.put('/guilds/:guildId/members/:userId/roles/:roleId', {}, (req) => roleChange(req, true));
  ctx.delete('/guilds/:guildId/members/:userId/roles/:roleId', {}, (req) => roleChange(req, false));
}
