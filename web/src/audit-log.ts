/**
 * The guild audit log in the web client: who may see it (VIEW_AUDIT_LOG), the REST call with Discord's filters,
 * and how an entry reads ("Alice banned Bob").
 */
import { AuditLogEvent } from '../../src/protocol/audit-log.ts';
import { rest } from './api.ts';
import { P, basePermissions, has } from './perms.ts';
import type { State } from './store.ts';
import type { User } from './types.ts';

export interface AuditLogChange {
  key: string;
  old_value?: unknown;
  new_value?: unknown;
}

export interface AuditLogEntry {
  id: string;
  target_id: string | null;
  user_id: string | null;
  action_type: number;
  changes?: AuditLogChange[];
  options?: Record<string, string>;
  reason?: string;
}

export interface AuditLogPage {
  audit_log_entries: AuditLogEntry[];
  users: User[];
  webhooks: Array<{ id: string; name: string }>;
}

/** Entries per page (Discord's default). */
export const AUDIT_LOG_PAGE = 50;

export function canViewAuditLog(s: State, guildId: string): boolean {
  const guild = s.guilds[guildId];
  if (!guild || !s.me) return false;
  return has(basePermissions(guild, s.me.id, s.members[guildId]?.[s.me.id]), P.VIEW_AUDIT_LOG);
}

export const fetchAuditLog = (guildId: string, q: { before?: string; userId?: string; actionType?: number }) =>
  rest.get<AuditLogPage>(`/guilds/${guildId}/audit-logs`, {
    limit: AUDIT_LOG_PAGE, before: q.before, user_id: q.userId || undefined, action_type: q.actionType,
  });

/** The actions offered in the filter, with what an entry of each says (the target follows the verb). */
export const AUDIT_ACTIONS: ReadonlyArray<{ type: number; label: string; verb: string }> = [
  { type: AuditLogEvent.GUILD_UPDATE, label: 'Update Server', verb: 'updated the server' },
  { type: AuditLogEvent.CHANNEL_CREATE, label: 'Create Channel', verb: 'created channel' },
  { type: AuditLogEvent.CHANNEL_UPDATE, label: 'Update Channel', verb: 'updated channel' },
  { type: AuditLogEvent.CHANNEL_DELETE, label: 'Delete Channel', verb: 'deleted channel' },
  { type: AuditLogEvent.CHANNEL_OVERWRITE_CREATE, label: 'Create Channel Permissions', verb: 'created permission overrides in' },
  { type: AuditLogEvent.CHANNEL_OVERWRITE_UPDATE, label: 'Update Channel Permissions', verb: 'updated permission overrides in' },
  { type: AuditLogEvent.CHANNEL_OVERWRITE_DELETE, label: 'Delete Channel Permissions', verb: 'removed permission overrides in' },
  { type: AuditLogEvent.MEMBER_KICK, label: 'Kick Member', verb: 'kicked' },
  { type: AuditLogEvent.MEMBER_PRUNE, label: 'Prune Members', verb: 'pruned members' },
  { type: AuditLogEvent.MEMBER_BAN_ADD, label: 'Ban Member', verb: 'banned' },
  { type: AuditLogEvent.MEMBER_BAN_REMOVE, label: 'Unban Member', verb: 'unbanned' },
  { type: AuditLogEvent.MEMBER_UPDATE, label: 'Update Member', verb: 'updated' },
  { type: AuditLogEvent.MEMBER_ROLE_UPDATE, label: 'Update Member Roles', verb: 'updated roles of' },
  { type: AuditLogEvent.ROLE_CREATE, label: 'Create Role', verb: 'created role' },
  { type: AuditLogEvent.ROLE_UPDATE, label: 'Update Role', verb: 'updated role' },
  { type: AuditLogEvent.ROLE_DELETE, label: 'Delete Role', verb: 'deleted role' },
  { type: AuditLogEvent.INVITE_CREATE, label: 'Create Invite', verb: 'created an invite' },
  { type: AuditLogEvent.INVITE_DELETE, label: 'Delete Invite', verb: 'deleted an invite' },
  { type: AuditLogEvent.WEBHOOK_CREATE, label: 'Create Webhook', verb: 'created webhook' },
  { type: AuditLogEvent.WEBHOOK_UPDATE, label: 'Update Webhook', verb: 'updated webhook' },
  { type: AuditLogEvent.WEBHOOK_DELETE, label: 'Delete Webhook', verb: 'deleted webhook' },
  { type: AuditLogEvent.MESSAGE_DELETE, label: 'Delete Message', verb: 'deleted a message by' },
  { type: AuditLogEvent.MESSAGE_BULK_DELETE, label: 'Bulk Delete Messages', verb: 'bulk deleted messages in' },
  { type: AuditLogEvent.MESSAGE_PIN, label: 'Pin Message', verb: 'pinned a message by' },
  { type: AuditLogEvent.MESSAGE_UNPIN, label: 'Unpin Message', verb: 'unpinned a message by' },
  { type: AuditLogEvent.THREAD_CREATE, label: 'Create Thread', verb: 'created thread' },
  { type: AuditLogEvent.THREAD_UPDATE, label: 'Update Thread', verb: 'updated thread' },
  { type: AuditLogEvent.THREAD_DELETE, label: 'Delete Thread', verb: 'deleted thread' },
  { type: AuditLogEvent.STAGE_INSTANCE_CREATE, label: 'Start Stage', verb: 'started the stage' },
  { type: AuditLogEvent.STAGE_INSTANCE_UPDATE, label: 'Update Stage', verb: 'updated the stage' },
  { type: AuditLogEvent.STAGE_INSTANCE_DELETE, label: 'End Stage', verb: 'ended the stage' },
  { type: AuditLogEvent.SOUNDBOARD_SOUND_CREATE, label: 'Create Sound', verb: 'created sound' },
  { type: AuditLogEvent.SOUNDBOARD_SOUND_UPDATE, label: 'Update Sound', verb: 'updated sound' },
  { type: AuditLogEvent.SOUNDBOARD_SOUND_DELETE, label: 'Delete Sound', verb: 'deleted sound' },
  { type: AuditLogEvent.ONBOARDING_CREATE, label: 'Set Up Onboarding', verb: 'set up onboarding for' },
  { type: AuditLogEvent.ONBOARDING_UPDATE, label: 'Update Onboarding', verb: 'updated onboarding of' },
  { type: AuditLogEvent.ONBOARDING_PROMPT_CREATE, label: 'Create Onboarding Question', verb: 'created onboarding question' },
  { type: AuditLogEvent.ONBOARDING_PROMPT_UPDATE, label: 'Update Onboarding Question', verb: 'updated onboarding question' },
  { type: AuditLogEvent.ONBOARDING_PROMPT_DELETE, label: 'Delete Onboarding Question', verb: 'deleted onboarding question' },
  { type: AuditLogEvent.VOICE_CHANNEL_STATUS_CREATE, label: 'Set Voice Channel Status', verb: 'set the status of' },
  { type: AuditLogEvent.VOICE_CHANNEL_STATUS_DELETE, label: 'Clear Voice Channel Status', verb: 'cleared the status of' },
];

export function actionVerb(type: number): string {
  return AUDIT_ACTIONS.find((a) => a.type === type)?.verb ?? `did action ${type} to`;
}

/** A change's value as text: role lists by name, the rest as JSON-ish text. */
export function changeValue(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' && 'name' in x ? String((x as { name: unknown }).name) : changeValue(x))).join(', ') || '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
