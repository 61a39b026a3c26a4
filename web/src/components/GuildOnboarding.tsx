/**
 * Onboarding in the web client. Server Settings → Onboarding (Manage Server and Manage Roles) edits the questions
 * new members answer, each option granting a role (PUT /guilds/{id}/onboarding). Loaded with Server Settings; the
 * dialog that asks a member the questions is OnboardingPrompts.tsx.
 */
import { useEffect, useMemo, useState } from 'react';
import { rest } from '../api.ts';
import { P, basePermissions, has } from '../perms.ts';
import { useStore } from '../store.ts';
import type { Onboarding, OnboardingPrompt } from '../onboarding.ts';

export function useOnboardingTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'onboarding', string]> {
  const allowed = useStore((s) => {
    const guild = s.guilds[guildId];
    const perms = guild && s.me ? basePermissions(guild, s.me.id, s.members[guildId]?.[s.me.id]) : 0n;
    return has(perms, P.MANAGE_GUILD) && has(perms, P.MANAGE_ROLES);
  });
  return useMemo(() => (allowed ? [...tabs, ['onboarding', 'Onboarding']] : [...tabs]), [allowed, tabs]);
}

/** Server Settings → Onboarding: on/off and the questions, each option with the role it grants. */
export function OnboardingTab({ guildId, run }: { guildId: string; run: (fn: () => Promise<unknown>) => Promise<void> }) {
  const guild = useStore((s) => s.guilds[guildId]);
  const roles = useMemo(() => Object.values(guild?.roles ?? {}).filter((r) => r.id !== guildId && !r.managed).sort((a, b) => b.position - a.position), [guild?.roles, guildId]);
  const [draft, setDraft] = useState<Onboarding | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    void run(async () => setDraft(await rest.get<Onboarding>(`/guilds/${guildId}/onboarding`)));
    // Once per guild (`run` is new on every render and only reports errors).
  }, [guildId]);
  if (!draft) return <p className="muted" role="status">Loading onboarding…</p>;
  const edit = (fn: (d: Onboarding) => Onboarding) => (setDraft(fn(draft)), setSaved(false));
  const editPrompt = (i: number, fn: (p: OnboardingPrompt) => OnboardingPrompt) => edit((d) => ({ ...d, prompts: d.prompts.map((p, j) => (j === i ? fn(p) : p)) }));
  return (
    <form
      className="stack onboarding-editor"
      aria-label="Onboarding"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          setDraft(await rest.put<Onboarding>(`/guilds/${guildId}/onboarding`, { enabled: draft.enabled, mode: draft.mode, default_channel_ids: draft.default_channel_ids, prompts: draft.prompts }));
          setSaved(true);
        });
      }}
    >
      <p className="muted small">New members answer these questions when they join; each answer can give them a role.</p>
      <label className="check-row toggle">
        <input type="checkbox" role="switch" checked={draft.enabled} onChange={(e) => edit((d) => ({ ...d, enabled: e.target.checked }))} /> Enable onboarding
      </label>
      {draft.prompts.map((p, i) => (
        <fieldset key={p.id ?? `new-${i}`} className="stack onboarding-prompt">
          <legend>Question {i + 1}</legend>
          <label>
            Question
            <input aria-label={`Question ${i + 1}`} value={p.title} maxLength={100} required onChange={(e) => editPrompt(i, (q) => ({ ...q, title: e.target.value }))} />
          </label>
          <div className="row wrap">
            <label className="check-row">
              <input type="checkbox" checked={p.single_select} onChange={(e) => editPrompt(i, (q) => ({ ...q, single_select: e.target.checked }))} /> One answer only
            </label>
            <label className="check-row">
              <input type="checkbox" checked={p.required} onChange={(e) => editPrompt(i, (q) => ({ ...q, required: e.target.checked }))} /> Required
            </label>
          </div>
          {p.options.map((o, k) => (
            <div key={o.id ?? `new-${k}`} className="row wrap onboarding-option">
              <input aria-label={`Answer ${k + 1} of question ${i + 1}`} value={o.title} maxLength={50} required placeholder="Answer" onChange={(e) => editPrompt(i, (q) => ({ ...q, options: q.options.map((x, m) => (m === k ? { ...x, title: e.target.value } : x)) }))} />
              <select aria-label={`Role for answer ${k + 1} of question ${i + 1}`} value={o.role_ids[0] ?? ''} onChange={(e) => editPrompt(i, (q) => ({ ...q, options: q.options.map((x, m) => (m === k ? { ...x, role_ids: e.target.value ? [e.target.value] : [] } : x)) }))}>
                <option value="">No role</option>
                {roles.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
              </select>
              <button type="button" className="link-button small" disabled={p.options.length === 1} onClick={() => editPrompt(i, (q) => ({ ...q, options: q.options.filter((_, m) => m !== k) }))}>Remove answer</button>
            </div>
          ))}
          <div className="row wrap">
            <button type="button" className="button small secondary" onClick={() => editPrompt(i, (q) => ({ ...q, options: [...q.options, { title: '', role_ids: [] }] }))}>Add Answer</button>
            <button type="button" className="button small danger" onClick={() => edit((d) => ({ ...d, prompts: d.prompts.filter((_, j) => j !== i) }))}>Delete Question</button>
          </div>
        </fieldset>
      ))}
      <div className="modal-actions">
        <button type="button" className="button secondary" disabled={draft.prompts.length >= 15} onClick={() => edit((d) => ({ ...d, prompts: [...d.prompts, { title: '', single_select: false, required: false, options: [{ title: '', role_ids: [] }] }] }))}>
          Add Question
        </button>
        <button type="submit" className="button">Save Onboarding</button>
      </div>
      {saved && <p className="form-ok" role="status">Saved.</p>}
    </form>
  );
}
