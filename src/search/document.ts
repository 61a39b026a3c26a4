/**
 * A stored message as the index sees it (search-index.ts SearchDocument): the text searched is the content (a
 * Components V2 message's text displays), then the text of its embeds (title, description, fields, author,
 * footer) and its attachments' file names; the `has` values follow Discord's search filters.
 */
import { MessageType } from '../protocol/message-types.ts';
import { unfurlUrls } from '../protocol/message-urls.ts';
import { componentsText, IS_COMPONENTS_V2 } from '../shapes/components-media.ts';
import type { MessageRecord, Store } from '../store/types.ts';
import { embedProvidersOf, embedTypesOf, extensionOf, hostnameOf, normalizeFilename } from './facets.ts';
import type { SearchAuthorType, SearchDocument, SearchHas } from './search-index.ts';

/** Discord's message reference type for a forward: the message carries a snapshot of another. */
const FORWARD = 1;

type Embed = Record<string, unknown>;

/**
 * `authorIsBot` is the author's user record's bot flag. A webhook's message counts as `webhook`; a message an
 * application sent through its interaction webhook (webhookId and applicationId both set) counts as its bot's,
 * as it shows its bot user as author.
 */
export function searchDocument(message: MessageRecord, authorIsBot: boolean, repliedToUserId: string | null = null): SearchDocument {
  const embeds = (message.embeds as Embed[]).filter((e) => e && typeof e === 'object');
  // A Components V2 message has no content: its text displays are its words.
  const words = message.flags & IS_COMPONENTS_V2 ? componentsText(message.components) : message.content;
  const text = [words, ...embeds.map(embedText), ...message.attachments.map((a) => a.filename)].filter(Boolean).join('\n');
  const urls = [...unfurlUrls(words), ...embeds.map((e) => e.url).filter((u): u is string => typeof u === 'string')];
  const filenames = [...new Set(message.attachments.map((a) => normalizeFilename(a.filename)))];
  const repliedTo = repliedToOf(message);
  return {
    id: message.id,
    guildId: message.guildId,
    channelId: message.channelId,
    authorId: message.authorId,
    authorType: authorTypeOf(message, authorIsBot),
    content: text,
    mentions: message.mentions,
    mentionRoles: message.mentionRoles,
    mentionEveryone: message.mentionEveryone,
    has: hasOf(message, words, embeds),
    pinned: message.pinned,
    repliedToMessageId: repliedTo?.messageId ?? null,
    repliedToUserId: repliedTo ? repliedToUserId : null,
    linkHostnames: [...new Set(urls.map(hostnameOf).filter((h): h is string => h !== null))],
    embedTypes: embedTypesOf(embeds),
    embedProviders: embedProvidersOf(embeds),
    attachmentFilenames: filenames,
    attachmentExtensions: [...new Set(filenames.map(extensionOf).filter((x): x is string => x !== null))],
  };
}

/** The message a reply answers (where it is), or null for other messages. */
function repliedToOf(message: MessageRecord): { messageId: string; channelId: string } | null {
  const ref = message.messageReference;
  return message.type === MessageType.REPLY && ref?.messageId ? { messageId: ref.messageId, channelId: ref.channelId ?? message.channelId } : null;
}

function authorTypeOf(message: MessageRecord, authorIsBot: boolean): SearchAuthorType {
  if (message.webhookId && !message.applicationId) return 'webhook';
  return authorIsBot || message.applicationId ? 'bot' : 'user';
}

function embedText(e: Embed): string {
  const parts: unknown[] = [e.title, e.description, (e.author as Embed | undefined)?.name, (e.footer as Embed | undefined)?.text, (e.provider as Embed | undefined)?.name];
  if (Array.isArray(e.fields)) for (const f of e.fields as Embed[]) parts.push(f?.name, f?.value);
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n');
}

function hasOf(message: MessageRecord, words: string, embeds: Embed[]): SearchHas[] {
  const has = new Set<SearchHas>();
  if (unfurlUrls(words).length > 0 || embeds.some((e) => typeof e.url === 'string')) has.add('link');
  if (embeds.length > 0) has.add('embed');
  if (message.attachments.length > 0) has.add('file');
  for (const a of message.attachments) {
    const type = a.contentType.split('/')[0];
    if (type === 'image') has.add('image');
    else if (type === 'video') has.add('video');
    else if (type === 'audio') has.add('sound');
  }
  for (const e of embeds) {
    if (e.type === 'image' || (e.image as Embed | undefined)?.url || (e.thumbnail as Embed | undefined)?.url) has.add('image');
    if (e.type === 'video' || e.type === 'gifv' || (e.video as Embed | undefined)?.url) has.add('video');
  }
  if (message.stickerItems.length > 0) has.add('sticker');
  if (message.messageReference?.type === FORWARD) has.add('snapshot');
  if ((message as { poll?: unknown }).poll) has.add('poll');
  return [...has];
}

/**
 * Documents of stored messages, reading whether their authors are bots in one query, and the authors of the
 * messages replies answer in one query per channel replied into.
 */
export async function searchDocuments(store: Store, messages: readonly MessageRecord[]): Promise<SearchDocument[]> {
  // A join message has no text and names only who joined: nothing to find (api/messages/system.ts postJoinMessage).
  messages = messages.filter((m) => m.type !== MessageType.USER_JOIN);
  const userIds = [...new Set(messages.filter((m) => !m.webhookId).map((m) => m.authorId))];
  const bots = new Set((userIds.length ? await store.users.getMany(userIds) : []).filter((u) => u.bot).map((u) => u.id));
  const replied = new Map<string, Set<string>>();
  for (const m of messages) {
    const to = repliedToOf(m);
    if (!to) continue;
    let ids = replied.get(to.channelId);
    if (!ids) replied.set(to.channelId, (ids = new Set()));
    ids.add(to.messageId);
  }
  const repliedAuthors = new Map<string, string>();
  for (const [channelId, ids] of replied) {
    for (const r of await store.messages.getMany(channelId, [...ids])) repliedAuthors.set(r.id, r.authorId);
  }
  return messages.map((m) => searchDocument(m, bots.has(m.authorId), repliedAuthors.get(repliedToOf(m)?.messageId ?? '') ?? null));
}

/** The channels of a scope whose messages are indexed: a guild's channels (not categories), or the DM itself. */
export async function scopeChannels(store: Store, scopeId: string, guild: boolean): Promise<string[]> {
  if (!guild) return (await store.channels.get(scopeId)) ? [scopeId] : [];
  const channels = (await store.channels.listByGuild(scopeId)).filter((c) => c.type !== CATEGORY).map((c) => c.id);
  // Threads are channels of their own with messages to index (store.threads, not the guild's channel list).
  return [...channels, ...(await store.threads.listByGuild(scopeId)).map((t) => t.channelId)];
}

const CATEGORY = 4;
