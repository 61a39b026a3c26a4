/** Discord's audit log entry object from a stored entry. */
import type { AuditLogEntryRecord } from '../store/types.ts';

export function auditLogEntryJson(e: AuditLogEntryRecord): Record<string, unknown> {
  return {
    id: e.id,
    target_id: e.targetId,
    ...(e.changes && e.changes.length ? { changes: e.changes } : {}),
    user_id: e.userId,
    action_type: e.actionType,
    ...(e.options ? { options: e.options } : {}),
    ...(e.reason !== null ? { reason: e.reason } : {}),
  };
}
