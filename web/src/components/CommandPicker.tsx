/**
 * Slash commands in the composer (what is offered and how it is sent: commands.ts). Typing `/` at the start of
 * the message box opens a list of the commands of the channel's bots, grouped by application and narrowed as the
 * user types; it works like the @mention list (Autocomplete.tsx): the box keeps focus, Up/Down move,
 * Enter or Tab picks, Escape closes. Picking a command turns the composer into the command's form
 * (CommandForm.tsx); Escape there leaves the command.
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { commandEntries, filterEntries, loadCommandIndex, type CommandEntry } from '../commands.ts';
import { Avatar } from './Avatar.tsx';
import { PopupOption } from './Autocomplete.tsx';
import './commands.css';

export interface CommandPicker {
  /** The command being filled in, if any (the composer shows its form instead of the message box). */
  picked: CommandEntry | null;
  leave(): void;
  /** Spread onto the textarea while no command is picked. */
  inputProps: { 'aria-controls'?: string; 'aria-activedescendant'?: string };
  /** Call first in the textarea's onKeyDown; true when the key was the picker's. */
  onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>): boolean;
  popup: ReactNode;
}

/** The query when the text is a command being typed: `/` first, on one line. */
const commandQuery = (text: string) => (text.startsWith('/') && !text.includes('\n') ? text.slice(1) : null);

export function useCommandPicker(opts: { text: string; setText(text: string): void; channelId: string; textarea: RefObject<HTMLTextAreaElement | null> }): CommandPicker {
  const { text, setText, channelId } = opts;
  const [entries, setEntries] = useState<CommandEntry[] | null>(null);
  const [picked, setPicked] = useState<CommandEntry | null>(null);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const listId = useId();
  const query = commandQuery(text);
  const wanted = query !== null;

  useEffect(() => {
    setPicked(null);
    setEntries(null);
  }, [channelId]);

  // The index is read when the user starts a command (and again once it is stale).
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    loadCommandIndex(channelId).then(
      (index) => live && setEntries(commandEntries(index)),
      () => live && setEntries([]),
    );
    return () => {
      live = false;
    };
  }, [wanted, channelId]);

  // Back from a command's form: the message box (mounted again) takes the focus.
  const wasPicked = useRef(false);
  useEffect(() => {
    if (wasPicked.current && !picked) opts.textarea.current?.focus();
    wasPicked.current = Boolean(picked);
  }, [picked, opts.textarea]);

  const shown = useMemo(() => (query === null || !entries ? [] : filterEntries(entries, query)), [entries, query]);
  useEffect(() => setActive(0), [query]);
  const open = !picked && query !== null && query !== dismissed && shown.length > 0;
  const current = Math.min(active, shown.length - 1);
  const optionId = (i: number) => `${listId}-option-${i}`;

  const pick = (entry: CommandEntry) => {
    setPicked(entry);
    setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!open || e.nativeEvent.isComposing || e.altKey || e.ctrlKey || e.metaKey) return false;
    const n = shown.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') setActive((current + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey) pick(shown[current]!);
    else if (e.key === 'Escape') {
      setDismissed(query);
      e.stopPropagation();
    } else return false;
    e.preventDefault();
    return true;
  };

  useEffect(() => {
    if (open) document.getElementById(optionId(current))?.scrollIntoView({ block: 'nearest' });
  });

  // One group per application, in the order of the filtered list.
  const groups: Array<{ app: CommandEntry['app']; items: Array<{ entry: CommandEntry; i: number }> }> = [];
  shown.forEach((entry, i) => {
    const last = groups[groups.length - 1];
    if (last && last.app.id === entry.app.id) last.items.push({ entry, i });
    else groups.push({ app: entry.app, items: [{ entry, i }] });
  });

  const popup = open ? (
    <div className="autocomplete command-picker" data-testid="command-picker">
      <div className="autocomplete-title" id={`${listId}-title`}>
        Commands matching /{query}
      </div>
      <div role="listbox" id={listId} aria-labelledby={`${listId}-title`}>
        {groups.map((g) => (
          <div role="group" key={g.app.id} aria-labelledby={`${listId}-app-${g.app.id}`} className="command-picker-group">
            <div className="command-picker-app" id={`${listId}-app-${g.app.id}`}>
              <AppIcon app={g.app} size={16} />
              <span className="ellipsis">{g.app.name}</span>
            </div>
            {g.items.map(({ entry, i }) => (
              <PopupOption key={entry.key} id={optionId(i)} active={i === current} onHover={() => i !== current && setActive(i)} onPick={() => pick(entry)}>
                <span className="autocomplete-label ellipsis">/{entry.label}</span>
                <span className="autocomplete-detail ellipsis">{entry.description}</span>
              </PopupOption>
            ))}
          </div>
        ))}
      </div>
    </div>
  ) : null;

  return {
    picked,
    leave: () => setPicked(null),
    inputProps: open ? { 'aria-controls': listId, 'aria-activedescendant': optionId(current) } : {},
    onKeyDown,
    popup,
  };
}

/** An application's icon from the CDN, else its bot's avatar (Discord's client does the same). */
export function AppIcon({ app, size }: { app: CommandEntry['app']; size: number }) {
  const [failed, setFailed] = useState(false);
  if (app.icon && !failed) {
    return <img className="command-app-icon" src={`/app-icons/${app.id}/${app.icon}.png?size=64`} alt="" width={size} height={size} onError={() => setFailed(true)} />;
  }
  return <Avatar user={{ id: app.bot_id ?? app.id, username: app.name, global_name: app.name }} size={size} />;
}
