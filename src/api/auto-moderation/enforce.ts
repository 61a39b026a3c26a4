/**
 * Auto moderation on the send path: which of a guild's enabled MESSAGE_SEND rules a message sent or edited by a
 * member triggers, and the rules' actions once it does (Discord: "if a user tries to send a message which
 * contains a certain keyword, a rule can trigger and block the message before it is sent").
 *
 * - Exempt: the owner and members with ADMINISTRATOR or MANAGE_GUILD (as on Discord), members holding one of the
 *   rule's exempt roles, and channels among its exempt channels, with their threads (a channel's category counts
 *   for the channel; a thread's own channel for the thread).
 *   Webhooks and system messages are not checked.
 * - KEYWORD and KEYWORD_PRESET read the content (matching.ts); MENTION_SPAM counts the unique user and role
 *   mentions written in it against mention_total_limit. SPAM (Discord's trained spam classifier) and mention raid
 *   detection are stored and answered but not enforced; MEMBER_PROFILE rules are event type MEMBER_UPDATE and do
 *   not look at messages.
 * - A thread's name is checked too when a member starts one (moderateThreadStart: 200001 for a blocked title), and
 *   a forum post's first message as a message.
 * - Every action of every triggered rule runs. BLOCK_MESSAGE refuses the message with 200000 (the rule's
 *   custom_message, if any, as the content field's error); SEND_ALERT_MESSAGE posts Discord's AUTO_MODERATION_ACTION
 *   message (type 24) in its channel; TIMEOUT times the member out. Each one sends AUTO_MODERATION_ACTION_EXECUTION
 *   to the members who may manage the guild (intent AUTO_MODERATION_EXECUTION) and records its audit entry
 *   (143 / 144 / 145, the member as its user, as Discord shows them).
 */
import { AutoModActionType, AutoModEventType, AutoModTriggerType } from '../../protocol/auto-moderation.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { MessageType } from '../../protocol/message-types.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { actionJson } from '../../shapes/auto-moderation.ts';
import type { AutoModAction, AutoModRuleRecord, ChannelRecord, UserRecord } from '../../store/types.ts';
import type { ChannelAccess } from '../access.ts';
import { permissionHolders, recordAudit } from '../audit-log.ts';
import { postSystemMessage } from '../messages/system.ts';
import type { RouteContext } from '../route.ts';
import { memberEventPayload } from '../routes/members.ts';
import { countMentions, TextTrigger, type Match } from './matching.ts';
import { PRESET_WORDS } from './presets.ts';

/** A rule the message triggered, with what it matched (null for MENTION_SPAM). */
export interface Violation {
  rule: AutoModRuleRecord;
  match: Match | null;
}

const EXEMPT_PERMISSIONS = Permissions.ADMINISTRATOR | Permissions.MANAGE_GUILD;

/** Compiled triggers by rule record: records served from the access cache are shared and frozen, so kept once. */
const compiled = new WeakMap<AutoModRuleRecord, TextTrigger>();
/** And by rule id and metadata, for records read fresh each time (PostgreSQL has no cache in front of it). */
const compiledById = new Map<string, { key: string; trigger: TextTrigger }>();
const COMPILED_MAX = 5_000;

function textTrigger(rule: AutoModRuleRecord): TextTrigger {
  let t = compiled.get(rule);
  if (t) return t;
  const m = rule.triggerMetadata;
  const key = JSON.stringify(m);
  const kept = compiledById.get(rule.id);
  if (kept?.key === key) t = kept.trigger;
  else {
    const keywords = rule.triggerType === AutoModTriggerType.KEYWORD_PRESET ? (m.presets ?? []).flatMap((p) => PRESET_WORDS[p] ?? []) : (m.keywordFilter ?? []);
    const patterns = rule.triggerType === AutoModTriggerType.KEYWORD ? (m.regexPatterns ?? []) : [];
    t = new TextTrigger(keywords, patterns, m.allowList ?? []);
    compiledById.delete(rule.id);
    compiledById.set(rule.id, { key, trigger: t });
    if (compiledById.size > COMPILED_MAX) compiledById.delete(compiledById.keys().next().value!);
  }
  compiled.set(rule, t);
  return t;
}

/** What one rule makes of the message's content, or null. */
function check(rule: AutoModRuleRecord, content: string): Violation | null {
  switch (rule.triggerType) {
    case AutoModTriggerType.KEYWORD:
    case AutoModTriggerType.KEYWORD_PRESET: {
      const match = textTrigger(rule).match(content);
      return match ? { rule, match } : null;
    }
    case AutoModTriggerType.MENTION_SPAM: {
      const limit = rule.triggerMetadata.mentionTotalLimit;
      return limit !== undefined && countMentions(content) > limit ? { rule, match: null } : null;
    }
    default:
      return null;
  }
}

