/**
 * The modal an application is showing this user (INTERACTION_MODAL_CREATE), read by components/InteractionModal.tsx
 * through useInteractionModal(). One at a time, as in Discord's client: a new one replaces the open one.
 */
import { useSyncExternalStore } from 'react';
import type { InteractionModal } from './types.ts';

let current: InteractionModal | null = null;
const listeners = new Set<() => void>();

function set(next: InteractionModal | null) {
  current = next;
  for (const l of listeners) l();
}

export function openInteractionModal(modal: InteractionModal): void {
  set(modal);
}

export function closeInteractionModal(modal: InteractionModal): void {
  if (current === modal) set(null);
}

function subscribe(fn: () => void) {
  listeners.add(fn);
  return () => void listeners.delete(fn);
}

export function useInteractionModal(): InteractionModal | null {
  return useSyncExternalStore(subscribe, () => current);
}
