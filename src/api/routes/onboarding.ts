/**
 * Guild onboarding, as Discord documents it: GET /guilds/{id}/onboarding (any member) and PUT (Manage Server and
 * Manage Roles) with its questions (prompts), each with options that grant roles; and the answers a member gives
 * (PUT /guilds/{id}/onboarding-responses, what Discord's client sends), which add the chosen options' roles and mark
 * the member COMPLETED_ONBOARDING (GUILD_MEMBER_UPDATE).
 *
 * Decided: Discord's constraints for enabling (seven default channels, five where @everyone may talk) are for large
 * public servers; Accord does not enforce them, so any server may turn onboarding on. A prompt or option without
 * an id, or with one the server did not hand out, gets a new id.
 *
 * As Discord's own servers do, the guild's features say whether onboarding is on (GUILD_ONBOARDING), was ever on
 * (GUILD_ONBOARDING_EVER_ENABLED) and asks anything (GUILD_ONBOARDING_HAS_PROMPTS), with GUILD_UPDATE when they
 * change: a client knows from the guild alone whether to fetch the questions. An edit is audited: ONBOARDING_CREATE
 * (the first) or ONBOARDING_UPDATE for the settings, and ONBOARDING_PROMPT_CREATE/UPDATE/DELETE per question.
 */
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import type { FeatureChange, GuildRecord, MemberRecord, OnboardingRecord, UserRecord } from '../../store/types.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { guildAccess, requirePermission } from '../access.ts';
import { auditEntry, createdChanges, deletedChanges, diffChanges, publishAudit, type AuditInput } from '../audit-log.ts';
import { guildObjectJson, sameFeatures } from './guild-object.ts';
import type { RouteContext } from '../route.ts';
import { memberJson } from '../../shapes/serialize.ts';
import { parse, snowflake, z } from '../validate.ts';
import { memberEventPayload } from './members.ts';

/** Guild member flags of onboarding (Discord's table). */
export const MemberOnboardingFlags = { COMPLETED_ONBOARDING: 1 << 1, STARTED_ONBOARDING: 1 << 3 } as const;

const MAX_PROMPTS = 15;
const MAX_OPTIONS = 50;

const optionBody = z.object({
  id: z.string().max(32).nullish(),
  title: z.string().min(1).max(50),
  description: z.string().max(100).nullish(),
  channel_ids: z.array(snowflake).max(50).nullish(),
  role_ids: z.array(snowflake).max(50).nullish(),
  emoji: z.object({ id: snowflake.nullish(), name: z.string().max(64).nullish(), animated: z.boolean().nullish() }).nullish(),
  emoji_id: snowflake.nullish(),
  emoji_name: z.string().max(64).nullish(),
  emoji_animated: z.boolean().nullish(),
});
const promptBody = z.object({
  id: z.string().max(32).nullish(),
  type: z.union([z.literal(0), z.literal(1)]).nullish(),
  title: z.string().min(1).max(100),
  options: z.array(optionBody).min(1).max(MAX_OPTIONS),
  single_select: z.boolean().nullish(),
  required: z.boolean().nullish(),
  in_onboarding: z.boolean().nullish(),
});
const onboardingBody = z.object({
  prompts: z.array(promptBody).max(MAX_PROMPTS).nullish(),
  default_channel_ids: z.array(snowflake).max(500).nullish(),
  enabled: z.boolean().nullish(),
  mode: z.union([z.literal(0), z.literal(1)]).nullish(),
});
const responsesBody = z.object({
  onboarding_responses: z.array(z.string().max(32)).max(MAX_PROMPTS * MAX_OPTIONS),
  onboarding_prompts_seen: z.record(z.string(), z.number()).nullish(),
  onboarding_responses_seen: z.record(z.string(), z.number()).nullish(),
});

const EMPTY: OnboardingRecord = { enabled: false, mode: 0, defaultChannelIds: [], prompts: [] };

/** The guild features onboarding sets (Discord's, as its client reads them). */
export const OnboardingFeatures = {
  ENABLED: 'GUILD_ONBOARDING',
  EVER_ENABLED: 'GUILD_ONBOARDING_EVER_ENABLED',
  HAS_PROMPTS: 'GUILD_ONBOARDING_HAS_PROMPTS',
} as const;

