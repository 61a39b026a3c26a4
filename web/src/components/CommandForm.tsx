/**
 * A picked slash command in place of the message box: a field per option, each with its name, description and
 * whether it is required, of the option's kind — text, a number within its range, true/false, a list of its
 * choices, a member / role / channel of the guild, or the application's own suggestions for an autocomplete
 * option (asked with an APPLICATION_COMMAND_AUTOCOMPLETE interaction as the user types). Enter sends the command
 * (a required option left empty says so instead), Escape leaves it. While the application has not answered the
 * composer says it is thinking; no answer within 3 seconds reads "The application did not respond" (CommandStatus.tsx).
 * Loaded when a command is first picked.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { OptionType, parseOptionInput, requestAutocomplete, type CommandEntry, type CommandOption, type OptionValues } from '../commands.ts';
import type { AutocompleteChoice } from '../interaction-outcomes.ts';
import { displayName, useStore } from '../store.ts';
import { ChannelType } from '../types.ts';
import { Icon } from './Icon.tsx';
import { AppIcon } from './CommandPicker.tsx';
import { PopupOption } from './Autocomplete.tsx';

/** Wait this long after a keystroke before asking the application for suggestions. */
const AUTOCOMPLETE_DEBOUNCE_MS = 250;

export function CommandForm(props: {
  entry: CommandEntry;
  channelId: string;
  guildId: string | null;
  onLeave(): void;
  onSend(values: OptionValues): void;
}) {
  const { entry } = props;
  const [raw, setRaw] = useState<Record<string, string>>({});
  // Autocomplete options: the value of the suggestion picked (its name is what the field shows).
  const [chosen, setChosen] = useState<Record<string, string | number>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const rootRef = useRef<HTMLFormElement>(null);
  const formId = useId();

  useEffect(() => {
    setRaw({});
    setChosen({});
    setErrors({});
    setFormError('');
    const first = rootRef.current?.querySelector<HTMLElement>('input, select, button[type="submit"]');
    first?.focus();
  }, [entry.key]);

  /** The values filled so far (autocomplete ones as typed when nothing was picked), for an autocomplete request. */
  const partialValues = (): OptionValues => {
    const out: OptionValues = {};
    for (const o of entry.options) {
      if (chosen[o.name] !== undefined) out[o.name] = chosen[o.name]!;
      else {
        const p = parseOptionInput(o, raw[o.name] ?? '');
        if (p && 'value' in p) out[o.name] = p.value;
      }
    }
    return out;
  };

  const submit = () => {
    const values: OptionValues = {};
    const problems: Record<string, string> = {};
    for (const o of entry.options) {
      if (o.type === OptionType.ATTACHMENT) {
        if (o.required) problems[o.name] = 'Files cannot be sent with commands here';
        continue;
      }
      if (o.autocomplete && chosen[o.name] !== undefined) {
        values[o.name] = chosen[o.name]!;
        continue;
      }
      const parsed = parseOptionInput(o, (raw[o.name] ?? '').trim() === '' ? '' : (raw[o.name] ?? ''));
      if (parsed === null) {
        if (o.required) problems[o.name] = 'This option is required';
      } else if ('error' in parsed) problems[o.name] = parsed.error;
      else values[o.name] = parsed.value;
    }
    setErrors(problems);
    const missing = entry.options.filter((o) => problems[o.name] === 'This option is required').map((o) => o.name);
    if (Object.keys(problems).length) {
      setFormError(missing.length ? `Fill in the required option${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` : 'Some options are not valid');
      return;
    }
    setFormError('');
    props.onSend(values);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.defaultPrevented || e.nativeEvent.isComposing) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      props.onLeave();
    } else if (e.key === 'Enter' && !e.shiftKey && (e.target as HTMLElement).tagName !== 'BUTTON') {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form
      ref={rootRef}
      className="composer command-form"
      aria-label={`Command /${entry.label}`}
      aria-describedby={`${formId}-desc`}
      onKeyDown={onKeyDown}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="command-form-head">
        <AppIcon app={entry.app} size={20} />
        <strong className="command-form-name">/{entry.label}</strong>
        <span className="muted ellipsis" id={`${formId}-desc`}>
          {entry.description}
        </span>
        <span className="grow" />
        <button type="button" className="icon-button" aria-label="Leave command" title="Leave command (Escape)" onClick={props.onLeave}>
          <Icon name="close" size={16} />
        </button>
      </div>
      {entry.options.length > 0 && (
        <div className="command-form-fields">
          {entry.options.map((o) => (
            <OptionField
              key={`${entry.key}:${o.name}`}
              option={o}
              entry={entry}
              channelId={props.channelId}
              guildId={props.guildId}
              raw={raw[o.name] ?? ''}
              error={errors[o.name]}
              onRaw={(text) => {
                setRaw((r) => ({ ...r, [o.name]: text }));
                setChosen(({ [o.name]: _, ...rest }) => rest);
              }}
              onChoose={(choice) => {
                setRaw((r) => ({ ...r, [o.name]: choice.name }));
                setChosen((c) => ({ ...c, [o.name]: choice.value }));
              }}
              partialValues={partialValues}
            />
          ))}
        </div>
      )}
      {formError && (
        <p className="form-error small" role="alert" data-testid="command-form-error">
          {formError}
        </p>
      )}
      <div className="command-form-actions">
        <span className="muted small">Enter to send · Escape to leave</span>
        <button type="submit" className="button small">
          Send
        </button>
      </div>
    </form>
  );
}

