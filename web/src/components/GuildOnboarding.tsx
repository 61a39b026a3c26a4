/**
 * Onboarding in the web client. Server Settings → Onboarding (Manage Server and Manage Roles) edits the questions
 * new members answer, each option granting a role (PUT /guilds/{id}/onboarding). A member of a server whose
 * onboarding is on and who has not completed it (member flag COMPLETED_ONBOARDING) is asked them once, in a dialog
 * (PUT /guilds/{id}/onboarding-responses), which adds the chosen options' roles.
 */
import { useEffect, useMemo, useState } from 'react';
import { rest } from '../api.ts';
import { P, basePermissions, has } from '../perms.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { applyDispatch } from '../events.ts';
import { Modal } from './Modal.tsx';

interface OnboardingOption { id?: string; title: string; description?: string | null; role_ids: string[]; channel_ids?: string[] }
interface OnboardingPrompt { id?: string; type?: number; title: string; single_select: boolean; required: boolean; in_onboarding?: boolean; options: OnboardingOption[] }
interface Onboarding { guild_id: string; enabled: boolean; mode: number; default_channel_ids: string[]; prompts: OnboardingPrompt[] }

const COMPLETED_ONBOARDING = 1 << 1;

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

/**
 * The questions a member of `guildId` is asked once, while onboarding is on and they have not completed it. Shown
 * over the chat; the answers add their roles (the member's GUILD_MEMBER_UPDATE closes it).
 */
export function OnboardingPromptsDialog({ guildId }: { guildId: string }) {
  const me = useStore((s) => s.me);
  const member = useStore((s) => (me ? s.members[guildId]?.[me.id] : undefined));
  const guildName = useStore((s) => s.guilds[guildId]?.name ?? '');
  const isOwner = useStore((s) => s.guilds[guildId]?.owner_id === me?.id);
  const [onboarding, setOnboarding] = useState<Onboarding | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const done = (member?.flags ?? 0) & COMPLETED_ONBOARDING;
  useEffect(() => {
    if (!member || done || isOwner) return;
    let live = true;
    rest.get<Onboarding>(`/guilds/${guildId}/onboarding`).then((o) => live && setOnboarding(o), () => {});
    return () => {
      live = false;
    };
  }, [guildId, Boolean(member), done, isOwner]);
  const prompts = (onboarding?.prompts ?? []).filter((p) => p.in_onboarding !== false);
  if (!onboarding?.enabled || done || isOwner || prompts.length === 0) return null;
  const toggle = (p: OnboardingPrompt, id: string) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else {
      if (p.single_select) for (const o of p.options) next.delete(o.id!);
      next.add(id);
    }
    setPicked(next);
  };
  const missing = prompts.some((p) => p.required && !p.options.some((o) => picked.has(o.id!)));
  return (
    <Modal title={`Welcome to ${guildName}`} onClose={() => setOnboarding(null)}>
      <form
        className="stack"
        aria-label="Onboarding questions"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            const res = await rest.put<{ member: Record<string, unknown> }>(`/guilds/${guildId}/onboarding-responses`, { onboarding_responses: [...picked], onboarding_prompts_seen: {}, onboarding_responses_seen: {} });
            applyDispatch('GUILD_MEMBER_UPDATE', { ...res.member, guild_id: guildId });
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        {prompts.map((p) => (
          <fieldset key={p.id} className="stack">
            <legend>{p.title}{p.required ? ' *' : ''}</legend>
            {p.options.map((o) => (
              <label key={o.id} className="check-row">
                <input type={p.single_select ? 'radio' : 'checkbox'} name={`prompt-${p.id}`} checked={picked.has(o.id!)} onChange={() => toggle(p, o.id!)} /> {o.title}
                {o.description && <span className="muted small"> — {o.description}</span>}
              </label>
            ))}
          </fieldset>
        ))}
        {error && <p className="form-error" role="alert">{error}</p>}
        <div className="modal-actions">
          <button type="submit" className="button" aria-disabled={busy || missing} disabled={missing}>Finish</button>
        </div>
      </form>
    </Modal>
  );
}
