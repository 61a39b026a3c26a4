/**
 * Executing a webhook: POST /webhooks/{id}/{token} with JSON or multipart (files exactly as a channel send takes
 * them: messages/uploads.ts and attachments.ts). The message goes through the channel write path (one
 * transaction with its MESSAGE_CREATE in the outbox, mention counters, the link unfurl job), authored by the
 * webhook: `author` is the webhook's id with its name and avatar, or the sender's `username` / `avatar_url`
 * (the picture fetched into the CDN: avatar-override.ts), fixed with the message (shapes/webhook.ts).
 *
 * As on Discord: `?wait=true` answers 200 with the message, otherwise 204; `thread_id` names a thread of the
 * webhook's channel (10003 Unknown Channel otherwise), `thread_name` creates a forum post (220003 outside forums; a forum
 * webhook needs one of the two, 220001); `components`
 * (messages/components.ts) are kept whole for application-owned webhooks (made by a bot), only their link buttons for other webhooks
 * with `?with_components=true`, and ignored otherwise; a webhook needs no permission (it mentions anyone, embeds links and
 * attaches files); flags other than SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS are dropped.
 */
import { CHANNEL_FLAG_REQUIRE_TAG } from '../channels/forum.ts';
import { MessageType } from '../../protocol/message-types.ts';
import { pollRecord, pollSchema } from '../messages/polls.ts';
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import { WebhookType, type ChannelRecord, type MessageRecord, type ThreadRecord, type WebhookAuthor, type WebhookRecord } from '../../store/types.ts';
import { announceUnarchived, insertThread, isThread, publishThreadEvent, threadJson } from '../channels/threads.ts';
import { eventPayload, renderMessage, type MessageJson } from '../../shapes/message.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { attachmentsForCreate, attachmentsSchema, renderMedia } from '../messages/attachments.ts';
import { MessageFlags } from '../messages/create.ts';
import { checkEmbedTotal, embedsSchema } from '../messages/embeds.ts';
import type { MessageActionRow } from '../messages/components.ts';
import { mentionRecipients } from '../messages/mention-audience.ts';
import { allowedMentionsSchema, checkAllowedMentions, parseMentions } from '../messages/mentions.ts';
import { readMessageBody, type Uploads } from '../messages/uploads.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';
import { webhookChannelAccess } from './access.ts';
import { storeAvatarOverride } from './avatar-override.ts';
import { webhookNameSchema } from './names.ts';
import { checkComponentFiles, checkMessageComponents, checkNoLegacyFields, IS_COMPONENTS_V2, type V2Component } from '../messages/components-v2.ts';
import { componentsText } from '../../shapes/components-media.ts';

const SENDABLE_FLAGS = MessageFlags.SUPPRESS_EMBEDS | MessageFlags.SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2;

/** An http(s) URL, as Discord takes `avatar_url`. */
export const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, { message: 'Not a well formed URL.', params: { discordCode: 'URL_TYPE_INVALID_URL' } });

export const executeSchema = z.object({
  content: z.string().max(2000).nullish(),
  username: webhookNameSchema.nullish(),
  avatar_url: httpUrl.nullish(),
  tts: z.boolean().nullish(),
  embeds: embedsSchema.nullish(),
  allowed_mentions: allowedMentionsSchema.nullish(),
  // Checked only where the webhook may send them (webhookComponents): Discord ignores the field otherwise.
  components: z.unknown().optional(),
  flags: z.number().int().min(0).nullish(),
  attachments: attachmentsSchema.nullish(),
  thread_name: z.string().max(100).nullish(),
  // Forum tags: Accord has none yet; accepted and ignored.
  applied_tags: z.array(z.unknown()).max(5).nullish(),
  // Discord's poll create request object (messages/polls.ts).
  poll: pollSchema.nullish(),
});

export type ExecuteBody = z.infer<typeof executeSchema>;

export const executeQuery = z.object({
  wait: queryBool.optional(),
  thread_id: snowflake.optional(),
  with_components: queryBool.optional(),
});

/** Interaction follow-ups take no thread_id here yet: 10003 Unknown Channel. */
export function refuseThread(threadId: string | undefined): void {
  if (threadId !== undefined) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
}

