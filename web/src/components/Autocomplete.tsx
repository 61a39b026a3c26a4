/**
 * The composer's autocomplete popup for `@` mentions, `#` channels and `:` emoji shortcodes (what it offers:
 * autocomplete.ts). The message box keeps focus throughout, as in Discord's client: Up/Down move through the
 * list (aria-activedescendant points screen readers at the option), Enter or Tab inserts, Escape closes it until
 * the query changes; a click inserts too. Inserting writes Discord's wire syntax followed by a space.
 */
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { channelSuggestions, customEmojiSuggestions, emojiSuggestions, findTrigger, mentionSuggestions, MAX_SUGGESTIONS, type Suggestion, type Trigger } from '../autocomplete.ts';
import { emojiUrl, listGuildEmoji, type GuildEmoji } from '../guild-emoji.ts';
import { loadShortcodes, type ShortcodeEmoji } from '../emoji-shortcodes.ts';
import { useStore } from '../store.ts';
import { Avatar } from './Avatar.tsx';

/** One option of a composer popup (suggestions, commands): the message box keeps focus and caret when it is clicked. */
export function PopupOption({ as: Tag = 'div', id, active, onHover, onPick, children }: {
  as?: 'div' | 'li';
  id: string;
  active: boolean;
  onHover: () => void;
  onPick: () => void;
  children: ReactNode;
}) {
  return (
    <Tag
      id={id}
      role="option"
      aria-selected={active}
      className={`autocomplete-option${active ? ' active' : ''}`}
      onMouseDown={(e) => e.preventDefault()}
      onMouseMove={onHover}
      onClick={onPick}
    >
      {children}
    </Tag>
  );
}

export interface ComposerAutocomplete {
  /** Spread onto the textarea. */
  inputProps: {
    'aria-autocomplete': 'list';
    'aria-controls'?: string;
    'aria-activedescendant'?: string;
    onSelect(): void;
  };
  /** Call first in the textarea's onKeyDown; true when the key was the autocomplete's. */
  onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>): boolean;
  /** The popup (null when closed), to render above the composer. */
  popup: ReactNode;
}

const sameTrigger = (a: Trigger | null, b: Trigger | null) => a === b || (!!a && !!b && a.char === b.char && a.start === b.start && a.end === b.end && a.query === b.query);

const TITLES: Record<Trigger['char'], string> = { '@': 'Members', '#': 'Text channels', ':': 'Emoji matching' };

