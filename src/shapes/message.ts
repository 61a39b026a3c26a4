/**
 * The one message renderer: records → Discord's message JSON, used by every route and every event. It loads
 * what a page of messages needs in batches (authors and mentioned users in one call, reactions per channel in
 * one call, replied-to messages per channel in one call) instead of once per message.
 *
 * Shape rules (docs/protocol.md "Message object shape (omit, never null)"): optional fields Discord omits are
 * omitted, never null — `reactions` only when there are some, `nonce` only on create responses and events,
 * `message_reference` / `referenced_message` only on replies (`referenced_message: null` when the replied-to
 * message was deleted), `message_reference` and `message_snapshots` on forwards, no `thread`, no `position`.
 */
import { threadJson } from './thread.ts';
import { snowflakeTimestamp } from '../protocol/snowflake.ts';
import type { AttachmentRecord, MemberRecord, MessageRecord, PollAnswerCount, PollRecord, ReactionSummary, Store, UserRecord } from '../store/types.ts';
import { iso, memberJson, publicUser } from './serialize.ts';
import { componentsWithFiles, IS_COMPONENTS_V2 } from './components-media.ts';
import { embedsWithFiles } from './embed-files.ts';
import { webhookAuthorJson } from './webhook.ts';

export type MessageJson = Record<string, unknown> & { id: string };

/** Signs attachment URLs (media/attachments.ts attachmentLinks); every render is handed one, made at its `now`. */
export interface AttachmentUrls {
  attachmentUrl(channelId: string, attachmentId: string, filename: string): string;
  /** The media proxy's URL of an outside image (media/external-url.ts), null for what it would not fetch. */
  externalUrl?(url: string): string | null;
}

export interface RenderOptions {
  /** How attachment URLs are made: `url` and `proxy_url` are signed for each render, as Discord's are. */
  media: AttachmentUrls;
  /** Whose `me` the reactions show; null for events (everyone gets the same bytes). */
  viewerId: string | null;
  /** Nonce to echo, by message id (create responses and MESSAGE_CREATE only). */
  nonces?: ReadonlyMap<string, string | number>;
  /** The messages were just created: there is nothing to react to yet, so reactions are not looked up. */
  fresh?: boolean;
  /** The time polls are judged at (ended or not); Date.now() when not given. */
  now?: number;
  /** Users the caller has already read in this request (a send's author): they are not read again. */
  knownUsers?: readonly UserRecord[];
}

/**
 * Discord's poll object on a message, with `results` for the viewer: every answer's count (0 included) and
 * whether the viewer voted for it; `is_finalized` once the poll has ended.
 */
export function pollJson(poll: PollRecord, counts: readonly PollAnswerCount[], now: number): Record<string, unknown> {
  const byAnswer = new Map(counts.map((c) => [c.answerId, c]));
  return {
    question: { text: poll.question },
    answers: poll.answers.map((a) => ({ answer_id: a.id, poll_media: { text: a.text, ...(a.emoji ? { emoji: a.emoji } : {}) } })),
    expiry: iso(poll.expiresAt),
    allow_multiselect: poll.allowMultiselect,
    layout_type: poll.layoutType,
    results: {
      is_finalized: now >= poll.expiresAt,
      answer_counts: poll.answers.map((a) => ({ id: a.id, count: byAnswer.get(a.id)?.count ?? 0, me_voted: byAnswer.get(a.id)?.me ?? false })),
    },
  };
}

/**
 * Discord's attachment object: `url` and `proxy_url` (the same signed URL: Accord has no separate media proxy),
 * `content_type` always (it was sniffed), `width` / `height` only for images and videos that have them,
 * `description` only when set, `flags` only when not 0, `duration_secs` and `waveform` only for a voice message's
 * file; `ephemeral` is omitted (message files never are).
 */
