/**
 * Durable queues: work that must happen after a write, exactly once in effect (at least once on the wire, with
 * ids that consumers deduplicate on), by whichever node of the owning role takes it.
 */
export const Queues = {
  push: 'push',
  embed: 'embed',
  searchIndex: 'search.index',
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

/** A message has URLs to unfurl; the embed role answers with MESSAGE_UPDATE. */
export interface EmbedJob {
  messageId: string;
  channelId: string;
  guildId?: string;
  urls: string[];
  /** The outbox record this job came from (contracts/outbox.ts); a consumer skips an id it has done. */
  outboxId?: string;
}

/** Messages to (re)index or drop; the search role reads their current state from the store in batches. */
export interface SearchIndexJob {
  op: 'upsert' | 'delete';
  channelId: string;
  guildId?: string;
  messageIds: string[];
  /** The outbox record this job came from (contracts/outbox.ts); a consumer skips an id it has done. */
  outboxId?: string;
}
