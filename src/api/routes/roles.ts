/**
 * Roles: list, create, reorder, get, edit, delete. Managing a role needs MANAGE_ROLES and a top role strictly
 * above it (the owner is above everything); nobody grants permission bits they do not hold themselves.
 */
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { ALL_PERMISSIONS, Permissions, parsePermissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { RoleRecord } from '../../store/types.ts';
import { guildAccess, requirePermission, roleRank, rolesByRank, topRole, type GuildAccess } from '../access.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { roleJson } from '../../shapes/serialize.ts';
import { parse, permissionString, snowflake, z } from '../validate.ts';
import { acceptImage, imageBodyLimit } from '../image-fields.ts';
import { newRole } from './guilds.ts';
import { unicodeEmoji } from '../messages/reaction-emoji.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ROLE_AUDIT_KEYS, createdChanges, deletedChanges, diffChanges, recordAudit } from '../audit-log.ts';

export const MAX_ROLES_PER_GUILD = 250;

/** 50013 unless the caller's top role is strictly above `role` (or the caller owns the guild). */
export function requireRoleBelow(access: GuildAccess, role: RoleRecord): void {
  if (!access.isOwner && roleRank(access.roles, role) >= access.topPosition) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
}

/** A role the caller may give or take: below their highest (the owner any), and not managed by an integration. */
export function requireAssignableRole(access: GuildAccess, role: RoleRecord): void {
  requireRoleBelow(access, role);
  if (role.managed) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS, { message: 'Managed roles cannot be assigned or removed' });
}

/**
 * A reorder by someone other than the owner may move only the roles beneath the caller's top role, and none of
 * them to or above it: from that role up, the hierarchy must read the same after as before. Other positions may
 * change freely, so a client that renumbers every role (discord.js sends each role's index) while moving one of
 * its own is not refused for renumbering the roles above it.
 */
function requireOrderKeptFromTop(access: GuildAccess, updates: ReadonlyArray<{ id: string; position: number }>): void {
  const top = topRole(access.member, access.roles);
  if (!top) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  const moved = new Map(updates.map((u) => [u.id, u.position]));
  const before = rolesByRank(access.roles).map((r) => r.id);
  const after = rolesByRank(access.roles.map((r) => ({ id: r.id, position: moved.get(r.id) ?? r.position }))).map((r) => r.id);
  const fromTop = before.slice(before.indexOf(top.id));
  if (after.slice(after.length - fromTop.length).join() !== fromTop.join()) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
}

/** 50013 when `wanted` adds bits to `current` that the caller does not hold (admins and the owner hold all). */
export function requireGrantable(access: GuildAccess, wanted: bigint, current = 0n): void {
  if (access.permissions === ALL_PERMISSIONS) return;
  if ((wanted & ~current & ~access.permissions) !== 0n) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
}

const rgb = z.number().int().min(0).max(0xffffff);

// Discord: "All parameters to this endpoint are optional and nullable"; a null leaves the field as it is
// (icon and unicode_emoji, where null clears, aside).
const roleFields = {
  name: z.string().max(100).nullish(),
  permissions: permissionString.nullish(),
  color: z.number().int().min(0).max(0xffffff).nullish(),
  colors: z.object({ primary_color: rgb.nullish(), secondary_color: rgb.nullish(), tertiary_color: rgb.nullish() }).partial().nullish(),
  hoist: z.boolean().nullish(),
  icon: z.string().nullish(),
  unicode_emoji: z.string().max(32).nullish(),
  mentionable: z.boolean().nullish(),
};
const roleBody = z.object(roleFields).nullish();
const reorderBody = z.array(z.object({ id: snowflake, position: z.number().int().min(0).nullish() })).min(1).max(MAX_ROLES_PER_GUILD);

/** The only colors a holographic role has: "When sending tertiary_color the API enforces the role color to be a holographic style". */
export const HOLOGRAPHIC = { color: 11127295, secondaryColor: 16759788, tertiaryColor: 16761760 } as const;

type ColorFields = Pick<RoleRecord, 'color' | 'secondaryColor' | 'tertiaryColor'>;

