/**
 * The composer's emoji button: opens the emoji picker above the message box and puts the picked emoji where the
 * cursor was (replacing a selection), then returns to typing after it. Shift+pick keeps the picker open for
 * more; Escape goes back to the button.
 */
import { useRef, useState, type RefObject } from 'react';
import { EmojiPickerPopover, preloadEmojiPicker } from './EmojiPickerPopover.tsx';
import { Icon } from './Icon.tsx';
import { emojiMarkup } from '../guild-emoji.ts';

export function ComposerEmojiButton({ textarea, onChange, guildId }: { textarea: RefObject<HTMLTextAreaElement | null>; onChange(text: string): void; guildId?: string | null }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const preload = () => void preloadEmojiPicker().catch(() => {});

  const insert = (emoji: string, keepOpen: boolean) => {
    const el = textarea.current;
    if (!el) return;
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    const caret = start + emoji.length;
    onChange(el.value.slice(0, start) + emoji + el.value.slice(end));
    if (!keepOpen) setOpen(false);
    // After React has written the new value (which puts the caret at the end): the caret after the emoji.
    setTimeout(() => {
      if (!keepOpen) el.focus();
      el.setSelectionRange(caret, caret);
    });
  };

  return (
    <>
      <button
        ref={button}
        type="button"
        className="icon-button composer-emoji-button"
        aria-label="Select emoji"
        title="Select emoji"
        aria-haspopup="dialog"
        aria-expanded={open}
        onPointerEnter={preload}
        onFocus={preload}
        onClick={() => setOpen((x) => !x)}
      >
        <Icon name="smile" />
      </button>
      {open && (
        <EmojiPickerPopover
          label="Emoji picker"
          anchor={button.current}
          onPick={insert}
          guildId={guildId}
          onPickCustom={(e, keepOpen) => insert(emojiMarkup(e), keepOpen)}
          onClose={(returnFocus) => {
            setOpen(false);
            if (returnFocus) button.current?.focus();
          }}
        />
      )}
    </>
  );
}
