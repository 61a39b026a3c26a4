/**
 * POST /interactions/{id}/{token}/callback: the application's one response to an interaction, with no other
 * authentication than the token (compared in constant time). 10062 Unknown interaction for a wrong token, an
 * expired one (15 minutes) or an interaction that failed (no response within 3 seconds); 40060 for a second
 * response. Which response fits which interaction is Discord's table:
 *
 * | response | for |
 * |---|---|
 * | 1 PONG | PING only (Accord sends no PINGs on the gateway: refused) |
 * | 4 CHANNEL_MESSAGE_WITH_SOURCE, 5 DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE | commands, components, modal submits |
 * | 6 DEFERRED_UPDATE_MESSAGE, 7 UPDATE_MESSAGE | components, and modal submits from a component |
 * | 8 APPLICATION_COMMAND_AUTOCOMPLETE_RESULT | autocomplete only |
 * | 9 MODAL | commands and components |
 *
 * The invoking user's sessions get INTERACTION_SUCCESS (and INTERACTION_MODAL_CREATE for a modal,
 * APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE for choices), as Discord's user gateway sends them.
 * `?with_response=true` answers 200 with the interaction callback response object, else 204.
 */
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import type { MessageJson } from '../../shapes/message.ts';
import { checkModalComponents } from '../messages/components.ts';
import { readMessageBody, type Uploads } from '../messages/uploads.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, queryBool, z } from '../validate.ts';
import { createInteractionMessage, editInteractionMessage, interactionMessage, interactionMessageSchema, MessageFlag } from './messages.ts';
import { InteractionType, interactionsOf, type LiveInteraction } from './registry.ts';

export const CallbackType = {
  PONG: 1, CHANNEL_MESSAGE_WITH_SOURCE: 4, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: 5, DEFERRED_UPDATE_MESSAGE: 6, UPDATE_MESSAGE: 7,
  APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: 8, MODAL: 9,
} as const;

const callbackBody = z.object({ type: z.number().int(), data: z.unknown().optional() });
const callbackQuery = z.object({ with_response: queryBool.optional() });
const deferredData = z.object({ flags: z.number().int().min(0).nullish() }).nullish();
const choicesData = z.object({
  choices: z.array(z.object({ name: z.string().min(1).max(100), name_localizations: z.record(z.string(), z.string().nullable()).nullish(), value: z.union([z.string().max(100), z.number()]) })).max(25),
});
const modalData = z.object({ custom_id: z.string().min(1).max(100), title: z.string().min(1).max(45), components: z.unknown() });

/** Which responses each interaction type takes. */
function allowed(i: LiveInteraction, type: number): boolean {
  switch (type) {
    case CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
    case CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
      return i.type === InteractionType.APPLICATION_COMMAND || i.type === InteractionType.MESSAGE_COMPONENT || i.type === InteractionType.MODAL_SUBMIT;
    case CallbackType.DEFERRED_UPDATE_MESSAGE:
    case CallbackType.UPDATE_MESSAGE:
      return i.type === InteractionType.MESSAGE_COMPONENT || (i.type === InteractionType.MODAL_SUBMIT && i.messageId !== null);
    case CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
      return i.type === InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE;
    case CallbackType.MODAL:
      return i.type === InteractionType.APPLICATION_COMMAND || i.type === InteractionType.MESSAGE_COMPONENT;
    default:
      return false;
  }
}

/** The live interaction of a path's id and token: 10062 when unknown, expired or failed; 40060 when answered. */
export async function interactionForCallback(ctx: RouteContext, id: string, token: string): Promise<LiveInteraction> {
  const i = await interactionsOf(ctx).byIdAndToken(id, token);
  if (!i || i.state === 'failed') throw new ApiError(ErrorCodes.UNKNOWN_INTERACTION);
  if (i.state === 'acked') throw new ApiError(ErrorCodes.INTERACTION_ALREADY_ACKNOWLEDGED);
  return i;
}

export async function respondToInteraction(ctx: RouteContext, req: RouteRequest<{ interactionId: string; token: string }>): Promise<unknown> {
  const i = await interactionForCallback(ctx, req.params.interactionId, req.params.token);
  const query = parse(callbackQuery, req.query);
  const { body: raw, uploads } = await readMessageBody(ctx.deps, req, { channelId: i.channelId, fileRefusal: null });
  try {
    return await answerInteraction(ctx, i, raw, uploads, query.with_response === true);
  } finally {
    await uploads.release();
  }
}

