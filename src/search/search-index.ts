/**
 * The search role's boundary: a full-text index of messages. Two implementations pass one contract suite
 * (test/contract/search-index.contract.ts): SQLite FTS5 (embedded default) and PostgreSQL full-text.
 *
 * The index knows nothing of permissions: the caller passes the channels the user may read (VIEW_CHANNEL and
 * READ_MESSAGE_HISTORY, computed at query time), so an overwrite change needs no reindex.
 */

import type { SearchFilters } from '../contracts/search.ts';

/** Discord's `has` filter values. */
export const SEARCH_HAS = ['link', 'embed', 'file', 'image', 'video', 'sound', 'sticker', 'poll', 'snapshot'] as const;
export type SearchHas = (typeof SEARCH_HAS)[number];

/**
 * Totals are exact up to this many matches and this number above (as Elasticsearch's default
 * `track_total_hits`): counting every match of a frequent word costs as much as reading all of them, and paging
 * never reaches further (Discord's offset is at most 9,975 with 25 per page).
 */
export const SEARCH_TOTAL_LIMIT = 10_000;

export type SearchAuthorType = 'user' | 'bot' | 'webhook';

/** Discord's `embed_type` filter values. */
export const SEARCH_EMBED_TYPES = ['image', 'video', 'gif', 'sound', 'article'] as const;
export type SearchEmbedType = (typeof SEARCH_EMBED_TYPES)[number];

/** One message as the index sees it. Upserting the same id again replaces it (edits; idempotent redelivery). */
export interface SearchDocument {
  /** Message id (a snowflake: it orders by time). */
  id: string;
  /** Null for DM and group DM channels. */
  guildId: string | null;
  channelId: string;
  authorId: string;
  authorType: SearchAuthorType;
  /** Text searched: the content, then embed titles/descriptions/fields and attachment file names. */
  content: string;
  /** User ids mentioned; role ids mentioned. */
  mentions: string[];
  mentionRoles: string[];
  mentionEveryone: boolean;
  has: SearchHas[];
  pinned: boolean;
  /**
   * What the rarer filters match (facets.ts normalizes them); absent means none. A reply's message id and the
   * author of the message it replies to (null when that message is gone).
   */
  repliedToMessageId?: string | null;
  repliedToUserId?: string | null;
  /** Host names of the links in the content and embeds, lower case. */
  linkHostnames?: string[];
  embedTypes?: SearchEmbedType[];
  /** Embed provider names, as they are (case matters). */
  embedProviders?: string[];
  /** Attachment file names and their extensions, folded (facets.ts). */
  attachmentFilenames?: string[];
  attachmentExtensions?: string[];
}

/** The filters (src/contracts/search.ts) narrowed to the index's own value types, over the readable channels. */
export interface SearchQuery extends Omit<SearchFilters, 'authorTypes' | 'has' | 'hasNot' | 'embedTypes'> {
  /** Only these channels (already narrowed to what the caller may read, and by `channel_id` / `include_nsfw`). */
  channelIds: string[];
  authorTypes?: SearchAuthorType[];
  has?: SearchHas[];
  hasNot?: SearchHas[];
  embedTypes?: SearchEmbedType[];
}

export interface SearchResult {
  /** Every match, not just this page, up to SEARCH_TOTAL_LIMIT (more matches report the limit). */
  total: number;
  /** Message ids of this page, in the requested order. */
  ids: string[];
}

/** How far a scope's history has been indexed. A scope is a guild id, or a channel id for DMs. */
export interface BackfillState {
  /** True once the whole history before `startedAt` is in; live messages after it come through the queue. */
  done: boolean;
  /** The oldest message id indexed so far going backwards (null before the first batch). */
  cursor: string | null;
  /** Documents the backfill has indexed. */
  indexed: number;
}

export interface SearchIndex {
  upsert(docs: readonly SearchDocument[]): Promise<void>;
  delete(messageIds: readonly string[]): Promise<void>;
  deleteChannel(channelId: string): Promise<void>;
  deleteGuild(guildId: string): Promise<void>;
  /** Pin state changes without re-reading the message. */
  setPinned(messageId: string, pinned: boolean): Promise<void>;
  search(query: SearchQuery): Promise<SearchResult>;
  getBackfill(scopeId: string): Promise<BackfillState | null>;
  setBackfill(scopeId: string, state: BackfillState): Promise<void>;
  /**
   * Optional maintenance after a bulk load (a finished backfill): merges index structures so that queries read
   * fewer of them. Takes a while on a large index, in steps that let writes and queries through (SQLite merges
   * incrementally, yielding to the event loop); never needed for correctness.
   */
  optimize?(): Promise<void>;
  /** Bytes the index takes on disk (for the benchmark), or null when unknown. */
  sizeBytes(): Promise<number | null>;
  close(): Promise<void>;
}
