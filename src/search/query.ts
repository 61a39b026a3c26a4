/**
 * Answers search.query requests: the api node has already narrowed the channels to those the caller may read,
 * so this only makes sure the scope is indexed (or starts its backfill and says so), runs the index query, and
 * checks the page's messages still exist: a message deleted while its job was lost is dropped from the index
 * here instead of showing up as a hole.
 */
import type { SearchQueryReply, SearchQueryRequest } from '../contracts/index.ts';
import type { Store } from '../store/types.ts';
import type { Backfills } from './backfill.ts';
import type { LiveWatermarks } from './catch-up.ts';
import { SEARCH_EMBED_TYPES, SEARCH_HAS, type SearchAuthorType, type SearchEmbedType, type SearchHas, type SearchIndex, type SearchQuery } from './search-index.ts';

const AUTHOR_TYPES = new Set<SearchAuthorType>(['user', 'bot', 'webhook']);

export interface QueryDeps {
  index: SearchIndex;
  store: Store;
  backfills: Backfills;
  watermarks: LiveWatermarks;
}

export class SearchQueries {
  readonly counts = { queries: 0, indexing: 0 };

  constructor(private readonly deps: QueryDeps) {}

  async answer(req: SearchQueryRequest): Promise<SearchQueryReply> {
    const { index, store, backfills, watermarks } = this.deps;
    this.counts.queries++;
    const state = await backfills.state(req.scopeId, req.guild);
    if (!state.done) {
      this.counts.indexing++;
      return { status: 'indexing', documentsIndexed: state.indexed };
    }
    await watermarks.ensure(req.scopeId, req.guild);
    const channelIds = req.channelIds.filter((c) => typeof c === 'string');
    if (channelIds.length === 0) return { status: 'ok', total: 0, ids: [] };
    const result = await index.search(toIndexQuery(req, channelIds));
    const found: Array<{ channelId: string; id: string }> = [];
    const missing = new Set(result.ids);
    for (const channelId of channelIds) {
      if (missing.size === 0) break;
      for (const m of await store.messages.getMany(channelId, [...missing])) {
        found.push({ channelId, id: m.id });
        missing.delete(m.id);
      }
    }
    if (missing.size) await index.delete([...missing]);
    const order = new Map(result.ids.map((id, i) => [id, i]));
    found.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    return { status: 'ok', total: Math.max(found.length, result.total - (result.ids.length - found.length)), ids: found };
  }
}

function toIndexQuery(req: SearchQueryRequest, channelIds: string[]): SearchQuery {
  const q: SearchQuery = { channelIds, sortBy: req.sortBy, sortOrder: req.sortOrder, offset: req.offset, limit: req.limit };
  if (req.content) q.content = req.content;
  if (req.authorIds?.length) q.authorIds = req.authorIds;
  if (req.authorTypes) q.authorTypes = req.authorTypes.filter((t): t is SearchAuthorType => AUTHOR_TYPES.has(t));
  if (req.mentions?.length) q.mentions = req.mentions;
  if (req.mentionEveryone !== undefined) q.mentionEveryone = req.mentionEveryone;
  if (req.has?.length) q.has = req.has.filter((h): h is SearchHas => (SEARCH_HAS as readonly string[]).includes(h));
  if (req.hasNot?.length) q.hasNot = req.hasNot.filter((h): h is SearchHas => (SEARCH_HAS as readonly string[]).includes(h));
  if (req.pinned !== undefined) q.pinned = req.pinned;
  // The rarer filters; lists arrive as the api parsed them (an empty list is never sent).
  for (const key of ['mentionRoles', 'repliedToUserIds', 'repliedToMessageIds', 'linkHostnames', 'embedProviders', 'attachmentFilenames', 'attachmentExtensions'] as const) {
    const values = req[key];
    if (Array.isArray(values) && values.length) q[key] = values.filter((v) => typeof v === 'string');
  }
  if (req.embedTypes?.length) q.embedTypes = req.embedTypes.filter((t): t is SearchEmbedType => (SEARCH_EMBED_TYPES as readonly string[]).includes(t));
  if (req.minId) q.minId = req.minId;
  if (req.maxId) q.maxId = req.maxId;
  return q;
}
