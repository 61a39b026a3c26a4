/**
 * Announcement channels (type 5): converting text ↔ announcement through PATCH `type`, following (a
 * channel-follower webhook, type 2, in the follower's channel), and publishing ("crossposting") a message to every
 * follower.
 *
 * Accord does not model Discord's COMMUNITY / NEWS guild features, so every guild may create and convert
 * announcement channels (Discord asks for the NEWS feature).
 *
 * A crosspost sets CROSSPOSTED (1) on the original and writes a copy into each following channel through the
 * message write path (one transaction with its MESSAGE_CREATE): authored by the follower webhook (its name is
 * "Server #channel", its avatar the server's icon), flag IS_CROSSPOST (2), `message_reference` {message_id, channel_id, guild_id} of the
 * original; content, embeds, stickers and files are copied (a poll is not) (the files to the copy's own channel, through the
 * pending-upload ledger); nobody is mentioned by a copy.
 */
import { fieldError } from '../../protocol/errors.ts';
import { imageKey } from '../../media/image-keys.ts';
import type { BlobStore } from '../../blobs/types.ts';
import { eventPayload, renderMessage, type MessageJson } from '../../shapes/message.ts';
import { ChannelType, WebhookType, type ChannelRecord, type ChannelTypeValue, type MessageRecord, type Store, type WebhookRecord } from '../../store/types.ts';
import { copyAttachments, discardCopies, renderMedia } from '../messages/attachments.ts';
import type { RouteContext } from '../route.ts';
import { IS_COMPONENTS_V2, withoutInteractiveV2, type V2Component } from '../messages/components-v2.ts';
import { IS_VOICE_MESSAGE } from '../messages/voice.ts';

export const MessageFlag = { CROSSPOSTED: 1 << 0, IS_CROSSPOST: 1 << 1 } as const;

/** Types a message can be followed into / published from. */
export const FOLLOWER_CHANNEL_TYPES: ReadonlySet<number> = new Set([ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT]);

/**
 * The type a PATCH converts the channel to, or null when it keeps its own: only text ↔ announcement, as Discord
 * allows (50035 BASE_TYPE_CHOICES otherwise).
 */
export function convertedType(channel: ChannelRecord, wanted: number | undefined): ChannelTypeValue | null {
  if (wanted === undefined || wanted === channel.type) return null;
  if (FOLLOWER_CHANNEL_TYPES.has(channel.type) && FOLLOWER_CHANNEL_TYPES.has(wanted)) return wanted as ChannelTypeValue;
  throw fieldError(['type'], 'BASE_TYPE_CHOICES', 'Value must be one of {0, 5}.');
}

/** `source_guild` and `source_channel` of channel-follower webhooks, by webhook id (Discord's webhook object). */
export async function followSources(store: Store, webhooks: readonly WebhookRecord[]): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const followers = webhooks.filter((w) => w.type === WebhookType.CHANNEL_FOLLOWER);
  if (followers.length === 0) return out;
  for (const f of await store.channelFollows.getMany(followers.map((w) => w.id))) {
    const [channel, guild] = await Promise.all([store.channels.get(f.sourceChannelId), store.guilds.get(f.sourceGuildId)]);
    out.set(f.webhookId, {
      source_guild: { id: f.sourceGuildId, name: guild?.name ?? '', icon: guild?.icon ?? null },
      source_channel: { id: f.sourceChannelId, name: channel?.name ?? '' },
    });
  }
  return out;
}

/** The follower webhook's name: "Server #channel", within Discord's 80 characters. */
export function followerName(guildName: string, channelName: string | null): string {
  const name = `${guildName} #${channelName ?? ''}`;
  return name.length > 80 ? name.slice(0, 80) : name;
}

/**
 * The follower webhook's avatar: the followed server's icon, copied to the webhook's own avatar path (as Discord
 * shows the server's icon on published messages). Null when the server has none or it cannot be copied.
 */
