/**
 * Messages an interaction makes: its response (CHANNEL_MESSAGE_WITH_SOURCE, or the LOADING message of a deferred
 * one that the @original edit fills) and its follow-ups, authored by the application's bot (`webhook_id` and
 * `application_id` the application's id, as Discord shows them) with `interaction_metadata` and the legacy
 * `interaction` on them. Stored ones take the channel write path (MESSAGE_CREATE / UPDATE / DELETE through the
 * outbox). Ephemeral ones (flag 64) are never stored in the channel: they live with their interaction for its 15
 * minutes (`interaction_messages`, registry.ts) and reach the invoking user only, straight to their sessions
 * (no outbox: a crash between the write and the publish loses that one event) — nobody else, and no history
 * read, can ever see them.
 *
 * `interaction_metadata` and `interaction` are stored with the message (MessageRecord.interaction), so a channel's
 * history, a read of one message and every MESSAGE_UPDATE show them for the message's whole life, as on Discord;
 * they are also kept beside the message in `interaction_messages` for the token's 15 minutes (ephemeral ones
 * live only there).
 */
import { MessageType } from '../../protocol/message-types.ts';
import { pollRecord, pollSchema } from '../messages/polls.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { ALL_PERMISSIONS } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { AttachmentRecord, MessageRecord, UserRecord } from '../../store/types.ts';
import { eventPayload, renderMessage, type MessageJson } from '../../shapes/message.ts';
import { DM_PERMISSIONS, type ChannelAccess } from '../access.ts';
import { attachmentsForCreate, attachmentsForEdit, attachmentsSchema, keepShownFiles, renderMedia } from '../messages/attachments.ts';
import { checkEmbedTotal, embedsSchema } from '../messages/embeds.ts';
import { mentionRecipients } from '../messages/mention-audience.ts';
import { allowedMentionsSchema, checkAllowedMentions, parseMentions } from '../messages/mentions.ts';
import type { Uploads } from '../messages/uploads.ts';
import type { RouteContext } from '../route.ts';
import { z } from '../validate.ts';
import { webhookChannelAccess } from '../webhooks/access.ts';
import { WebhookType } from '../../store/types.ts';
import { metadataOf } from './invoke.ts';
import { InteractionType, interactionsOf, type LiveInteraction } from './registry.ts';
import { checkComponents } from '../messages/components.ts';
import { checkComponentFiles, checkComponentsV2, checkMessageComponents, checkNoLegacyFields, ownFileReferences } from '../messages/components-v2.ts';
import { componentsText, componentsWithFiles } from '../../shapes/components-media.ts';
import { checkVoiceMessage, IS_VOICE_MESSAGE } from '../messages/voice.ts';

export const MessageFlag = { SUPPRESS_EMBEDS: 1 << 2, EPHEMERAL: 1 << 6, LOADING: 1 << 7, SUPPRESS_NOTIFICATIONS: 1 << 12, IS_COMPONENTS_V2: 1 << 15 } as const;
/** Flags an application may set on an interaction message. */
const SETTABLE = MessageFlag.SUPPRESS_EMBEDS | MessageFlag.EPHEMERAL | MessageFlag.SUPPRESS_NOTIFICATIONS | MessageFlag.IS_COMPONENTS_V2 | IS_VOICE_MESSAGE;
/** Discord's message types of responses: 20 CHAT_INPUT_COMMAND, 23 CONTEXT_MENU_COMMAND; others are DEFAULT. */

export const interactionMessageSchema = z.object({
  content: z.string().max(2000).nullish(),
  tts: z.boolean().nullish(),
  embeds: embedsSchema.nullish(),
  allowed_mentions: allowedMentionsSchema.nullish(),
  flags: z.number().int().min(0).nullish(),
  // Checked by messages/components.ts (interactive components allowed: the sender is the application).
  components: z.unknown().optional(),
  attachments: attachmentsSchema.nullish(),
  // Discord's poll create request object (messages/polls.ts); kept on new messages, not taken by edits.
  poll: pollSchema.nullish(),
});
export type InteractionMessageBody = z.infer<typeof interactionMessageSchema>;

/** An interaction's message: an ephemeral one (with its metadata), or one stored in the channel. */
export type Found = { ephemeral: MessageJson; metadata: Record<string, unknown>; interactionId: string } | { stored: MessageRecord };

/** The bot's standing when it answers: like a webhook's, it needs no permission in the channel. */
async function responseAccess(ctx: RouteContext, i: LiveInteraction): Promise<ChannelAccess> {
  const { store } = ctx.deps;
  if (i.guildId) {
    return webhookChannelAccess(store, {
      id: i.applicationId, type: WebhookType.APPLICATION, guildId: i.guildId, channelId: i.channelId, creatorId: null, name: '', avatar: null,
      token: null, applicationId: i.applicationId, createdAt: i.createdAt,
    });
  }
  const channel = await store.channels.get(i.channelId);
  if (!channel) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
  return { channel, permissions: DM_PERMISSIONS | ALL_PERMISSIONS, mfaWithheld: 0n };
}

