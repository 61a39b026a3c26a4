/**
 * The emoji picker's popover, opened from the composer's emoji button and from a message's "Add reaction": a
 * dialog at the end of <body> placed beside its opener and kept on screen (so no message row's hover toolbar
 * or the history's scroller clips it). Only this shell (and the data's small loader) is in the first-screen
 * bundle; the picker itself and its data load on first use (and start loading when the pointer or focus reaches
 * an opener).
 *
 * Escape closes it and returns focus to the opener; a click outside, or focus moving elsewhere, closes it.
 */
import { GuildEmojiRow } from './GuildEmojiRow.tsx';
import type { GuildEmoji } from '../guild-emoji.ts';
import { useEffect, useLayoutEffect, useRef, useState, type ComponentType } from 'react';
import { createPortal } from 'react-dom';
import { loadEmojiData, type EmojiData } from '../emoji-data.ts';
import type { EmojiPickerProps } from './EmojiPicker.tsx';

interface LoadedPicker {
  EmojiPicker: ComponentType<EmojiPickerProps>;
  data: EmojiData;
}
let loaded: LoadedPicker | null = null;
let loading: Promise<LoadedPicker> | null = null;

/** Fetches the picker and its data (once); a failure is retried on the next call. */
export function preloadEmojiPicker(): Promise<LoadedPicker> {
  loading ??= Promise.all([import('./EmojiPicker.tsx'), loadEmojiData()])
    .then(([m, data]) => (loaded = { EmojiPicker: m.EmojiPicker, data }))
    .catch((err: unknown) => {
      loading = null;
      throw err;
    });
  return loading;
}

export interface EmojiPickerPopoverProps {
  /** The dialog's accessible name. */
  label: string;
  /** The button that opened it: the picker is placed beside it, and a click on it is not "outside". */
  anchor: HTMLElement | null;
  /** `keepOpen`: picked with Shift held, to pick several (the host decides whether to close). */
  onPick(emoji: string, keepOpen: boolean): void;
  /** `returnFocus`: closed with Escape, so focus goes back to the opener. */
  onClose(returnFocus: boolean): void;
  /** With both: the guild's custom emoji above the picker, picked through onPickCustom. */
  guildId?: string | null;
  onPickCustom?(emoji: GuildEmoji, keepOpen: boolean): void;
}

const MARGIN = 8;

export function EmojiPickerPopover({ label, anchor, onPick, onClose, guildId, onPickCustom }: EmojiPickerPopoverProps) {
  const [picker, setPicker] = useState<LoadedPicker | null>(() => loaded);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [place, setPlace] = useState<{ left: number; top: number } | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    if (picker) return;
    let live = true;
    setFailed(false);
    preloadEmojiPicker().then(
      (p) => live && setPicker(p),
      () => live && setFailed(true),
    );
    return () => void (live = false);
  }, [picker, attempt]);

  // While the picker loads, focus waits in the dialog, where Escape works.
  useLayoutEffect(() => {
    if (!loaded) ref.current?.focus();
  }, []);

  // Beside the opener, above it when there is room (the composer is at the bottom), else below; always on screen.
  useLayoutEffect(() => {
    const placeIt = () => {
      const el = ref.current;
      if (!el || !anchor) return;
      const a = anchor.getBoundingClientRect();
      const vw = document.documentElement.clientWidth;
      const vh = window.innerHeight;
      const { offsetWidth: w, offsetHeight: h } = el;
      const left = Math.max(MARGIN, Math.min(a.right - w, vw - w - MARGIN));
      let top = a.top - h - MARGIN;
      if (top < MARGIN) top = a.bottom + MARGIN + h <= vh - MARGIN ? a.bottom + MARGIN : Math.max(MARGIN, vh - h - MARGIN);
      setPlace((p) => (p && p.left === left && p.top === top ? p : { left, top }));
    };
    placeIt();
    window.addEventListener('resize', placeIt);
    return () => window.removeEventListener('resize', placeIt);
  }, [anchor, picker, failed]);

  useEffect(() => {
    const inside = (t: EventTarget | null) => t instanceof Node && (ref.current?.contains(t) || anchor?.contains(t));
    const onDown = (e: MouseEvent) => !inside(e.target) && closeRef.current(false);
    // Tab or a click moved focus to something else on the page (null: the window lost focus, or a click on nothing).
    const onFocusIn = (e: FocusEvent) => !inside(e.target) && closeRef.current(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('focusin', onFocusIn);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('focusin', onFocusIn);
    };
  }, [anchor]);

  return createPortal(
    <div
      ref={ref}
      className="emoji-popover"
      role="dialog"
      aria-label={label}
      aria-busy={!picker}
      tabIndex={-1}
      // Unplaced for a moment (before the first layout effect): transparent, not hidden, so focus can go in.
      style={place ? { left: place.left, top: place.top } : { left: 0, top: 0, opacity: 0 }}
      onKeyDown={(e) => {
        // Keys stay in the picker: the history and the message toolbar around its opener must not act on them.
        e.stopPropagation();
        if (e.key === 'Escape') {
          e.preventDefault();
          closeRef.current(true);
        }
      }}
    >
      {guildId && onPickCustom && <GuildEmojiRow guildId={guildId} onPick={onPickCustom} />}
      {picker ? (
        <picker.EmojiPicker data={picker.data} onPick={onPick} />
      ) : failed ? (
        <div className="emoji-popover-status" role="alert">
          Emoji could not be loaded.{' '}
          <button type="button" className="link-button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      ) : (
        <div className="emoji-popover-status muted">Loading emoji…</div>
      )}
    </div>,
    document.body,
  );
}
