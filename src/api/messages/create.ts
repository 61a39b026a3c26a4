/**
 * POST /channels/{id}/messages: validation, permissions, auto moderation, slowmode, replies, mentions, enforce_nonce,
 * files, the store write and MESSAGE_CREATE. Kept out of the route file because it is the busiest path of the API.
 *
 * A body with files (multipart) has them stored first (uploads.ts), before the message is validated, since
 * clients send the JSON part last; whatever refuses the message afterwards deletes them again.
 */
import { MessageType } from '../../protocol/message-types.ts';
import { usableEmojiContent } from './emoji-rules.ts';
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import type { AttachmentRecord, MessageRecord, MessageReference, MessageSnapshotRecord, UserRecord } from '../../store/types.ts';
import { snowflakeTimestamp } from '../../protocol/snowflake.ts';
import { channelAccess, requirePermission, type ChannelAccess } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { attachmentsForCreate, attachmentsSchema, copyAttachments, discardCopies, renderMedia } from './attachments.ts';
import { checkVoiceMessage, IS_VOICE_MESSAGE } from './voice.ts';
import { checkComponentFiles, checkNoLegacyFields, componentsV2Schema, IS_COMPONENTS_V2, ownFileReferences, withoutInteractiveV2, type V2Component } from './components-v2.ts';
import { readMessageBody, type Uploads } from './uploads.ts';
import { parse, snowflake, z } from '../validate.ts';
import { MESSAGE_CHANNEL_TYPES } from '../channels/common.ts';
import { checkThreadSend, isThread, threadMessageSent } from '../channels/threads.ts';
import { checkEmbedTotal, embedsSchema } from './embeds.ts';
import { componentsSchema, withoutInteractive, type MessageActionRow } from './components.ts';
import { allowedMentionsSchema, checkAllowedMentions, parseMentions } from './mentions.ts';
import { mentionRecipients } from './mention-audience.ts';
import { eventPayload, renderMessage, type MessageJson } from '../../shapes/message.ts';
import { NONCE_WINDOW_MS, sendLimits, slowedIn } from './send-limits.ts';
import { pollRecord, pollSchema } from './polls.ts';
import { stickerItemsFor, type StickerItem } from './stickers.ts';
import { refuseUnwantedDm } from '../relationships.ts';
import { componentsText } from '../../shapes/components-media.ts';
import { relayToLinkedLobby } from '../lobby-events.ts';
import { blockedError, blocks, executeActions, messageViolations } from '../auto-moderation/enforce.ts';

export const MessageFlags = { SUPPRESS_EMBEDS: 1 << 2, SUPPRESS_NOTIFICATIONS: 1 << 12, IS_VOICE_MESSAGE, HAS_SNAPSHOT: 1 << 14 } as const;
const CLIENT_CREATE_FLAGS = MessageFlags.SUPPRESS_EMBEDS | MessageFlags.SUPPRESS_NOTIFICATIONS | MessageFlags.IS_VOICE_MESSAGE | IS_COMPONENTS_V2;

const createSchema = z.object({
  content: z.string().max(2000).nullish(),
  // A nonce beyond 2^53 (a snowflake sent as a JSON integer) is kept as its exact decimal string.
  nonce: z.union([z.string().max(25), z.number().int(), z.bigint().transform(String)]).nullish(),
  enforce_nonce: z.boolean().nullish(),
  tts: z.boolean().nullish(),
  embeds: embedsSchema.nullish(),
  // Action rows (components.ts); only bots keep their interactive ones.
  // Legacy rows (components.ts); createSchemaV2 below takes Components V2 instead.
  components: componentsSchema.nullish(),
  allowed_mentions: allowedMentionsSchema.nullish(),
  message_reference: z
    .object({
      // 0 a reply, 1 a forward (forwardSource).
      // null reads as unset: DEFAULT (Discord: "If type is unset, DEFAULT can be assumed").
      type: z.union([z.literal(0), z.literal(1)]).nullish().transform((v) => v ?? undefined),
      message_id: snowflake.nullish(),
      channel_id: snowflake.nullish(),
      guild_id: snowflake.nullish(),
      fail_if_not_exists: z.boolean().nullish(),
    })
    .nullish(),
  // Guild stickers (messages/stickers.ts); a message may hold only stickers.
  sticker_ids: z.array(snowflake).max(3).nullish(),
  flags: z.number().int().min(0).nullish(),
  attachments: attachmentsSchema.nullish(),
  // Discord's poll create request object (messages/polls.ts).
  poll: pollSchema.nullish(),
});