/** What auto moderation reads of a message's author: the guild channel written in, and what exempts them. */
export interface AutoModAuthor {
  guildId: string;
  channel: ChannelRecord;
  /** The guild's owner, or a holder of Administrator or Manage Server: no rule applies. */
  exempt: boolean;
  /** Their roles in the guild (a rule's exempt_roles). */
  roleIds: readonly string[];
}

/**
 * The rules a member's message in `access.channel` triggers (none for DMs, exempt members and exempt channels).
 * One store read of the guild's rules (served from memory in front of SQLite).
 */
export function messageViolations(ctx: RouteContext, access: ChannelAccess, content: string): Promise<Violation[]> {
  const guild = access.guild;
  if (!guild) return Promise.resolve([]);
  const exempt = guild.isOwner || (guild.permissions & EXEMPT_PERMISSIONS) !== 0n;
  return authorViolations(ctx, { guildId: guild.guild.id, channel: access.channel, exempt, roleIds: guild.member.roles }, content);
}

/** The same for an author described directly (a lobby player outside the guild: no roles, not exempt). */
export async function authorViolations(ctx: RouteContext, author: AutoModAuthor, content: string): Promise<Violation[]> {
  if (author.exempt) return [];
  const rules = await ctx.deps.store.autoModeration.listByGuild(author.guildId);
  if (!rules.length) return [];
  const channel = author.channel;
  const out: Violation[] = [];
  for (const rule of rules) {
    if (!rule.enabled || rule.eventType !== AutoModEventType.MESSAGE_SEND) continue;
    if (rule.exemptChannels.length && exemptChannel(rule, channel)) continue;
    if (rule.exemptRoles.length && author.roleIds.some((r) => rule.exemptRoles.includes(r))) continue;
    const v = check(rule, content);
    if (v) out.push(v);
  }
  return out;
}

/** The channel itself, or its parent: a thread's channel, a channel's category. */
function exemptChannel(rule: AutoModRuleRecord, channel: ChannelRecord): boolean {
  return rule.exemptChannels.includes(channel.id) || (channel.parentId !== null && rule.exemptChannels.includes(channel.parentId));
}

/** Whether any of the violations blocks the message. */
export function blocks(violations: readonly Violation[]): boolean {
  return violations.some((v) => v.rule.actions.some((a) => a.type === AutoModActionType.BLOCK_MESSAGE));
}

/** 200000, with the first blocking rule's custom_message as the content field's error (the web client shows it). */
export function blockedError(violations: readonly Violation[]): ApiError {
  const custom = violations.flatMap((v) => v.rule.actions).find((a) => a.type === AutoModActionType.BLOCK_MESSAGE && a.metadata.customMessage)?.metadata.customMessage;
  return new ApiError(ErrorCodes.AUTOMOD_MESSAGE_BLOCKED, {
    errors: { content: { _errors: [{ code: 'AUTOMOD_MESSAGE_BLOCKED', message: custom ?? 'Message was blocked by automatic moderation' }] } },
  });
}

/**
 * A thread a member starts (its name, and a forum post's first message): a blocking rule that matches the name
 * refuses it with 200001 ("Title was blocked by automatic moderation"), one that matches the message with 200000,
 * after their actions ran. What only alerts or times out comes back, to run once the thread exists
 * (executeActions with the post's message id).
 */
export async function moderateThreadStart(ctx: RouteContext, access: ChannelAccess, user: UserRecord, name: string, content: string): Promise<Array<{ violations: Violation[]; content: string }>> {
  const title = await messageViolations(ctx, access, name);
  if (blocks(title)) {
    await executeActions(ctx, title, { user, channel: access.channel, content: name, messageId: null, blocked: true });
    throw new ApiError(ErrorCodes.AUTOMOD_TITLE_BLOCKED);
  }
  const body = content ? await messageViolations(ctx, access, content) : [];
  if (blocks(body)) {
    await executeActions(ctx, body, { user, channel: access.channel, content, messageId: null, blocked: true });
    throw blockedError(body);
  }
  return [{ violations: title, content: name }, { violations: body, content }].filter((x) => x.violations.length > 0);
}

/** What a rule caught: who, where, the text, the message it is in (null when blocked, or not in a message). */
export interface Caught {
  user: UserRecord;
  channel: ChannelRecord;
  content: string;
  messageId: string | null;
  blocked: boolean;
}

