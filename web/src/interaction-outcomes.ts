/**
 * What became of an interaction this tab sent: after POST /interactions answers 204, the server tells the
 * invoking user's sessions INTERACTION_SUCCESS when the application answered, or INTERACTION_FAILURE when it did
 * not in time, both carrying the client's nonce (as Discord's user gateway does). Kept apart from interactions.ts
 * so session.ts can settle outcomes without importing what imports it.
 */
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

/** Called with every gateway dispatch; settles the interaction an INTERACTION_SUCCESS / FAILURE names. */
export function settleInteraction(t: string, d: unknown): void {
  if (t !== 'INTERACTION_SUCCESS' && t !== 'INTERACTION_FAILURE') return;
  const nonce = (d as { nonce?: unknown } | null)?.nonce;
  if (nonce !== undefined && nonce !== null) waiting.get(String(nonce))?.(t === 'INTERACTION_SUCCESS');
}
