/**
 * Server Settings' Audit Log tab, for members with VIEW_AUDIT_LOG: entries newest first, each saying who did what
 * to whom, with the reason and the changes; filters by action and by user; "Load more" pages back 50 at a time.
 */
import { useEffect, useMemo, useState } from 'react';
import { AUDIT_ACTIONS, AUDIT_LOG_PAGE, actionVerb, canViewAuditLog, changeValue, fetchAuditLog, type AuditLogEntry } from '../audit-log.ts';
import { snowflakeTime } from '../api.ts';
import { errorText } from '../session.ts';
import { displayName, useStore } from '../store.ts';
import type { User } from '../types.ts';

/** The settings tabs, with Audit Log for those who may view it. */
export function useAuditLogTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'audit-log', string]> {
  const allowed = useStore((s) => canViewAuditLog(s, guildId));
  return useMemo(() => (allowed ? [...tabs, ['audit-log', 'Audit Log']] : [...tabs]), [allowed, tabs]);
}

export function AuditLogTab({ guildId }: { guildId: string }) {
  const state = useStore((s) => s);
  const guild = state.guilds[guildId];
  const [entries, setEntries] = useState<AuditLogEntry[] | null>(null);
  const [users, setUsers] = useState<Record<string, User>>({});
  const [webhooks, setWebhooks] = useState<Record<string, string>>({});
  const [more, setMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [actionType, setActionType] = useState('');
  const [userId, setUserId] = useState('');

  const load = async (before?: string) => {
    setBusy(true);
    setError('');
    try {
      const page = await fetchAuditLog(guildId, { before, userId, actionType: actionType === '' ? undefined : Number(actionType) });
      setUsers((u) => ({ ...u, ...Object.fromEntries(page.users.map((x) => [x.id, x])) }));
      setWebhooks((w) => ({ ...w, ...Object.fromEntries(page.webhooks.map((x) => [x.id, x.name])) }));
      setEntries((list) => [...(before ? (list ?? []) : []), ...page.audit_log_entries]);
      setMore(page.audit_log_entries.length === AUDIT_LOG_PAGE);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setEntries(null);
    void load();
    // Reloaded whenever a filter changes.
  }, [guildId, actionType, userId]);

  const name = (id: string | null) => {
    if (!id) return 'Someone';
    const u = users[id];
    return state.members[guildId]?.[id] ? displayName(state, id, guildId) : u ? u.global_name || u.username : id;
  };
  const target = (e: AuditLogEntry): string => {
    const t = e.target_id;
    if (e.action_type === 1 || e.action_type === 40 || e.action_type === 42 || e.action_type === 21) {
      const code = e.changes?.find((c) => c.key === 'code');
      return code ? changeValue(code.new_value ?? code.old_value) : '';
    }
    if (!t) return '';
    if (e.action_type >= 10 && e.action_type <= 15 || e.action_type === 73) {
      const ch = state.channels[t];
      const old = e.changes?.find((c) => c.key === 'name');
      return `#${ch?.name ?? changeValue(old?.new_value ?? old?.old_value)}`;
    }
    if (e.action_type >= 30 && e.action_type <= 32) {
      const old = e.changes?.find((c) => c.key === 'name');
      return guild?.roles[t]?.name ?? changeValue(old?.new_value ?? old?.old_value);
    }
    if (e.action_type >= 50 && e.action_type <= 52) {
      const old = e.changes?.find((c) => c.key === 'name');
      return webhooks[t] ?? changeValue(old?.new_value ?? old?.old_value);
    }
    // A stage by its topic, in its channel (shown by `where`).
    if (e.action_type >= 83 && e.action_type <= 85) {
      const topic = e.changes?.find((c) => c.key === 'topic');
      return `"${changeValue(topic?.new_value ?? topic?.old_value)}"`;
    }
    // A sound by its name (it may be gone).
    if (e.action_type >= 130 && e.action_type <= 132) {
      const name = e.changes?.find((c) => c.key === 'name');
      return changeValue(name?.new_value ?? name?.old_value);
    }
    // Onboarding: the server itself, or a question by its title.
    if (e.action_type === 166 || e.action_type === 167) return guild?.name ?? '';
    if (e.action_type >= 163 && e.action_type <= 165) {
      const title = e.changes?.find((c) => c.key === 'title');
      return `"${changeValue(title?.new_value ?? title?.old_value)}"`;
    }
    return name(t);
  };
  const where = (e: AuditLogEntry) => {
    const ch = e.options?.channel_id ? state.channels[e.options.channel_id] : undefined;
    if (e.action_type === 73 && e.options?.count) return ` (${e.options.count} messages)`;
    return ch ? ` in #${ch.name}` : '';
  };
  const members = Object.keys(state.members[guildId] ?? {});

  return (
    <div className="stack audit-log">
      <div className="row wrap">
        <label>
          Filter by action
          <select aria-label="Filter by action" value={actionType} onChange={(e) => setActionType(e.target.value)}>
            <option value="">All actions</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a.type} value={a.type}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Filter by user
          <select aria-label="Filter by user" value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">All users</option>
            {members.map((id) => (
              <option key={id} value={id}>
                {displayName(state, id, guildId)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <p className="form-error" role="alert">{error}</p>}
      {entries === null ? (
        <p className="muted" role="status">Loading audit log…</p>
      ) : entries.length === 0 ? (
        <p className="muted">No audit log entries.</p>
      ) : (
        <ul className="settings-list" aria-label="Audit log entries">
          {entries.map((e) => (
            <li key={e.id} className="audit-entry" data-entry-id={e.id} data-action-type={e.action_type}>
              <div>
                <strong>{name(e.user_id)}</strong> {actionVerb(e.action_type)} {target(e) && <strong>{target(e)}</strong>}
                {where(e)}
                <span className="muted small"> · <time dateTime={new Date(snowflakeTime(e.id)).toISOString()}>{new Date(snowflakeTime(e.id)).toLocaleString()}</time></span>
              </div>
              {e.reason && <div className="muted small audit-reason">Reason: {e.reason}</div>}
              {e.changes && e.changes.length > 0 && (
                <ul className="audit-changes small">
                  {e.changes.map((c, i) => (
                    <li key={i}>
                      {c.key === '$add' ? 'Added roles' : c.key === '$remove' ? 'Removed roles' : c.key}:{' '}
                      {c.key === '$add' || c.key === '$remove' ? changeValue(c.new_value) : `${changeValue(c.old_value)} → ${changeValue(c.new_value)}`}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
      {more && entries && (
        <button type="button" className="button secondary" disabled={busy} onClick={() => void load(entries[entries.length - 1]!.id)}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