/** `?thread_id`: a thread of the webhook's channel (10003 otherwise); a locked one refuses (160005). */
export async function webhookThread(ctx: RouteContext, webhook: WebhookRecord, threadId: string | undefined): Promise<ChannelRecord | null> {
  if (threadId === undefined) return null;
  const thread = await ctx.deps.store.channels.get(threadId);
  if (!thread || !isThread(thread) || thread.parentId !== webhook.channelId) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
  const meta = await ctx.deps.store.threads.get(thread.id);
  if (meta?.locked) throw new ApiError(ErrorCodes.THREAD_LOCKED);
  return thread;
}

/** POST /webhooks/{id}/{token}: the message (wait=true) or undefined (204). */
export async function executeWebhook(ctx: RouteContext, webhook: WebhookRecord, req: RouteRequest): Promise<MessageJson | undefined> {
  const query = parse(executeQuery, req.query);
  const thread = await webhookThread(ctx, webhook, query.thread_id);
  const { body: rawBody, uploads } = await readMessageBody(ctx.deps, req, { channelId: thread?.id ?? webhook.channelId, fileRefusal: null });
  try {
    const json = await sendAsWebhook(ctx, webhook, parse(executeSchema, rawBody), uploads, query.with_components === true, thread ?? undefined);
    return query.wait ? json : undefined;
  } finally {
    // Files the stored message took are its own; any other upload of this request goes.
    await uploads.release();
  }
}

/** A webhook an application made (a bot's, or an interaction's): Discord lets it send every component. */
export function isApplicationOwned(webhook: WebhookRecord): boolean {
  return webhook.type === WebhookType.APPLICATION || webhook.applicationId !== null;
}

/**
 * The components a webhook's message keeps, as Discord decides: all of them for an application-owned webhook,
 * the non-interactive ones (link buttons) for another with `with_components`, none otherwise (the field is then
 * ignored, not checked). `undefined` when the field is not respected or not sent.
 */
export function webhookComponents(webhook: WebhookRecord, components: unknown, withComponents: boolean, v2 = false): MessageActionRow[] | V2Component[] | undefined {
  const owned = isApplicationOwned(webhook);
  if (components === undefined || (!owned && !withComponents)) return undefined;
  return checkMessageComponents(components, { layout: v2, allowInteractive: owned });
}

