/**
 * Server Settings → AutoMod (Manage Server): the server's auto moderation rules as Discord's AutoMod page shows
 * them, each with an on/off switch, Edit and Delete, and a form to create or edit one: a keyword list (with
 * Discord's `*` wildcards, regex patterns and allowed words), mention spam (a limit of mentions per message), or
 * the preset word lists; then what it does (block the message with an optional explanation, alert a channel, time
 * the member out) and who it leaves alone (roles, channels). Requests go through auto-moderation.ts; the server
 * checks every one again.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import {
  AutoModActionType, AutoModTriggerType, TIMEOUT_CHOICES, createRule, deleteRule, describeActions, listRules, parseWordList, updateRule,
  type AutoModAction, type AutoModRule, type NewRule,
} from '../auto-moderation.ts';
import { canManageGuild } from '../guild-community.ts';
import { P, basePermissions, has } from '../perms.ts';
import { useStore } from '../store.ts';
import { ChannelType } from '../types.ts';
import { Confirm } from './Modal.tsx';

type Run = (fn: () => Promise<unknown>) => Promise<void>;

const TRIGGER_LABEL: Record<number, string> = {
  [AutoModTriggerType.KEYWORD]: 'Custom words',
  [AutoModTriggerType.SPAM]: 'Spam',
  [AutoModTriggerType.KEYWORD_PRESET]: 'Commonly flagged words',
  [AutoModTriggerType.MENTION_SPAM]: 'Mention spam',
  [AutoModTriggerType.MEMBER_PROFILE]: 'Member profile',
};
const PRESETS: Array<[number, string]> = [[1, 'Profanity'], [2, 'Sexual content']];

export function useAutoModTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'automod', string]> {
  const allowed = useStore((s) => canManageGuild(s, guildId));
  return useMemo(() => (allowed ? [...tabs, ['automod', 'AutoMod']] : [...tabs]), [allowed, tabs]);
}

export function AutoModTab({ guildId, run }: { guildId: string; run: Run }) {
  const [rules, setRules] = useState<AutoModRule[] | null>(null);
  /** The rule being edited, 'new' for the create form, null for the list alone. */
  const [editing, setEditing] = useState<AutoModRule | 'new' | null>(null);
  const [removing, setRemoving] = useState<AutoModRule | null>(null);
  const channels = useStore((s) => s.channels);
  useEffect(() => {
    void run(async () => setRules(await listRules(guildId)));
    // Once per guild (`run` is new on every render and only reports errors).
  }, [guildId]);
  const channelName = (id: string) => channels[id]?.name ?? 'deleted-channel';
  const replace = (rule: AutoModRule) => setRules((list) => (list?.some((r) => r.id === rule.id) ? list.map((r) => (r.id === rule.id ? rule : r)) : [...(list ?? []), rule]));

  if (rules === null) return <p className="muted" role="status">Loading AutoMod rules…</p>;
  if (editing) {
    return (
      <RuleForm
        guildId={guildId}
        rule={editing === 'new' ? null : editing}
        onCancel={() => setEditing(null)}
        onSave={(body) => run(async () => {
          replace(editing === 'new' ? await createRule(guildId, body) : await updateRule(guildId, editing.id, withoutTrigger(body)));
          setEditing(null);
        })}
      />
    );
  }
  return (
    <div className="stack automod">
      <p className="muted small">
        AutoMod checks messages as they are sent or edited. Members with Manage Server or Administrator are never affected.
      </p>
      <div className="row">
        <button type="button" className="button" onClick={() => setEditing('new')}>
          Create Rule
        </button>
      </div>
      {rules.length === 0 ? (
        <p className="muted">No rules yet.</p>
      ) : (
        <ul className="settings-list" aria-label="AutoMod rules">
          {rules.map((r) => (
            <li key={r.id} className="row automod-rule" data-rule-id={r.id}>
              <div className="grow">
                <strong>{r.name}</strong> <span className="tag">{TRIGGER_LABEL[r.trigger_type] ?? 'Rule'}</span>
                <div className="muted small">{summary(r)}</div>
                <div className="muted small">{describeActions(r, channelName)}</div>
              </div>
              <label className="switch-label">
                <input
                  type="checkbox"
                  role="switch"
                  checked={r.enabled}
                  aria-label={`${r.name} enabled`}
                  onChange={(e) => {
                    // Switched at once (a controlled box would snap back until the server answers), undone if refused.
                    const enabled = e.target.checked;
                    replace({ ...r, enabled });
                    void run(async () => {
                      try {
                        replace(await updateRule(guildId, r.id, { enabled }));
                      } catch (err) {
                        replace(r);
                        throw err;
                      }
                    });
                  }}
                />{' '}
                Enabled
              </label>
              <button type="button" className="button small secondary" aria-label={`Edit ${r.name}`} onClick={() => setEditing(r)}>
                Edit
              </button>
              <button type="button" className="button small danger" aria-label={`Delete ${r.name}`} onClick={() => setRemoving(r)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {removing && (
        <Confirm
          title={`Delete ${removing.name}`}
          body={<p>AutoMod will stop applying this rule.</p>}
          confirmLabel="Delete Rule"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await deleteRule(guildId, removing.id);
            setRules((list) => list?.filter((r) => r.id !== removing.id) ?? null);
            setRemoving(null);
          }}
        />
      )}
    </div>
  );
}

/** A PATCH cannot change the trigger type. */
function withoutTrigger(body: NewRule): Partial<NewRule> {
  const { trigger_type: _t, ...rest } = body;
  return rest;
}

function summary(r: AutoModRule): string {
  const m = r.trigger_metadata;
  if (r.trigger_type === AutoModTriggerType.MENTION_SPAM) return `More than ${m.mention_total_limit ?? 0} mentions in a message`;
  if (r.trigger_type === AutoModTriggerType.KEYWORD_PRESET) return (m.presets ?? []).map((p) => PRESETS.find(([v]) => v === p)?.[1] ?? `List ${p}`).join(', ') || 'No lists';
  const words = m.keyword_filter ?? [];
  const patterns = m.regex_patterns ?? [];
  return [words.length ? `${words.length} word${words.length === 1 ? '' : 's'}: ${words.slice(0, 5).join(', ')}${words.length > 5 ? '…' : ''}` : '', patterns.length ? `${patterns.length} pattern${patterns.length === 1 ? '' : 's'}` : '']
    .filter(Boolean).join(' · ') || 'No words yet';
}

function RuleForm({ guildId, rule, onCancel, onSave }: { guildId: string; rule: AutoModRule | null; onCancel: () => void; onSave: (body: NewRule) => void }) {
  const channels = useStore((s) => s.channels);
  const guild = useStore((s) => s.guilds[guildId]);
  const canTimeout = useStore((s) => {
    const g = s.guilds[guildId];
    return Boolean(g && s.me && has(basePermissions(g, s.me.id, s.members[guildId]?.[s.me.id]), P.MODERATE_MEMBERS));
  });
  const textChannels = Object.values(channels).filter((c) => c.guild_id === guildId && (c.type === ChannelType.GUILD_TEXT || c.type === ChannelType.GUILD_ANNOUNCEMENT));
  const roles = Object.values(guild?.roles ?? {}).filter((r) => r.id !== guildId && !r.managed);
  const action = (type: number) => rule?.actions.find((a) => a.type === type);
  const m = rule?.trigger_metadata ?? {};

  const [name, setName] = useState(rule?.name ?? '');
  const [trigger, setTrigger] = useState<number>(rule?.trigger_type ?? AutoModTriggerType.KEYWORD);
  const [keywords, setKeywords] = useState((m.keyword_filter ?? []).join('\n'));
  const [patterns, setPatterns] = useState((m.regex_patterns ?? []).join('\n'));
  const [allowed, setAllowed] = useState((m.allow_list ?? []).join('\n'));
  const [mentionLimit, setMentionLimit] = useState(m.mention_total_limit ?? 5);
  const [presets, setPresets] = useState<number[]>(m.presets ?? [1]);
  const [block, setBlock] = useState(rule ? Boolean(action(AutoModActionType.BLOCK_MESSAGE)) : true);
  const [customMessage, setCustomMessage] = useState(action(AutoModActionType.BLOCK_MESSAGE)?.metadata.custom_message ?? '');
  const [alert, setAlert] = useState(Boolean(action(AutoModActionType.SEND_ALERT_MESSAGE)));
  const [alertChannel, setAlertChannel] = useState(action(AutoModActionType.SEND_ALERT_MESSAGE)?.metadata.channel_id ?? textChannels[0]?.id ?? '');
  const [timeout, setTimeoutOn] = useState(Boolean(action(AutoModActionType.TIMEOUT)));
  const [duration, setDuration] = useState(action(AutoModActionType.TIMEOUT)?.metadata.duration_seconds ?? 60);
  const [exemptRoles, setExemptRoles] = useState<string[]>(rule?.exempt_roles ?? []);
  const [exemptChannels, setExemptChannels] = useState<string[]>(rule?.exempt_channels ?? []);
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const timeoutAllowed = canTimeout && (trigger === AutoModTriggerType.KEYWORD || trigger === AutoModTriggerType.MENTION_SPAM);

  const actions: AutoModAction[] = [
    ...(block ? [{ type: AutoModActionType.BLOCK_MESSAGE, metadata: customMessage.trim() ? { custom_message: customMessage.trim() } : {} }] : []),
    ...(alert && alertChannel ? [{ type: AutoModActionType.SEND_ALERT_MESSAGE, metadata: { channel_id: alertChannel } }] : []),
    ...(timeout && timeoutAllowed ? [{ type: AutoModActionType.TIMEOUT, metadata: { duration_seconds: duration } }] : []),
  ];
  const metadata = (): NewRule['trigger_metadata'] => {
    if (trigger === AutoModTriggerType.MENTION_SPAM) return { mention_total_limit: mentionLimit };
    if (trigger === AutoModTriggerType.KEYWORD_PRESET) return { presets, allow_list: parseWordList(allowed) };
    return { keyword_filter: parseWordList(keywords), regex_patterns: patterns.split('\n').map((p) => p.trim()).filter(Boolean), allow_list: parseWordList(allowed) };
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave({
      name: name.trim(), event_type: 1, trigger_type: trigger, trigger_metadata: metadata(), actions, enabled,
      exempt_roles: exemptRoles, exempt_channels: exemptChannels,
    });
  };
  const toggle = (list: string[], id: string, on: boolean) => (on ? [...list, id] : list.filter((x) => x !== id));

  return (
    <form className="stack automod-form" aria-label={rule ? `Edit ${rule.name}` : 'Create Rule'} onSubmit={submit}>
      <label>
        Rule name
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
      </label>
      {!rule && (
        <label>
          What should it look for?
          <select value={trigger} onChange={(e) => setTrigger(Number(e.target.value))}>
            <option value={AutoModTriggerType.KEYWORD}>Custom words</option>
            <option value={AutoModTriggerType.MENTION_SPAM}>Mention spam</option>
            <option value={AutoModTriggerType.KEYWORD_PRESET}>Commonly flagged words</option>
          </select>
        </label>
      )}
      {trigger === AutoModTriggerType.KEYWORD && (
        <>
          <label>
            Words to block (one per line or separated by commas; <code>cat*</code> starts with, <code>*cat</code> ends with, <code>*cat*</code> anywhere)
            <textarea value={keywords} onChange={(e) => setKeywords(e.target.value)} rows={4} />
          </label>
          <label>
            Regex patterns (one per line)
            <textarea value={patterns} onChange={(e) => setPatterns(e.target.value)} rows={2} />
          </label>
        </>
      )}
      {trigger === AutoModTriggerType.KEYWORD_PRESET && (
        <fieldset>
          <legend>Word lists</legend>
          {PRESETS.map(([value, label]) => (
            <label key={value} className="checkbox-row">
              <input type="checkbox" checked={presets.includes(value)} onChange={(e) => setPresets((p) => (e.target.checked ? [...p, value] : p.filter((x) => x !== value)))} /> {label}
            </label>
          ))}
        </fieldset>
      )}
      {(trigger === AutoModTriggerType.KEYWORD || trigger === AutoModTriggerType.KEYWORD_PRESET) && (
        <label>
          Allowed words (never flagged)
          <textarea value={allowed} onChange={(e) => setAllowed(e.target.value)} rows={2} />
        </label>
      )}
      {trigger === AutoModTriggerType.MENTION_SPAM && (
        <label>
          Most mentions allowed in one message
          <input type="number" min={1} max={50} value={mentionLimit} onChange={(e) => setMentionLimit(Number(e.target.value))} required />
        </label>
      )}
      <fieldset>
        <legend>Actions</legend>
        <label className="checkbox-row">
          <input type="checkbox" checked={block} onChange={(e) => setBlock(e.target.checked)} /> Block message
        </label>
        {block && (
          <label>
            Custom response (shown to the member)
            <input value={customMessage} onChange={(e) => setCustomMessage(e.target.value)} maxLength={150} />
          </label>
        )}
        <label className="checkbox-row">
          <input type="checkbox" checked={alert} onChange={(e) => setAlert(e.target.checked)} disabled={!textChannels.length} /> Send alert
        </label>
        {alert && (
          <label>
            Alert channel
            <select value={alertChannel} onChange={(e) => setAlertChannel(e.target.value)}>
              {textChannels.map((c) => (
                <option key={c.id} value={c.id}>
                  #{c.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {timeoutAllowed && (
          <>
            <label className="checkbox-row">
              <input type="checkbox" checked={timeout} onChange={(e) => setTimeoutOn(e.target.checked)} /> Time out member
            </label>
            {timeout && (
              <label>
                Timeout duration
                <select value={duration} onChange={(e) => setDuration(Number(e.target.value))}>
                  {TIMEOUT_CHOICES.map(([s, label]) => (
                    <option key={s} value={s}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </>
        )}
      </fieldset>
      {roles.length > 0 && (
        <fieldset>
          <legend>Exempt roles</legend>
          {roles.map((r) => (
            <label key={r.id} className="checkbox-row">
              <input type="checkbox" checked={exemptRoles.includes(r.id)} onChange={(e) => setExemptRoles((l) => toggle(l, r.id, e.target.checked))} /> {r.name}
            </label>
          ))}
        </fieldset>
      )}
      <fieldset>
        <legend>Exempt channels</legend>
        {textChannels.map((c) => (
          <label key={c.id} className="checkbox-row">
            <input type="checkbox" checked={exemptChannels.includes(c.id)} onChange={(e) => setExemptChannels((l) => toggle(l, c.id, e.target.checked))} /> #{c.name}
          </label>
        ))}
      </fieldset>
      <label className="checkbox-row">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
      </label>
      <div className="row">
        <button type="submit" className="button" disabled={!name.trim() || actions.length === 0}>
          {rule ? 'Save Rule' : 'Create Rule'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
