/**
 * A webhook's own messages, by token: GET, PATCH and DELETE /webhooks/{id}/{token}/messages/{message_id}. The
 * message must be one this webhook sent in its channel (10008 Unknown Message otherwise, as for a message the
 * webhook cannot see). An edit is the channel edit (messages/edit.ts) with the webhook as its author: content,
 * embeds, allowed_mentions, SUPPRESS_EMBEDS, components (as execute.ts lets the webhook send them) and files (kept,
 * removed, added) — its author stays as it was sent. `?thread_id` names the thread of the webhook's channel the
 * message is in.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { MessageRecord, WebhookRecord } from '../../store/types.ts';
import { renderMessage, type MessageJson } from '../../shapes/message.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { renderMedia } from '../messages/attachments.ts';
import { applyEdit, editSchema, type EditBody } from '../messages/edit.ts';
import { readMessageBody } from '../messages/uploads.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';
import { webhookChannelAccess } from './access.ts';
import { isApplicationOwned, webhookComponents } from './execute.ts';
import { isThread } from '../channels/threads.ts';
import { IS_COMPONENTS_V2 } from '../messages/components-v2.ts';

const messageQuery = z.object({ thread_id: snowflake.optional(), with_components: queryBool.optional() });

/** The webhook's message `messageId`, or 10008. */
export async function webhookMessage(ctx: RouteContext, webhook: WebhookRecord, messageId: string, query: unknown): Promise<MessageRecord> {
  // ?thread_id: the message is in that thread of the webhook's channel (10003 for any other channel).
  const threadId = parse(messageQuery, query).thread_id;
  let channelId = webhook.channelId;
  if (threadId !== undefined) {
    const thread = await ctx.deps.store.channels.get(threadId);
    if (!thread || !isThread(thread) || thread.parentId !== webhook.channelId) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
    channelId = thread.id;
  }
  const message = isSnowflake(messageId) ? await ctx.deps.store.messages.get(channelId, messageId) : null;
  if (!message || message.webhookId !== webhook.id) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
  return message;
}

export async function getWebhookMessage(ctx: RouteContext, webhook: WebhookRecord, req: RouteRequest<{ messageId: string }>): Promise<MessageJson> {
  const message = await webhookMessage(ctx, webhook, req.params.messageId, req.query);
  return renderMessage(ctx.deps.store, message, { viewerId: null, media: renderMedia(ctx.deps) });
}

export async function editWebhookMessage(ctx: RouteContext, webhook: WebhookRecord, req: RouteRequest<{ messageId: string }>): Promise<MessageJson> {
  const message = await webhookMessage(ctx, webhook, req.params.messageId, req.query);
  const { body: rawBody, uploads } = await readMessageBody(ctx.deps, req, { channelId: message.channelId, fileRefusal: null });
  try {
    const home = await webhookChannelAccess(ctx.deps.store, webhook);
    // A message in a thread is edited there (its events go to the thread's audience).
    const thread = message.channelId !== home.channel.id ? await ctx.deps.store.channels.get(message.channelId) : null;
    const access = thread ? { ...home, channel: thread } : home;
    // Components are checked only where the webhook may send them; the edit applies what execute.ts would keep.
    const fields = rawBody !== null && typeof rawBody === 'object' && !Array.isArray(rawBody) ? (rawBody as Record<string, unknown>) : undefined;
    const body = parse(editSchema, fields ? { ...fields, components: undefined } : rawBody);
    const v2 = ((message.flags | (typeof fields?.flags === 'number' ? fields.flags : 0)) & IS_COMPONENTS_V2) !== 0;
    const components = webhookComponents(webhook, fields?.components, parse(messageQuery, req.query).with_components === true, v2);
    // applyEdit checks them again by the message's layout (legacy rows or Components V2).
    const { json, patch } = await applyEdit(ctx, webhook.id, access, message, { ...body, components: components as EditBody['components'] }, uploads.files, {
      interactiveComponents: isApplicationOwned(webhook),
      ignoreComponents: components === undefined,
    });
    // Files the edit added are the message's now; uploads it did not list go in `finally`.
    uploads.claim((patch.attachments ?? []).map((a) => a.id));
    return json;
  } finally {
    await uploads.release();
  }
}

export async function deleteWebhookMessage(ctx: RouteContext, webhook: WebhookRecord, req: RouteRequest<{ messageId: string }>): Promise<void> {
  const message = await webhookMessage(ctx, webhook, req.params.messageId, req.query);
  const channel = await ctx.deps.store.channels.get(message.channelId);
  if (!channel) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
  await ctx.writes.delete(channel, message);
}
