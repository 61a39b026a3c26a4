/**
 * A bot's message components, drawn as Discord's client draws them: action rows of buttons (primary, secondary,
 * success, danger, link) with emoji and label, a string select as a dropdown of its options, and user / role /
 * mentionable / channel selects as a placeholder (Accord's client does not list their choices yet).
 *
 * A link button opens its URL through the "Leaving" dialog, as masked links do. Clicking any other button or
 * choosing in a select sends the interaction (interactions.ts); when the bot does not acknowledge it in time the
 * row shows "This interaction failed", as Discord's client does.
 */
import { useEffect, useRef, useState } from 'react';
import { arrowNavigate } from '../focus.ts';
import { onComponentInteraction } from '../interactions.ts';
import type { ButtonComponent, ComponentEmoji, Message, MessageComponent, SelectComponent } from '../types.ts';
import { LeavingDialog } from './LeavingDialog.tsx';

const BUTTON_STYLES: Record<number, string> = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link', 6: 'premium' };
const LINK = 5;
const PREMIUM = 6;
const STRING_SELECT = 3;
/** What Discord's client shows in an auto-populated select without a placeholder. */
const AUTO_PLACEHOLDER: Record<number, string> = { 5: 'Select a user', 6: 'Select a role', 7: 'Select a user or role', 8: 'Select a channel' };

export function MessageComponents({ msg }: { msg: Message }) {
  const rows = Array.isArray(msg.components) ? msg.components : [];
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [leaving, setLeaving] = useState<string | null>(null);
  if (!rows.length) return null;
  const locked = Boolean(msg.pending);

  const interact = async (component: MessageComponent, values?: string[]) => {
    setFailed(false);
    setBusy(component.custom_id ?? null);
    const ok = await onComponentInteraction(msg, component, values);
    setBusy(null);
    setFailed(!ok);
  };

  return (
    <div className="message-components">
      {rows.map((row, i) => (
        <div key={row.id ?? i} className="component-row" role="group">
          {(Array.isArray(row.components) ? row.components : []).map((c, j) => {
            const key = c.id ?? `${i}-${j}`;
            if (c.type === 2) return <ComponentButton key={key} button={c} locked={locked} busy={busy !== null && busy === c.custom_id} onLink={setLeaving} onClick={() => void interact(c)} />;
            if (c.type === STRING_SELECT) return <StringSelect key={key} select={c} locked={locked || busy !== null} onChoose={(values) => void interact(c, values)} />;
            return <AutoSelect key={key} select={c} />;
          })}
        </div>
      ))}
      {failed && (
        <div className="interaction-failed small" role="alert">
          This interaction failed
        </div>
      )}
      {leaving && <LeavingDialog url={leaving} onClose={() => setLeaving(null)} />}
    </div>
  );
}

function EmojiPart({ emoji }: { emoji?: ComponentEmoji }) {
  if (!emoji) return null;
  // A custom emoji has no picture in Accord yet: its :name: stands in for it.
  const text = emoji.id ? `:${emoji.name ?? 'emoji'}:` : emoji.name;
  return text ? <span className="component-emoji" aria-hidden={emoji.id ? undefined : true}>{text}</span> : null;
}

function ComponentButton({ button, locked, busy, onLink, onClick }: { button: ButtonComponent; locked: boolean; busy: boolean; onLink: (url: string) => void; onClick: () => void }) {
  const style = BUTTON_STYLES[button.style] ?? 'secondary';
  const inner = (
    <>
      <EmojiPart emoji={button.emoji} />
      {button.label && <span className="component-label">{button.label}</span>}
    </>
  );
  if (button.style === LINK && button.url) {
    const url = button.url;
    if (button.disabled || locked) {
      return (
        <span className={`component-button style-${style} disabled`} role="link" aria-disabled="true">
          {inner}
          <span className="component-external" aria-hidden="true">↗</span>
        </span>
      );
    }
    const ask = (e: React.MouseEvent) => {
      e.preventDefault();
      onLink(url);
    };
    return (
      <a className={`component-button style-${style}`} href={url} target="_blank" rel="noopener noreferrer" title={url} onClick={ask} onAuxClick={(e) => e.button === 1 && ask(e)}>
        {inner}
        <span className="component-external" aria-hidden="true">↗</span>
      </a>
    );
  }
  return (
    <button
      type="button"
      className={`component-button style-${style}${busy ? ' busy' : ''}`}
      disabled={button.disabled || locked || busy || button.style === PREMIUM}
      aria-busy={busy || undefined}
      onClick={onClick}
    >
      {inner}
    </button>
  );
}

