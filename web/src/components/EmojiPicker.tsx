/**
 * The emoji picker (loaded on first use, inside EmojiPickerPopover): a search box, a skin tone selector,
 * category tabs (recently used first) and a grid of emoji, with a preview of the one under the pointer or focus.
 *
 * Keyboard: focus starts in the search box; Enter there picks the first match, Down enters the grid. In the
 * grid the arrow keys move (Up from the top row returns to the search box), Enter or Space picks, typing goes
 * back to the search box. The tabs take Left/Right (Home/End) and select as they move. Shift+Enter or
 * Shift+click picks without closing, where the host allows it. Escape closes (the popover handles it), except
 * in the open skin tone list, which it closes first.
 */
import { useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react';
import { EMOJI_GROUPS, SKIN_TONES, searchEmoji, withTone, type EmojiData, type EmojiEntry } from '../emoji-data.ts';
import { recentEmoji, rememberEmoji, saveSkinTone, savedSkinTone } from '../emoji-prefs.ts';
import { arrowNavigate } from '../focus.ts';

export interface EmojiPickerProps {
  data: EmojiData;
  onPick(emoji: string, keepOpen: boolean): void;
}

/** Cells per grid row; the stylesheet's grid is exactly this wide. */
const COLUMNS = 8;
const RECENT = 'recent';

interface Item {
  emoji: string;
  label: string;
  entry: EmojiEntry;
}

export function EmojiPicker({ data, onPick }: EmojiPickerProps) {
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const [recents, setRecents] = useState(() => recentEmoji().filter((e) => data.byEmoji.has(e)));
  const [tab, setTab] = useState<number | typeof RECENT>(() => (recents.length ? RECENT : EMOJI_GROUPS[0]!.id));
  const [tone, setTone] = useState(savedSkinTone);
  const [toneOpen, setToneOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [preview, setPreview] = useState<Item | null>(null);
  const search = useRef<HTMLInputElement>(null);
  const grid = useRef<HTMLDivElement>(null);
  const toneButton = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  // On a touch screen the search box would bring up the keyboard over the picker: focus waits on the first emoji.
  useEffect(() => {
    if (matchMedia('(pointer: fine)').matches) search.current?.focus({ preventScroll: true });
    else grid.current?.querySelector<HTMLElement>('[role="gridcell"]')?.focus({ preventScroll: true });
  }, []);

  const searching = deferredQuery.trim() !== '';
  const items: Item[] = useMemo(() => {
    if (searching) return searchEmoji(data, deferredQuery).map((entry) => ({ ...withTone(entry, tone), entry }));
    if (tab === RECENT) return recents.map((emoji) => ({ ...data.byEmoji.get(emoji)!.variant, entry: data.byEmoji.get(emoji)!.entry }));
    return (data.byGroup.get(tab) ?? []).map((entry) => ({ ...withTone(entry, tone), entry }));
  }, [data, searching, deferredQuery, tab, tone, recents]);
  const rows = useMemo(() => {
    const out: Item[][] = [];
    for (let i = 0; i < items.length; i += COLUMNS) out.push(items.slice(i, i + COLUMNS));
    return out;
  }, [items]);
  // A new list starts at its first emoji.
  useEffect(() => setActive(0), [items]);

  const title = searching ? 'Search results' : tab === RECENT ? 'Recently used' : (EMOJI_GROUPS.find((g) => g.id === tab)?.name ?? '');
  const shown = preview ?? items[0] ?? null;

  const pick = (item: Item, keepOpen: boolean) => {
    rememberEmoji(item.emoji);
    if (keepOpen) setRecents(recentEmoji().filter((e) => data.byEmoji.has(e)));
    onPick(item.emoji, keepOpen);
  };
  const focusCell = (i: number) => grid.current?.querySelectorAll<HTMLElement>('[role="gridcell"]')[i]?.focus();
  const selectTab = (t: number | typeof RECENT) => {
    setTab(t);
    setQuery('');
    setPreview(null);
  };
  const chooseTone = (t: number) => {
    setTone(t);
    saveSkinTone(t);
    setToneOpen(false);
    toneButton.current?.focus();
  };

  const tabs: { key: number | typeof RECENT; name: string; icon: string }[] = [
    ...(recents.length ? [{ key: RECENT as typeof RECENT, name: 'Recently used', icon: '🕘' }] : []),
    ...EMOJI_GROUPS.map((g) => ({ key: g.id, name: g.name, icon: g.icon })),
  ];

  return (
    <div className="emoji-picker-full">
      <div className="emoji-picker-top">
        <input
          ref={search}
          type="search"
          className="emoji-search"
          aria-label="Search emoji"
          placeholder="Find the perfect emoji"
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setPreview(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && items.length) {
              e.preventDefault();
              focusCell(active);
            } else if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
              e.preventDefault();
              // What was typed, even if the deferred list has not caught up with it yet.
              const first = query.trim() ? searchEmoji(data, query)[0] : undefined;
              const item = first ? { ...withTone(first, tone), entry: first } : query.trim() ? undefined : (items[active] ?? items[0]);
              if (item) pick(item, e.shiftKey);
            }
          }}
        />
        <button
          ref={toneButton}
          type="button"
          className="emoji-tone-button"
          aria-label={`Skin tone: ${SKIN_TONES[tone]!.name}`}
          title="Skin tone"
          aria-haspopup="listbox"
          aria-expanded={toneOpen}
          onClick={() => setToneOpen((x) => !x)}
        >
          <span className="emoji-glyph" aria-hidden="true">{SKIN_TONES[tone]!.hand}</span>
        </button>
        {toneOpen && <ToneList tone={tone} onChoose={chooseTone} onClose={() => (setToneOpen(false), toneButton.current?.focus())} />}
      </div>
      <div
        className="emoji-tabs"
        role="tablist"
        aria-label="Emoji categories"
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && items.length) {
            e.preventDefault();
            return focusCell(active);
          }
          if (arrowNavigate(e, { items: '[role="tab"]', orientation: 'horizontal' })) {
            const key = (document.activeElement as HTMLElement | null)?.dataset.tab;
            if (key) selectTab(key === RECENT ? RECENT : Number(key));
          }
        }}
      >
        {tabs.map((t) => {
          const selected = !searching && t.key === tab;
          return (
            <button
              key={t.key}
              type="button"
              role="tab"
              data-tab={t.key}
              aria-label={t.name}
              title={t.name}
              aria-selected={selected}
              aria-controls={panelId}
              tabIndex={t.key === tab ? 0 : -1}
              className="emoji-tab"
              onClick={() => selectTab(t.key)}
            >
              <span className="emoji-glyph" aria-hidden="true">{t.icon}</span>
            </button>
          );
        })}
      </div>
      <div className="emoji-panel" id={panelId} role="tabpanel" aria-label={title}>
        <h3 className="emoji-section-title">{title}</h3>
        {items.length === 0 ? (
          <p className="emoji-empty muted" role="status">
            No emoji match “{deferredQuery.trim()}”.
          </p>
        ) : (
          <div
            ref={grid}
            className="emoji-grid"
            role="grid"
            aria-label={title}
            onKeyDown={(e) => {
              const i = [...e.currentTarget.querySelectorAll('[role="gridcell"]')].indexOf(document.activeElement as Element);
              if (e.key === 'ArrowUp' && i >= 0 && i < COLUMNS) {
                e.preventDefault();
                search.current?.focus();
              } else if (e.key.length === 1 && e.key !== ' ' && !e.ctrlKey && !e.metaKey && !e.altKey) {
                search.current?.focus(); // the key then types into the search box
              } else {
                arrowNavigate(e, { items: '[role="gridcell"]', orientation: 'grid', columns: COLUMNS });
              }
            }}
          >
            {rows.map((row, r) => (
              <div key={r} role="row" className="emoji-row">
                {row.map((item, c) => {
                  const i = r * COLUMNS + c;
                  return (
                    <button
                      key={item.emoji}
                      type="button"
                      role="gridcell"
                      className="emoji-cell emoji-glyph"
                      aria-label={item.label}
                      data-emoji={item.emoji}
                      tabIndex={i === active ? 0 : -1}
                      onClick={(e) => pick(item, e.shiftKey)}
                      onFocus={() => {
                        setActive(i);
                        setPreview(item);
                      }}
                      onMouseEnter={() => setPreview(item)}
                    >
                      {item.emoji}
                    </button>
                  );
                })}
              </div>
            ))}
          </div>
        )}
      </div>
      <div className="emoji-preview" aria-hidden="true">
        {shown && (
          <>
            <span className="emoji-preview-glyph emoji-glyph">{shown.emoji}</span>
            <span className="emoji-preview-text">
              {shown.entry.shortcodes[0] && <strong>:{shown.entry.shortcodes[0]}:</strong>}
              <span className="muted ellipsis">{shown.label}</span>
            </span>
          </>
        )}
      </div>
    </div>
  );
}

function ToneList({ tone, onChoose, onClose }: { tone: number; onChoose(t: number): void; onClose(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.focus(), []);
  return (
    <div
      ref={ref}
      className="emoji-tones"
      role="listbox"
      aria-label="Skin tone"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          return onClose();
        }
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          // One row: Up/Down move like Left/Right.
          const items = [...e.currentTarget.querySelectorAll<HTMLElement>('[role="option"]')];
          const i = items.indexOf(document.activeElement as HTMLElement);
          e.preventDefault();
          return items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
        }
        arrowNavigate(e, { items: '[role="option"]', orientation: 'horizontal' });
      }}
    >
      {SKIN_TONES.map((t, i) => (
        <button key={t.name} type="button" role="option" aria-label={t.name} title={t.name} aria-selected={i === tone} tabIndex={i === tone ? 0 : -1} className="emoji-tone emoji-glyph" onClick={() => onChoose(i)}>
          {t.hand}
        </button>
      ))}
    </div>
  );
}
