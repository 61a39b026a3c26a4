/**
 * Who may touch a webhook: a caller holding its token (no other authentication, as on Discord), or a user or bot
 * with MANAGE_WEBHOOKS in its channel. And what a webhook may do when it writes: the webhook's standing in its
 * channel.
 */
import { timingSafeEqual } from 'node:crypto';
import { digestBytes } from '../../lib/digest.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { ALL_PERMISSIONS, Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { MemberRecord, Store, WebhookRecord } from '../../store/types.ts';
import { channelAccess, requirePermission, topRolePosition, type ChannelAccess } from '../access.ts';

/** The webhook, or Discord's 10015 for an id that names none. */
export async function loadWebhook(store: Store, webhookId: string): Promise<WebhookRecord> {
  const webhook = isSnowflake(webhookId) ? await store.webhooks.get(webhookId) : null;
  if (!webhook) throw new ApiError(ErrorCodes.UNKNOWN_WEBHOOK);
  return webhook;
}

/** Equal-length digests, so the comparison takes as long whatever the token's length or its first wrong byte. */
function sameToken(given: string, stored: string): boolean {
  return timingSafeEqual(digestBytes('sha256', given), digestBytes('sha256', stored));
}

/** The webhook named by id and token: 10015 for an unknown id, 401 50027 for a wrong token. */
export async function webhookByToken(store: Store, webhookId: string, token: string): Promise<WebhookRecord> {
  const webhook = await loadWebhook(store, webhookId);
  if (!webhook.token || !sameToken(token, webhook.token)) throw new ApiError(ErrorCodes.INVALID_WEBHOOK_TOKEN);
  return webhook;
}

/** The caller's standing in `channelId`, which must let them MANAGE_WEBHOOKS (50013 otherwise). */
export async function webhookManager(store: Store, channelId: string, userId: string, now: number): Promise<ChannelAccess> {
  const access = await channelAccess(store, channelId, userId, now);
  if (!access.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
  requirePermission(access, Permissions.MANAGE_WEBHOOKS);
  return access;
}

/** The webhook by id, for a caller with MANAGE_WEBHOOKS in its channel. */
export async function managedWebhook(store: Store, webhookId: string, userId: string, now: number): Promise<{ webhook: WebhookRecord; access: ChannelAccess }> {
  const webhook = await loadWebhook(store, webhookId);
  return { webhook, access: await webhookManager(store, webhook.channelId, userId, now) };
}

/**
 * The webhook's standing in its channel, for the message write path. A webhook is no member and has no roles;
 * Discord checks none of its permissions: it may mention @everyone and every role, embed links and attach files
 * (allowed_mentions is how a sender narrows its pings).
 */
export async function webhookChannelAccess(store: Store, webhook: WebhookRecord): Promise<ChannelAccess> {
  const [channel, guild, roles] = await Promise.all([
    store.channels.get(webhook.channelId),
    store.guilds.get(webhook.guildId),
    store.roles.listByGuild(webhook.guildId),
  ]);
  // The webhook goes with its channel and guild (store cascade): one missing means it was deleted just now.
  if (!channel || !guild) throw new ApiError(ErrorCodes.UNKNOWN_WEBHOOK);
  const member: MemberRecord = {
    guildId: guild.id, userId: webhook.id, nick: null, avatar: null, roles: [], joinedAt: webhook.createdAt, deaf: false, mute: false,
    pending: false, communicationDisabledUntil: null, flags: 0,
  };
  return {
    channel,
    // A webhook is no account: server-wide 2FA does not apply to it.
    guild: { guild, member, roles, permissions: ALL_PERMISSIONS, withoutMfa: false, mfaWithheld: 0n, isOwner: false, topPosition: topRolePosition(guild, member, roles) },
    permissions: ALL_PERMISSIONS,
    mfaWithheld: 0n,
  };
}