async function invoker(ctx: RouteContext, i: LiveInteraction): Promise<UserRecord> {
  const user = await ctx.deps.store.users.get(i.userId);
  if (!user) throw new ApiError(ErrorCodes.UNKNOWN_INTERACTION);
  return user;
}

/** The legacy `interaction` object (name of the command, the user). */
function legacyOf(i: LiveInteraction, user: UserRecord): Record<string, unknown> {
  const data = i.data as { name?: string; custom_id?: string };
  return { id: i.id, type: i.type, name: data.name ?? data.custom_id ?? '', user: { id: user.id, username: user.username, avatar: user.avatar, discriminator: user.discriminator, global_name: user.globalName } };
}

/**
 * Creates an interaction message: the response (`followUp` false: type 20/23 for commands) or a follow-up.
 * `loading`: the deferred response's LOADING message (content filled by the @original edit).
 */
export async function createInteractionMessage(
  ctx: RouteContext, i: LiveInteraction, body: InteractionMessageBody, uploads: Uploads | null, opts: { followUp: boolean; loading?: boolean },
): Promise<MessageJson> {
  const { deps } = ctx;
  const { store } = deps;
  const registry = interactionsOf(ctx);
  const v2 = ((body.flags ?? 0) & MessageFlag.IS_COMPONENTS_V2) !== 0;
  if (v2) checkNoLegacyFields({ content: body.content, embeds: body.embeds, poll: body.poll });
  const content = body.content ?? '';
  const embeds = body.embeds ?? [];
  const components: unknown[] = checkMessageComponents(body.components, { layout: v2, allowInteractive: true });
  const voice = !opts.loading && ((body.flags ?? 0) & IS_VOICE_MESSAGE) !== 0;
  const attachments: AttachmentRecord[] = attachmentsForCreate(body.attachments, uploads?.files ?? [], voice);
  if (v2) checkComponentFiles(components, attachments);
  if (!opts.loading && content.trim() === '' && embeds.length === 0 && attachments.length === 0 && components.length === 0 && !body.poll) throw new ApiError(ErrorCodes.EMPTY_MESSAGE);
  checkEmbedTotal(embeds);
  const allowed = body.allowed_mentions ?? undefined;
  checkAllowedMentions(allowed);
  const flags = ((body.flags ?? 0) & SETTABLE) | (opts.loading ? MessageFlag.LOADING : 0);
  const ephemeral = (flags & MessageFlag.EPHEMERAL) !== 0;

  if (voice) checkVoiceMessage(null, { content, embeds, components, stickerCount: 0, poll: Boolean(body.poll), attachments });
  const [user, access] = await Promise.all([invoker(ctx, i), responseAccess(ctx, i)]);
  const channel = access.channel;
  const mentions = await parseMentions(store, { content: v2 ? componentsText(components) : content, allowed, permissions: access.permissions, guildId: channel.guildId, roles: access.guild?.roles ?? [] });
  const type = opts.followUp || i.type !== InteractionType.APPLICATION_COMMAND ? MessageType.DEFAULT
    : i.commandType === 1 ? MessageType.CHAT_INPUT_COMMAND : MessageType.CONTEXT_MENU_COMMAND;
  const record: MessageRecord = {
    id: deps.ids.next(), channelId: channel.id, guildId: channel.guildId, authorId: i.botUserId, content, type, flags, tts: Boolean(body.tts),
    mentionEveryone: mentions.everyone, mentions: mentions.users, mentionRoles: mentions.roles, mentionChannels: [], embeds, attachments, components,
    stickerItems: [], nonce: null, pinned: false, webhookId: i.applicationId, applicationId: i.applicationId, messageReference: null, editedAt: null,
    ...(body.poll ? { poll: pollRecord(body.poll, deps.now()) } : {}),
  };
  const metadata = {
    interaction_metadata: metadataOf(i, user, opts.followUp && i.originalId ? { original_response_message_id: i.originalId } : {}),
    interaction: legacyOf(i, user),
  };
  // Kept on the stored message itself, so every later read of it (history, one message, edits) shows them.
  if (!ephemeral) record.interaction = { metadata: metadata.interaction_metadata, legacy: metadata.interaction };
  const json = { ...(await renderMessage(store, record, { viewerId: null, fresh: true, media: renderMedia(deps) })), ...metadata };
  const event = { ...(await eventPayload(store, record, json)), ...metadata };
  if (ephemeral) {
    // Files of an ephemeral message: Accord keeps none (the message is never stored); they are refused.
    if (attachments.length) throw new ApiError(ErrorCodes.INVALID_FORM_BODY, { message: 'Ephemeral messages cannot carry files on this server' });
    await registry.putMessage(i, record.id, metadata, event);
    ctx.dispatch.users([i.userId], 'MESSAGE_CREATE', event);
    return json;
  }
  // Recorded first, so the message is shown with its metadata from its MESSAGE_CREATE on.
  await registry.putMessage(i, record.id, metadata, null);
  const mentioned = await mentionRecipients(store, access, mentions, i.botUserId, deps.now());
  const uploadKeys = uploads?.keysOf(attachments.map((a) => a.id)) ?? [];
  await ctx.writes.create(channel, record, mentioned, event, { unfurl: true, uploadKeys });
  uploads?.claim(attachments.map((a) => a.id));
  return json;
}