/**
 * The role's colors from a body. `colors` is Discord's role colors object and replaces all three (a secondary
 * color makes a gradient, any tertiary color the holographic style); the older `color` sets the primary alone.
 * Every Accord guild may use them (Discord asks for the ENHANCED_ROLE_COLORS feature, which boosts unlock).
 */
function colorsOf(body: { color?: number | null; colors?: { primary_color?: number | null; secondary_color?: number | null; tertiary_color?: number | null } | null }): Partial<ColorFields> {
  const c = body.colors;
  if (c) {
    if (c.tertiary_color != null) return { ...HOLOGRAPHIC };
    const primary = c.primary_color ?? body.color ?? undefined;
    return { ...(primary !== undefined ? { color: primary } : {}), secondaryColor: c.secondary_color ?? null, tertiaryColor: null };
  }
  return body.color != null ? { color: body.color } : {};
}

/** unicode_emoji must be one standard emoji (kept fully qualified), or null to clear it. */
function roleEmoji(raw: string | null): string | null {
  if (raw === null || raw === '') return null;
  const emoji = unicodeEmoji(raw);
  if (!emoji) throw fieldError('unicode_emoji', 'ROLE_UNICODE_EMOJI_INVALID', 'Must be a single unicode emoji');
  return emoji;
}

