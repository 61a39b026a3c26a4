/**
 * What the search role answers over the bus. An api node checks who may read what (VIEW_CHANNEL and
 * READ_MESSAGE_HISTORY, computed at query time) and sends the channels the caller may read with the filters;
 * the search role runs the query on its index, or starts indexing a scope it has not indexed yet.
 */
export const SearchSubjects = {
  /** request: SearchQueryRequest → SearchQueryReply. Served by a queue group: any search node answers. */
  query: 'search.query',
} as const;

export type SearchHasValue = 'link' | 'embed' | 'file' | 'image' | 'video' | 'sound' | 'sticker' | 'poll' | 'snapshot';
export type SearchAuthorTypeValue = 'user' | 'bot' | 'webhook';
/** Discord's `embed_type` filter values (wider than embed types: `gif` is a gifv embed). */
export type SearchEmbedTypeValue = 'image' | 'video' | 'gif' | 'sound' | 'article';

/** The filters of a search, as the api parses them, the bus carries them and the index applies them. */
export interface SearchFilters {
  /** Words and "quoted phrases"; words match as prefixes too; case and accents folded; CJK matched by substring. */
  content?: string;
  authorIds?: string[];
  /** Absent: any author type. Empty: none can match (e.g. `user` and `-user`). */
  authorTypes?: SearchAuthorTypeValue[];
  /** Messages mentioning any of these users. */
  mentions?: string[];
  mentionEveryone?: boolean;
  /** Messages mentioning any of these roles (`mentions_role_id`). */
  mentionRoles?: string[];
  /** Replies to a message of any of these users / to any of these messages. */
  repliedToUserIds?: string[];
  repliedToMessageIds?: string[];
  /** Messages linking to any of these hosts (case-insensitive, whole host name). */
  linkHostnames?: string[];
  /** Messages with an embed of any of these kinds. */
  embedTypes?: SearchEmbedTypeValue[];
  /** Messages with an embed from any of these providers (case-sensitive, as Discord: `Tenor`). */
  embedProviders?: string[];
  /** Messages with an attachment of any of these file names / extensions (`txt`, no dot); case-insensitive. */
  attachmentFilenames?: string[];
  attachmentExtensions?: string[];
  /** Every listed value must hold. */
  has?: SearchHasValue[];
  /** None of the listed values may hold (Discord's negated `has=-image`). */
  hasNot?: SearchHasValue[];
  pinned?: boolean;
  /** Exclusive bounds on the message id. */
  minId?: string;
  maxId?: string;
  sortBy: 'timestamp' | 'relevance';
  sortOrder: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export interface SearchQueryRequest extends SearchFilters {
  /** A guild id, or the channel id of a DM or group DM: what must be indexed before the query can run. */
  scopeId: string;
  /** Whether `scopeId` is a guild (else a DM channel). */
  guild: boolean;
  /** The channels searched (already narrowed to what the caller may read); may be empty. */
  channelIds: string[];
}

export type SearchQueryReply =
  /** The scope's history is still being indexed (HTTP 202, code 110000). */
  | { status: 'indexing'; documentsIndexed: number }
  /** Message ids of the page in order, each checked to exist in the store; `total` counts every match up to 10,000. */
  | { status: 'ok'; total: number; ids: Array<{ channelId: string; id: string }> };
