/**
 * What the channel, message, reaction and pin routes share: the channel's JSON with its overwrites or
 * recipients, loading a message the caller may see, and publishing a channel-scoped event to the right
 * audience (guild channels: the guild subject narrowed by VIEW_CHANNEL; DMs: each recipient).
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { ChannelRecord, MessageRecord, Store } from '../../store/types.ts';
import { channelAccess, type ChannelAccess } from '../access.ts';
import type { RouteContext } from '../route.ts';
import { channelJson } from '../../shapes/serialize.ts';
import { THREAD_TYPES, forumFields, threadEnvelope, threadPayload } from './threads.ts';

/** The channel as Discord returns it; DM recipients leave out `viewerId` (the caller), as on Discord. */
export async function channelPayload(store: Store, channel: ChannelRecord, viewerId?: string): Promise<Record<string, unknown>> {
  if (channel.guildId && THREAD_TYPES.has(channel.type)) {
    const thread = await threadPayload(store, channel, viewerId);
    if (thread) return thread;
  }
  if (channel.guildId && (channel.type === 15 || channel.type === 16)) {
    return { ...channelJson(channel, { overwrites: await store.overwrites.listByChannel(channel.id) }), ...forumFields(channel, await store.threads.getForum(channel.id)) };
  }
  if (channel.guildId) return channelJson(channel, { overwrites: await store.overwrites.listByChannel(channel.id) });
  const ids = (await store.channels.listRecipients(channel.id)).filter((id) => id !== viewerId);
  return channelJson(channel, { recipients: await store.users.getMany(ids) });
}

/** The caller's access to the channel and the message in it: 10003 / 50001 / 10008 as Discord answers. */
export async function messageAccess(store: Store, channelId: string, messageId: string, userId: string, now: number): Promise<{ access: ChannelAccess; message: MessageRecord }> {
  const access = await channelAccess(store, channelId, userId, now);
  if (!isSnowflake(messageId)) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
  const message = await store.messages.get(channelId, messageId);
  if (!message) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
  return { access, message };
}

/** Publishes a channel-scoped event (messages, reactions, typing, pins) to whoever may see the channel. */
export async function publishInChannel(ctx: RouteContext, channel: ChannelRecord, t: string, d: Record<string, unknown>): Promise<void> {
  if (channel.guildId && THREAD_TYPES.has(channel.type)) {
    ctx.dispatch.guild(channel.guildId, t, d, await threadEnvelope(ctx.deps.store, channel));
    return;
  }
  if (channel.guildId) {
    ctx.dispatch.guild(channel.guildId, t, d, { channelId: channel.id });
    return;
  }
  ctx.dispatch.users(await ctx.deps.store.channels.listRecipients(channel.id), t, d);
}

/**
 * Channel types messages can be sent in: text, DM, voice (its text chat, as on Discord), group DM, announcement,
 * and threads (10, 11, 12).
 */
export const MESSAGE_CHANNEL_TYPES: ReadonlySet<number> = new Set([0, 1, 2, 3, 5, 10, 11, 12, 13]);