export function registerRolesRoutes(ctx: RouteContext): void {
  const { store, ids, now } = ctx.deps;

  const manager = async (req: RouteRequest<{ guildId: string }>) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_ROLES);
    return access;
  };

  const findRole = (access: GuildAccess, roleId: string) => {
    const role = isSnowflake(roleId) ? access.roles.find((r) => r.id === roleId) : undefined;
    if (!role) throw new ApiError(ErrorCodes.UNKNOWN_ROLE);
    return role;
  };

  ctx.get('/guilds/:guildId/roles', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return access.roles.map(roleJson);
  });

  // Get Guild Role Member Counts: every role but @everyone, those nobody holds with 0.
  ctx.get('/guilds/:guildId/roles/member-counts', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const held = await store.members.countByRole(access.guild.id);
    return Object.fromEntries(access.roles.filter((r) => r.id !== access.guild.id).map((r) => [r.id, held.get(r.id) ?? 0]));
  });

  ctx.get('/guilds/:guildId/roles/:roleId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return roleJson(findRole(access, req.params.roleId));
  });

  ctx.post('/guilds/:guildId/roles', { bodyLimit: imageBodyLimit(ctx.deps.config, 1) }, async (req) => {
    const access = await manager(req);
    const body = parse(roleBody, req.body) ?? {};
    if (access.roles.length >= MAX_ROLES_PER_GUILD) throw new ApiError(ErrorCodes.MAX_ROLES);
    const everyone = access.roles.find((r) => r.id === access.guild.id);
    // Discord's default for a new role is @everyone's permission set.
    const permissions = body.permissions != null ? parsePermissions(body.permissions) : BigInt(everyone?.permissions ?? '0');
    if (body.permissions != null) requireGrantable(access, permissions);
    const unicodeEmojiValue = roleEmoji(body.unicode_emoji ?? null);
    const roleId = ids.next();
    // The icon's bytes are stored before the role that names them.
    const icon = body.icon != null ? await acceptImage(ctx.deps, body.icon, { field: 'icon', owner: { kind: 'role-icons', id: roleId } }) : null;
    const colors = colorsOf(body);
    const role = await store.roles.create(newRole(roleId, access.guild.id, {
      name: body.name || 'new role', permissions: permissions.toString(), hoist: body.hoist ?? false,
      ...colors, color: colors.color ?? 0,
      mentionable: body.mentionable ?? false, icon, unicodeEmoji: unicodeEmojiValue,
      // New roles sit just above @everyone, as on Discord; ties are ordered by id.
      position: 1,
    }));
    const json = roleJson(role);
    ctx.dispatch.guild(access.guild.id, 'GUILD_ROLE_CREATE', { guild_id: access.guild.id, role: json });
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.ROLE_CREATE, targetId: role.id, changes: createdChanges(json, ROLE_AUDIT_KEYS) });
    return json;
  });

  ctx.patch('/guilds/:guildId/roles', {}, async (req) => {
    const access = await manager(req);
    const body = parse(reorderBody, req.body);
    const updates: Array<{ id: string; position: number }> = [];
    body.forEach((u, i) => {
      const role = access.roles.find((r) => r.id === u.id);
      if (!role) throw fieldError([i, 'id'], 'BASE_TYPE_INVALID', 'Unknown role');
      if (role.id === access.guild.id || u.position == null || u.position === role.position) return;
      if (u.position < 1) throw fieldError([i, 'position'], 'NUMBER_TYPE_MIN', 'int value should be greater than or equal to 1.');
      updates.push({ id: role.id, position: u.position });
    });
    if (!access.isOwner && updates.length) requireOrderKeptFromTop(access, updates);
    if (updates.length) await store.roles.setPositions(access.guild.id, updates);
    const roles = await store.roles.listByGuild(access.guild.id);
    const before = new Map(access.roles.map((r) => [r.id, r.position]));
    for (const r of roles) {
      if (before.get(r.id) !== r.position) ctx.dispatch.guild(access.guild.id, 'GUILD_ROLE_UPDATE', { guild_id: access.guild.id, role: roleJson(r) });
    }
    // ROLE_UPDATE for each role the caller moved (not the ones shifted to make room), with its position change.
    for (const u of updates) {
      const after = roles.find((r) => r.id === u.id);
      if (after && before.get(u.id) !== after.position) {
        await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.ROLE_UPDATE, targetId: u.id, changes: [{ key: 'position', old_value: before.get(u.id), new_value: after.position }] });
      }
    }
    return roles.map(roleJson);
  });

  ctx.patch('/guilds/:guildId/roles/:roleId', { bodyLimit: imageBodyLimit(ctx.deps.config, 1) }, async (req) => {
    const access = await manager(req);
    const role = findRole(access, req.params.roleId);
    requireRoleBelow(access, role);
    const body = parse(roleBody, req.body) ?? {};
    const patch: Partial<RoleRecord> = {};
    // @everyone keeps its name, as on Discord.
    if (body.name != null && role.id !== access.guild.id) patch.name = body.name || 'new role';
    if (body.permissions != null) {
      const wanted = parsePermissions(body.permissions);
      requireGrantable(access, wanted, BigInt(role.permissions));
      patch.permissions = wanted.toString();
    }
    Object.assign(patch, colorsOf(body));
    if (body.hoist != null) patch.hoist = body.hoist;
    if (body.mentionable != null) patch.mentionable = body.mentionable;
    if (body.unicode_emoji !== undefined) patch.unicodeEmoji = roleEmoji(body.unicode_emoji);
    // Last, once the rest is valid: a new icon's bytes are stored before its hash.
    if (body.icon !== undefined) patch.icon = await acceptImage(ctx.deps, body.icon, { field: 'icon', owner: { kind: 'role-icons', id: role.id }, current: role.icon });
    const updated = Object.keys(patch).length ? await store.roles.update(access.guild.id, role.id, patch) : role;
    const json = roleJson(updated);
    ctx.dispatch.guild(access.guild.id, 'GUILD_ROLE_UPDATE', { guild_id: access.guild.id, role: json });
    const changes = diffChanges(roleJson(role), json, ROLE_AUDIT_KEYS);
    if (changes.length) await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.ROLE_UPDATE, targetId: role.id, changes });
    return json;
  });

  // @everyone and managed roles (a bot's own role) cannot be deleted: Discord answers 400 Invalid Role (50028).
  ctx.delete('/guilds/:guildId/roles/:roleId', {}, async (req) => {
    const access = await manager(req);
    const role = findRole(access, req.params.roleId);
    // A bot's managed role goes with its bot (api/integrations.ts); one whose bot is no longer a member was left
    // behind by a failure and may go by hand.
    const orphaned = role.managed && role.botId !== null && !(await store.members.get(access.guild.id, role.botId));
    if (role.id === access.guild.id || (role.managed && !orphaned)) throw new ApiError(ErrorCodes.INVALID_ROLE);
    requireRoleBelow(access, role);
    await store.roles.delete(access.guild.id, role.id);
    ctx.dispatch.guild(access.guild.id, 'GUILD_ROLE_DELETE', { guild_id: access.guild.id, role_id: role.id });
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.ROLE_DELETE, targetId: role.id, changes: deletedChanges(roleJson(role), ROLE_AUDIT_KEYS) });
    return undefined;
  });
}
