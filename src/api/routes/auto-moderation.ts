/**
 * Auto moderation rules (https://discord.com/developers/docs/resources/auto-moderation): list, get, create, modify
 * and delete a guild's rules. Every route needs MANAGE_GUILD; a TIMEOUT action also needs MODERATE_MEMBERS.
 * Enforcement on the send path is in api/auto-moderation/enforce.ts.
 *
 * - Discord's limits: per guild 6 KEYWORD rules and 1 of each other trigger type (50035 on trigger_type); 1,000
 *   keywords of 60 characters, 10 regex patterns of 260 (each must compile: RE2, Rust's syntax), an allow list of
 *   100 (1,000 for KEYWORD_PRESET), 20 exempt roles and 50 exempt channels of the guild, a mention limit of 50.
 * - A rule of trigger MEMBER_PROFILE is event type MEMBER_UPDATE, every other MESSAGE_SEND. Actions: TIMEOUT only on
 *   KEYWORD and MENTION_SPAM rules, BLOCK_MEMBER_INTERACTION only on MEMBER_PROFILE ones, SEND_ALERT_MESSAGE to a
 *   text channel of the guild. trigger_type cannot change.
 * - An unknown rule is 404 with code 0 ("Unknown Auto Moderation Rule"): Discord documents no code of its own.
 * - Gateway: AUTO_MODERATION_RULE_CREATE / _UPDATE / _DELETE (the rule) to the members who may manage the guild,
 *   intent AUTO_MODERATION_CONFIGURATION. Audit log 140 / 141 / 142.
 */
import { AUTOMOD_LIMITS, AUTOMOD_RULES_PER_TYPE, AutoModActionType, AutoModEventType, AutoModTriggerType } from '../../protocol/auto-moderation.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes, fieldError, formError } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { autoModRuleJson } from '../../shapes/auto-moderation.ts';
import { ChannelType, type AutoModAction, type AutoModRuleRecord, type AutoModTriggerMetadata } from '../../store/types.ts';
import { guildAccess, requirePermission, type GuildAccess } from '../access.ts';
import { createdChanges, deletedChanges, diffChanges, permissionHolders, recordAudit } from '../audit-log.ts';
import { compilePattern } from '../auto-moderation/matching.ts';
import type { RouteContext } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

const word = z.string().min(1).max(AUTOMOD_LIMITS.keywordLength);
const metadataSchema = z.object({
  keyword_filter: z.array(word).max(AUTOMOD_LIMITS.keywords).nullish(),
  regex_patterns: z.array(z.string().min(1).max(AUTOMOD_LIMITS.regexLength)).max(AUTOMOD_LIMITS.regexPatterns).nullish(),
  presets: z.array(z.union([z.literal(1), z.literal(2), z.literal(3)])).max(3).nullish(),
  allow_list: z.array(word).max(AUTOMOD_LIMITS.presetAllowList).nullish(),
  mention_total_limit: z.number().int().min(0).max(AUTOMOD_LIMITS.mentionTotalLimit).nullish(),
  mention_raid_protection_enabled: z.boolean().nullish(),
});
const actionSchema = z.object({
  type: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  metadata: z.object({
    channel_id: snowflake.nullish(),
    duration_seconds: z.number().int().min(0).max(AUTOMOD_LIMITS.timeoutSeconds).nullish(),
    custom_message: z.string().max(AUTOMOD_LIMITS.customMessage).nullish(),
  }).nullish(),
});
const fields = {
  name: z.string().min(1).max(100),
  event_type: z.union([z.literal(1), z.literal(2)]),
  trigger_metadata: metadataSchema.nullish(),
  actions: z.array(actionSchema).min(1).max(5),
  enabled: z.boolean().nullish(),
  exempt_roles: z.array(snowflake).max(AUTOMOD_LIMITS.exemptRoles).nullish(),
  exempt_channels: z.array(snowflake).max(AUTOMOD_LIMITS.exemptChannels).nullish(),
};
const createBody = z.object({ ...fields, trigger_type: z.union([z.literal(1), z.literal(3), z.literal(4), z.literal(5), z.literal(6)]) });
const modifyBody = z.object({
  ...fields, name: fields.name.optional(), event_type: fields.event_type.optional(), actions: fields.actions.optional(),
});
type Metadata = z.infer<typeof metadataSchema>;
type ActionInput = z.infer<typeof actionSchema>;

