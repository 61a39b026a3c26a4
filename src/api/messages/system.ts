/**
 * System messages: the lines Discord posts itself when someone does something in a channel (a pin, a rename).
 * They are stored and delivered like any message (MESSAGE_CREATE through the write path), authored by whoever
 * acted, and need no SEND_MESSAGES: the action's own permission was already checked.
 */
import { MessageType } from '../../protocol/message-types.ts';
import type { ChannelRecord, MessageRecord, MessageReference, UserRecord } from '../../store/types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { RouteContext } from '../route.ts';
import { eventPayload, renderMessage, type MessageJson } from '../../shapes/message.ts';
import { renderMedia } from './attachments.ts';

/** Discord's system channel flag that turns join messages off. */
export const SUPPRESS_JOIN_NOTIFICATIONS = 1 << 0;

/** What a system message may carry besides its type. */
export interface SystemMessageFields {
  content?: string;
  reference?: MessageReference | null;
  embeds?: Record<string, unknown>[];
}

export function systemMessageRecord(id: string, channel: ChannelRecord, authorId: string, type: number, fields: SystemMessageFields = {}): MessageRecord {
  return {
    id,
    channelId: channel.id,
    guildId: channel.guildId,
    authorId,
    content: fields.content ?? '',
    type,
    flags: 0,
    tts: false,
    mentionEveryone: false,
    mentions: [],
    mentionRoles: [],
    mentionChannels: [],
    embeds: fields.embeds ?? [],
    attachments: [],
    components: [],
    stickerItems: [],
    nonce: null,
    pinned: false,
    webhookId: null,
    applicationId: null,
    messageReference: fields.reference ?? null,
    editedAt: null,
  };
}

/** Stores the system message and sends its MESSAGE_CREATE to the channel's audience. */
export async function postSystemMessage(ctx: RouteContext, channel: ChannelRecord, author: UserRecord, type: number, fields: SystemMessageFields = {}): Promise<MessageJson> {
  const { store } = ctx.deps;
  const record = systemMessageRecord(ctx.deps.ids.next(), channel, author.id, type, fields);
  const json = await renderMessage(store, record, { viewerId: author.id, fresh: true, media: renderMedia(ctx.deps) });
  await ctx.writes.create(channel, record, [], await eventPayload(store, record, json));
  return json;
}

/**
 * Discord's join message (type 7, USER_JOIN, no content, authored by whoever joined) in the guild's system channel,
 * unless the guild has none or turned them off (SUPPRESS_JOIN_NOTIFICATIONS); clients draw the welcome line
 * themselves. Posted after the membership committed: the join stands even if this fails, which is logged, not
 * answered. Nobody is pushed for it and it is not indexed for search (messages/write.ts): it has no text, and
 * Discord notifies no one of a join.
 */
export async function postJoinMessage(ctx: RouteContext, guildId: Snowflake, user: UserRecord): Promise<void> {
  try {
    const guild = await ctx.deps.store.guilds.get(guildId);
    if (!guild?.systemChannelId || (guild.systemChannelFlags ?? 0) & SUPPRESS_JOIN_NOTIFICATIONS) return;
    const channel = await ctx.deps.store.channels.get(guild.systemChannelId);
    if (!channel || channel.guildId !== guildId) return;
    await postSystemMessage(ctx, channel, user, MessageType.USER_JOIN);
  } catch (err) {
    ctx.deps.log.warn({ err, guildId, userId: user.id }, 'join message not posted');
  }
}
