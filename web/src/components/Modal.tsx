/**
 * Dialogs: rendered at the end of <body> (so no transformed or hidden ancestor, like the phone's navigation
 * drawer, can clip or hide them), focus moves in on open, Escape and the backdrop close the topmost one — Escape
 * even when focus was lost to <body> — and on close focus returns to the opener, or to the nearest thing that
 * still exists when the opener is gone (a deleted row's delete button).
 */
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { refocus, tabbables, trailOf } from '../focus.ts';
import { errorText } from '../session.ts';
import { Icon } from './Icon.tsx';

/** Open dialogs, innermost last: only the topmost answers Escape. */
const stack: object[] = [];

export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const entry = useRef<object>({});

  // Layout effect: the opener is read before anything else can move focus.
  useLayoutEffect(() => {
    const active = document.activeElement;
    const openerTrail = active && active !== document.body ? trailOf(active) : [];
    stack.push(entry.current);
    const first = ref.current?.querySelector<HTMLElement>('input, textarea, select, button:not(.modal-close), [tabindex="0"]');
    (first ?? ref.current)?.focus();
    return () => {
      stack.splice(stack.indexOf(entry.current), 1);
      // Back to the opener, or its nearest surviving ancestor; inside an outer dialog when this one was nested.
      if (!refocus(openerTrail)) {
        const outer = document.querySelectorAll<HTMLElement>('.modal');
        const host = outer[outer.length - 1];
        if (host && host !== ref.current) (tabbables(host)[0] ?? host).focus();
      }
    };
  }, []);

  // Escape reaches the topmost dialog even when focus is nowhere (on <body>). A key handled inside a dialog
  // stops there (onKeyDown below), so this only sees keys from outside every dialog.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || stack[stack.length - 1] !== entry.current) return;
      e.preventDefault();
      closeRef.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return createPortal(
    <div className={wide ? 'modal-backdrop wide' : 'modal-backdrop'} onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className={wide ? 'modal wide' : 'modal'}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        tabIndex={-1}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            e.preventDefault();
            onClose();
          }
          if (e.key === 'Tab') {
            // Nested dialogs are portalled but React still bubbles to the outer one: trap in the innermost only.
            e.stopPropagation();
            trapFocus(e, ref.current!);
          }
        }}
      >
        <header className="modal-header">
          <h2>{title}</h2>
          <button type="button" className="icon-button modal-close" aria-label="Close" onClick={onClose}>
            <Icon name="close" />
          </button>
        </header>
        <div className="modal-body">{children}</div>
      </div>
    </div>,
    document.body,
  );
}

function trapFocus(e: React.KeyboardEvent, root: HTMLElement) {
  const items = tabbables(root);
  if (!items.length) return;
  const first = items[0]!;
  const last = items[items.length - 1]!;
  const inside = root.contains(document.activeElement) && document.activeElement !== root;
  if (e.shiftKey && (document.activeElement === first || !inside)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
    e.preventDefault();
    first.focus();
  }
}

export function Confirm({ title, body, confirmLabel, onConfirm, onClose, danger = true }: {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  onConfirm: () => void | Promise<void>;
  onClose: () => void;
  danger?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  return (
    <Modal title={title} onClose={onClose}>
      <div className="confirm-body">{body}</div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="modal-actions">
        <button type="button" className="button secondary" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className={danger ? 'button danger' : 'button'}
          aria-disabled={busy}
          onClick={async () => {
            if (busy) return;
            setBusy(true);
            try {
              await onConfirm();
              onClose();
            } catch (err) {
              setError(errorText(err));
              setBusy(false);
            }
          }}
        >
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
