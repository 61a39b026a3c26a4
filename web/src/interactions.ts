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
import type { InteractionModal, Message, MessageComponent, TextInputComponent } from './types.ts';

/** How long Discord's client waits for the interaction to be acknowledged. */
export const INTERACTION_TIMEOUT_MS = 3_000;

const MESSAGE_COMPONENT = 3;
const MODAL_SUBMIT = 5;

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
  return sendInteraction({
    type: MESSAGE_COMPONENT,
    application_id: message.application_id ?? message.author.id,
    ...(guildId ? { guild_id: guildId } : {}),
    channel_id: message.channel_id,
    message_id: message.id,
    data: { component_type: component.type, custom_id: customId, ...(values ? { values } : {}) },
  });
}

/**
 * Submits a modal (INTERACTION_MODAL_CREATE) with the values typed into its text inputs, keyed by custom_id: the
 * MODAL_SUBMIT interaction (type 5) Discord's client sends, `data.id` the modal's id and `data.components` the
 * modal's layout with each text input reduced to {type: 4, custom_id, value}.
 */
export async function submitInteractionModal(modal: InteractionModal, values: Record<string, string>): Promise<boolean> {
  const guildId = modal.guild_id ?? store.state.channels[modal.channel_id]?.guild_id ?? undefined;
  const input = (c: TextInputComponent) => ({ type: 4, ...(c.id !== undefined ? { id: c.id } : {}), custom_id: c.custom_id, value: values[c.custom_id] ?? '' });
  const components = modal.components.flatMap((row): unknown[] => {
    if (row.type === 1 && Array.isArray(row.components)) return [{ type: 1, ...(row.id !== undefined ? { id: row.id } : {}), components: (row.components as TextInputComponent[]).filter((c) => c?.type === 4).map(input) }];
    const inner = (row as { component?: TextInputComponent }).component;
    if (row.type === 18 && inner?.type === 4) return [{ type: 18, ...(row.id !== undefined ? { id: row.id } : {}), component: input(inner) }];
    return [];
  });
  return sendInteraction({
    type: MODAL_SUBMIT,
    application_id: modal.application_id ?? modal.application?.id,
    ...(guildId ? { guild_id: guildId } : {}),
    channel_id: modal.channel_id,
    data: { id: modal.id, custom_id: modal.custom_id, components },
  });
}

/**
 * Posts an interaction (session_id and nonce added) and waits for its outcome: true when the server answered 204
 * within 3 seconds and the application did not fail it, false otherwise.
 */
export async function sendInteraction(interaction: Record<string, unknown>): Promise<boolean> {
  const body = { ...interaction, session_id: gatewaySessionId(), nonce: newNonce() };
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
