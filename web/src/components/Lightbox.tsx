/**
 * The image viewer (loaded on first use): the image as large as the window allows, its file name and an "Open
 * original" link; with several images, previous / next (buttons and the arrow keys). A modal dialog: focus
 * moves in and stays in (Tab wraps), Escape or a click beside the image closes it, and focus goes back to the
 * preview it was opened from.
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import { createPortal } from 'react-dom';
import { refocus, tabbables } from '../focus.ts';
import type { LightboxState } from '../lightbox.ts';
import { Icon } from './Icon.tsx';

export function Lightbox({ state, onClose, onShow }: { state: LightboxState; onClose: () => void; onShow: (index: number) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const item = state.items[state.index]!;
  const many = state.items.length > 1;
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const returnTo = useRef(state.returnTo);

  // Open: focus in. Closed: focus back on the preview (or the nearest thing that still exists).
  useLayoutEffect(() => {
    closeButton.current?.focus();
    const trail = returnTo.current;
    return () => void refocus(trail);
  }, []);

  // Escape works even when focus was lost to <body>.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || ref.current?.contains(e.target as Node)) return;
      e.preventDefault();
      closeRef.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const onKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    e.stopPropagation();
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    } else if (e.key === 'Tab') {
      const items = tabbables(e.currentTarget);
      if (!items.length) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      const inside = e.currentTarget.contains(document.activeElement);
      if (e.shiftKey && (document.activeElement === first || !inside)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
        e.preventDefault();
        first.focus();
      }
    } else if (many && e.key === 'ArrowLeft') {
      e.preventDefault();
      onShow(state.index - 1);
    } else if (many && e.key === 'ArrowRight') {
      e.preventDefault();
      onShow(state.index + 1);
    }
  };

  return createPortal(
    <div
      ref={ref}
      className="lightbox"
      role="dialog"
      aria-modal="true"
      aria-label={`Image viewer: ${item.filename}`}
      onKeyDown={onKeyDown}
      onMouseDown={(e) => {
        if (e.target === e.currentTarget || (e.target as HTMLElement).classList.contains('lightbox-stage')) onClose();
      }}
    >
      <header className="lightbox-bar">
        <span className="lightbox-name ellipsis" title={item.filename}>
          {item.filename}
          {many && <span className="muted"> — {state.index + 1} of {state.items.length}</span>}
        </span>
        <a className="button small secondary" href={item.original} target="_blank" rel="noopener noreferrer">
          <Icon name="external" size={16} /> Open original
        </a>
        <button ref={closeButton} type="button" className="icon-button" aria-label="Close image viewer" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <div className="lightbox-stage">
        {many && (
          <button type="button" className="lightbox-nav prev" aria-label="Previous image" onClick={() => onShow(state.index - 1)}>
            <Icon name="left" size={28} />
          </button>
        )}
        <img
          key={item.src}
          className="lightbox-image"
          src={item.src}
          alt={item.description?.trim() || item.filename}
          width={item.width ?? undefined}
          height={item.height ?? undefined}
          referrerPolicy="no-referrer"
        />
        {many && (
          <button type="button" className="lightbox-nav next" aria-label="Next image" onClick={() => onShow(state.index + 1)}>
            <Icon name="right" size={28} />
          </button>
        )}
      </div>
      {item.description?.trim() && <p className="lightbox-description">{item.description}</p>}
    </div>,
    document.body,
  );
}
