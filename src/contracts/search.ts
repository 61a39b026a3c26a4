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

export interface SearchQueryRequest {
  /** A guild id, or the channel id of a DM or group DM: what must be indexed before the query can run. */
  scopeId: string;
  /** Whether `scopeId` is a guild (else a DM channel). */
  guild: boolean;
  /** The channels searched (already narrowed to what the caller may read); may be empty. */
  channelIds: string[];
  content?: string;
  authorIds?: string[];
  authorTypes?: SearchAuthorTypeValue[];
  mentions?: string[];
  mentionEveryone?: boolean;
  has?: SearchHasValue[];
  /** Values none of which may hold (`has=-image`). */
  hasNot?: SearchHasValue[];
  pinned?: boolean;
  minId?: string;
  maxId?: string;
  sortBy: 'timestamp' | 'relevance';
  sortOrder: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export type SearchQueryReply =
  /** The scope's history is still being indexed (HTTP 202, code 110000). */
  | { status: 'indexing'; documentsIndexed: number }
  /** Message ids of the page in order, each checked to exist in the store; `total` counts every match. */
  | { status: 'ok'; total: number; ids: Array<{ channelId: string; id: string }> };
