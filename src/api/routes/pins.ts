/**
 * Pins: the classic list (GET /channels/{id}/pins, newest pin first), the newer paged shape
 * (GET /channels/{id}/messages/pins → {items:[{pinned_at, message}], has_more}), pin and unpin.
 * A pin posts Discord's "pinned a message to this channel." system message (type 6, CHANNEL_PINNED_MESSAGE) by
 * the pinner with a message_reference to the pinned message; an unpin posts nothing, as on Discord.
 */
import { MessageType } from '../../protocol/message-types.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import type { ChannelRecord, MessageRecord, UserRecord } from '../../store/types.ts';
import { channelAccess, type ChannelAccess } from '../access.ts';
import { messageAccess } from '../channels/common.ts';
import { messageEventPayload, renderMessages } from '../../shapes/message.ts';
import { renderMedia } from '../messages/attachments.ts';
import { postSystemMessage } from '../messages/system.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { readableContent } from '../message-content.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { auditEntry, publishAudit } from '../audit-log.ts';
import { iso } from '../../shapes/serialize.ts';
import { parse, z } from '../validate.ts';

/** Pins one channel may hold (Discord's limit). */
const MAX_PINS = 250;

const pagedQuery = z.object({
  before: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'Could not parse timestamp.' }).optional(),
  limit: z.coerce.number().int().min(1).max(50).optional(),
});

/** PIN_MESSAGES alone, as Discord documents since pinning left MANAGE_MESSAGES (migration 33 carried the grants over). */
function requirePinPermission(access: ChannelAccess) {
  if (!hasPermission(access.permissions, Permissions.PIN_MESSAGES)) {
    throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  }
}

export function registerPinsRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  /** Pinned messages with their pin time, newest pin first; pins of since-deleted messages are skipped. */
  async function pinnedMessages(access: ChannelAccess, viewer: UserRecord, limit = Infinity) {
    if (!hasPermission(access.permissions, Permissions.READ_MESSAGE_HISTORY)) return [];
    const pins = await store.pins.list(access.channel.id);
    const messages = new Map((await store.messages.getMany(access.channel.id, pins.map((p) => p.messageId))).map((m) => [m.id, m]));
    const present = pins.filter((p) => messages.has(p.messageId)).slice(0, limit);
    const rendered = await readableContent(store, viewer, access.channel, await renderMessages(store, present.map((p) => messages.get(p.messageId)!), { viewerId: viewer.id, media: renderMedia(ctx.deps) }));
    return present.map((p, i) => ({ pinnedAt: p.pinnedAt, message: rendered[i]! }));
  }

  /** Pins or unpins through the message write path; the events are rendered before, as the write will leave things. */
  async function setPinned(channel: ChannelRecord, message: MessageRecord, pinned: boolean, req: Pick<RouteRequest, 'headers' | 'user'>): Promise<boolean> {
    const at = ctx.deps.now();
    // Unpinning leaves the channel's last pin time as it is (Discord does the same).
    const lastPin = pinned ? at : ((await store.channels.get(channel.id)) ?? channel).lastPinTimestamp;
    const pinsEvent = { ...(channel.guildId ? { guild_id: channel.guildId } : {}), channel_id: channel.id, last_pin_timestamp: lastPin ? iso(lastPin) : null };
    const messageEvent = await messageEventPayload(store, { ...message, pinned }, { update: true, media: renderMedia(ctx.deps) });
    // MESSAGE_PIN / MESSAGE_UNPIN: the target is the message's author, as on Discord.
    const entry = channel.guildId
      ? auditEntry(ctx, req, channel.guildId, {
        actionType: pinned ? AuditLogEvent.MESSAGE_PIN : AuditLogEvent.MESSAGE_UNPIN, targetId: message.authorId,
        options: { channel_id: channel.id, message_id: message.id },
      })
      : undefined;
    const changed = await ctx.writes.setPinned(channel, message, pinned, at, pinsEvent, messageEvent, entry ? [entry] : undefined);
    if (changed && entry) await publishAudit(ctx, entry);
    return changed;
  }

  ctx.get('/channels/:channelId/pins', {}, async (req) => {
    const access = await channelAccess(store, req.params.channelId, req.user.id, ctx.deps.now());
    // The deprecated list: "Gets the first 50 pinned messages in a channel" (the newest first); the paged one is below.
    return (await pinnedMessages(access, req.user, 50)).map((p) => p.message);
  });

  ctx.get('/channels/:channelId/messages/pins', {}, async (req) => {
    const access = await channelAccess(store, req.params.channelId, req.user.id, ctx.deps.now());
    const query = parse(pagedQuery, req.query);
    const limit = query.limit ?? 50;
    const before = query.before ? Date.parse(query.before) : Infinity;
    const all = (await pinnedMessages(access, req.user)).filter((p) => p.pinnedAt < before);
    return {
      items: all.slice(0, limit).map((p) => ({ pinned_at: iso(p.pinnedAt), message: p.message })),
      has_more: all.length > limit,
    };
  });

  const pin = async (req: RouteRequest<{ channelId: string; messageId: string }>) => {
    const { access, message } = await messageAccess(store, req.params.channelId, req.params.messageId, req.user.id, ctx.deps.now());
    requirePinPermission(access);
    if (message.pinned) return undefined;
    if ((await store.pins.count(access.channel.id)) >= MAX_PINS) throw new ApiError(ErrorCodes.MAX_PINS);
    // Only the request that actually pinned it posts the system message (two racing pins post one).
    if (!(await setPinned(access.channel, message, true, req))) return undefined;
    const channel = access.channel;
    await postSystemMessage(ctx, channel, req.user, MessageType.CHANNEL_PINNED_MESSAGE, {
      reference: { type: 0, messageId: message.id, channelId: channel.id, ...(channel.guildId ? { guildId: channel.guildId } : {}) },
    });
    return undefined;
  };
  ctx.put('/channels/:channelId/pins/:messageId', {}, pin);
  ctx.put('/channels/:channelId/messages/pins/:messageId', {}, pin);

  const unpin = async (req: RouteRequest<{ channelId: string; messageId: string }>) => {
    const { access, message } = await messageAccess(store, req.params.channelId, req.params.messageId, req.user.id, ctx.deps.now());
    requirePinPermission(access);
    await setPinned(access.channel, message, false, req);
    return undefined;
  };
  ctx.delete('/channels/:channelId/pins/:messageId', {}, unpin);
  ctx.delete('/channels/:channelId/messages/pins/:messageId', {}, unpin);
}