/**
 * Runs every action of every violation. Failures of one action are logged and do not stop the others, nor the
 * refusal or the send they follow.
 */
export async function executeActions(ctx: RouteContext, violations: readonly Violation[], sent: Caught): Promise<void> {
  const blocked = sent.blocked;
  for (const v of violations) {
    for (const action of v.rule.actions) {
      try {
        await execute(ctx, v, action, sent, blocked);
      } catch (err) {
        ctx.deps.log.warn({ err, ruleId: v.rule.id, action: action.type }, 'auto moderation action failed');
      }
    }
  }
}

async function execute(ctx: RouteContext, v: Violation, action: AutoModAction, sent: Caught, blocked: boolean): Promise<void> {
  const { store } = ctx.deps;
  const guildId = v.rule.guildId;
  const actor = { headers: {}, user: sent.user };
  const auditOptions = { channel_id: sent.channel.id, auto_moderation_rule_name: v.rule.name, auto_moderation_rule_trigger_type: String(v.rule.triggerType) };
  let alertMessageId: string | undefined;
  switch (action.type) {
    case AutoModActionType.BLOCK_MESSAGE:
      if (!blocked) return;
      await recordAudit(ctx, actor, guildId, { actionType: AuditLogEvent.AUTO_MODERATION_BLOCK_MESSAGE, targetId: sent.user.id, options: auditOptions });
      break;
    case AutoModActionType.SEND_ALERT_MESSAGE: {
      const alertChannel = action.metadata.channelId ? await store.channels.get(action.metadata.channelId) : null;
      if (!alertChannel || alertChannel.guildId !== guildId) return;
      const alert = await postSystemMessage(ctx, alertChannel, sent.user, MessageType.AUTO_MODERATION_ACTION, {
        content: sent.content, embeds: [alertEmbed(v, sent, blocked)],
      });
      alertMessageId = alert.id;
      await recordAudit(ctx, actor, guildId, { actionType: AuditLogEvent.AUTO_MODERATION_FLAG_TO_CHANNEL, targetId: sent.user.id, options: auditOptions });
      break;
    }
    case AutoModActionType.TIMEOUT: {
      const seconds = action.metadata.durationSeconds ?? 0;
      if (seconds <= 0) return;
      const member = await store.members.update(guildId, sent.user.id, { communicationDisabledUntil: ctx.deps.now() + seconds * 1000 });
      ctx.dispatch.guild(guildId, 'GUILD_MEMBER_UPDATE', memberEventPayload(member, sent.user));
      await recordAudit(ctx, actor, guildId, {
        actionType: AuditLogEvent.AUTO_MODERATION_USER_COMMUNICATION_DISABLED, targetId: sent.user.id, options: auditOptions,
      });
      break;
    }
    default:
      return;
  }
  const audience = await permissionHolders(store, guildId, Permissions.MANAGE_GUILD);
  if (audience && !audience.length) return;
  ctx.dispatch.guild(guildId, 'AUTO_MODERATION_ACTION_EXECUTION', {
    guild_id: guildId,
    action: actionJson(action),
    rule_id: v.rule.id,
    rule_trigger_type: v.rule.triggerType,
    user_id: sent.user.id,
    channel_id: sent.channel.id,
    ...(sent.messageId ? { message_id: sent.messageId } : {}),
    ...(alertMessageId ? { alert_system_message_id: alertMessageId } : {}),
    content: sent.content,
    matched_keyword: v.match?.keyword ?? null,
    matched_content: v.match?.content ?? null,
  }, audience ? { userIds: audience } : {});
}

/** The alert message's embed, as Discord's client reads it: type auto_moderation_message, the facts as fields. */
function alertEmbed(v: Violation, sent: Caught, blocked: boolean): Record<string, unknown> {
  const fields: Array<{ name: string; value: string; inline: boolean }> = [
    { name: 'rule_name', value: v.rule.name, inline: false },
    { name: 'channel_id', value: sent.channel.id, inline: false },
    { name: 'decision_outcome', value: blocked ? 'blocked' : 'flagged', inline: false },
  ];
  if (v.match) fields.push({ name: 'keyword', value: v.match.keyword, inline: false }, { name: 'keyword_matched_content', value: v.match.content, inline: false });
  if (sent.messageId) fields.push({ name: 'flagged_message_id', value: sent.messageId, inline: false });
  const timeout = v.rule.actions.find((a) => a.type === AutoModActionType.TIMEOUT)?.metadata.durationSeconds;
  if (timeout) fields.push({ name: 'timeout_duration', value: String(timeout), inline: false });
  return { type: 'auto_moderation_message', fields };
}
