/** A thread channel object and a thread member object, as Discord returns them (api and guild roles share them). */
import type { ChannelRecord, ForumSettingsRecord, MemberRecord, ThreadMemberRecord, ThreadRecord, UserRecord } from '../store/types.ts';
import { iso, memberJson } from './serialize.ts';

/** Discord shows thread member counts capped at 50. */
export const MEMBER_COUNT_CAP = 50;

export function threadMemberJson(m: ThreadMemberRecord, extra: { guildId?: string; member?: { member: MemberRecord; user: UserRecord } } = {}): Record<string, unknown> {
  return {
    id: m.channelId,
    user_id: m.userId,
    join_timestamp: iso(m.joinTimestamp),
    flags: m.flags,
    ...(extra.guildId ? { guild_id: extra.guildId } : {}),
    ...(extra.member ? { member: memberJson(extra.member.member, extra.member.user) } : {}),
  };
}

/** The thread channel object; `member` is the viewer's thread member, where Discord includes it. */
export function threadJson(channel: ChannelRecord, t: ThreadRecord, opts: { memberCount: number; member?: ThreadMemberRecord | null }): Record<string, unknown> {
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    parent_id: t.parentId,
    owner_id: channel.ownerId,
    name: channel.name,
    last_message_id: channel.lastMessageId,
    last_pin_timestamp: channel.lastPinTimestamp ? iso(channel.lastPinTimestamp) : null,
    rate_limit_per_user: channel.rateLimitPerUser,
    message_count: t.messageCount,
    member_count: Math.min(opts.memberCount, MEMBER_COUNT_CAP),
    total_message_sent: t.totalMessageSent,
    flags: t.flags,
    applied_tags: t.appliedTags,
    nsfw: channel.nsfw,
    thread_metadata: {
      archived: t.archived,
      auto_archive_duration: t.autoArchiveDuration,
      archive_timestamp: iso(t.archiveTimestamp),
      locked: t.locked,
      ...(channel.type === 12 ? { invitable: t.invitable } : {}),
      create_timestamp: iso(t.createTimestamp),
    },
    ...(opts.member ? { member: threadMemberJson(opts.member) } : {}),
  };
}


/** Forum and media channel fields (types 15, 16) added to the channel object. */
export function forumFields(channel: ChannelRecord, f: ForumSettingsRecord | null): Record<string, unknown> {
  const out: Record<string, unknown> = {
    topic: channel.topic,
    rate_limit_per_user: channel.rateLimitPerUser,
    available_tags: f?.availableTags ?? [],
    default_reaction_emoji: f?.defaultReactionEmoji ?? null,
    default_thread_rate_limit_per_user: f?.defaultThreadRateLimitPerUser ?? 0,
    default_auto_archive_duration: f?.defaultAutoArchiveDuration ?? null,
    default_sort_order: f?.defaultSortOrder ?? null,
    last_pin_timestamp: channel.lastPinTimestamp ? iso(channel.lastPinTimestamp) : null,
    flags: f?.flags ?? 0,
  };
  if (channel.type === 15) out.default_forum_layout = f?.defaultForumLayout ?? 0;
  return out;
}

