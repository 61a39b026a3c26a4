/**
 * The guild audit log: GET /guilds/{guild.id}/audit-logs with Discord's filters (user_id, action_type, before,
 * after, limit 1–100), for members with VIEW_AUDIT_LOG. Entries older than Discord's 45 days are not returned
 * (and are pruned, api/audit-log.ts). Entries are recorded by the routes that perform the actions.
 */
import { threadPayload } from '../channels/threads.ts';
import { AUDIT_LOG_RETENTION_MS, AuditLogEvent } from '../../protocol/audit-log.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { guildAccess, requirePermission } from '../access.ts';
import type { RouteContext } from '../route.ts';
import { auditLogEntryJson } from '../../shapes/audit-log.ts';
import { publicUser } from '../../shapes/serialize.ts';
import { webhookJson } from '../../shapes/webhook.ts';
import type { WebhookRecord } from '../../store/types.ts';
import { parse, snowflake, z } from '../validate.ts';

const listQuery = z.object({
  user_id: snowflake.optional(),
  action_type: z.coerce.number().int().min(0).max(1000).optional(),
  before: snowflake.optional(),
  after: snowflake.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const WEBHOOK_ACTIONS = new Set<number>([AuditLogEvent.WEBHOOK_CREATE, AuditLogEvent.WEBHOOK_UPDATE, AuditLogEvent.WEBHOOK_DELETE]);

export function registerAuditLogRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  const threadOf = async (id: string) => {
    const channel = await store.channels.get(id);
    return channel ? threadPayload(store, channel, null) : null;
  };

  ctx.get('/guilds/:guildId/audit-logs', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access.permissions, Permissions.VIEW_AUDIT_LOG);
    const q = parse(listQuery, req.query);
    const entries = await store.auditLog.list(access.guild.id, {
      userId: q.user_id, actionType: q.action_type, before: q.before, after: q.after, limit: q.limit, since: now() - AUDIT_LOG_RETENTION_MS,
    });
    const userIds = new Set<string>();
    const webhookIds = new Set<string>();
    for (const e of entries) {
      if (e.userId) userIds.add(e.userId);
      if (e.targetId && WEBHOOK_ACTIONS.has(e.actionType)) webhookIds.add(e.targetId);
      else if (e.targetId) userIds.add(e.targetId);
    }
    const [users, webhooks] = await Promise.all([
      store.users.getMany([...userIds]),
      Promise.all([...webhookIds].map((id) => store.webhooks.get(id))),
    ]);
    // The threads the entries name (THREAD_CREATE / UPDATE / DELETE), those that still exist.
    const threadIds = [...new Set(entries.filter((e) => e.targetId && e.actionType >= 110 && e.actionType <= 112).map((e) => e.targetId!))];
    const threads = (await Promise.all(threadIds.map((id) => threadOf(id)))).filter((t) => t !== null);
    return {
      audit_log_entries: entries.map(auditLogEntryJson),
      users: users.map(publicUser),
      integrations: [],
      webhooks: webhooks.filter((w): w is WebhookRecord => w !== null && w.guildId === access.guild.id).map((w) => webhookJson(w, { withToken: false })),
      guild_scheduled_events: [],
      threads,
      application_commands: [],
      auto_moderation_rules: [],
    };
  });
}