export function attachmentJson(channelId: string, a: AttachmentRecord, media: AttachmentUrls): Record<string, unknown> {
  const url = media.attachmentUrl(channelId, a.id, a.filename);
  const out: Record<string, unknown> = { id: a.id, filename: a.filename };
  if (a.description) out.description = a.description;
  out.size = a.size;
  out.url = url;
  out.proxy_url = url;
  if (a.width && a.height) {
    out.width = a.width;
    out.height = a.height;
  }
  out.content_type = a.contentType;
  if (a.flags) out.flags = a.flags;
  if (a.durationSecs !== undefined && a.waveform !== undefined) {
    out.duration_secs = a.durationSecs;
    out.waveform = a.waveform;
  }
  return out;
}

/** A user that no longer exists still has to render as an author. */
function ghostUser(id: string) {
  return { id, username: 'Deleted User', discriminator: '0000', global_name: null, avatar: null, avatar_decoration_data: null, banner: null, accent_color: null, public_flags: 0, flags: 0 };
}

function reactionJson(r: ReactionSummary) {
  return {
    count: r.count,
    count_details: { burst: 0, normal: r.count },
    me: r.me,
    me_burst: false,
    emoji: { id: r.emoji.id, name: r.emoji.name, ...(r.emoji.animated ? { animated: true } : {}) },
    burst_colors: [],
  };
}

/** Message ids grouped by the channel they live in, for per-channel batch loads. */
function groupByChannel(entries: Iterable<[channelId: string, messageId: string]>) {
  const out = new Map<string, Set<string>>();
  for (const [channelId, id] of entries) {
    let set = out.get(channelId);
    if (!set) out.set(channelId, (set = new Set()));
    set.add(id);
  }
  return out;
}

/** The replied-to message of a reply (type 19). */
const refOf = (m: MessageRecord) => (m.type === 19 ? m.messageReference?.messageId : undefined);

/**
 * The embeds, layout and attachments of a message whose embeds or Components V2 layout show some of its files
 * (those leave `attachments`); null for the common message that has none, which then allocates nothing here.
 */
function shownFiles(
  channelId: string, flags: number, embeds: readonly unknown[], components: readonly unknown[], files: readonly AttachmentRecord[], media: AttachmentUrls,
): { embeds: readonly unknown[]; components: readonly unknown[]; attachments: readonly AttachmentRecord[] } | null {
  if ((flags & IS_COMPONENTS_V2) !== 0) return componentsWithFiles(channelId, components, files, media);
  const shown = embeds.length && files.length ? embedsWithFiles(channelId, embeds, files, media) : null;
  return shown && { ...shown, components };
}

function baseJson(m: MessageRecord, users: Map<string, UserRecord>, media: AttachmentUrls): MessageJson {
  const author = users.get(m.authorId);
  // A webhook's message shows the author it was sent as (shapes/webhook.ts), not a user.
  const authorJson = m.webhookId && m.webhookAuthor ? webhookAuthorJson(m.webhookId, m.webhookAuthor) : author ? publicUser(author) : ghostUser(m.authorId);
  const files = m.attachments ?? [];
  const shown = shownFiles(m.channelId, m.flags, m.embeds, m.components ?? [], files, media);
  const out: MessageJson = {
    id: m.id,
    type: m.type,
    content: m.content,
    channel_id: m.channelId,
    author: authorJson,
    attachments: (shown?.attachments ?? files).map((a) => attachmentJson(m.channelId, a, media)),
    embeds: shown?.embeds ?? m.embeds,
    mentions: m.mentions.flatMap((id) => {
      const u = users.get(id);
      return u ? [publicUser(u)] : [];
    }),
    mention_roles: m.mentionRoles,
    pinned: m.pinned,
    mention_everyone: m.mentionEveryone,
    tts: m.tts,
    timestamp: iso(snowflakeTimestamp(m.id)),
    edited_timestamp: m.editedAt ? iso(m.editedAt) : null,
    flags: m.flags,
    components: shown?.components ?? m.components ?? [],
  };
  if (m.webhookId) out.webhook_id = m.webhookId;
  if (m.applicationId) out.application_id = m.applicationId;
  if (m.stickerItems?.length) out.sticker_items = m.stickerItems;
  // An interaction's response or follow-up shows what it answers, in history as in its events (Discord keeps both).
  if (m.interaction) {
    out.interaction_metadata = m.interaction.metadata;
    out.interaction = m.interaction.legacy;
  }
  // A forward: the message it forwards, as it was then (Discord's message snapshot object; one per forward).
  if (m.snapshot) {
    const sn = m.snapshot;
    const snapshotShown = shownFiles(m.channelId, sn.flags, sn.embeds, sn.components, sn.attachments, media);
    out.message_snapshots = [{
      message: {
        type: sn.type,
        content: sn.content,
        embeds: snapshotShown?.embeds ?? sn.embeds,
        attachments: (snapshotShown?.attachments ?? sn.attachments).map((a) => attachmentJson(m.channelId, a, media)),
        timestamp: iso(sn.createdAt),
        edited_timestamp: sn.editedAt ? iso(sn.editedAt) : null,
        flags: sn.flags,
        mentions: sn.mentions.flatMap((id) => {
          const u = users.get(id);
          return u ? [publicUser(u)] : [];
        }),
        mention_roles: sn.mentionRoles,
        ...(sn.stickerItems.length ? { sticker_items: sn.stickerItems } : {}),
        components: snapshotShown?.components ?? sn.components,
      },
    }];
  }
  if (m.messageReference) {
    const ref = m.messageReference;
    out.message_reference = {
      type: ref.type ?? 0,
      ...(ref.messageId ? { message_id: ref.messageId } : {}),
      channel_id: ref.channelId ?? m.channelId,
      ...(ref.guildId ? { guild_id: ref.guildId } : m.guildId ? { guild_id: m.guildId } : {}),
    };
  }
  return out;
}

