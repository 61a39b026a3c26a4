/**
 * Webhooks as Discord shapes them: the webhook object, and the author a webhook's message shows (the webhook's
 * id with the name and avatar it had when the message was sent, or the sender's overrides).
 */
import type { UserRecord, WebhookAuthor, WebhookRecord } from '../store/types.ts';
import { publicUser } from './serialize.ts';

export interface WebhookJsonOptions {
  /** The creator, shown to callers with a user token; left out when the webhook is fetched with its token. */
  creator?: UserRecord | null;
  /** Whether `token` is shown: to MANAGE_WEBHOOKS holders and to whoever already holds it, as on Discord. */
  withToken: boolean;
}

/** Discord's webhook object; `token` only for incoming webhooks, `user` only when a creator is given. */
export function webhookJson(w: WebhookRecord, opts: WebhookJsonOptions): Record<string, unknown> {
  return {
    application_id: w.applicationId,
    avatar: w.avatar,
    channel_id: w.channelId,
    guild_id: w.guildId,
    id: w.id,
    name: w.name,
    type: w.type,
    ...(opts.creator ? { user: publicUser(opts.creator) } : {}),
    ...(opts.withToken && w.token ? { token: w.token } : {}),
  };
}

/**
 * The `author` of a webhook's message: the webhook's id, `discriminator` "0000" and `bot: true`, as Discord
 * renders it. With an avatar_url override `avatar` is the hash of that picture as fetched into the CDN at send
 * (api/webhooks/avatar-override.ts), null when it could not be fetched (messages stored before kept null too).
 */
export function webhookAuthorJson(webhookId: string, a: WebhookAuthor) {
  return {
    id: webhookId,
    username: a.username,
    avatar: a.avatar,
    discriminator: '0000',
    public_flags: 0,
    flags: 0,
    bot: true,
    global_name: null,
  };
}
