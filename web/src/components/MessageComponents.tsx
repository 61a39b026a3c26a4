/**
 * A bot's message components, drawn as Discord's client draws them: action rows of buttons (primary, secondary,
 * success, danger, link) with emoji and label, a string select as a dropdown of its options, and user / role /
 * mentionable / channel selects as the same dropdown of what this client knows of the guild (its members, its
 * roles but @everyone, its channels of the select's `channel_types`) or, in a DM, of the DM's recipients and the
 * DM itself; their `default_values` start chosen.
 *
 * A link button opens its URL through the "Leaving" dialog, as masked links do. Clicking any other button or
 * choosing in a select sends the interaction (interactions.ts); when the bot does not acknowledge it in time the
 * row shows "This interaction failed", as Discord's client does.
 */
import { useEffect, useRef, useState } from 'react';
import { arrowNavigate } from '../focus.ts';
import { onComponentInteraction } from '../interactions.ts';
import { displayName, useStore, type State } from '../store.ts';
import { MessageFlag, type ActionRow, type ButtonComponent, type ComponentEmoji, type Message, type MessageComponent, type SelectComponent, type V2Node } from '../types.ts';
import type { MentionResolver } from '../markdown.tsx';
import { LayoutV2 } from './ComponentsV2.tsx';
import { LeavingDialog } from './LeavingDialog.tsx';

const BUTTON_STYLES: Record<number, string> = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link', 6: 'premium' };
const LINK = 5;
const PREMIUM = 6;
const STRING_SELECT = 3;
/** What Discord's client shows in an auto-populated select without a placeholder. */
const AUTO_PLACEHOLDER: Record<number, string> = { 5: 'Select a user', 6: 'Select a role', 7: 'Select a user or role', 8: 'Select a channel' };

export function MessageComponents({ msg, resolver }: { msg: Message; resolver: MentionResolver }) {
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

  const button = (c: ButtonComponent, key: string | number) => (
    <ComponentButton key={key} button={c} locked={locked} busy={busy !== null && busy === c.custom_id} onLink={setLeaving} onClick={() => void interact(c)} />
  );
  const row = (r: ActionRow, i: number) => (
    <div key={r.id ?? i} className="component-row" role="group">
      {(Array.isArray(r.components) ? r.components : []).map((c, j) => {
        const key = c.id ?? `${i}-${j}`;
        if (c.type === 2) return button(c, key);
        if (c.type === STRING_SELECT) return <StringSelect key={key} select={c} locked={locked || busy !== null} onChoose={(values) => void interact(c, values)} />;
        return <AutoSelect key={key} select={c} channelId={msg.channel_id} locked={locked || busy !== null} onChoose={(values) => void interact(c, values)} />;
      })}
    </div>
  );
  const v2 = ((msg.flags ?? 0) & MessageFlag.IS_COMPONENTS_V2) !== 0;

  return (
    <div className={v2 ? 'message-components v2' : 'message-components'}>
      {v2 ? <LayoutV2 nodes={rows as unknown as V2Node[]} row={row} button={button} resolver={resolver} /> : rows.map(row)}
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

type SelectOption = NonNullable<SelectComponent['options']>[number];

function StringSelect({ select, locked, onChoose, choices, placeholder }: {
  select: SelectComponent; locked: boolean; onChoose: (values: string[]) => void;
  /** Auto-populated selects: the options built from the store (else the select's own). */
  choices?: SelectOption[]; placeholder?: string;
}) {
  const options = choices ?? (Array.isArray(select.options) ? select.options : []);
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
        <span className={labels.length ? 'select-value ellipsis' : 'select-placeholder ellipsis'}>{labels.length ? labels.join(', ') : (select.placeholder ?? placeholder ?? 'Make a selection')}</span>
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

const USER_SELECT = 5;
const ROLE_SELECT = 6;
const MENTIONABLE_SELECT = 7;
const CHANNEL_SELECT = 8;

/** The choices of an auto-populated select, from what the store knows of the message's guild (or DM). */
function autoChoices(s: State, select: SelectComponent, channelId: string): SelectOption[] {
  const here = s.channels[channelId];
  const guildId = here?.guild_id ?? null;
  const defaults = new Set((select.default_values ?? []).map((d) => d.id));
  const out: SelectOption[] = [];
  const add = (value: string, label: string) => out.push({ label, value, default: defaults.has(value) });
  if (select.type === USER_SELECT || select.type === MENTIONABLE_SELECT) {
    const ids = guildId ? Object.keys(s.members[guildId] ?? {}) : [...(here?.recipients ?? []).map((u) => u.id), ...(s.me ? [s.me.id] : [])];
    const users = [...new Set(ids)].map((id) => ({ id, name: displayName(s, id, guildId) }));
    for (const u of users.sort((a, b) => a.name.localeCompare(b.name))) add(u.id, u.name);
  }
  if ((select.type === ROLE_SELECT || select.type === MENTIONABLE_SELECT) && guildId) {
    // Discord's client leaves @everyone (the role with the guild's id) out of role and mentionable selects.
    const roles = Object.values(s.guilds[guildId]?.roles ?? {}).filter((r) => r.id !== guildId);
    for (const r of roles.sort((a, b) => b.position - a.position)) add(r.id, `@${r.name}`);
  }
  if (select.type === CHANNEL_SELECT) {
    const types = select.channel_types?.length ? select.channel_types : null;
    const channels = guildId ? Object.values(s.channels).filter((c) => c.guild_id === guildId) : here ? [here] : [];
    const fits = channels.filter((c) => !types || types.includes(c.type));
    for (const c of fits.sort((a, b) => (a.position ?? 0) - (b.position ?? 0))) add(c.id, c.guild_id ? `#${c.name ?? c.id}` : (c.name || 'Direct message'));
  }
  // Defaults the store does not know (a member not loaded yet) stay chosen, shown by id.
  const known = new Set(out.map((o) => o.value));
  for (const d of select.default_values ?? []) if (!known.has(d.id)) out.unshift({ label: d.id, value: d.id, default: true });
  return out;
}

/** User, role, mentionable and channel selects: the string select's dropdown over choices built from the store. */
function AutoSelect({ select, channelId, locked, onChoose }: { select: SelectComponent; channelId: string; locked: boolean; onChoose: (values: string[]) => void }) {
  // Rebuilt only when the store changes: a stable key keeps useSyncExternalStore from looping on a fresh array.
  const key = useStore((s) => JSON.stringify(autoChoices(s, select, channelId)));
  const choices = JSON.parse(key) as SelectOption[];
  return <StringSelect select={select} locked={locked} onChoose={onChoose} choices={choices} placeholder={AUTO_PLACEHOLDER[select.type]} />;
}
