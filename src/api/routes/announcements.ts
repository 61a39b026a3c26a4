/**
 * Announcement channels' routes (channels/announcements.ts has the rules):
 * - POST /channels/{id}/messages/{id}/crosspost: publishes a message of an announcement channel to every channel
 *   that follows it. The author needs SEND_MESSAGES, anyone else MANAGE_MESSAGES; once only (40033). Answers the
 *   message with CROSSPOSTED set, as Discord does.
 * - POST /channels/{id}/followers `{webhook_channel_id}`: follows the announcement channel into a text channel
 *   where the caller has MANAGE_WEBHOOKS, through a channel-follower webhook (type 2) there, announced there by a
 *   CHANNEL_FOLLOW_ADD (12) system message; answers Discord's followed channel object `{channel_id, webhook_id}`. Deleting that webhook unfollows.
 */
import { MessageType } from '../../protocol/message-types.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { ChannelType, WebhookType } from '../../store/types.ts';
import { channelAccess, requirePermission } from '../access.ts';
import { WEBHOOK_AUDIT_KEYS, createdChanges, recordAudit, webhookAudit } from '../audit-log.ts';
import { FOLLOWER_CHANNEL_TYPES, MessageFlag, followerAvatar, followerName, publishMessage } from '../channels/announcements.ts';
import { messageAccess } from '../channels/common.ts';
import { postSystemMessage } from '../messages/system.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';
import { MAX_WEBHOOKS_PER_CHANNEL, MAX_WEBHOOKS_PER_GUILD } from './webhooks.ts';

const followBody = z.object({ webhook_channel_id: snowflake });

/** Discord's message type of the "… has added … to this channel" line. */

/** Message types that can be published: default and reply. */
const PUBLISHABLE_TYPES: ReadonlySet<number> = new Set([0, 19]);

export function registerAnnouncementsRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const now = () => ctx.deps.now();

  ctx.post('/channels/:channelId/messages/:messageId/crosspost', { limit: RouteLimits.crosspost }, async (req) => {
    const { access, message } = await messageAccess(store, req.params.channelId, req.params.messageId, req.user.id, now());
    const channel = access.channel;
    if (channel.type !== ChannelType.GUILD_ANNOUNCEMENT) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    requirePermission(access, Permissions.VIEW_CHANNEL);
    // "SEND_MESSAGES, if the current user sent the message, or additionally the MANAGE_MESSAGES permission, for all other messages".
    requirePermission(access, message.authorId === req.user.id ? Permissions.SEND_MESSAGES : Permissions.SEND_MESSAGES | Permissions.MANAGE_MESSAGES);
    if (message.flags & MessageFlag.CROSSPOSTED) throw new ApiError(ErrorCodes.ALREADY_CROSSPOSTED);
    if (!PUBLISHABLE_TYPES.has(message.type) || message.flags & MessageFlag.IS_CROSSPOST) throw new ApiError(ErrorCodes.SYSTEM_MESSAGE);
    // Once, whichever api node a concurrent second request reaches (the flag check above is the fast path).
    if (!(await store.channelFollows.claimCrosspost(channel.id, message.id, now()))) throw new ApiError(ErrorCodes.ALREADY_CROSSPOSTED);
    return publishMessage(ctx, channel, message);
  });

  ctx.post('/channels/:channelId/followers', {}, async (req) => {
    const source = await channelAccess(store, req.params.channelId, req.user.id, now());
    if (source.channel.type !== ChannelType.GUILD_ANNOUNCEMENT) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    const body = parse(followBody, req.body);
    const target = await channelAccess(store, body.webhook_channel_id, req.user.id, now());
    if (!target.channel.guildId || !FOLLOWER_CHANNEL_TYPES.has(target.channel.type)) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    requirePermission(target, Permissions.MANAGE_WEBHOOKS);
    const guildId = target.channel.guildId;
    if ((await store.webhooks.listByChannel(target.channel.id)).length >= MAX_WEBHOOKS_PER_CHANNEL) throw new ApiError(ErrorCodes.MAX_WEBHOOKS);
    if ((await store.webhooks.countByGuild(guildId)) >= MAX_WEBHOOKS_PER_GUILD) throw new ApiError(ErrorCodes.MAX_GUILD_WEBHOOKS);

    const sourceGuild = source.guild!.guild;
    const webhookId = ctx.deps.ids.next();
    const webhook = await store.webhooks.create({
      id: webhookId,
      type: WebhookType.CHANNEL_FOLLOWER,
      guildId,
      channelId: target.channel.id,
      creatorId: req.user.id,
      name: followerName(sourceGuild.name, source.channel.name),
      avatar: await followerAvatar(ctx.deps.blobs, sourceGuild.id, sourceGuild.icon, webhookId),
      token: null,
      applicationId: null,
      createdAt: now(),
    });
    try {
      await store.channelFollows.create({ webhookId: webhook.id, sourceChannelId: source.channel.id, sourceGuildId: sourceGuild.id, createdAt: now() });
    } catch (err) {
      await store.webhooks.delete(webhook.id).catch(() => undefined);
      throw err;
    }
    // Discord's CHANNEL_FOLLOW_ADD (12) in the target: by the follower, naming the followed channel, referring to it.
    await postSystemMessage(ctx, target.channel, req.user, MessageType.CHANNEL_FOLLOW_ADD, {
      content: webhook.name, reference: { type: 0, channelId: source.channel.id, guildId: sourceGuild.id },
    });
    ctx.dispatch.guild(guildId, 'WEBHOOKS_UPDATE', { guild_id: guildId, channel_id: target.channel.id }, { channelId: target.channel.id });
    await recordAudit(ctx, req, guildId, { actionType: AuditLogEvent.WEBHOOK_CREATE, targetId: webhook.id, changes: createdChanges(webhookAudit(webhook), WEBHOOK_AUDIT_KEYS) });
    return { channel_id: source.channel.id, webhook_id: webhook.id };
  });
}
