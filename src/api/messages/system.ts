/**
 * System messages: the lines Discord posts itself when someone does something in a channel (a pin, a rename).
 * They are stored and delivered like any message (MESSAGE_CREATE through the write path), authored by whoever
 * acted, and need no SEND_MESSAGES: the action's own permission was already checked.
 */
import type { ChannelRecord, MessageRecord, MessageReference, UserRecord } from '../../store/types.ts';
import type { RouteContext } from '../route.ts';
import { eventPayload, renderMessage, type MessageJson } from '../../shapes/message.ts';
import { renderMedia } from './attachments.ts';

/** Discord's message types for the system messages Accord posts. */
export const SystemMessageType = { CHANNEL_NAME_CHANGE: 4, CHANNEL_PINNED_MESSAGE: 6 } as const;

export function systemMessageRecord(
  id: string, channel: ChannelRecord, authorId: string, type: number, fields: { content?: string; reference?: MessageReference | null } = {},
): MessageRecord {
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
    embeds: [],
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
export async function postSystemMessage(
  ctx: RouteContext, channel: ChannelRecord, author: UserRecord, type: number, fields: { content?: string; reference?: MessageReference | null } = {},
): Promise<MessageJson> {
  const { store } = ctx.deps;
  const record = systemMessageRecord(ctx.deps.ids.next(), channel, author.id, type, fields);
  const json = await renderMessage(store, record, { viewerId: author.id, fresh: true, media: renderMedia(ctx.deps) });
  await ctx.writes.create(channel, record, [], await eventPayload(store, record, json));
  return json;
}