/** The body of a message flagged IS_COMPONENTS_V2 (read off the raw body first): its components are a V2 layout. */
const createSchemaV2 = createSchema.extend({ components: componentsV2Schema.nullish() });

export type CreateBody = z.infer<typeof createSchema> | z.infer<typeof createSchemaV2>;

const flaggedV2 = (raw: unknown) => {
  const flags = (raw as { flags?: unknown } | null)?.flags;
  return typeof flags === 'number' && (flags & IS_COMPONENTS_V2) !== 0;
};

/** Messages people and apps send (default, reply, slash and context-menu command answers); every other type is a system message. */
const REPLYABLE_TYPES: ReadonlySet<number> = new Set([0, 19, 20, 23]);

function unknownReference(): ApiError {
  return formError([{ path: ['message_reference'], code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }]);
}

/**
 * The message a forward (message_reference type 1) forwards: "Required fields: type, message_id, channel_id". The
 * caller must be able to read it where it is, it must not be a system message, and the forward carries nothing
 * of its own (no content, embeds, files, stickers, poll or components): it shows only the snapshot.
 */
async function forwardSource(deps: ApiDeps, user: UserRecord, body: CreateBody, fileCount: number): Promise<MessageRecord> {
  const ref = body.message_reference!;
  const missing = (['message_id', 'channel_id'] as const).filter((k) => !ref[k]);
  if (missing.length) throw formError(missing.map((k) => ({ path: ['message_reference', k], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' })));
  const extras = (['content', 'embeds', 'sticker_ids', 'poll', 'components', 'attachments'] as const).filter((k) => {
    const v = body[k];
    return Array.isArray(v) ? v.length > 0 : typeof v === 'string' ? v !== '' : v != null;
  });
  if (fileCount > 0 && !extras.includes('attachments')) extras.push('attachments');
  if (extras.length) throw formError(extras.map((k) => ({ path: [k], code: 'MESSAGE_FORWARD_HAS_CONTENT', message: 'A forward carries only the forwarded message' })));
  const source = await channelAccess(deps.store, ref.channel_id!, user.id, deps.now());
  requirePermission(source, Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY);
  const original = await deps.store.messages.get(source.channel.id, ref.message_id!);
  if (!original) throw unknownReference();
  if (!REPLYABLE_TYPES.has(original.type)) {
    throw formError([{ path: ['message_reference'], code: 'MESSAGE_FORWARD_SYSTEM_MESSAGE', message: 'Cannot forward a system message' }]);
  }
  return original;
}

/** The replied-to message, or null when the reply should go out as a plain message (fail_if_not_exists: false). */
async function resolveReply(deps: ApiDeps, access: ChannelAccess, ref: NonNullable<CreateBody['message_reference']>): Promise<MessageRecord | null> {
  if (!ref.message_id) throw formError([{ path: ['message_reference', 'message_id'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
  if (!hasPermission(access.permissions, Permissions.READ_MESSAGE_HISTORY)) throw new ApiError(ErrorCodes.REPLY_WITHOUT_READ_MESSAGE_HISTORY);
  const sameChannel = (ref.channel_id ?? access.channel.id) === access.channel.id && (!ref.guild_id || ref.guild_id === access.channel.guildId);
  const target = sameChannel ? await deps.store.messages.get(access.channel.id, ref.message_id) : null;
  if (!target && ref.fail_if_not_exists !== false) throw unknownReference();
  // "The referenced message must exist and cannot be a system message."
  if (target && !REPLYABLE_TYPES.has(target.type)) {
    throw formError([{ path: ['message_reference'], code: 'REPLIES_CANNOT_REPLY_TO_SYSTEM_MESSAGE', message: 'Cannot reply to a system message' }]);
  }
  return target;
}

export async function createMessage(ctx: RouteContext, user: UserRecord, channelId: string, req: RouteRequest): Promise<MessageJson> {
  const { deps } = ctx;
  const now = deps.now();
  // The send never reads the channel's last_message_id (the one it moves), so the access cache need not fetch it.
  const access = await channelAccess(deps.store, channelId, user.id, now, { staleLastMessageId: true });
  const channel = access.channel;
  // A forum or media channel takes posts (threads), not messages: Discord has a code of its own for it.
  if (channel.type === 15 || channel.type === 16) throw new ApiError(ErrorCodes.FORUM_CHANNEL_MESSAGE);
  if (!MESSAGE_CHANNEL_TYPES.has(channel.type)) throw new ApiError(ErrorCodes.NON_TEXT_CHANNEL);
  // Threads need SEND_MESSAGES_IN_THREADS instead, and refuse sends while locked (channels/threads.ts).
  const thread = isThread(channel) ? await checkThreadSend(deps.store, access) : null;
  if (!thread) requirePermission(access, Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES);
  await refuseUnwantedDm(deps.store, channel, user.id, deps.now());

  const fileRefusal = hasPermission(access.permissions, Permissions.ATTACH_FILES) ? null : new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  const { body: rawBody, uploads } = await readMessageBody(deps, req, { channelId: channel.id, fileRefusal });
  try {
    const body: CreateBody = flaggedV2(rawBody) ? parse(createSchemaV2, rawBody) : parse(createSchema, rawBody);
    const forwarded = body.message_reference?.type === 1 ? await forwardSource(deps, user, body, uploads.files.length) : null;
    const { content, mentionText, embeds, attachments, components, stickerItems } = await messageParts(deps, access, user, body, uploads, Boolean(forwarded));

    // Auto moderation (auto-moderation/enforce.ts): a blocking rule refuses the message before anything is stored.
    const violations = content ? await messageViolations(ctx, access, content) : [];
    if (blocks(violations)) {
      await executeActions(ctx, violations, { user, channel, content, messageId: null, blocked: true });
      throw blockedError(violations);
    }

    const nonce = body.nonce ?? undefined;
    const enforced = Boolean(body.enforce_nonce) && nonce !== undefined;
    if (enforced) {
      // Fast path for a retry after the first send answered (or died after its commit), and for an earlier send
      // of the nonce without enforce_nonce. The claim in the write (storeMessage) settles the races this misses.
      const earlier = await deps.store.messages.findByNonce(channelId, user.id, String(nonce), deps.now() - NONCE_WINDOW_MS);
      // The earlier send stands; this request's files are not needed.
      if (earlier) return await renderEarlier(deps, user, earlier, nonce!);
    }
    try {
      const sent = await storeMessage(ctx, user, access, body, { content, mentionText, embeds, attachments, components, uploads, stickerItems, forwarded }, nonce, enforced);
      if (thread) await threadMessageSent(ctx.dispatch, deps.store, channel, thread, user.id, deps.now());
      // A channel linked to a lobby: the lobby's players read it too (a set lookup for every other channel).
      await relayToLinkedLobby(ctx, channel, user, sent.id, content);
      // Rules that only alert or time out act once the message is there, naming it.
      if (violations.length) await executeActions(ctx, violations, { user, channel, content, messageId: sent.id, blocked: false });
      return sent;
    } catch (err) {
      // A retry refused by slowmode because its own first send (on another node, a moment ago) took the hold:
      // once that send has committed, the retry gets its message, as on Discord.
      if (!enforced || !(err instanceof ApiError) || err.code !== ErrorCodes.SLOWMODE_RATE_LIMIT) throw err;
      const earlier = await deps.store.messages.findByNonce(channelId, user.id, String(nonce), deps.now() - NONCE_WINDOW_MS);
      if (!earlier) throw err;
      return await renderEarlier(deps, user, earlier, nonce!);
    }
  } finally {
    // Files the stored message took are its own; any other upload of this request goes.
    await uploads.release();
  }
}

/** The fields of a create body that make up a message: a send's, and a forum post's first message's (threads.ts). */
export type MessagePartsBody = Pick<CreateBody, 'content' | 'embeds' | 'components' | 'sticker_ids' | 'attachments' | 'allowed_mentions' | 'flags'> & { poll?: CreateBody['poll'] };

/**
 * What a new message is made of, validated as every create validates it, so that a rule lands once for a send and
 * a forum post alike: custom emoji the author may not use become `:name:` text, a person keeps only what is not
 * interactive, files are matched to `attachments`, a Components V2 layout and a voice message follow their rules,
 * stickers are the author's to use, a message is not empty, a poll needs SEND_POLLS, and embeds and
 * allowed_mentions are within Discord's limits. A forward's own parts are empty (forwardSource checked it).
 */
export async function messageParts(deps: ApiDeps, access: ChannelAccess, user: UserRecord, body: MessagePartsBody, uploads: Uploads, forwarded: boolean) {
  const channel = access.channel;
  const content = await usableEmojiContent(deps.store, user.id, body.content ?? '', channel.guildId, access.permissions);
  const embeds = body.embeds ?? [];
  // Components V2 (components-v2.ts): the components are the whole message.
  const v2 = !forwarded && ((body.flags ?? 0) & IS_COMPONENTS_V2) !== 0;
  if (v2) checkNoLegacyFields({ content: body.content, embeds: body.embeds, sticker_ids: body.sticker_ids, poll: body.poll });
  // Checked and numbered by the body's schema already; a person keeps only what is not interactive.
  const given = body.components ?? [];
  const components = user.bot ? given : v2 ? withoutInteractiveV2(given as V2Component[]) : withoutInteractive(given as MessageActionRow[]);
  // A forward shows only what it forwards, so it is never a voice message itself.
  const voice = !forwarded && ((body.flags ?? 0) & IS_VOICE_MESSAGE) !== 0;
  const attachments = attachmentsForCreate(body.attachments, uploads.files, voice);
  if (v2) {
    ownFileReferences(components, attachments);
    checkComponentFiles(components, attachments);
  }
  const stickerItems = await stickerItemsFor(deps.store, access, user.id, body.sticker_ids ?? []);
  if (voice) checkVoiceMessage(access, { content, embeds, components, stickerCount: stickerItems.length, poll: Boolean(body.poll), attachments });
  if (!forwarded && content.trim() === '' && embeds.length === 0 && attachments.length === 0 && components.length === 0 && !body.poll && stickerItems.length === 0) throw new ApiError(ErrorCodes.EMPTY_MESSAGE);
  // A poll needs SEND_POLLS in a guild channel (DMs have no permission to check).
  if (body.poll && channel.guildId) requirePermission(access, Permissions.SEND_POLLS);
  checkEmbedTotal(embeds);
  checkAllowedMentions(body.allowed_mentions ?? undefined);
  // What mentions are read from: the content, or a Components V2 message's text displays.
  return { content, mentionText: v2 ? componentsText(components) : content, embeds, attachments, components, stickerItems };
}

/** An enforce_nonce retry's answer: the stored message, as Discord returns it (200, same id). */
function renderEarlier(deps: ApiDeps, user: UserRecord, earlier: MessageRecord, nonce: string | number): Promise<MessageJson> {
  return renderMessage(deps.store, earlier, { viewerId: user.id, nonces: new Map([[earlier.id, nonce]]), media: renderMedia(deps) });
}

/** What the message is made of, validated. */
interface MessageParts {
  content: string;
  /** What mentions are read from: the content, or a Components V2 message's text displays. */
  mentionText: string;
  embeds: Record<string, unknown>[];
  attachments: AttachmentRecord[];
  components: MessageActionRow[] | V2Component[];
  uploads: Uploads;
  stickerItems: StickerItem[];
  /** A forward's original (forwardSource); null for any other message. */
  forwarded: MessageRecord | null;
}

async function storeMessage(
  ctx: RouteContext, user: UserRecord, access: ChannelAccess, body: CreateBody, parts: MessageParts, nonce: string | number | undefined, enforced: boolean,
): Promise<MessageJson> {
  const { content, mentionText, embeds, attachments, components, uploads, stickerItems, forwarded } = parts;
  const { deps } = ctx;
  const { store } = deps;
  const channel = access.channel;

  const replyTo = body.message_reference && !forwarded ? await resolveReply(deps, access, body.message_reference) : null;

  const limits = sendLimits(deps);
  const slowed = slowedIn(channel, access.permissions);
  // Taken before the write (not after) so that concurrent sends of one user, on any api node, count against each other.
  const releaseSlowmode = slowed ? await limits.holdSlowmode(channel.id, user.id, channel.rateLimitPerUser) : null;

  let stored = false;
  // A forward's snapshot shows the original's files as copies in this channel, so they outlive the original.
  const shown = forwarded ? shownBy(forwarded) : null;
  const copies = shown ? await copyAttachments(deps, { channelId: forwarded!.channelId, attachments: shown.attachments }, channel.id).catch(async (err) => {
    await releaseSlowmode?.().catch(() => {});
    throw err;
  }) : null;
  try {
    const mentions = await parseMentions(store, {
      content: mentionText,
      allowed: body.allowed_mentions ?? undefined,
      permissions: access.permissions,
      guildId: channel.guildId,
      roles: access.guild?.roles ?? [],
      repliedUserId: replyTo?.authorId,
    });
    const reference: MessageReference | null = replyTo
      ? { type: 0, messageId: replyTo.id, channelId: channel.id, ...(channel.guildId ? { guildId: channel.guildId } : {}) }
      : forwarded
        ? { type: 1, messageId: forwarded.id, channelId: forwarded.channelId, ...(forwarded.guildId ? { guildId: forwarded.guildId } : {}) }
        : null;
    const record: MessageRecord = {
      id: deps.ids.next(),
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: user.id,
      content,
      type: replyTo ? MessageType.REPLY : MessageType.DEFAULT,
      // A forward shows only its snapshot: it is neither a voice message nor a layout itself.
      flags: ((body.flags ?? 0) & CLIENT_CREATE_FLAGS & (forwarded ? ~(IS_VOICE_MESSAGE | IS_COMPONENTS_V2) : ~0)) | (forwarded ? MessageFlags.HAS_SNAPSHOT : 0),
      tts: Boolean(body.tts) && hasPermission(access.permissions, Permissions.SEND_TTS_MESSAGES),
      mentionEveryone: mentions.everyone,
      mentions: mentions.users,
      mentionRoles: mentions.roles,
      mentionChannels: [],
      embeds,
      attachments,
      components,
      stickerItems,
      nonce: nonce === undefined ? null : String(nonce),
      pinned: false,
      webhookId: null,
      applicationId: null,
      messageReference: reference,
      editedAt: null,
      ...(body.poll ? { poll: pollRecord(body.poll, deps.now()) } : {}),
      ...(shown ? { snapshot: { ...shown, attachments: copies!.attachments } } : {}),
    };
    // Rendered before the write: the MESSAGE_CREATE goes into the outbox in the message's own transaction, with
    // the mentioned users' unread-mention counters (messages/write.ts).
    // The author and their member were read by authentication and channelAccess in this request: not again.
    const json = await renderMessage(store, record, {
      viewerId: user.id, fresh: true, now: deps.now(), nonces: nonce === undefined ? undefined : new Map([[record.id, nonce]]), media: renderMedia(deps), knownUsers: [user],
    });
    // Named users, role holders and @everyone who can read the channel get a mention counted; `mentions` still
    // lists the others.
    const mentioned = await mentionRecipients(store, access, mentions, user.id, deps.now());
    // Links unfurl only for authors allowed to embed them (always in DMs).
    const unfurl = hasPermission(access.permissions, Permissions.EMBED_LINKS);
    // The files it names come off the pending-upload ledger in the message's transaction.
    const uploadKeys = [...uploads.keysOf(attachments.map((a) => a.id)), ...(copies?.keys ?? [])];
    const event = await eventPayload(store, record, json, { knownMembers: access.guild ? [access.guild.member] : [] });
    if (enforced) {
      const once = await ctx.writes.createOnce(channel, record, String(nonce), limits.nonceSince(), mentioned, event, { unfurl, uploadKeys });
      // A concurrent send of the same nonce (on this node or another) stored first: answer with its message.
      if (!once.created) {
        await releaseSlowmode?.();
        if (copies) await discardCopies(deps, copies.keys);
        stored = true;
        return await renderEarlier(deps, user, once.message, nonce!);
      }
    } else {
      await ctx.writes.create(channel, record, mentioned, event, { unfurl, uploadKeys });
    }
    stored = true;
    uploads.claim(attachments.map((a) => a.id));
    return json;
  } catch (err) {
    if (releaseSlowmode && !stored) await releaseSlowmode().catch(() => {});
    if (copies && !stored) await discardCopies(deps, copies.keys);
    throw err;
  }
}

/**
 * What a forward of `original` shows (its files still the original's, under the original's channel): the message
 * itself, or, when it is a forward too, what that one shows, so a forward of a forward is not empty.
 */
function shownBy(original: MessageRecord): MessageSnapshotRecord {
  if (original.snapshot) return original.snapshot;
  return {
    type: original.type, content: original.content, embeds: original.embeds, attachments: original.attachments ?? [], flags: original.flags,
    mentions: original.mentions, mentionRoles: original.mentionRoles, stickerItems: original.stickerItems ?? [], components: original.components ?? [],
    createdAt: snowflakeTimestamp(original.id), editedAt: original.editedAt,
  };
}