const AUDIT_KEYS = ['name', 'event_type', 'trigger_type', 'trigger_metadata', 'actions', 'enabled', 'exempt_roles', 'exempt_channels'] as const;
const MESSAGE_ALERT_CHANNELS: ReadonlySet<number> = new Set([ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT]);
/** Which actions each trigger type takes (Discord: TIMEOUT on KEYWORD and MENTION_SPAM only, member interaction on profiles). */
const ACTIONS_FOR: Readonly<Record<number, readonly number[]>> = {
  [AutoModTriggerType.KEYWORD]: [AutoModActionType.BLOCK_MESSAGE, AutoModActionType.SEND_ALERT_MESSAGE, AutoModActionType.TIMEOUT],
  [AutoModTriggerType.SPAM]: [AutoModActionType.BLOCK_MESSAGE, AutoModActionType.SEND_ALERT_MESSAGE],
  [AutoModTriggerType.KEYWORD_PRESET]: [AutoModActionType.BLOCK_MESSAGE, AutoModActionType.SEND_ALERT_MESSAGE],
  [AutoModTriggerType.MENTION_SPAM]: [AutoModActionType.BLOCK_MESSAGE, AutoModActionType.SEND_ALERT_MESSAGE, AutoModActionType.TIMEOUT],
  [AutoModTriggerType.MEMBER_PROFILE]: [AutoModActionType.SEND_ALERT_MESSAGE, AutoModActionType.BLOCK_MEMBER_INTERACTION],
};

/** What the audit log compares: the rule's JSON fields. */
const auditView = (r: AutoModRuleRecord) => {
  const { id: _id, guild_id: _g, creator_id: _c, ...rest } = autoModRuleJson(r);
  return rest;
};

function unknownRule(): ApiError {
  return new ApiError(ErrorCodes.GENERAL, { status: 404, message: 'Unknown Auto Moderation Rule' });
}

/** The metadata of `triggerType` from the request's, each list checked against Discord's limits for that type. */
function triggerMetadata(triggerType: number, m: Metadata | null | undefined): AutoModTriggerMetadata {
  const given = m ?? {};
  switch (triggerType) {
    case AutoModTriggerType.KEYWORD:
    case AutoModTriggerType.MEMBER_PROFILE: {
      const allowList = given.allow_list ?? [];
      if (allowList.length > AUTOMOD_LIMITS.allowList) {
        throw fieldError('trigger_metadata.allow_list', 'BASE_TYPE_MAX_LENGTH', `Must be ${AUTOMOD_LIMITS.allowList} or fewer in length.`);
      }
      const regexPatterns = given.regex_patterns ?? [];
      regexPatterns.forEach((p, i) => {
        try {
          compilePattern(p);
        } catch (err) {
          throw fieldError(['trigger_metadata', 'regex_patterns', i], 'AUTO_MODERATION_INVALID_REGEX', `Invalid regex: ${(err as Error).message}`.slice(0, 300));
        }
      });
      return { keywordFilter: given.keyword_filter ?? [], regexPatterns, allowList };
    }
    case AutoModTriggerType.KEYWORD_PRESET:
      return { presets: [...new Set(given.presets ?? [])], allowList: given.allow_list ?? [] };
    case AutoModTriggerType.MENTION_SPAM:
      if (given.mention_total_limit == null) throw fieldError('trigger_metadata.mention_total_limit', 'BASE_TYPE_REQUIRED', 'This field is required');
      return { mentionTotalLimit: given.mention_total_limit, mentionRaidProtectionEnabled: given.mention_raid_protection_enabled ?? false };
    default:
      return {};
  }
}

