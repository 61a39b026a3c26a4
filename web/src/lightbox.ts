/**
 * The image viewer's state: which images of a message are open and at which one, and where focus goes back to.
 * The viewer itself (components/Lightbox.tsx) is loaded on first use and drawn once, at the top of the app —
 * outside the message list, whose keyboard and focus handling would otherwise see its events (React bubbles
 * events through portals).
 */
import { useSyncExternalStore } from 'react';
import { trailOf } from './focus.ts';

export interface LightboxItem {
  /** What the viewer shows (the proxied copy). */
  src: string;
  /** The file itself, for "Open original". */
  original: string;
  filename: string;
  description?: string;
  width?: number | null;
  height?: number | null;
}

export interface LightboxState {
  items: LightboxItem[];
  index: number;
  /** The opener and its ancestors, to give focus back on close. */
  returnTo: HTMLElement[];
}

let state: LightboxState | null = null;
const listeners = new Set<() => void>();
const set = (next: LightboxState | null) => {
  state = next;
  listeners.forEach((l) => l());
};

export const loadLightbox = () => import('./components/Lightbox.tsx');

/** Fetches the viewer's code ahead of a likely click (pointer over an image). */
export function preloadLightbox() {
  void loadLightbox().catch(() => {});
}

export function openLightbox(items: LightboxItem[], index: number, opener: Element | null) {
  if (!items.length) return;
  set({ items, index: Math.max(0, Math.min(index, items.length - 1)), returnTo: trailOf(opener) });
}

export function showLightboxItem(index: number) {
  if (state) set({ ...state, index: (index + state.items.length) % state.items.length });
}

export function closeLightbox() {
  set(null);
}

export function useLightbox(): LightboxState | null {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => state,
  );
}