/** The interaction's message `messageId`: one of its ephemeral ones, or a stored one its application sent there. */
export async function interactionMessage(ctx: RouteContext, i: LiveInteraction, messageId: string): Promise<Found> {
  const held = await interactionsOf(ctx).ephemeral(i, messageId);
  if (held) return { ephemeral: held.json, metadata: held.metadata, interactionId: held.interactionId };
  const message = isSnowflake(messageId) ? await ctx.deps.store.messages.get(i.channelId, messageId) : null;
  if (!message || (message.applicationId !== i.applicationId && message.authorId !== i.botUserId)) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
  return { stored: message };
}

export async function renderInteractionMessage(ctx: RouteContext, found: Found): Promise<MessageJson> {
  if ('ephemeral' in found) return found.ephemeral;
  return await interactionsOf(ctx).decorate(await renderMessage(ctx.deps.store, found.stored, { viewerId: null, media: renderMedia(ctx.deps) }));
}

/**
 * Edits an interaction message (the @original edit, a follow-up's, UPDATE_MESSAGE on a component's message):
 * content, embeds, components, allowed_mentions, SUPPRESS_EMBEDS and files. Filling a LOADING message clears the
 * flag; its first content is no "edit" (no edited_timestamp), as on Discord.
 */
export async function editInteractionMessage(
  ctx: RouteContext, i: LiveInteraction, found: Found, body: InteractionMessageBody, uploads: Uploads | null,
): Promise<MessageJson> {
  const { deps } = ctx;
  const { store } = deps;
  const registry = interactionsOf(ctx);
  if (body.embeds) checkEmbedTotal(body.embeds);
  const allowed = body.allowed_mentions ?? undefined;
  checkAllowedMentions(allowed);
  const now = deps.now();
  if ('ephemeral' in found) {
    const prev = found.ephemeral;
    const wasLoading = (Number(prev.flags) & MessageFlag.LOADING) !== 0;
    // IS_COMPONENTS_V2 may be set by an edit (a deferred response's answer), never lifted.
    const v2 = ((Number(prev.flags) | (body.flags ?? 0)) & MessageFlag.IS_COMPONENTS_V2) !== 0;
    if (v2) checkNoLegacyFields({ content: body.content === undefined ? prev.content : body.content, embeds: body.embeds === undefined ? prev.embeds : body.embeds });
    const next: MessageJson = {
      ...prev,
      ...(body.content !== undefined ? { content: body.content ?? '' } : {}),
      ...(body.embeds !== undefined ? { embeds: body.embeds ?? [] } : {}),
      ...(body.components !== undefined ? { components: v2 ? ephemeralLayout(body.components, String(prev.channel_id), renderMedia(deps)) : checkComponents(body.components, { allowInteractive: true }) } : {}),
      flags: (Number(prev.flags) & ~MessageFlag.LOADING & ~MessageFlag.SUPPRESS_EMBEDS) | ((body.flags ?? Number(prev.flags)) & MessageFlag.SUPPRESS_EMBEDS) | (v2 ? MessageFlag.IS_COMPONENTS_V2 : 0),
      edited_timestamp: wasLoading ? prev.edited_timestamp : new Date(now).toISOString(),
    };
    await registry.putMessage(i, String(prev.id), found.metadata, next, found.interactionId);
    ctx.dispatch.users([i.userId], 'MESSAGE_UPDATE', next);
    return next;
  }
  const message = found.stored;
  const access = await responseAccess(ctx, i);
  const wasLoading = (message.flags & MessageFlag.LOADING) !== 0;
  // "Polls can only be added when editing a deferred interaction response" (Discord): the LOADING message's fill.
  if (body.poll && !wasLoading) throw fieldError('poll', 'POLL_ONLY_ON_DEFERRED_RESPONSE', 'Polls can only be added when editing a deferred interaction response');
  const touches = [body.content, body.embeds, body.components, body.attachments].some((v) => v !== undefined) || (uploads?.files.length ?? 0) > 0;
  if (touches && (message.flags & IS_VOICE_MESSAGE) !== 0) throw new ApiError(ErrorCodes.VOICE_MESSAGE_EDIT);
  const v2 = ((message.flags | (body.flags ?? 0)) & MessageFlag.IS_COMPONENTS_V2) !== 0;
  if (v2) checkNoLegacyFields({ content: body.content === undefined ? message.content : body.content, embeds: body.embeds === undefined ? message.embeds : body.embeds });
  const patch: Parameters<typeof store.messages.update>[2] = {};
  const content = body.content === undefined ? message.content : (body.content ?? '');
  if (body.embeds !== undefined) patch.embeds = body.embeds ?? [];
  if (body.components !== undefined) patch.components = checkMessageComponents(body.components, { layout: v2, allowInteractive: true });
  if (v2 && patch.components) ownFileReferences(patch.components, message.attachments);
  // A V2 message's mentions come from its text displays.
  if (body.content !== undefined || body.allowed_mentions !== undefined || (v2 && patch.components)) {
    const text = v2 ? componentsText(patch.components ?? message.components) : content;
    const mentions = await parseMentions(store, { content: text, allowed, permissions: access.permissions, guildId: message.guildId, roles: access.guild?.roles ?? [] });
    Object.assign(patch, { content, mentions: mentions.users, mentionRoles: mentions.roles, mentionEveryone: mentions.everyone });
  }
  const edited = (body.attachments !== undefined && body.attachments !== null) || (uploads?.files.length ?? 0) > 0
    ? attachmentsForEdit(message.attachments, body.attachments, uploads?.files ?? []) : undefined;
  // Files the message still shows by name stay (messages/attachments.ts keepShownFiles).
  const attachments = edited && keepShownFiles(message.attachments, edited, { embeds: patch.embeds ?? message.embeds, components: patch.components ?? message.components, layout: v2 });
  if (attachments) patch.attachments = attachments;
  if (v2) checkComponentFiles(patch.components ?? message.components, attachments ?? message.attachments);
  const flags = (message.flags & ~MessageFlag.LOADING & ~MessageFlag.SUPPRESS_EMBEDS) | ((body.flags ?? message.flags) & MessageFlag.SUPPRESS_EMBEDS) | (v2 ? MessageFlag.IS_COMPONENTS_V2 : 0);
  if (flags !== message.flags) patch.flags = flags;
  if (!wasLoading) patch.editedAt = now;
  if (body.poll) {
    if (v2) checkNoLegacyFields({ poll: body.poll });
    patch.poll = pollRecord(body.poll, now);
  }
  const next: MessageRecord = { ...message, ...patch };
  if (next.content.trim() === '' && next.embeds.length === 0 && next.attachments.length === 0 && next.components.length === 0 && !next.poll) throw new ApiError(ErrorCodes.EMPTY_MESSAGE);
  const json = await registry.decorate(await renderMessage(store, next, { viewerId: null, media: renderMedia(deps) }));
  const added = new Set(patch.attachments?.map((a) => a.id));
  const uploadKeys = (uploads?.files ?? []).filter((f) => added.has(f.id)).map((f) => f.key);
  await ctx.writes.update(access.channel, message, patch, await registry.decorate(await eventPayload(store, next, json, { update: true })), { unfurl: patch.content !== undefined, uploadKeys, pollAdded: patch.poll !== undefined });
  uploads?.claim([...added]);
  return json;
}

/** An ephemeral message's V2 layout: it carries no files, so no `attachment://`; outside media get their proxy_url as a render gives them. */
function ephemeralLayout(components: unknown, channelId: string, media: ReturnType<typeof renderMedia>): readonly unknown[] {
  const tree = checkComponentsV2(components, { allowInteractive: true });
  checkComponentFiles(tree, []);
  return componentsWithFiles(channelId, tree, [], media).components;
}

export async function deleteInteractionMessage(ctx: RouteContext, i: LiveInteraction, found: Found): Promise<void> {
  if ('ephemeral' in found) {
    const id = String(found.ephemeral.id);
    await interactionsOf(ctx).forgetMessage(id);
    ctx.dispatch.users([i.userId], 'MESSAGE_DELETE', { id, channel_id: i.channelId, ...(i.guildId ? { guild_id: i.guildId } : {}) });
    return;
  }
  const channel = await ctx.deps.store.channels.get(found.stored.channelId);
  if (!channel) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
  await ctx.writes.delete(channel, found.stored);
}
