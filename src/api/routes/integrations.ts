/**
 * GET /guilds/{id}/integrations and DELETE /guilds/{id}/integrations/{integration.id} (Manage Server): the guild's
 * bots as Discord's integration objects (api/integrations.ts). Deleting one removes the bot from the guild with its
 * managed role, as Discord does, and is logged as INTEGRATION_DELETE (audit log event 82).
 */
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { publicUser } from '../../shapes/serialize.ts';
import { guildAccess, requirePermission } from '../access.ts';
import { recordAudit } from '../audit-log.ts';
import { integrationJson, memberGone } from '../integrations.ts';
import type { RouteContext } from '../route.ts';

export function registerIntegrationsRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  /** The guild's bots with their applications, ascending by id. */
  const integrationsOf = async (guildId: string) => {
    const members = await store.members.listBots(guildId);
    const bots = new Map((await store.users.getMany(members.map((m) => m.userId))).map((u) => [u.id, u]));
    const out = [];
    for (const m of members) {
      const bot = bots.get(m.userId);
      const app = bot ? await store.applications.getByBotUser(bot.id) : null;
      if (bot && app) out.push({ app, bot });
    }
    return out;
  };

  ctx.get('/guilds/:guildId/integrations', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_GUILD);
    return (await integrationsOf(access.guild.id)).map(({ app, bot }) => integrationJson(app, bot));
  });

  ctx.delete('/guilds/:guildId/integrations/:integrationId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_GUILD);
    const found = (await integrationsOf(access.guild.id)).find(({ app }) => app.id === req.params.integrationId);
    if (!found) throw new ApiError(ErrorCodes.UNKNOWN_INTEGRATION);
    await store.members.remove(access.guild.id, found.bot.id);
    ctx.dispatch.guild(access.guild.id, 'GUILD_MEMBER_REMOVE', { guild_id: access.guild.id, user: publicUser(found.bot) });
    await memberGone(ctx, access.guild.id, found.bot);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.INTEGRATION_DELETE, targetId: found.app.id, changes: [{ key: 'type', old_value: 'discord' }, { key: 'name', old_value: found.app.name }] });
    return undefined;
  });
}
