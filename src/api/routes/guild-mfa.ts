/**
 * Server-wide two-factor: `POST /guilds/{guild.id}/mfa` `{level}` (Discord's Modify Guild MFA Level). Only the
 * owner may change it, and only with two-factor log-in on their own account (for a bot owner, its application
 * owner's), else 60003, as the level binds the owner too. The answer is `{level}`; GUILD_UPDATE and an audit entry
 * (GUILD_UPDATE, change `mfa_level`) follow a change. While the level is 1, the moderator permissions
 * (protocol/permissions.ts MFA_GATED_PERMISSIONS) are withheld from accounts without 2FA (api/access.ts).
 */
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { GuildMfaLevel } from '../../protocol/permissions.ts';
import { guildJson } from '../../shapes/serialize.ts';
import { accountHasMfa, guildAccess } from '../access.ts';
import { GUILD_AUDIT_KEYS, diffChanges, recordAudit } from '../audit-log.ts';
import type { RouteContext } from '../route.ts';
import { parse, z } from '../validate.ts';
import { guildObjectJson } from './guild-object.ts';

const mfaBody = z.object({ level: z.union([z.literal(GuildMfaLevel.NONE), z.literal(GuildMfaLevel.ELEVATED)]) });

export function registerGuildMfaRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;
  ctx.post('/guilds/:guildId/mfa', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    if (!access.isOwner) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const { level } = parse(mfaBody, req.body);
    if (!(await accountHasMfa(store, req.user.id))) throw new ApiError(ErrorCodes.TWO_FACTOR_REQUIRED);
    const guildId = access.guild.id;
    if ((access.guild.mfaLevel ?? 0) === level) return { level };
    const guild = await store.guilds.update(guildId, { mfaLevel: level });
    const json = await guildObjectJson(store, guild, access.roles);
    ctx.dispatch.guild(guildId, 'GUILD_UPDATE', json);
    const changes = diffChanges(guildJson(access.guild, access.roles), json, GUILD_AUDIT_KEYS);
    await recordAudit(ctx, req, guildId, { actionType: AuditLogEvent.GUILD_UPDATE, targetId: guildId, changes });
    return { level };
  });
}
