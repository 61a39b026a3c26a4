/** Auto moderation rules as Discord's rule object (https://discord.com/developers/docs/resources/auto-moderation). */
import { AutoModTriggerType } from '../protocol/auto-moderation.ts';
import type { AutoModAction, AutoModRuleRecord, AutoModTriggerMetadata } from '../store/types.ts';

/** The trigger metadata fields of the rule's trigger type, each present (Discord answers them all, empty or not). */
export function triggerMetadataJson(triggerType: number, m: AutoModTriggerMetadata): Record<string, unknown> {
  switch (triggerType) {
    case AutoModTriggerType.KEYWORD:
    case AutoModTriggerType.MEMBER_PROFILE:
      return { keyword_filter: m.keywordFilter ?? [], regex_patterns: m.regexPatterns ?? [], allow_list: m.allowList ?? [] };
    case AutoModTriggerType.KEYWORD_PRESET:
      return { presets: m.presets ?? [], allow_list: m.allowList ?? [] };
    case AutoModTriggerType.MENTION_SPAM:
      return { mention_total_limit: m.mentionTotalLimit ?? 0, mention_raid_protection_enabled: m.mentionRaidProtectionEnabled ?? false };
    default:
      return {};
  }
}

export function actionJson(a: AutoModAction): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (a.metadata.channelId !== undefined) metadata.channel_id = a.metadata.channelId;
  if (a.metadata.durationSeconds !== undefined) metadata.duration_seconds = a.metadata.durationSeconds;
  if (a.metadata.customMessage !== undefined) metadata.custom_message = a.metadata.customMessage;
  return { type: a.type, metadata };
}

export function autoModRuleJson(r: AutoModRuleRecord): Record<string, unknown> {
  return {
    id: r.id,
    guild_id: r.guildId,
    name: r.name,
    creator_id: r.creatorId,
    event_type: r.eventType,
    trigger_type: r.triggerType,
    trigger_metadata: triggerMetadataJson(r.triggerType, r.triggerMetadata),
    actions: r.actions.map(actionJson),
    enabled: r.enabled,
    exempt_roles: r.exemptRoles,
    exempt_channels: r.exemptChannels,
  };
}
