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
import type { ApplicationRecord, UserRecord, WebhookRecord } from '../../store/types.ts';
import { integrationJson } from '../integrations.ts';
import { scheduledEventJson } from '../../shapes/scheduled-event.ts';
import { autoModRuleJson } from '../../shapes/auto-moderation.ts';
import { parse, snowflake, z } from '../validate.ts';

const listQuery = z.object({
  user_id: snowflake.optional(),
  action_type: z.coerce.number().int().min(0).max(1000).optional(),
  before: snowflake.optional(),
  after: snowflake.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const WEBHOOK_ACTIONS = new Set<number>([AuditLogEvent.WEBHOOK_CREATE, AuditLogEvent.WEBHOOK_UPDATE, AuditLogEvent.WEBHOOK_DELETE]);
const THREAD_ACTIONS = new Set<number>([AuditLogEvent.THREAD_CREATE, AuditLogEvent.THREAD_UPDATE, AuditLogEvent.THREAD_DELETE]);
const INTEGRATION_ACTIONS = new Set<number>([AuditLogEvent.BOT_ADD, AuditLogEvent.INTEGRATION_CREATE, AuditLogEvent.INTEGRATION_UPDATE, AuditLogEvent.INTEGRATION_DELETE]);
const EVENT_ACTIONS = new Set<number>([AuditLogEvent.GUILD_SCHEDULED_EVENT_CREATE, AuditLogEvent.GUILD_SCHEDULED_EVENT_UPDATE, AuditLogEvent.GUILD_SCHEDULED_EVENT_DELETE]);
const RULE_ACTIONS = new Set<number>([AuditLogEvent.AUTO_MODERATION_RULE_CREATE, AuditLogEvent.AUTO_MODERATION_RULE_UPDATE, AuditLogEvent.AUTO_MODERATION_RULE_DELETE]);

/** Discord's partial integration object of an audit log: id, name, type, account and application_id. */
function auditIntegrationJson(app: ApplicationRecord, bot: UserRecord) {
  const { id, name, type, account } = integrationJson(app, bot);
  return { id, name, type, account, application_id: app.id };
}

export function registerAuditLogRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  const threadOf = async (id: string) => {
    const channel = await store.channels.get(id);
    return channel ? threadPayload(store, channel, null) : null;
  };

  ctx.get('/guilds/:guildId/audit-logs', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.VIEW_AUDIT_LOG);
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
    // What the entries name, those that still exist: threads (THREAD_CREATE / UPDATE / DELETE), the bots' integrations
    // (BOT_ADD names the bot, INTEGRATION_* the application: one id, as an application's is its bot's), scheduled
    // events and auto moderation rules.
    const targetsOf = (actions: ReadonlySet<number>) => [...new Set(entries.filter((e) => e.targetId && actions.has(e.actionType)).map((e) => e.targetId!))];
    const [threads, apps, events, rules] = await Promise.all([
      Promise.all(targetsOf(THREAD_ACTIONS).map((id) => threadOf(id))),
      Promise.all(targetsOf(INTEGRATION_ACTIONS).map((id) => store.applications.get(id))),
      Promise.all(targetsOf(EVENT_ACTIONS).map((id) => store.scheduledEvents.get(access.guild.id, id))),
      Promise.all(targetsOf(RULE_ACTIONS).map((id) => store.autoModeration.get(access.guild.id, id))),
    ]);
    const bots = new Map((await store.users.getMany(apps.filter((a) => a !== null).map((a) => a.botUserId))).map((u) => [u.id, u]));
    return {
      audit_log_entries: entries.map(auditLogEntryJson),
      users: users.map(publicUser),
      integrations: apps.filter((a) => a !== null && bots.has(a.botUserId)).map((a) => auditIntegrationJson(a!, bots.get(a!.botUserId)!)),
      webhooks: webhooks.filter((w): w is WebhookRecord => w !== null && w.guildId === access.guild.id).map((w) => webhookJson(w, { withToken: false })),
      guild_scheduled_events: events.filter((e) => e !== null).map((e) => scheduledEventJson(e)),
      threads: threads.filter((t) => t !== null),
      application_commands: [],
      auto_moderation_rules: rules.filter((r) => r !== null).map((r) => autoModRuleJson(r)),
    };
  });
}