/** Renders messages in the given order. */
export async function renderMessages(store: Store, messages: readonly MessageRecord[], opts: RenderOptions): Promise<MessageJson[]> {
  if (messages.length === 0) return [];

  // Each batch load below is awaited only when it has something to load: a send renders one new message, which
  // usually has none, and an await of nothing still costs a turn of the microtask queue and its promises.
  const referenced = new Map<string, MessageRecord>();
  const refsByChannel = groupByChannel(messages.flatMap((m): Array<[string, string]> => {
    const ref = refOf(m);
    return ref ? [[m.messageReference?.channelId ?? m.channelId, ref]] : [];
  }));
  if (refsByChannel.size) {
    await Promise.all(
      [...refsByChannel].map(async ([channelId, ids]) => {
        for (const r of await store.messages.getMany(channelId, [...ids])) referenced.set(r.id, r);
      }),
    );
  }

  const userIds = new Set<string>();
  for (const m of [...messages, ...referenced.values()]) {
    if (!m.webhookAuthor) userIds.add(m.authorId);
    for (const id of m.mentions) userIds.add(id);
    for (const id of m.snapshot?.mentions ?? []) userIds.add(id);
  }
  const users = new Map<string, UserRecord>();
  for (const u of opts.knownUsers ?? []) if (userIds.delete(u.id)) users.set(u.id, u);
  if (userIds.size) for (const u of await store.users.getMany([...userIds])) users.set(u.id, u);

  // A fresh message has no reactions and no votes yet.
  const reactions = new Map<string, ReactionSummary[]>();
  const votes = new Map<string, PollAnswerCount[]>();
  if (!opts.fresh) {
    const byChannel = groupByChannel(messages.map((m): [string, string] => [m.channelId, m.id]));
    await Promise.all(
      [...byChannel].map(async ([channelId, ids]) => {
        for (const [id, list] of await store.reactions.summarize(channelId, [...ids], opts.viewerId)) reactions.set(id, list);
      }),
    );
    const pollsByChannel = groupByChannel(messages.filter((m) => m.poll).map((m): [string, string] => [m.channelId, m.id]));
    if (pollsByChannel.size) {
      await Promise.all(
        [...pollsByChannel].map(async ([channelId, ids]) => {
          for (const [id, list] of await store.pollVotes.counts(channelId, [...ids], opts.viewerId)) votes.set(id, list);
        }),
      );
    }
  }
  const now = opts.now ?? Date.now();
  // Messages a thread was started from (HAS_THREAD, 32) carry the thread, which has the message's id.
  const threads = new Map<string, Record<string, unknown>>();
  const started = messages.filter((m) => m.guildId && m.flags & 32).map((m) => m.id);
  if (started.length) {
    const metas = await store.threads.getMany(started);
    await Promise.all(metas.map(async (t) => {
      const channel = await store.channels.get(t.channelId);
      if (channel) threads.set(t.channelId, threadJson(channel, t, { memberCount: await store.threads.countMembers(t.channelId) }));
    }));
  }

  return messages.map((m) => {
    const out = baseJson(m, users, opts.media);
    const thread = threads.get(m.id);
    if (thread) out.thread = thread;
    if (m.poll) out.poll = pollJson(m.poll, votes.get(m.id) ?? [], now);
    const list = reactions.get(m.id);
    if (list?.length) out.reactions = list.map(reactionJson);
    const nonce = opts.nonces?.get(m.id);
    if (nonce !== undefined) out.nonce = nonce;
    const refId = refOf(m);
    if (refId) {
      const r = referenced.get(refId);
      out.referenced_message = r ? baseJson(r, users, opts.media) : null;
    }
    return out;
  });
}