export function registerAutoModerationRoutes(ctx: RouteContext): void {
  const { store, ids } = ctx.deps;
  const now = () => ctx.deps.now();
  const base = '/guilds/:guildId/auto-moderation/rules';

  const manager = async (guildId: string, userId: string) => {
    const access = await guildAccess(store, guildId, userId, now());
    requirePermission(access, Permissions.MANAGE_GUILD);
    return access;
  };
  const load = async (guildId: string, ruleId: string) => {
    const rule = isSnowflake(ruleId) ? await store.autoModeration.get(guildId, ruleId) : null;
    if (!rule) throw unknownRule();
    return rule;
  };
  const announce = async (guildId: string, t: string, rule: AutoModRuleRecord) => {
    const audience = await permissionHolders(store, guildId, Permissions.MANAGE_GUILD);
    if (audience && !audience.length) return;
    ctx.dispatch.guild(guildId, t, autoModRuleJson(rule), audience ? { userIds: audience } : {});
  };

  /** The actions as stored, checked against the trigger type, the guild's channels and the caller's permissions. */
  const actionsFor = async (access: GuildAccess, triggerType: number, given: ActionInput[]): Promise<AutoModAction[]> => {
    const out: AutoModAction[] = [];
    for (const [i, a] of given.entries()) {
      if (!ACTIONS_FOR[triggerType]?.includes(a.type)) throw fieldError(['actions', i, 'type'], 'AUTO_MODERATION_INVALID_ACTION_TYPE', 'This action cannot be used with this trigger type.');
      const m = a.metadata ?? {};
      if (a.type === AutoModActionType.SEND_ALERT_MESSAGE) {
        if (!m.channel_id) throw fieldError(['actions', i, 'metadata', 'channel_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
        const channel = await store.channels.get(m.channel_id);
        if (!channel || channel.guildId !== access.guild.id || !MESSAGE_ALERT_CHANNELS.has(channel.type)) {
          throw fieldError(['actions', i, 'metadata', 'channel_id'], 'CHANNEL_TYPE_INVALID', 'Must be a text channel of this server.');
        }
        out.push({ type: a.type, metadata: { channelId: channel.id } });
      } else if (a.type === AutoModActionType.TIMEOUT) {
        requirePermission(access, Permissions.MODERATE_MEMBERS);
        if (!m.duration_seconds) throw fieldError(['actions', i, 'metadata', 'duration_seconds'], 'BASE_TYPE_REQUIRED', 'This field is required');
        out.push({ type: a.type, metadata: { durationSeconds: m.duration_seconds } });
      } else if (a.type === AutoModActionType.BLOCK_MESSAGE) {
        out.push({ type: a.type, metadata: m.custom_message ? { customMessage: m.custom_message } : {} });
      } else {
        out.push({ type: a.type, metadata: {} });
      }
    }
    return out;
  };
  const exemptions = (access: GuildAccess, roles: string[] | null | undefined, channels: string[] | null | undefined, guildChannels: Set<string>) => {
    const roleIds = new Set(access.roles.map((r) => r.id));
    const badRole = (roles ?? []).findIndex((id) => !roleIds.has(id));
    if (badRole >= 0) throw fieldError(['exempt_roles', badRole], 'BASE_TYPE_INVALID', 'Unknown role');
    const badChannel = (channels ?? []).findIndex((id) => !guildChannels.has(id));
    if (badChannel >= 0) throw fieldError(['exempt_channels', badChannel], 'BASE_TYPE_INVALID', 'Unknown channel');
    return { exemptRoles: [...new Set(roles ?? [])], exemptChannels: [...new Set(channels ?? [])] };
  };
  const checkEventType = (triggerType: number, eventType: number) => {
    const wanted = triggerType === AutoModTriggerType.MEMBER_PROFILE ? AutoModEventType.MEMBER_UPDATE : AutoModEventType.MESSAGE_SEND;
    if (eventType !== wanted) throw fieldError('event_type', 'AUTO_MODERATION_INVALID_EVENT_TYPE', `This trigger type needs event type ${wanted}.`);
  };
  const channelIds = async (guildId: string) => new Set((await store.channels.listByGuild(guildId)).map((c) => c.id));

  ctx.get(base, {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    return (await store.autoModeration.listByGuild(access.guild.id)).map(autoModRuleJson);
  });

  ctx.get(`${base}/:ruleId`, {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    return autoModRuleJson(await load(access.guild.id, req.params.ruleId));
  });

  ctx.post(base, {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    const body = parse(createBody, req.body);
    checkEventType(body.trigger_type, body.event_type);
    const rule: AutoModRuleRecord = {
      id: ids.next(), guildId: access.guild.id, name: body.name, creatorId: req.user.id, eventType: body.event_type, triggerType: body.trigger_type,
      triggerMetadata: triggerMetadata(body.trigger_type, body.trigger_metadata),
      actions: await actionsFor(access, body.trigger_type, body.actions),
      enabled: body.enabled ?? false,
      ...exemptions(access, body.exempt_roles, body.exempt_channels, await channelIds(access.guild.id)),
    };
    const existing = await store.autoModeration.listByGuild(access.guild.id);
    if (existing.filter((r) => r.triggerType === rule.triggerType).length >= (AUTOMOD_RULES_PER_TYPE[rule.triggerType] ?? 1)) {
      throw formError([{ path: ['trigger_type'], code: 'AUTO_MODERATION_MAX_RULES_OF_TYPE_EXCEEDED', message: 'Maximum number of rules of this trigger type reached.' }]);
    }
    const created = await store.autoModeration.create(rule);
    await announce(access.guild.id, 'AUTO_MODERATION_RULE_CREATE', created);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.AUTO_MODERATION_RULE_CREATE, targetId: created.id, changes: createdChanges(auditView(created), AUDIT_KEYS) });
    return autoModRuleJson(created);
  });

  ctx.patch(`${base}/:ruleId`, {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    const rule = await load(access.guild.id, req.params.ruleId);
    const body = parse(modifyBody, req.body);
    if (body.event_type !== undefined) checkEventType(rule.triggerType, body.event_type);
    const patch: Partial<AutoModRuleRecord> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.event_type !== undefined) patch.eventType = body.event_type;
    if (body.trigger_metadata !== undefined) patch.triggerMetadata = triggerMetadata(rule.triggerType, body.trigger_metadata);
    if (body.actions !== undefined) patch.actions = await actionsFor(access, rule.triggerType, body.actions);
    if (body.enabled != null) patch.enabled = body.enabled;
    if (body.exempt_roles !== undefined || body.exempt_channels !== undefined) {
      const ex = exemptions(access, body.exempt_roles, body.exempt_channels, await channelIds(access.guild.id));
      if (body.exempt_roles !== undefined) patch.exemptRoles = ex.exemptRoles;
      if (body.exempt_channels !== undefined) patch.exemptChannels = ex.exemptChannels;
    }
    const updated = (await store.autoModeration.update(access.guild.id, rule.id, patch)) ?? { ...rule, ...patch };
    await announce(access.guild.id, 'AUTO_MODERATION_RULE_UPDATE', updated);
    const changes = diffChanges(auditView(rule), auditView(updated), AUDIT_KEYS);
    if (changes.length) await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.AUTO_MODERATION_RULE_UPDATE, targetId: rule.id, changes });
    return autoModRuleJson(updated);
  });

  ctx.delete(`${base}/:ruleId`, {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    const rule = await load(access.guild.id, req.params.ruleId);
    if (!(await store.autoModeration.delete(access.guild.id, rule.id))) throw unknownRule();
    await announce(access.guild.id, 'AUTO_MODERATION_RULE_DELETE', rule);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.AUTO_MODERATION_RULE_DELETE, targetId: rule.id, changes: deletedChanges(auditView(rule), AUDIT_KEYS) });
    return undefined;
  });
}

