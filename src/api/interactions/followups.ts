/**
 * An interaction's webhook, keyed by the application's id and the interaction's token, for its 15 minutes:
 * `POST /webhooks/{application.id}/{token}` sends a follow-up (ephemeral with flag 64; only once the interaction
 * was answered, 10015 before, as Discord's webhook does not exist yet), and
 * `GET / PATCH / DELETE /webhooks/{application.id}/{token}/messages/{@original | message id}` read, edit and
 * delete the response and the follow-ups. The incoming-webhook routes (routes/webhooks.ts) hand these paths here
 * when the id and token name a live interaction.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import type { MessageJson } from '../../shapes/message.ts';
import { readMessageBody } from '../messages/uploads.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse } from '../validate.ts';
import { refuseThread, executeQuery } from '../webhooks/execute.ts';
import {
  createInteractionMessage, deleteInteractionMessage, editInteractionMessage, interactionMessage, interactionMessageSchema, MessageFlag, renderInteractionMessage,
  type Found,
} from './messages.ts';
import { interactionsOf, type LiveInteraction } from './registry.ts';

type TokenParams = { webhookId: string; token: string; messageId?: string };

/** The live interaction a webhook path names, or null (the path is an incoming webhook's). */
export function interactionOfWebhook(ctx: RouteContext, params: TokenParams): Promise<LiveInteraction | null> {
  return interactionsOf(ctx).byToken(params.webhookId, params.token);
}

/** The interaction of a path that must name one (@original): 10015 Unknown Webhook otherwise. */
export async function requireInteractionWebhook(ctx: RouteContext, params: TokenParams): Promise<LiveInteraction> {
  const i = await interactionOfWebhook(ctx, params);
  if (!i) throw new ApiError(ErrorCodes.UNKNOWN_WEBHOOK);
  return i;
}

/** The message a path names: @original is the response's (10008 before there is one). */
function messageIdOf(i: LiveInteraction, messageId: string): string {
  if (messageId !== '@original') return messageId;
  if (!i.originalId) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
  return i.originalId;
}

export async function sendFollowUp(ctx: RouteContext, i: LiveInteraction, req: RouteRequest): Promise<MessageJson> {
  refuseThread(parse(executeQuery, req.query).thread_id);
  if (i.state !== 'acked') throw new ApiError(ErrorCodes.UNKNOWN_WEBHOOK);
  const { body, uploads } = await readMessageBody(ctx.deps, req, { channelId: i.channelId, fileRefusal: null });
  try {
    const input = parse(interactionMessageSchema, body);
    // Discord: used right after a deferred response, a follow-up "will function as Edit Original Interaction
    // Response": no new message, the loading one is filled, and the ephemeral flag is ignored (the response keeps
    // what the deferral chose). One follow-up fills it, claimed in the store: others sent at the same instant, on
    // any api node, are messages of their own.
    const loading = await loadingOriginal(ctx, i);
    if (loading && (await ctx.deps.store.interactions.claimFill(i.id))) {
      return await editInteractionMessage(ctx, i, loading, { ...input, flags: (input.flags ?? 0) & ~MessageFlag.EPHEMERAL }, uploads);
    }
    // "Apps are limited to 5 followup messages per interaction if it was initiated from a user-installed app and
    // isn't installed in the server": its authorizing_integration_owners name the user installation only.
    if (userInstalledOnly(i) && !(await ctx.deps.store.interactions.claimFollowUp(i.id, USER_INSTALL_FOLLOW_UPS))) {
      throw new ApiError(ErrorCodes.MAX_FOLLOW_UPS);
    }
    // Discord answers a follow-up with its message whatever `wait` says.
    return await createInteractionMessage(ctx, i, input, uploads, { followUp: true });
  } finally {
    await uploads.release();
  }
}

/** Follow-ups of an interaction of a user-installed app where it is not installed in the server (Discord's limit). */
const USER_INSTALL_FOLLOW_UPS = 5;

/** Whether only the user's installation authorized the interaction (authorizing_integration_owners: "1" alone). */
function userInstalledOnly(i: LiveInteraction): boolean {
  return i.owners !== undefined && '1' in i.owners && !('0' in i.owners);
}

/** The interaction's response while it is still the LOADING message of a deferral; null otherwise. */
async function loadingOriginal(ctx: RouteContext, i: LiveInteraction): Promise<Found | null> {
  if (!i.originalId) return null;
  const found = await interactionMessage(ctx, i, i.originalId).catch(() => null);
  return found && isLoading(found) ? found : null;
}

/** Whether an interaction message is still a deferral's LOADING one. */
function isLoading(found: Found): boolean {
  const flags = 'ephemeral' in found ? Number(found.ephemeral.flags) : found.stored.flags;
  return (flags & MessageFlag.LOADING) !== 0;
}

export async function getFollowUp(ctx: RouteContext, i: LiveInteraction, messageId: string): Promise<MessageJson> {
  return renderInteractionMessage(ctx, await interactionMessage(ctx, i, messageIdOf(i, messageId)));
}

export async function editFollowUp(ctx: RouteContext, i: LiveInteraction, messageId: string, req: RouteRequest): Promise<MessageJson> {
  const found = await interactionMessage(ctx, i, messageIdOf(i, messageId));
  // Editing the loading response fills it: a follow-up after this one is a message of its own.
  if (isLoading(found)) await ctx.deps.store.interactions.claimFill(i.id);
  const { body, uploads } = await readMessageBody(ctx.deps, req, { channelId: i.channelId, fileRefusal: null });
  try {
    return await editInteractionMessage(ctx, i, found, parse(interactionMessageSchema, body), uploads);
  } finally {
    await uploads.release();
  }
}

export async function deleteFollowUp(ctx: RouteContext, i: LiveInteraction, messageId: string): Promise<void> {
  await deleteInteractionMessage(ctx, i, await interactionMessage(ctx, i, messageIdOf(i, messageId)));
}
