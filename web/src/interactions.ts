/**
 * Using a bot's message component: the client posts Discord's MESSAGE_COMPONENT interaction (type 3) to
 * POST /interactions, as Discord's own client does. The server answers 204 once it has handed the interaction to
 * the bot, then INTERACTION_SUCCESS or INTERACTION_FAILURE on the gateway (interaction-outcomes.ts). Discord's
 * client says "This interaction failed" when the POST is refused or not answered within 3 seconds, or when the
 * bot did not answer (INTERACTION_FAILURE).
 */
import { API_BASE, rest } from './api.ts';
import { awaitInteractionOutcome } from './interaction-outcomes.ts';
import { gatewaySessionId, newNonce } from './session.ts';
import { store } from './store.ts';
import type { Message, MessageComponent } from './types.ts';

/** How long Discord's client waits for the interaction to be acknowledged. */
export const INTERACTION_TIMEOUT_MS = 3_000;

const MESSAGE_COMPONENT = 3;

/**
 * How long, after the 204, to wait for INTERACTION_SUCCESS / FAILURE: the server fails an unanswered
 * interaction after 3 seconds; without either event the 204 stands as success.
 */
export const OUTCOME_TIMEOUT_MS = 10_000;

/**
 * Sends the interaction for a click on `component` (values: the chosen options of a select). Resolves true when
 * the server answered 204 within 3 seconds and the bot did not fail it, false otherwise (then the UI shows
 * "This interaction failed").
 */
export async function onComponentInteraction(message: Message, component: MessageComponent, values?: string[]): Promise<boolean> {
  const customId = component.custom_id;
  if (!customId) return false;
  const guildId = message.guild_id ?? store.state.channels[message.channel_id]?.guild_id ?? undefined;
  const body = {
    type: MESSAGE_COMPONENT,
    application_id: message.application_id ?? message.author.id,
    ...(guildId ? { guild_id: guildId } : {}),
    channel_id: message.channel_id,
    message_id: message.id,
    session_id: gatewaySessionId(),
    data: { component_type: component.type, custom_id: customId, ...(values ? { values } : {}) },
    nonce: newNonce(),
  };
  // Listening before the POST: the outcome can arrive on the gateway before the 204 does.
  const outcome = awaitInteractionOutcome(body.nonce, OUTCOME_TIMEOUT_MS);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), INTERACTION_TIMEOUT_MS);
  try {
    const res = await fetch(`${API_BASE}/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(rest.token ? { authorization: rest.token } : {}) },
      body: JSON.stringify(body),
      signal: abort.signal,
    });
    if (res.status !== 204) return false;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
  return (await outcome) !== false;
}