function OptionField(props: {
  option: CommandOption;
  entry: CommandEntry;
  channelId: string;
  guildId: string | null;
  raw: string;
  error?: string;
  onRaw(text: string): void;
  onChoose(choice: AutocompleteChoice): void;
  partialValues(): OptionValues;
}) {
  const { option: o } = props;
  const id = useId();
  const hint = `${id}-hint`;
  const describedBy = props.error ? `${hint} ${id}-error` : hint;
  const common = { id, 'aria-describedby': describedBy, 'aria-invalid': props.error ? true : undefined, 'aria-required': o.required || undefined };
  let input: ReactNode;
  if (o.autocomplete) {
    input = <AutocompleteInput {...props} inputId={id} describedBy={describedBy} />;
  } else if (o.choices?.length) {
    input = (
      <select {...common} value={props.raw} onChange={(e) => props.onRaw(e.target.value)}>
        <option value="">Choose…</option>
        {o.choices.map((c) => (
          <option key={String(c.value)} value={String(c.value)}>
            {c.name}
          </option>
        ))}
      </select>
    );
  } else if (o.type === OptionType.BOOLEAN) {
    input = (
      <select {...common} value={props.raw} onChange={(e) => props.onRaw(e.target.value)}>
        <option value="">Choose…</option>
        <option value="true">True</option>
        <option value="false">False</option>
      </select>
    );
  } else if (o.type === OptionType.USER || o.type === OptionType.ROLE || o.type === OptionType.CHANNEL || o.type === OptionType.MENTIONABLE) {
    input = <EntitySelect option={o} guildId={props.guildId} channelId={props.channelId} value={props.raw} onChange={props.onRaw} common={common} />;
  } else if (o.type === OptionType.INTEGER || o.type === OptionType.NUMBER) {
    input = (
      <input {...common} type="number" inputMode={o.type === OptionType.INTEGER ? 'numeric' : 'decimal'} step={o.type === OptionType.INTEGER ? 1 : 'any'}
        min={o.min_value} max={o.max_value} value={props.raw} onChange={(e) => props.onRaw(e.target.value)} />
    );
  } else if (o.type === OptionType.ATTACHMENT) {
    input = <input {...common} type="text" disabled value="" placeholder="Files are not supported here" />;
  } else {
    input = <input {...common} type="text" minLength={o.min_length} maxLength={o.max_length ?? 6000} value={props.raw} onChange={(e) => props.onRaw(e.target.value)} />;
  }
  const range = o.min_value !== undefined || o.max_value !== undefined ? ` (${o.min_value ?? '…'}–${o.max_value ?? '…'})` : '';
  return (
    <div className="command-field">
      <label htmlFor={id} className="command-field-name">
        {o.name}
        {o.required && <span className="command-required" aria-label="required"> *</span>}
      </label>
      {input}
      <span className="command-field-hint muted small" id={hint}>
        {o.description}
        {range}
        {o.required ? '' : ' (optional)'}
      </span>
      {props.error && (
        <span className="form-error small" id={`${id}-error`}>
          {props.error}
        </span>
      )}
    </div>
  );
}