function StringSelect({ select, locked, onChoose }: { select: SelectComponent; locked: boolean; onChoose: (values: string[]) => void }) {
  const options = Array.isArray(select.options) ? select.options : [];
  const max = Math.max(1, select.max_values ?? 1);
  const min = Math.max(0, select.min_values ?? 1);
  const multiple = max > 1;
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>(() => options.filter((o) => o.default).map((o) => o.value).slice(0, max));
  const sent = useRef(chosen);
  const box = useRef<HTMLDivElement>(null);
  const disabled = Boolean(select.disabled) || locked;

  /** Closing a multi-select sends what was chosen, when it changed and is enough (Discord sends on close). */
  const close = (values = chosen) => {
    setOpen(false);
    const changed = values.length !== sent.current.length || values.some((v) => !sent.current.includes(v));
    if (changed && values.length >= min) {
      sent.current = values;
      onChoose(values);
    }
  };
  const closeRef = useRef(close);
  closeRef.current = close;

  useEffect(() => {
    if (!open) return;
    box.current?.querySelector<HTMLElement>('[role="option"]')?.focus();
    const onDoc = (e: MouseEvent) => !box.current?.contains(e.target as Node) && closeRef.current();
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);

  const pick = (value: string) => {
    if (!multiple) {
      setChosen([value]);
      close([value]);
      return;
    }
    setChosen((now) => (now.includes(value) ? now.filter((v) => v !== value) : now.length < max ? [...now, value] : now));
  };
  const labels = options.filter((o) => chosen.includes(o.value)).map((o) => o.label);

  return (
    <div className={`component-select${open ? ' open' : ''}`} ref={box}>
      <button type="button" className="select-trigger" aria-haspopup="listbox" aria-expanded={open} disabled={disabled} onClick={() => (open ? close() : setOpen(true))}>
        <span className={labels.length ? 'select-value ellipsis' : 'select-placeholder ellipsis'}>{labels.length ? labels.join(', ') : (select.placeholder ?? 'Make a selection')}</span>
        <span className="select-caret" aria-hidden="true">▾</span>
      </button>
      {open && (
        <ul
          className="select-options"
          role="listbox"
          aria-label={select.placeholder ?? 'Options'}
          aria-multiselectable={multiple || undefined}
          onKeyDown={(e) => arrowNavigate(e, { items: '[role="option"]', orientation: 'vertical', onEscape: () => close() })}
        >
          {options.map((o) => {
            const selected = chosen.includes(o.value);
            return (
              <li
                key={o.value}
                role="option"
                tabIndex={-1}
                aria-selected={selected}
                className={selected ? 'selected' : undefined}
                onClick={() => pick(o.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    pick(o.value);
                  }
                }}
              >
                <EmojiPart emoji={o.emoji} />
                <span className="option-text">
                  <span className="option-label">{o.label}</span>
                  {o.description && <span className="option-description small muted">{o.description}</span>}
                </span>
                {multiple && <span className="option-check" aria-hidden="true">{selected ? '☑' : '☐'}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** User, role, mentionable and channel selects: shown, not usable yet in this client. */
function AutoSelect({ select }: { select: SelectComponent }) {
  return (
    <div className="component-select auto" aria-disabled="true" title="Not available in this client yet">
      <span className="select-trigger disabled">
        <span className="select-placeholder ellipsis">{select.placeholder ?? AUTO_PLACEHOLDER[select.type] ?? 'Make a selection'}</span>
        <span className="select-caret" aria-hidden="true">▾</span>
      </span>
    </div>
  );
}