/** The onboarding features `o` sets and clears; EVER_ENABLED, once there, stays. */
function onboardingFeatureChange(o: OnboardingRecord): FeatureChange {
  const add: string[] = [];
  const remove: string[] = [];
  if (o.enabled) add.push(OnboardingFeatures.ENABLED, OnboardingFeatures.EVER_ENABLED);
  else remove.push(OnboardingFeatures.ENABLED);
  (o.prompts.length ? add : remove).push(OnboardingFeatures.HAS_PROMPTS);
  return { add, remove };
}

const SETTINGS_AUDIT_KEYS = ['enabled', 'mode', 'default_channel_ids'] as const;
const PROMPT_AUDIT_KEYS = ['title', 'type', 'single_select', 'required', 'in_onboarding', 'options'] as const;

/** The audit entries of an edit from `before` to `after` (Discord's JSON of each). */
function onboardingAudit(existed: boolean, before: ReturnType<typeof onboardingJson>, after: ReturnType<typeof onboardingJson>, guildId: string): AuditInput[] {
  const out: AuditInput[] = [];
  const settings = existed ? diffChanges(before, after, SETTINGS_AUDIT_KEYS) : createdChanges(after, SETTINGS_AUDIT_KEYS);
  if (!existed || settings.length) out.push({ actionType: existed ? AuditLogEvent.ONBOARDING_UPDATE : AuditLogEvent.ONBOARDING_CREATE, targetId: guildId, changes: settings });
  const old = new Map(before.prompts.map((p) => [p.id, p]));
  const kept = new Set<string>();
  for (const p of after.prompts) {
    const was = old.get(p.id);
    if (!was) {
      out.push({ actionType: AuditLogEvent.ONBOARDING_PROMPT_CREATE, targetId: p.id, changes: createdChanges(p, PROMPT_AUDIT_KEYS) });
      continue;
    }
    kept.add(p.id);
    const changes = diffChanges(was, p, PROMPT_AUDIT_KEYS);
    if (changes.length) out.push({ actionType: AuditLogEvent.ONBOARDING_PROMPT_UPDATE, targetId: p.id, changes });
  }
  for (const p of before.prompts) {
    if (!kept.has(p.id)) out.push({ actionType: AuditLogEvent.ONBOARDING_PROMPT_DELETE, targetId: p.id, changes: deletedChanges(p, PROMPT_AUDIT_KEYS) });
  }
  return out;
}

/** Discord's onboarding object. */
export function onboardingJson(guildId: string, o: OnboardingRecord | null | undefined) {
  const r = o ?? EMPTY;
  return {
    guild_id: guildId,
    prompts: r.prompts.map((p) => ({
      id: p.id, type: p.type, title: p.title, single_select: p.singleSelect, required: p.required, in_onboarding: p.inOnboarding,
      options: p.options.map((opt) => ({
        id: opt.id, title: opt.title, description: opt.description, channel_ids: opt.channelIds, role_ids: opt.roleIds,
        ...(opt.emojiId || opt.emojiName ? { emoji: { id: opt.emojiId, name: opt.emojiName, animated: opt.emojiAnimated } } : {}),
      })),
    })),
    default_channel_ids: r.defaultChannelIds,
    enabled: r.enabled,
    mode: r.mode,
  };
}