export function useComposerAutocomplete(opts: {
  textarea: RefObject<HTMLTextAreaElement | null>;
  text: string;
  setText(text: string): void;
  channelId: string;
}): ComposerAutocomplete {
  const { textarea, text, setText, channelId } = opts;
  const [trigger, setTrigger] = useState<Trigger | null>(null);
  const [active, setActive] = useState(0);
  // Escape closes the list for this very query; typing on opens it again.
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [emoji, setEmoji] = useState<ShortcodeEmoji[] | null>(null);
  const caretAfter = useRef<number | null>(null);
  const listId = useId();

  const refresh = useCallback(() => {
    const el = textarea.current;
    const t = el && el.selectionStart === el.selectionEnd ? findTrigger(el.value, el.selectionStart) : null;
    setTrigger((prev) => (sameTrigger(prev, t) ? prev : t));
  }, [textarea]);

  // After every change of the text: put the caret after an insertion, then see what it is in.
  useLayoutEffect(() => {
    const el = textarea.current;
    if (el && caretAfter.current !== null) {
      el.setSelectionRange(caretAfter.current, caretAfter.current);
      caretAfter.current = null;
    }
    refresh();
  }, [text, refresh, textarea]);

  const wantsEmoji = trigger?.char === ':';
  useEffect(() => {
    if (!wantsEmoji || emoji) return;
    let live = true;
    loadShortcodes().then(
      (list) => live && setEmoji(list),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [wantsEmoji, emoji]);

  // The guild's custom emoji, fetched once per guild when a `:` query first opens.
  const guildId = useStore((s) => s.channels[channelId]?.guild_id ?? null);
  const [custom, setCustom] = useState<{ guildId: string; list: GuildEmoji[] } | null>(null);
  useEffect(() => {
    if (!wantsEmoji || !guildId || custom?.guildId === guildId) return;
    let live = true;
    listGuildEmoji(guildId).then(
      (list) => live && setCustom({ guildId, list }),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [wantsEmoji, guildId, custom]);

  // The slices the suggestions are computed from (stable references between unrelated changes).
  const channels = useStore((s) => s.channels);
  const guilds = useStore((s) => s.guilds);
  const members = useStore((s) => s.members);
  const users = useStore((s) => s.users);
  const me = useStore((s) => s.me);
  const suggestions = useMemo<Suggestion[]>(() => {
    if (!trigger) return [];
    const s = { channels, guilds, members, users, me } as Parameters<typeof mentionSuggestions>[0];
    if (trigger.char === '@') return mentionSuggestions(s, channelId, trigger.query);
    if (trigger.char === '#') return channelSuggestions(s, channelId, trigger.query);
    const myRoles = (guildId && me && members[guildId]?.[me.id]?.roles) || [];
    const server = custom && custom.guildId === guildId ? customEmojiSuggestions(custom.list, trigger.query, myRoles, (id, animated) => emojiUrl(id, animated, 24)) : [];
    return [...server, ...emojiSuggestions(emoji, trigger.query)].slice(0, MAX_SUGGESTIONS);
  }, [trigger, channels, guilds, members, users, me, channelId, emoji, custom, guildId]);

  const triggerKey = trigger ? `${trigger.start}:${trigger.char}${trigger.query}` : null;
  useEffect(() => setActive(0), [triggerKey]);
  const open = Boolean(trigger && triggerKey !== dismissed && suggestions.length);
  const current = Math.min(active, suggestions.length - 1);

  const insert = (sug: Suggestion) => {
    if (!trigger) return;
    const head = `${text.slice(0, trigger.start)}${sug.insert} `;
    const tail = text.slice(trigger.end).replace(/^ /, '');
    caretAfter.current = head.length;
    setTrigger(null);
    setText(head + tail);
    textarea.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!open || e.nativeEvent.isComposing || e.altKey || e.ctrlKey || e.metaKey) return false;
    const n = suggestions.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      setActive((current + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if ((e.key === 'Enter' && !e.shiftKey) || (e.key === 'Tab' && !e.shiftKey)) {
      insert(suggestions[current]!);
    } else if (e.key === 'Escape') {
      setDismissed(triggerKey);
      e.stopPropagation();
    } else return false;
    e.preventDefault();
    return true;
  };

  const optionId = (i: number) => `${listId}-option-${i}`;
  // Keep the highlighted option in view when the list scrolls.
  useEffect(() => {
    if (open) document.getElementById(optionId(current))?.scrollIntoView({ block: 'nearest' });
  });

  const title = trigger ? (trigger.char === ':' ? `${TITLES[':']} :${trigger.query}` : TITLES[trigger.char]) : '';
  const popup = open ? (
    <div className="autocomplete" data-testid="autocomplete">
      <div className="autocomplete-title" id={`${listId}-title`}>
        {title}
      </div>
      <ul role="listbox" id={listId} aria-labelledby={`${listId}-title`}>
        {suggestions.map((sug, i) => (
          <PopupOption key={sug.key} as="li" id={optionId(i)} active={i === current} onHover={() => i !== current && setActive(i)} onPick={() => insert(sug)}>
            <SuggestionBody sug={sug} />
          </PopupOption>
        ))}
      </ul>
    </div>
  ) : null;

  return {
    inputProps: {
      'aria-autocomplete': 'list',
      'aria-controls': open ? listId : undefined,
      'aria-activedescendant': open ? optionId(current) : undefined,
      onSelect: refresh,
    },
    onKeyDown,
    popup,
  };
}

function SuggestionBody({ sug }: { sug: Suggestion }) {
  let icon: ReactNode = null;
  if (sug.kind === 'user' && sug.user) icon = <Avatar user={sug.user} size={24} />;
  else if (sug.kind === 'emoji' && sug.image) icon = <img className="autocomplete-emoji autocomplete-custom-emoji" src={sug.image} alt="" width={24} height={24} />;
  else if (sug.kind === 'emoji') icon = <span className="autocomplete-emoji" aria-hidden="true">{sug.emoji}</span>;
  else if (sug.kind === 'channel') icon = <span className="autocomplete-icon" aria-hidden="true">#</span>;
  else icon = <span className="autocomplete-icon" aria-hidden="true" />;
  return (
    <>
      {icon}
      <span className="autocomplete-label ellipsis" style={sug.kind === 'role' && sug.color ? { color: sug.color } : undefined}>
        {sug.label}
      </span>
      {sug.detail && <span className="autocomplete-detail ellipsis">{sug.detail}</span>}
    </>
  );
}
