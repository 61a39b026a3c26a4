/**
 * Bans: list, get, ban (with message deletion, in one store transaction) and unban. Banning needs BAN_MEMBERS
 * and a top role above the target's when the target is a member; a user who is not a member can be banned too
 * (Discord's "hackban").
 */
import { memberGone } from '../integrations.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { Store } from '../../store/types.ts';
import { guildAccess, requireAbove, requirePermission, topRolePosition } from '../access.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { banJson, publicUser } from '../../shapes/serialize.ts';
import { parse, snowflake, z } from '../validate.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { auditEntry, auditReason, publishAudit, recordAudit } from '../audit-log.ts';

/** Throws 40007 (403, as the invite route answers) when the user is banned: for joins through invites and bot authorization. */
export async function assertNotBanned(store: Store, guildId: string, userId: string): Promise<void> {
  if (await store.bans.get(guildId, userId)) throw new ApiError(ErrorCodes.ALREADY_EXISTS, { status: 403 });
}

export { auditReason };

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
  before: snowflake.optional(),
  after: snowflake.optional(),
});

const banBody = z.object({
  delete_message_seconds: z.number().int().min(0).max(604800).optional(),
  delete_message_days: z.number().int().min(0).max(7).optional(),
  reason: z.string().max(512).optional(),
});

export function registerBansRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  const moderator = async (req: RouteRequest<{ guildId: string }>) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.BAN_MEMBERS);
    return access;
  };

  ctx.get('/guilds/:guildId/bans', {}, async (req) => {
    const access = await moderator(req);
    const q = parse(listQuery, req.query);
    // Discord: "If both before and after are provided, only before is respected."
    const bans = await store.bans.list(access.guild.id, { limit: q.limit, ...(q.before !== undefined ? { before: q.before } : { after: q.after }) });
    const users = new Map((await store.users.getMany(bans.map((b) => b.userId))).map((u) => [u.id, u]));
    return bans.filter((b) => users.has(b.userId)).map((b) => banJson(b, users.get(b.userId)!));
  });

  ctx.get('/guilds/:guildId/bans/:userId', {}, async (req) => {
    const access = await moderator(req);
    const ban = isSnowflake(req.params.userId) ? await store.bans.get(access.guild.id, req.params.userId) : null;
    const user = ban && (await store.users.get(ban.userId));
    if (!ban || !user) throw new ApiError(ErrorCodes.UNKNOWN_BAN);
    return banJson(ban, user);
  });

  ctx.put('/guilds/:guildId/bans/:userId', {}, async (req) => {
    const access = await moderator(req);
    const body = parse(banBody, req.body);
    const target = isSnowflake(req.params.userId) ? await store.users.get(req.params.userId) : null;
    if (!target) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    const guild = access.guild;
    const member = await store.members.get(guild.id, target.id);
    if (target.id === guild.ownerId) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    if (member) requireAbove(access, topRolePosition(guild, member, access.roles));
    const seconds = body.delete_message_seconds ?? (body.delete_message_days ?? 0) * 86400;
    const entry = auditEntry(ctx, req, guild.id, { actionType: AuditLogEvent.MEMBER_BAN_ADD, targetId: target.id });
    if (entry.reason === null && body.reason) entry.reason = body.reason;
    await ctx.writes.ban(
      { guildId: guild.id, userId: target.id, reason: entry.reason, createdAt: now() },
      seconds > 0 ? now() - seconds * 1000 : undefined,
      publicUser(target),
      [entry],
    );
    if (member) await memberGone(ctx, guild.id, target);
    await publishAudit(ctx, entry);
    return undefined;
  });

  ctx.delete('/guilds/:guildId/bans/:userId', {}, async (req) => {
    const access = await moderator(req);
    const ban = isSnowflake(req.params.userId) ? await store.bans.get(access.guild.id, req.params.userId) : null;
    if (!ban) throw new ApiError(ErrorCodes.UNKNOWN_BAN);
    await store.bans.delete(access.guild.id, ban.userId);
    const user = await store.users.get(ban.userId);
    ctx.dispatch.guild(access.guild.id, 'GUILD_BAN_REMOVE', { guild_id: access.guild.id, user: user ? publicUser(user) : { id: ban.userId } });
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.MEMBER_BAN_REMOVE, targetId: ban.userId });
    return undefined;
  });
}