export function registerOnboardingRoutes(ctx: RouteContext): void {
  const { store, now, ids } = ctx.deps;

  ctx.get('/guilds/:guildId/onboarding', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return onboardingJson(access.guild.id, access.guild.onboarding);
  });

  ctx.put('/guilds/:guildId/onboarding', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_GUILD | Permissions.MANAGE_ROLES);
    const body = parse(onboardingBody, req.body ?? {});
    const guild = access.guild;
    const current = guild.onboarding ?? EMPTY;
    const channels = new Set((await store.channels.listByGuild(guild.id)).map((c) => c.id));
    // Roles an option may grant: the guild's own, not @everyone, not a bot's managed one.
    const roles = new Set(access.roles.filter((r) => r.id !== guild.id && !r.managed).map((r) => r.id));
    const known = new Set(current.prompts.flatMap((p) => [p.id, ...p.options.map((o) => o.id)]));
    const used = new Set<string>();
    // An id the server handed out is kept; anything else (a client's placeholder) gets a new one.
    const idFor = (given: string | null | undefined) => {
      const keep = given && known.has(given) && !used.has(given) ? given : ids.next();
      used.add(keep);
      return keep;
    };
    const next: OnboardingRecord = {
      enabled: body.enabled ?? current.enabled,
      mode: body.mode ?? current.mode,
      defaultChannelIds: body.default_channel_ids ?? current.defaultChannelIds,
      prompts: body.prompts
        ? body.prompts.map((p, i) => ({
          id: idFor(p.id), type: p.type ?? 0, title: p.title, singleSelect: p.single_select ?? false, required: p.required ?? false, inOnboarding: p.in_onboarding ?? true,
          options: p.options.map((o, j) => {
            (o.role_ids ?? []).forEach((r, k) => {
              if (!roles.has(r)) throw fieldError(['prompts', i, 'options', j, 'role_ids', k], 'ROLE_INVALID', 'Invalid role');
            });
            (o.channel_ids ?? []).forEach((c, k) => {
              if (!channels.has(c)) throw fieldError(['prompts', i, 'options', j, 'channel_ids', k], 'CHANNEL_INVALID', 'Invalid channel');
            });
            return {
              id: idFor(o.id), title: o.title, description: o.description ?? null, channelIds: [...new Set(o.channel_ids ?? [])], roleIds: [...new Set(o.role_ids ?? [])],
              emojiId: o.emoji?.id ?? o.emoji_id ?? null, emojiName: o.emoji?.name ?? o.emoji_name ?? null, emojiAnimated: Boolean(o.emoji?.animated ?? o.emoji_animated),
            };
          }),
        }))
        : current.prompts,
    };
    next.defaultChannelIds.forEach((c, i) => {
      if (!channels.has(c)) throw fieldError(['default_channel_ids', i], 'CHANNEL_INVALID', 'Invalid channel');
    });
    // The features are changed, not written as read: a concurrent edit of another feature is kept.
    const updated = await store.guilds.update(guild.id, { onboarding: next }, { features: onboardingFeatureChange(next) });
    if (!sameFeatures(updated.features, guild.features)) ctx.dispatch.guild(guild.id, 'GUILD_UPDATE', await guildObjectJson(store, updated, access.roles));
    const json = onboardingJson(guild.id, next);
    const entries = onboardingAudit(guild.onboarding != null, onboardingJson(guild.id, current), json, guild.id).map((input) => auditEntry(ctx, req, guild.id, input));
    if (entries.length) {
      try {
        for (const entry of entries) await store.auditLog.create(entry);
        await publishAudit(ctx, ...entries);
      } catch (err) {
        ctx.deps.log.warn({ err, guildId: guild.id }, 'onboarding audit entries not stored');
      }
    }
    return json;
  });

  ctx.put('/guilds/:guildId/onboarding-responses', { auth: 'user' }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const body = parse(responsesBody, req.body ?? {});
    const onboarding = access.guild.onboarding ?? EMPTY;
    if (!onboarding.enabled) throw new ApiError(ErrorCodes.MISSING_ACCESS, { message: 'Onboarding is not enabled in this server' });
    const chosen = new Set(body.onboarding_responses);
    const roles = new Set<string>();
    onboarding.prompts.forEach((p, i) => {
      const picked = p.options.filter((o) => chosen.has(o.id));
      if (p.singleSelect && picked.length > 1) throw fieldError(['onboarding_responses'], 'ONBOARDING_SINGLE_SELECT', `"${p.title}" takes one answer`);
      if (p.required && p.inOnboarding && picked.length === 0) throw fieldError(['onboarding_responses'], 'ONBOARDING_REQUIRED', `"${p.title}" needs an answer (question ${i + 1})`);
      for (const o of picked) for (const r of o.roleIds) roles.add(r);
    });
    const live = new Set(access.roles.map((r) => r.id));
    const member = await completeOnboarding(access.guild, access.member, [...roles].filter((r) => live.has(r)), req.user);
    return {
      guild_id: access.guild.id, user_id: req.user.id, onboarding_responses: [...chosen],
      onboarding_prompts_seen: body.onboarding_prompts_seen ?? {}, onboarding_responses_seen: body.onboarding_responses_seen ?? {},
      member: memberJson(member, req.user),
    };
  });

  /**
   * Adds the answers' roles and the COMPLETED_ONBOARDING flag (MemberStore.grant: no read-modify-write, so a role a
   * moderator gives or takes at the same instant is kept); GUILD_MEMBER_UPDATE to the guild.
   */
  async function completeOnboarding(guild: GuildRecord, member: MemberRecord, roleIds: string[], user: UserRecord) {
    const updated = await store.members.grant(guild.id, member.userId, { roleIds, flags: MemberOnboardingFlags.COMPLETED_ONBOARDING });
    ctx.dispatch.guild(guild.id, 'GUILD_MEMBER_UPDATE', memberEventPayload(updated, user));
    return updated;
  }
}
