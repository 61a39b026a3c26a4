/**
 * Durable queues: work that must happen after a write, exactly once in effect (at least once on the wire, with
 * ids that consumers deduplicate on), by whichever node of the owning role takes it.
 */
export const Queues = {
  push: 'push',
  pushMessage: 'push.message',
  embed: 'embed',
  searchIndex: 'search.index',
  blobsDelete: 'blobs.delete',
} as const;

/** The dead-letter queue of `queue` (see bus/types.ts). */
export const deadQueue = <Q extends string>(queue: Q) => `${queue}.dead` as const;

/** A message needs push notifications: mentioned users or DM recipients (the push role skips users online). */
export interface PushJob {
  messageId: string;
  channelId: string;
  guildId?: string;
  recipientIds: string[];
  /** The outbox record this job came from (contracts/outbox.ts); a consumer skips an id it has done. */
  outboxId?: string;
}

/**
 * A new message for the push role to notify about: what it needs to decide who is notified without reading the
 * message first (the payload's text is read at send time, so an edit or delete meanwhile is respected).
 */
export interface PushMessageJob {
  messageId: string;
  channelId: string;
  guildId?: string;
  authorId: string;
  /** Users the message mentions (allowed_mentions applied). */
  mentions: string[];
  mentionRoles: string[];
  /** @everyone or @here took effect. */
  everyone: boolean;
  /**
   * The message this one replies to. A reply notifies its target's author only when it pings them (Discord's
   * "mention on reply"), and then they are in `mentions` already; the push role uses this for the title only.
   */
  replyToMessageId?: string;
  /** The outbox record this job came from (contracts/outbox.ts); a consumer skips an id it has done. */
  outboxId?: string;
}

/** A message has URLs to unfurl; the embed role answers with MESSAGE_UPDATE. */
export interface EmbedJob {
  messageId: string;
  channelId: string;
  guildId?: string;
  urls: string[];
  /** The outbox record this job came from (contracts/outbox.ts); a consumer skips an id it has done. */
  outboxId?: string;
}

/**
 * Messages to (re)index or drop; the search role reads their current state from the store in batches.
 * `pin` / `unpin` change only the pinned state of `messageIds`; `delete-channel` drops every message of
 * `channelId`, `delete-guild` every message of `guildId` (`messageIds` empty for both).
 */
export interface SearchIndexJob {
  op: 'upsert' | 'delete' | 'pin' | 'unpin' | 'delete-channel' | 'delete-guild';
  channelId: string;
  guildId?: string;
  messageIds: string[];
  /** The outbox record this job came from (contracts/outbox.ts); a consumer skips an id it has done. */
  outboxId?: string;
}

/**
 * Files no record points at any more (an edit dropped them, their message, channel or guild was deleted): the cdn
 * role's janitor deletes each blob key and every blob under each prefix. Deleting is idempotent, so a job handled
 * twice does no harm.
 */
export interface BlobDeleteJob {
  /** Blob keys (`attachments/{channel_id}/{attachment_id}`). */
  keys?: string[];
  /** Key prefixes ending in `/` (`attachments/{channel_id}/`: every file of a deleted channel). */
  prefixes?: string[];
  /** The outbox record this job came from (contracts/outbox.ts). */
  outboxId?: string;
}
