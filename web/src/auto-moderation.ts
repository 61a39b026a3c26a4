/**
 * Auto moderation for the web client: the rules of a server (Server Settings → AutoMod, for Manage Server), the
 * text shown when a send is blocked (200000), and reading an alert message (type 24) the server posts. The server
 * checks every request again (src/api/routes/auto-moderation.ts).
 */
import { ApiError, rest } from './api.ts';
import { AutoModActionType, AutoModTriggerType } from '../../src/protocol/auto-moderation.ts';
import type { Message } from './types.ts';

export { AutoModActionType, AutoModTriggerType };

export const AUTOMOD_ACTION_MESSAGE_TYPE = 24;
const AUTOMOD_BLOCKED = 200000;

export interface AutoModAction {
  type: number;
  metadata: { channel_id?: string; duration_seconds?: number; custom_message?: string };
}

export interface AutoModRule {
  id: string;
  guild_id: string;
  name: string;
  creator_id: string;
  event_type: number;
  trigger_type: number;
  trigger_metadata: {
    keyword_filter?: string[];
    regex_patterns?: string[];
    presets?: number[];
    allow_list?: string[];
    mention_total_limit?: number;
    mention_raid_protection_enabled?: boolean;
  };
  actions: AutoModAction[];
  enabled: boolean;
  exempt_roles: string[];
  exempt_channels: string[];
}

export type NewRule = Omit<AutoModRule, 'id' | 'guild_id' | 'creator_id'>;

const rulesPath = (guildId: string) => `/guilds/${guildId}/auto-moderation/rules`;
export const listRules = (guildId: string) => rest.get<AutoModRule[]>(rulesPath(guildId));
export const createRule = (guildId: string, rule: NewRule) => rest.post<AutoModRule>(rulesPath(guildId), rule);
export const updateRule = (guildId: string, ruleId: string, patch: Partial<NewRule>) => rest.patch<AutoModRule>(`${rulesPath(guildId)}/${ruleId}`, patch);
export const deleteRule = (guildId: string, ruleId: string) => rest.delete(`${rulesPath(guildId)}/${ruleId}`);

/** Keywords typed one per line or separated by commas, trimmed, without empties or repeats. */
export function parseWordList(text: string): string[] {
  return [...new Set(text.split(/[\n,]/).map((w) => w.trim()).filter(Boolean))];
}

/** What a rule does, in words ("Block message, alert #mod-log, time out 60 s"). */
export function describeActions(rule: AutoModRule, channelName: (id: string) => string): string {
  return rule.actions.map((a) => {
    if (a.type === AutoModActionType.BLOCK_MESSAGE) return 'Block message';
    if (a.type === AutoModActionType.SEND_ALERT_MESSAGE) return `Alert #${channelName(a.metadata.channel_id ?? '')}`;
    if (a.type === AutoModActionType.TIMEOUT) return `Time out ${formatDuration(a.metadata.duration_seconds ?? 0)}`;
    return 'Block interactions';
  }).join(', ');
}

/** Discord's timeout choices for AutoMod, in seconds. */
export const TIMEOUT_CHOICES: Array<[number, string]> = [[60, '60 seconds'], [300, '5 minutes'], [600, '10 minutes'], [3600, '1 hour'], [86_400, '1 day'], [604_800, '1 week']];

export function formatDuration(seconds: number): string {
  return TIMEOUT_CHOICES.find(([s]) => s === seconds)?.[1] ?? `${seconds} s`;
}

/**
 * The composer's text for a send AutoMod refused, with the rule's own explanation when it has one; null for any
 * other error.
 */
export function blockedText(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.code !== AUTOMOD_BLOCKED) return null;
  const custom = err.fieldMessage('content');
  const base = "Your message was blocked by this server's AutoMod.";
  return custom && custom !== err.message ? `${base} ${custom}` : base;
}

/** The facts of an alert message, from the fields of its auto_moderation_message embed. */
export function alertFacts(msg: Pick<Message, 'embeds'>): Record<string, string> {
  const embed = (msg.embeds ?? []).find((e) => (e as { type?: string }).type === 'auto_moderation_message') as { fields?: Array<{ name: string; value: string }> } | undefined;
  return Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
}
