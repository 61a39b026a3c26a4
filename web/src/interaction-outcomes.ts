/**
 * What became of an interaction this tab sent: after POST /interactions answers 204, the server tells the
 * invoking user's sessions INTERACTION_SUCCESS when the application answered, or INTERACTION_FAILURE when it did
 * not in time, both carrying the client's nonce (as Discord's user gateway does). Kept apart from interactions.ts
 * so session.ts can settle outcomes without importing what imports it.
 */
import { openInteractionModal } from './interaction-modals.ts';
import type { InteractionModal } from './types.ts';

const waiting = new Map<string, (ok: boolean) => void>();

/** Resolves true on INTERACTION_SUCCESS, false on INTERACTION_FAILURE, null when neither came within `timeoutMs`. */
export function awaitInteractionOutcome(nonce: string, timeoutMs: number): Promise<boolean | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(nonce);
      resolve(null);
    }, timeoutMs);
    waiting.set(nonce, (ok) => {
      clearTimeout(timer);
      waiting.delete(nonce);
      resolve(ok);
    });
  });
}

/**
 * Called with every gateway dispatch; settles the interaction an INTERACTION_SUCCESS / FAILURE names, and opens
 * the modal of an INTERACTION_MODAL_CREATE. The server sends that to every session of the user: only the tab
 * whose interaction it answers (its nonce is still awaited here) shows it, as Discord's client does.
 */
export function settleInteraction(t: string, d: unknown): void {
  if (t === 'INTERACTION_MODAL_CREATE') {
    const modal = d as InteractionModal | null;
    if (modal && typeof modal === 'object' && (modal.nonce === undefined || modal.nonce === null || waiting.has(String(modal.nonce)))) openInteractionModal(modal);
    return;
  }
  if (t !== 'INTERACTION_SUCCESS' && t !== 'INTERACTION_FAILURE') return;
  const nonce = (d as { nonce?: unknown } | null)?.nonce;
  if (nonce !== undefined && nonce !== null) waiting.get(String(nonce))?.(t === 'INTERACTION_SUCCESS');
}

/** An autocomplete choice the application offered (APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE). */
export interface AutocompleteChoice {
  name: string;
  value: string | number;
}

const suggesting = new Map<string, (choices: AutocompleteChoice[]) => void>();

/** Resolves with the choices the application answers an autocomplete interaction with, or null after `timeoutMs`. */
export function awaitAutocompleteChoices(nonce: string, timeoutMs: number): Promise<AutocompleteChoice[] | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      suggesting.delete(nonce);
      resolve(null);
    }, timeoutMs);
    suggesting.set(nonce, (choices) => {
      clearTimeout(timer);
      suggesting.delete(nonce);
      resolve(choices);
    });
  });
}

/** Called with every gateway dispatch; hands APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE to the field that asked. */
export function settleAutocomplete(t: string, d: unknown): void {
  if (t !== 'APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE') return;
  const { nonce, choices } = (d ?? {}) as { nonce?: unknown; choices?: unknown };
  if (nonce !== undefined && nonce !== null) suggesting.get(String(nonce))?.(Array.isArray(choices) ? (choices as AutocompleteChoice[]) : []);
}