export async function renderMessage(store: Store, message: MessageRecord, opts: RenderOptions): Promise<MessageJson> {
  return (await renderMessages(store, [message], opts))[0]!;
}

/**
 * The payload of MESSAGE_CREATE / MESSAGE_UPDATE, built from the message's rendered JSON (so a send renders
 * once for both its response and its event): the message plus `guild_id`, the author's `member` (without user)
 * and each guild-member mention with its partial `member`, as Discord sends them. Events are the same bytes
 * for every receiver, so reactions show `me: false`.
 */
export async function eventPayload(
  store: Store, message: MessageRecord, rendered: MessageJson,
  opts: { update?: boolean; /** Members already read in this request (a send's author): not read again. */ knownMembers?: readonly MemberRecord[] } = {},
): Promise<MessageJson> {
  const out: MessageJson = { ...rendered };
  if (out.reactions) out.reactions = (out.reactions as Array<Record<string, unknown>>).map((r) => ({ ...r, me: false }));
  if (out.poll) {
    const poll = out.poll as { results: { is_finalized: boolean; answer_counts: Array<Record<string, unknown>> } };
    out.poll = { ...poll, results: { ...poll.results, answer_counts: poll.results.answer_counts.map((c) => ({ ...c, me_voted: false })) } };
  }
  if (opts.update) out.tts = false;
  if (!message.guildId) return out;
  out.guild_id = message.guildId;
  const memberIds = new Set([message.authorId, ...message.mentions]);
  const members = new Map<string, MemberRecord>();
  for (const m of opts.knownMembers ?? []) if (m.guildId === message.guildId && memberIds.delete(m.userId)) members.set(m.userId, m);
  if (memberIds.size) for (const m of await store.members.getMany(message.guildId, [...memberIds])) members.set(m.userId, m);
  const author = members.get(message.authorId);
  if (author) out.member = memberJson(author);
  out.mentions = (out.mentions as Array<{ id: string }>).map((u) => {
    const m = members.get(u.id);
    return m ? { ...u, member: memberJson(m) } : u;
  });
  return out;
}

/**
 * A stored message's MESSAGE_CREATE data, read again: what the outbox relay sweeps for an event its writer recorded
 * by reference (contracts/outbox.ts); null once the message is gone. `nonce` is the one the writer echoed.
 */
export function messageCreateRebuilder(store: Store, media: () => AttachmentUrls) {
  return async (ref: { channelId: string; messageId: string; nonce?: string | number }): Promise<MessageJson | null> => {
    const message = await store.messages.get(ref.channelId, ref.messageId);
    if (!message) return null;
    const out = await messageEventPayload(store, message, { media: media() });
    if (ref.nonce !== undefined) out.nonce = ref.nonce;
    return out;
  };
}

/** Renders a message for an event when no rendered copy is at hand (pins, moderator edits …). */
export async function messageEventPayload(store: Store, message: MessageRecord, opts: { media: AttachmentUrls; update?: boolean }): Promise<MessageJson> {
  return eventPayload(store, message, await renderMessage(store, message, { viewerId: null, media: opts.media }), opts);
}