/** Members, roles or channels to pick for a USER / ROLE / CHANNEL / MENTIONABLE option. */
function EntitySelect(props: { option: CommandOption; guildId: string | null; channelId: string; value: string; onChange(v: string): void; common: Record<string, unknown> }) {
  const { option: o, guildId } = props;
  const choices = useStore((s) => {
    const list: Array<{ value: string; label: string }> = [];
    const channel = s.channels[props.channelId];
    if (o.type === OptionType.USER || o.type === OptionType.MENTIONABLE) {
      if (guildId) {
        for (const id of Object.keys(s.members[guildId] ?? {})) list.push({ value: id, label: displayName(s, id, guildId) });
      } else {
        for (const u of [...(channel?.recipients ?? []), ...(s.me ? [s.me] : [])]) list.push({ value: u.id, label: u.global_name || u.username });
      }
    }
    if ((o.type === OptionType.ROLE || o.type === OptionType.MENTIONABLE) && guildId) {
      for (const r of Object.values(s.guilds[guildId]?.roles ?? {}).sort((a, b) => b.position - a.position)) list.push({ value: r.id, label: r.id === guildId ? '@everyone' : `@${r.name}` });
    }
    if (o.type === OptionType.CHANNEL) {
      if (guildId) {
        for (const c of Object.values(s.channels).filter((c) => c.guild_id === guildId).sort((a, b) => (a.position ?? 0) - (b.position ?? 0))) {
          if (o.channel_types?.length ? o.channel_types.includes(c.type) : c.type !== ChannelType.GUILD_CATEGORY) list.push({ value: c.id, label: `#${c.name ?? c.id}` });
        }
      } else if (channel) list.push({ value: channel.id, label: 'This conversation' });
    }
    return JSON.stringify(list);
  });
  const list = JSON.parse(choices) as Array<{ value: string; label: string }>;
  return (
    <select {...props.common} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      <option value="">Choose…</option>
      {list.map((c) => (
        <option key={c.value} value={c.value}>
          {c.label}
        </option>
      ))}
    </select>
  );
}

/** A text field whose suggestions come from the application (type 4 interactions, answered with choices). */
function AutocompleteInput(props: {
  option: CommandOption;
  entry: CommandEntry;
  channelId: string;
  guildId: string | null;
  raw: string;
  onRaw(text: string): void;
  onChoose(choice: AutocompleteChoice): void;
  partialValues(): OptionValues;
  inputId: string;
  describedBy: string;
}) {
  const { option: o } = props;
  const [choices, setChoices] = useState<AutocompleteChoice[] | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [loading, setLoading] = useState(false);
  const asked = useRef(0);
  const listId = `${props.inputId}-list`;

  const ask = (text: string) => {
    const seq = ++asked.current;
    setLoading(true);
    window.setTimeout(async () => {
      if (seq !== asked.current) return;
      const values = { ...props.partialValues(), [o.name]: text };
      const got = await requestAutocomplete(props.entry, props.channelId, props.guildId, values, o.name);
      if (seq !== asked.current) return;
      setLoading(false);
      setChoices(got ?? []);
      setActive(0);
      setOpen(true);
    }, AUTOCOMPLETE_DEBOUNCE_MS);
  };

  const choose = (c: AutocompleteChoice) => {
    asked.current++;
    props.onChoose(c);
    setOpen(false);
    setLoading(false);
  };

  const visible = open && choices !== null;
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (!visible || !choices?.length) {
      if (e.key === 'Escape' && visible) {
        setOpen(false);
        e.preventDefault();
      }
      return;
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length);
    else if (e.key === 'Enter' || e.key === 'Tab') choose(choices[Math.min(active, choices.length - 1)]!);
    else if (e.key === 'Escape') setOpen(false);
    else return;
    e.preventDefault();
  };

  return (
    <div className="command-autocomplete">
      <input
        id={props.inputId}
        type="text"
        role="combobox"
        aria-expanded={visible}
        aria-controls={visible ? listId : undefined}
        aria-autocomplete="list"
        aria-activedescendant={visible && choices?.length ? `${listId}-${Math.min(active, choices.length - 1)}` : undefined}
        aria-describedby={props.describedBy}
        aria-required={o.required || undefined}
        aria-busy={loading || undefined}
        value={props.raw}
        onFocus={() => choices === null && ask(props.raw)}
        onBlur={() => setOpen(false)}
        onChange={(e) => {
          props.onRaw(e.target.value);
          ask(e.target.value);
        }}
        onKeyDown={onKeyDown}
      />
      {visible && (
        <ul className="autocomplete command-choices" role="listbox" id={listId} aria-label={`Suggestions for ${o.name}`}>
          {choices!.length === 0 && <li className="muted command-choices-empty">No suggestions</li>}
          {choices!.map((c, i) => (
            <PopupOption key={`${i}:${String(c.value)}`} as="li" id={`${listId}-${i}`} active={i === active} onHover={() => setActive(i)} onPick={() => choose(c)}>
              {c.name}
            </PopupOption>
          ))}
        </ul>
      )}
    </div>
  );
}