/**
 * Applies one response (`raw`, the callback's JSON body) to `i`: the callback route's work, shared with the answer
 * of an application's interactions endpoint (http-delivery.ts). Returns what the callback answers (with_response).
 */
export async function answerInteraction(ctx: RouteContext, i: LiveInteraction, raw: unknown, uploads: Uploads | null, withResponse: boolean): Promise<unknown> {
  const registry = interactionsOf(ctx);
  const body = parse(callbackBody, raw);
  if (!allowed(i, body.type)) throw fieldError(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', 'Interaction response type is not valid for this interaction');
  // Taken now, so a concurrent second response gets 40060; given back if this one turns out invalid.
  const taken = await registry.acknowledge(i);
  if (taken !== 'taken') throw new ApiError(taken === 'acked' ? ErrorCodes.INTERACTION_ALREADY_ACKNOWLEDGED : ErrorCodes.UNKNOWN_INTERACTION);
  let message: MessageJson | null = null;
  try {
    switch (body.type) {
      case CallbackType.CHANNEL_MESSAGE_WITH_SOURCE: {
        message = await createInteractionMessage(ctx, i, parse(interactionMessageSchema, body.data ?? {}), uploads, { followUp: false });
        i.originalId = message.id;
        break;
      }
      case CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: {
        const flags = (parse(deferredData, body.data)?.flags ?? 0) & MessageFlag.EPHEMERAL;
        message = await createInteractionMessage(ctx, i, { flags }, null, { followUp: false, loading: true });
        i.originalId = message.id;
        break;
      }
      case CallbackType.DEFERRED_UPDATE_MESSAGE:
        i.originalId = i.messageId;
        break;
      case CallbackType.UPDATE_MESSAGE: {
        const found = await interactionMessage(ctx, i, i.messageId!);
        message = await editInteractionMessage(ctx, i, found, parse(interactionMessageSchema, body.data ?? {}), uploads);
        i.originalId = i.messageId;
        break;
      }
      case CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: {
        const { choices } = parse(choicesData, body.data);
        ctx.dispatch.users([i.userId], 'APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE', { choices, ...(i.nonce ? { nonce: i.nonce } : {}) });
        break;
      }
      case CallbackType.MODAL: {
        const data = parse(modalData, body.data);
        const components = checkModalComponents(data.components, { path: ['data', 'components'] });
        await registry.rememberModal(i, data.custom_id);
        ctx.dispatch.users([i.userId], 'INTERACTION_MODAL_CREATE', {
          id: i.id, application: { id: i.applicationId }, channel_id: i.channelId, custom_id: data.custom_id, title: data.title, components,
          ...(i.nonce ? { nonce: i.nonce } : {}),
        });
        break;
      }
    }
  } catch (err) {
    // Nothing was answered: the application may try again within its time.
    await registry.release(i);
    throw err;
  }
  i.responseType = body.type;
  await registry.save(i);
  ctx.dispatch.users([i.userId], 'INTERACTION_SUCCESS', { id: i.id, ...(i.nonce ? { nonce: i.nonce } : {}) });
  if (!withResponse) return undefined;
  // Discord's interaction callback response: the response_message_* fields only when there is a message (they and
  // activity_instance_id are optional, never null), and resource.message only for types 4 and 7.
  const carriesMessage = body.type === CallbackType.CHANNEL_MESSAGE_WITH_SOURCE || body.type === CallbackType.UPDATE_MESSAGE;
  return {
    interaction: {
      id: i.id, type: i.type,
      ...(message ? {
        response_message_id: message.id,
        response_message_loading: (Number(message.flags) & MessageFlag.LOADING) !== 0,
        response_message_ephemeral: (Number(message.flags) & MessageFlag.EPHEMERAL) !== 0,
      } : {}),
    },
    ...(message || body.type === CallbackType.MODAL || body.type === CallbackType.DEFERRED_UPDATE_MESSAGE
      ? { resource: { type: body.type, ...(message && carriesMessage ? { message } : {}) } }
      : {}),
  };
}