/** Stores and announces the webhook's message for a validated body (also what the Slack and GitHub routes build). */
export async function sendAsWebhook(ctx: RouteContext, webhook: WebhookRecord, body: ExecuteBody, uploads?: Uploads, withComponents = false, thread?: ChannelRecord): Promise<MessageJson> {
  const { deps } = ctx;
  const { store } = deps;
  // A forum (or media) channel's webhook posts into a thread: ?thread_id, or a new post named by thread_name.
  const home = await store.channels.get(webhook.channelId);
  const forumHome = home !== null && (home.type === 15 || home.type === 16);
  if (body.thread_name && thread) throw new ApiError(ErrorCodes.WEBHOOK_FORUM_THREAD_NAME_AND_ID);
  if (body.thread_name && !forumHome) throw new ApiError(ErrorCodes.WEBHOOK_THREADS_ONLY_IN_FORUMS);
  if (forumHome && !thread && !body.thread_name) throw new ApiError(ErrorCodes.WEBHOOK_FORUM_NEEDS_THREAD);
  const v2 = ((body.flags ?? 0) & IS_COMPONENTS_V2) !== 0;
  if (v2) checkNoLegacyFields({ content: body.content, embeds: body.embeds, poll: body.poll });
  const content = body.content ?? '';
  const embeds = body.embeds ?? [];
  const components = webhookComponents(webhook, body.components, withComponents, v2) ?? [];
  const attachments = attachmentsForCreate(body.attachments, uploads?.files ?? []);
  if (v2) checkComponentFiles(components, attachments);
  if (content.trim() === '' && embeds.length === 0 && attachments.length === 0 && components.length === 0 && !body.poll) throw new ApiError(ErrorCodes.EMPTY_MESSAGE);
  checkEmbedTotal(embeds);
  const allowed = body.allowed_mentions ?? undefined;
  checkAllowedMentions(allowed);

  const access = await webhookChannelAccess(store, webhook);
  const postId = body.thread_name ? deps.ids.next() : null;
  if (body.thread_name) thread = await webhookForumPost(ctx, webhook, access.channel, postId!, body.thread_name, body.applied_tags ?? []);
  // A message into a thread of the webhook's channel (?thread_id) counts there and unarchives it.
  const channel = thread ?? access.channel;
  const threadBefore = thread ? await store.threads.get(thread.id) : null;
  const mentions = await parseMentions(store, {
    content: v2 ? componentsText(components) : content, allowed, permissions: access.permissions, guildId: channel.guildId, roles: access.guild?.roles ?? [],
  });
  // Discord fetches an avatar_url into its CDN (avatar-override.ts); a picture it cannot fetch is left out.
  const author: WebhookAuthor = body.avatar_url
    ? { username: body.username ?? webhook.name, avatar: await storeAvatarOverride(deps, webhook.id, body.avatar_url), avatarUrl: body.avatar_url }
    : { username: body.username ?? webhook.name, avatar: webhook.avatar, avatarUrl: null };
  const record: MessageRecord = {
    // A forum post's first message has the post's id.
    id: postId ?? deps.ids.next(),
    channelId: channel.id,
    guildId: channel.guildId,
    authorId: webhook.id,
    content,
    type: MessageType.DEFAULT,
    flags: (body.flags ?? 0) & SENDABLE_FLAGS,
    tts: Boolean(body.tts),
    mentionEveryone: mentions.everyone,
    mentions: mentions.users,
    mentionRoles: mentions.roles,
    mentionChannels: [],
    embeds,
    attachments,
    components,
    stickerItems: [],
    nonce: null,
    pinned: false,
    webhookId: webhook.id,
    applicationId: webhook.applicationId,
    messageReference: null,
    editedAt: null,
    webhookAuthor: author,
    ...(body.poll ? { poll: pollRecord(body.poll, deps.now()) } : {}),
  };
  const json = await renderMessage(store, record, { viewerId: null, fresh: true, media: renderMedia(deps) });
  const mentioned = await mentionRecipients(store, access, mentions, webhook.id, deps.now());
  const uploadKeys = uploads?.keysOf(attachments.map((a) => a.id)) ?? [];
  await ctx.writes.create(channel, record, mentioned, await eventPayload(store, record, json), { unfurl: true, uploadKeys });
  uploads?.claim(attachments.map((a) => a.id));
  // A post's first message is not counted ("not including the initial message"); a message into a thread is.
  if (thread && threadBefore && !postId) await webhookThreadMessage(ctx, thread, threadBefore);
  return json;
}

/** Counts a webhook's message in its thread and unarchives it (no thread member is added for a webhook). */
async function webhookThreadMessage(ctx: RouteContext, thread: ChannelRecord, before: ThreadRecord): Promise<void> {
  const { store } = ctx.deps;
  const after = await store.threads.messageSent(thread.id, ctx.deps.now());
  if (after && before.archived) {
    const fresh = (await store.channels.get(thread.id)) ?? thread;
    await publishThreadEvent(ctx.dispatch, store, fresh, 'THREAD_UPDATE', threadJson(fresh, after, { memberCount: await store.threads.countMembers(thread.id) }));
    await announceUnarchived(ctx.dispatch, store, fresh);
  }
}

/** A forum post by webhook (thread_name): a public thread owned by the webhook, with the forum's tags checked. */
async function webhookForumPost(ctx: RouteContext, webhook: WebhookRecord, forum: ChannelRecord, id: string, name: string, tags: unknown[]): Promise<ChannelRecord> {
  const settings = await ctx.deps.store.threads.getForum(forum.id);
  const known = new Set((settings?.availableTags ?? []).map((t) => t.id));
  const appliedTags = [...new Set(tags.map(String))];
  for (const [i, tag] of appliedTags.entries()) {
    if (!known.has(tag)) throw formError([{ path: ['applied_tags', i], code: 'CHANNEL_TAG_INVALID', message: 'Invalid tag' }]);
  }
  if (appliedTags.length === 0 && (settings?.flags ?? 0) & CHANNEL_FLAG_REQUIRE_TAG) throw new ApiError(ErrorCodes.FORUM_TAG_REQUIRED);
  const { channel } = await insertThread(ctx, forum, {
    id, type: 11, name, autoArchive: settings?.defaultAutoArchiveDuration ?? 4320, rateLimit: settings?.defaultThreadRateLimitPerUser ?? 0,
    invitable: true, appliedTags,
  }, webhook.id, []);
  return channel;
}
