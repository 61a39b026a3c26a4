/**
 * Forum (15) and media (16) channels: the fields guild channel create takes for them (available_tags with new
 * ids, at most 20; default_reaction_emoji; default thread slowmode, sort order and — forum only — layout) and
 * their stored settings. Posts are threads (routes/threads.ts); plain messages in the channel itself are refused.
 */
import { unicodeEmoji } from '../messages/reaction-emoji.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { ForumSettingsRecord } from '../../store/types.ts';
import { fieldError } from '../../protocol/errors.ts';
import { snowflake, z } from '../validate.ts';

export const MAX_FORUM_TAGS = 20;

/**
 * A channel topic: "0-1024 character channel topic (0-4096 characters for GUILD_FORUM and GUILD_MEDIA channels)".
 * Schemas take up to 4096 (the type may not be known yet); checkTopicLength holds other types to 1024.
 */
export const topicSchema = z.string().max(4096).nullish();

export function checkTopicLength(channelType: number | undefined, topic: string | null | undefined): void {
  const max = channelType === 15 || channelType === 16 ? 4096 : 1024;
  if (topic && topic.length > max) throw fieldError('topic', 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
}

/** A tag's or default reaction's unicode emoji: exactly one emoji, as a reaction takes (messages/reaction-emoji.ts). */
const unicodeEmojiName = z.string().max(100).refine((v) => unicodeEmoji(v) !== null, { message: 'Invalid emoji', params: { discordCode: 'BASE_TYPE_INVALID' } });

const tagInput = z
  .object({
    id: snowflake.nullish(),
    name: z.string().trim().min(1).max(20),
    moderated: z.boolean().nullish(),
    emoji_id: snowflake.nullish(),
    emoji_name: unicodeEmojiName.nullish(),
  })
  // Discord: "At most one of emoji_id and emoji_name may be set to a non-null value."
  .refine((t) => !(t.emoji_id && t.emoji_name), { message: 'At most one of emoji_id and emoji_name may be set', path: ['emoji_name'], params: { discordCode: 'BASE_TYPE_INVALID' } });

/** Discord: "Exactly one of emoji_id and emoji_name must be set." */
const defaultReaction = z
  .object({ emoji_id: snowflake.nullish(), emoji_name: unicodeEmojiName.nullish() })
  .refine((e) => Boolean(e.emoji_id) !== Boolean(e.emoji_name), { message: 'Exactly one of emoji_id and emoji_name must be set', params: { discordCode: 'BASE_TYPE_INVALID' } });

/** The forum fields of POST /guilds/{id}/channels (and PATCH of a forum channel). */
export const forumFieldsSchema = {
  available_tags: z.array(tagInput).max(MAX_FORUM_TAGS).nullish(),
  default_reaction_emoji: defaultReaction.nullish(),
  default_thread_rate_limit_per_user: z.number().int().min(0).max(21600).nullish(),
  default_auto_archive_duration: z.union([z.literal(60), z.literal(1440), z.literal(4320), z.literal(10080)]).nullish(),
  default_sort_order: z.union([z.literal(0), z.literal(1)]).nullish(),
  default_forum_layout: z.union([z.literal(0), z.literal(1), z.literal(2)]).nullish(),
  flags: z.number().int().min(0).nullish(),
};

/** Channel flags a forum or media channel may set: REQUIRE_TAG (1 << 4); HIDE_MEDIA_DOWNLOAD_OPTIONS (1 << 15) on media. */
export const CHANNEL_FLAG_REQUIRE_TAG = 1 << 4;
const HIDE_MEDIA_DOWNLOAD_OPTIONS = 1 << 15;
const settableFlags = (type: number) => CHANNEL_FLAG_REQUIRE_TAG | (type === 16 ? HIDE_MEDIA_DOWNLOAD_OPTIONS : 0);

type ForumInput = { [K in keyof typeof forumFieldsSchema]?: z.infer<(typeof forumFieldsSchema)[K]> };

/**
 * A text or announcement channel's thread defaults from a create or modify body (Discord: default_auto_archive_duration
 * for Text and Announcement, default_thread_rate_limit_per_user for Text only; each ignored elsewhere). A field left
 * out is not in the patch; null clears it.
 */
export function threadDefaultsPatch(type: number, body: Pick<ForumInput, 'default_auto_archive_duration' | 'default_thread_rate_limit_per_user'>) {
  const out: { defaultAutoArchiveDuration?: number | null; defaultThreadRateLimitPerUser?: number | null } = {};
  if (type !== 0 && type !== 5) return out;
  if (body.default_auto_archive_duration !== undefined) out.defaultAutoArchiveDuration = body.default_auto_archive_duration;
  if (type === 0 && body.default_thread_rate_limit_per_user !== undefined) out.defaultThreadRateLimitPerUser = body.default_thread_rate_limit_per_user;
  return out;
}

/** Settings from the request; tags without an id (or with one not kept) get a new one. */
export function forumSettingsFrom(channelId: Snowflake, type: number, body: ForumInput, nextId: () => Snowflake, current?: ForumSettingsRecord | null): ForumSettingsRecord {
  const known = new Set((current?.availableTags ?? []).map((t) => t.id));
  return {
    channelId,
    availableTags: body.available_tags !== undefined && body.available_tags !== null
      ? body.available_tags.map((t) => ({
        id: t.id && known.has(t.id) ? t.id : nextId(), name: t.name, moderated: t.moderated ?? false, emoji_id: t.emoji_id ?? null, emoji_name: t.emoji_name ?? null,
      }))
      : current?.availableTags ?? [],
    defaultReactionEmoji: body.default_reaction_emoji !== undefined
      ? (body.default_reaction_emoji ? { emoji_id: body.default_reaction_emoji.emoji_id ?? null, emoji_name: body.default_reaction_emoji.emoji_name ?? null } : null)
      : current?.defaultReactionEmoji ?? null,
    defaultThreadRateLimitPerUser: body.default_thread_rate_limit_per_user ?? current?.defaultThreadRateLimitPerUser ?? 0,
    defaultAutoArchiveDuration: body.default_auto_archive_duration !== undefined ? body.default_auto_archive_duration : current?.defaultAutoArchiveDuration ?? null,
    defaultSortOrder: body.default_sort_order !== undefined ? body.default_sort_order : current?.defaultSortOrder ?? null,
    defaultForumLayout: type === 15 ? (body.default_forum_layout ?? current?.defaultForumLayout ?? 0) : 0,
    flags: body.flags != null ? body.flags & settableFlags(type) : current?.flags ?? 0,
  };
}
