/**
 * The onboarding questions a member is asked once, while the server's onboarding is on and they have not completed
 * it (member flag COMPLETED_ONBOARDING). Loaded lazily, only for such a member (onboarding.ts owesOnboarding); the
 * answers (PUT /guilds/{id}/onboarding-responses) add the chosen options' roles, and the member update closes it.
 */
import { useEffect, useState } from 'react';
import { rest } from '../api.ts';
import { applyDispatch } from '../events.ts';
import { COMPLETED_ONBOARDING, type Onboarding, type OnboardingPrompt } from '../onboarding.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { Modal } from './Modal.tsx';

/**
 * The questions a member of `guildId` is asked once, while onboarding is on and they have not completed it. Shown
 * over the chat; the answers add their roles (the member's GUILD_MEMBER_UPDATE closes it).
 */
export function OnboardingPromptsDialog({ guildId }: { guildId: string }) {
  const me = useStore((s) => s.me);
  const member = useStore((s) => (me ? s.members[guildId]?.[me.id] : undefined));
  const guildName = useStore((s) => s.guilds[guildId]?.name ?? '');
  const [onboarding, setOnboarding] = useState<Onboarding | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const done = (member?.flags ?? 0) & COMPLETED_ONBOARDING;
  useEffect(() => {
    if (done) return;
    let live = true;
    rest.get<Onboarding>(`/guilds/${guildId}/onboarding`).then((o) => live && setOnboarding(o), () => {});
    return () => {
      live = false;
    };
  }, [guildId, done]);
  const prompts = (onboarding?.prompts ?? []).filter((p) => p.in_onboarding !== false);
  if (!onboarding?.enabled || done || prompts.length === 0) return null;
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