export async function followerAvatar(blobs: BlobStore, guildId: string, icon: string | null, webhookId: string): Promise<string | null> {
  if (!icon) return null;
  try {
    const read = await blobs.get(imageKey({ kind: 'icons', id: guildId }, icon));
    if (!read) return null;
    await blobs.put(imageKey({ kind: 'webhook-avatars', id: webhookId }, icon), read.stream, { contentType: read.contentType });
    return icon;
  } catch {
    return null;
  }
}

/**
 * Writes the copy of `original` into the follower webhook's channel. Returns false when the webhook or its channel
 * is gone (then nothing is written).
 */
export async function deliverCrosspost(ctx: RouteContext, original: MessageRecord, webhook: WebhookRecord): Promise<boolean> {
  const { store, ids } = ctx.deps;
  const channel = await store.channels.get(webhook.channelId);
  if (!channel || !channel.guildId || !FOLLOWER_CHANNEL_TYPES.has(channel.type)) return false;
  const { attachments, keys } = await copyAttachments(ctx.deps, original, channel.id);
  const record: MessageRecord = {
    id: ids.next(),
    channelId: channel.id,
    guildId: channel.guildId,
    authorId: webhook.id,
    content: original.content,
    type: 0,
    // SUPPRESS_EMBEDS, and what the copied parts are: a voice message, a Components V2 layout.
    flags: MessageFlag.IS_CROSSPOST | (original.flags & ((1 << 2) | IS_VOICE_MESSAGE | IS_COMPONENTS_V2)),
    tts: false,
    mentionEveryone: false,
    mentions: [],
    mentionRoles: [],
    mentionChannels: [],
    embeds: original.embeds,
    attachments,
    // A follower webhook belongs to no application: a V2 layout keeps what is not interactive, legacy rows go.
    components: original.flags & IS_COMPONENTS_V2 ? withoutInteractiveV2(original.components as V2Component[]) : [],
    stickerItems: original.stickerItems ?? [],
    nonce: null,
    pinned: false,
    webhookId: webhook.id,
    applicationId: null,
    messageReference: { type: 0, messageId: original.id, channelId: original.channelId, ...(original.guildId ? { guildId: original.guildId } : {}) },
    editedAt: null,
    webhookAuthor: { username: webhook.name, avatar: webhook.avatar, avatarUrl: null },
  };
  try {
    const json = await renderMessage(store, record, { viewerId: null, fresh: true, media: renderMedia(ctx.deps) });
    await ctx.writes.create(channel, record, [], await eventPayload(store, record, json), { unfurl: false, uploadKeys: keys });
  } catch (err) {
    await discardCopies(ctx.deps, keys);
    throw err;
  }
  return true;
}

/**
 * Marks the original CROSSPOSTED (its MESSAGE_UPDATE goes to the source channel), then sends its copies; the caller
 * has claimed the publish (ChannelFollowStore.claimCrosspost), which is given back if the mark fails.
 */
export async function publishMessage(ctx: RouteContext, channel: ChannelRecord, message: MessageRecord): Promise<MessageJson> {
  const { store } = ctx.deps;
  const media = renderMedia(ctx.deps);
  const patch = { flags: message.flags | MessageFlag.CROSSPOSTED };
  const preview = { ...message, ...patch };
  const rendered = await renderMessage(store, preview, { viewerId: null, media });
  let updated: MessageRecord;
  try {
    updated = await ctx.writes.update(channel, message, patch, await eventPayload(store, preview, rendered, { update: true }));
  } catch (err) {
    // Not marked: the message may be published again.
    await store.channelFollows.releaseCrosspost(message.id).catch(() => undefined);
    throw err;
  }
  const follows = await store.channelFollows.listBySource(channel.id);
  const webhooks = follows.length ? await Promise.all(follows.map((f) => store.webhooks.get(f.webhookId))) : [];
  for (const webhook of webhooks) {
    if (!webhook) continue;
    try {
      await deliverCrosspost(ctx, updated, webhook);
    } catch (err) {
      // One follower's failure (its channel deleted meanwhile) does not stop the others.
      ctx.deps.log.warn({ err, webhookId: webhook.id, messageId: message.id }, 'crosspost delivery failed');
    }
  }
  return rendered;
}
