/**
 * The query string of Discord's Search Guild Messages (and its channel variant): limits and choices as Discord
 * documents them, bad values refused with 50035 and an error per field. Repeatable parameters (`author_id`,
 * `has`, `channel_id` …) come as `?has=link&has=file`.
 */
import type { SearchAuthorTypeValue, SearchEmbedTypeValue, SearchFilters, SearchHasValue } from '../contracts/index.ts';
import { parse, queryBool, snowflake, z } from './validate.ts';

const HAS = ['link', 'embed', 'file', 'image', 'video', 'sound', 'sticker', 'poll', 'snapshot'] as const;
const AUTHOR_TYPES = ['user', 'bot', 'webhook'] as const;
const EMBED_TYPES = ['image', 'video', 'gif', 'sound', 'article'] as const satisfies readonly SearchEmbedTypeValue[];

/** One value or several of the same parameter, as a list of at most `max`. */
const many = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]), z.array(item).max(max)).optional();

const schema = z.object({
  content: z.string().max(1024).optional(),
  author_id: many(snowflake, 100),
  // Each type may be negated (`-bot`: not sent by bots), as on Discord.
  author_type: many(z.enum([...AUTHOR_TYPES, ...AUTHOR_TYPES.map((t) => `-${t}` as const)]), 100),
  mentions: many(snowflake, 100),
  mention_everyone: queryBool.optional(),
  mentions_role_id: many(snowflake, 100),
  replied_to_user_id: many(snowflake, 100),
  replied_to_message_id: many(snowflake, 100),
  link_hostname: many(z.string().max(256), 100),
  embed_type: many(z.enum(EMBED_TYPES), 100),
  // Case-sensitive, as Discord documents (`Tenor`).
  embed_provider: many(z.string().max(256), 100),
  attachment_filename: many(z.string().max(1024), 100),
  attachment_extension: many(z.string().max(256), 100),
  // Each value may be negated (`-image`: messages without an image), as on Discord.
  has: many(z.enum([...HAS, ...HAS.map((h) => `-${h}` as const)]), 100),
  channel_id: many(snowflake, 500),
  min_id: snowflake.optional(),
  max_id: snowflake.optional(),
  pinned: queryBool.optional(),
  sort_by: z.enum(['timestamp', 'relevance']).optional(),
  sort_order: z.enum(['asc', 'desc']).optional(),
  offset: z.coerce.number().int().min(0).max(9975).optional(),
  limit: z.coerce.number().int().min(1).max(25).optional(),
  include_nsfw: queryBool.optional(),
  // Accepted as Discord does; the index matches words anywhere in the message, so it changes nothing.
  slop: z.coerce.number().int().min(0).max(100).optional(),
});

/** The route's query, parsed: the filters the search role applies, plus what the api itself decides from. */
export interface SearchParams extends SearchFilters {
  /** `channel_id` values: narrow the channels searched (checked against what the caller may read). */
  channelIds?: string[];
  includeNsfw: boolean;
}

export function parseSearchParams(query: unknown): SearchParams {
  const q = parse(schema, query);
  const out: SearchParams = {
    sortBy: q.sort_by ?? 'timestamp',
    sortOrder: q.sort_order ?? 'desc',
    offset: q.offset ?? 0,
    limit: q.limit ?? 25,
    includeNsfw: q.include_nsfw ?? false,
  };
  if (q.content?.trim()) out.content = q.content;
  if (q.author_id?.length) out.authorIds = [...new Set(q.author_id)];
  if (q.author_type?.length) {
    const wanted = q.author_type.filter((t) => !t.startsWith('-')) as SearchAuthorTypeValue[];
    const unwanted = new Set(q.author_type.filter((t) => t.startsWith('-')).map((t) => t.slice(1)));
    const types = (wanted.length ? [...new Set(wanted)] : [...AUTHOR_TYPES]).filter((t) => !unwanted.has(t));
    if (types.length < AUTHOR_TYPES.length) out.authorTypes = types;
  }
  if (q.mentions?.length) out.mentions = [...new Set(q.mentions)];
  if (q.mention_everyone !== undefined) out.mentionEveryone = q.mention_everyone;
  if (q.has?.length) {
    const wanted = q.has.filter((h) => !h.startsWith('-')) as SearchHasValue[];
    const unwanted = q.has.filter((h) => h.startsWith('-')).map((h) => h.slice(1)) as SearchHasValue[];
    if (wanted.length) out.has = [...new Set(wanted)];
    if (unwanted.length) out.hasNot = [...new Set(unwanted)];
  }
  if (q.channel_id?.length) out.channelIds = [...new Set(q.channel_id)];
  if (q.mentions_role_id?.length) out.mentionRoles = [...new Set(q.mentions_role_id)];
  if (q.replied_to_user_id?.length) out.repliedToUserIds = [...new Set(q.replied_to_user_id)];
  if (q.replied_to_message_id?.length) out.repliedToMessageIds = [...new Set(q.replied_to_message_id)];
  if (q.link_hostname?.length) out.linkHostnames = [...new Set(q.link_hostname)];
  if (q.embed_type?.length) out.embedTypes = [...new Set(q.embed_type)];
  if (q.embed_provider?.length) out.embedProviders = [...new Set(q.embed_provider)];
  if (q.attachment_filename?.length) out.attachmentFilenames = [...new Set(q.attachment_filename)];
  if (q.attachment_extension?.length) out.attachmentExtensions = [...new Set(q.attachment_extension)];
  if (q.min_id) out.minId = q.min_id;
  if (q.max_id) out.maxId = q.max_id;
  if (q.pinned !== undefined) out.pinned = q.pinned;
  return out;
}
