/**
 * Keyboard focus that never falls to <body>. When the focused element disables itself (a Save button after
 * saving) or disappears (a menu item, a deleted row), the browser drops focus on <body>, where Tab starts over
 * from the top and a dialog's Escape no longer reaches it. The keeper puts focus back on the nearest thing that
 * still exists: the element's closest focusable ancestor, or the first control of its closest group (form, row,
 * dialog, panel). Dialogs use the same walk to return focus to where they were opened from.
 *
 * Also the arrow-key model of menus and toolbars (WAI-ARIA's, as Discord's client follows it).
 */
import type { KeyboardEvent as ReactKeyboardEvent } from 'react';

const TABBABLE = 'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';
const FOCUSABLE = `${TABBABLE}, [tabindex="-1"]`;
/** Containers whose first control is a sensible place for focus when the control that had it is gone. */
const GROUP = 'form, fieldset, li, tr, section, header, footer, main, aside, nav, [role="dialog"], [role="tabpanel"], [role="toolbar"], [role="menu"], [role="region"]';

const visible = (el: HTMLElement) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';

/** Tab stops inside `root`, in document order, that are shown. */
export function tabbables(root: ParentNode = document): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(TABBABLE)].filter(visible);
}

/** The element and its ancestors, nearest first: where to look for a new home if the element goes away. */
export function trailOf(el: Element | null): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (let e = el; e && e !== document.body && e !== document.documentElement; e = e.parentElement) if (e instanceof HTMLElement) out.push(e);
  return out;
}

function tryFocus(el: HTMLElement): boolean {
  el.focus({ preventScroll: true });
  return document.activeElement === el;
}

/** Focuses the first element of `trail` that still exists and can take focus, or the first control of a group. */
export function refocus(trail: readonly HTMLElement[]): boolean {
  for (const el of trail) {
    if (!el.isConnected || !visible(el)) continue;
    if (el.matches(FOCUSABLE) && tryFocus(el)) return true;
    if (el.matches(GROUP)) {
      const first = tabbables(el)[0];
      if (first && tryFocus(first)) return true;
    }
  }
  return false;
}

/** Focus goes to the message box, or, when it cannot be typed in, to the history. */
export function focusComposer(): boolean {
  const box = document.querySelector<HTMLTextAreaElement>('#composer:not([disabled])') ?? document.querySelector<HTMLElement>('.history');
  box?.focus();
  return Boolean(box) && document.activeElement === box;
}

let lastKey: { key: string; shift: boolean } | null = null;
/** Whether the focus change being handled was caused by Tab (or Shift+Tab when `shift`). */
export function focusCameFromTab(shift?: boolean): boolean {
  return lastKey?.key === 'Tab' && (shift === undefined || lastKey.shift === shift);
}

export function installFocusKeeper(): void {
  let trail: HTMLElement[] = [];
  document.addEventListener('keydown', (e) => (lastKey = { key: e.key, shift: e.shiftKey }), true);
  document.addEventListener('mousedown', () => (lastKey = null), true);
  document.addEventListener('focusin', (e) => (trail = trailOf(e.target as Element)));
  document.addEventListener('focusout', (e) => {
    if (e.relatedTarget) return;
    const lost = trail;
    // After the change settles: a dialog that closed has put focus back itself by then.
    setTimeout(() => {
      const active = document.activeElement;
      if (active && active !== document.body) return;
      const el = lost[0];
      // Still there and usable: the user clicked somewhere inert, or the window lost focus. Leave it be.
      if (!el || (el.isConnected && !(el as HTMLButtonElement).disabled)) return;
      refocus(lost.slice(1));
    });
  });
}

/**
 * Arrow keys across the items of a menu, toolbar or grid (roving focus): `columns` > 1 makes a grid where
 * Up/Down move by a row. Escape calls `onEscape`. Returns true when it handled the key.
 */
export function arrowNavigate(e: ReactKeyboardEvent<HTMLElement>, opts: { items: string; orientation: 'vertical' | 'horizontal' | 'grid'; columns?: number; onEscape?: () => void }): boolean {
  const items = [...e.currentTarget.querySelectorAll<HTMLElement>(opts.items)].filter((el) => !(el as HTMLButtonElement).disabled && visible(el));
  if (e.key === 'Escape' && opts.onEscape) {
    e.preventDefault();
    e.stopPropagation();
    opts.onEscape();
    return true;
  }
  if (!items.length) return false;
  const i = items.indexOf(document.activeElement as HTMLElement);
  const cols = opts.orientation === 'grid' ? Math.max(1, opts.columns ?? 1) : 1;
  const [prev, next] = opts.orientation === 'vertical' ? ['ArrowUp', 'ArrowDown'] : ['ArrowLeft', 'ArrowRight'];
  let to: number | null = null;
  if (e.key === next) to = i < 0 ? 0 : (i + 1) % items.length;
  else if (e.key === prev) to = i < 0 ? items.length - 1 : (i - 1 + items.length) % items.length;
  else if (opts.orientation === 'grid' && e.key === 'ArrowDown') to = i < 0 ? 0 : Math.min(items.length - 1, i + cols);
  else if (opts.orientation === 'grid' && e.key === 'ArrowUp') to = i < 0 ? 0 : Math.max(0, i - cols);
  else if (e.key === 'Home') to = 0;
  else if (e.key === 'End') to = items.length - 1;
  if (to === null) return false;
  e.preventDefault();
  items[to]!.focus();
  return true;
}
