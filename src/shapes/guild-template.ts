/**
 * Guild templates as Discord shows them (https://discord.com/developers/docs/resources/guild-template), and the
 * snapshot a template keeps: `serialized_source_guild`, the guild's settings, roles and channels with placeholder
 * ids (integers: @everyone is 0, the other roles 1… from the lowest; channels 1… with categories first), so that it
 * is also a valid POST /guilds body (api/routes/guilds.ts createGuild).
 *
 * Left out, as on Discord: members, messages, managed (bot) roles, member overwrites. Also left out: channel types
 * POST /guilds cannot create (threads, forums), and the guild's icon (`icon_hash` null).
 */
import { ChannelType, type ChannelRecord, type GuildRecord, type GuildTemplateRecord, type OverwriteRecord, type RoleRecord, type UserRecord } from '../store/types.ts';
import { iso, publicUser } from './serialize.ts';

const TEMPLATE_CHANNEL_TYPES: ReadonlySet<number> = new Set([ChannelType.GUILD_TEXT, ChannelType.GUILD_VOICE, ChannelType.GUILD_CATEGORY, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_STAGE_VOICE]);

export function guildSnapshot(guild: GuildRecord, roles: readonly RoleRecord[], channels: readonly ChannelRecord[], overwrites: readonly OverwriteRecord[]): Record<string, unknown> {
  const kept = roles.filter((r) => r.id === guild.id || !r.managed);
  const ordered = [...kept].sort((a, b) => (a.id === guild.id ? -1 : b.id === guild.id ? 1 : a.position - b.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1)));
  const roleIds = new Map(ordered.map((r, i) => [r.id, i]));
  const shown = channels.filter((c) => TEMPLATE_CHANNEL_TYPES.has(c.type));
  const byPosition = (a: ChannelRecord, b: ChannelRecord) => a.position - b.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1);
  const orderedChannels = [...shown.filter((c) => c.type === ChannelType.GUILD_CATEGORY).sort(byPosition), ...shown.filter((c) => c.type !== ChannelType.GUILD_CATEGORY).sort(byPosition)];
  const channelIds = new Map(orderedChannels.map((c, i) => [c.id, i + 1]));
  const overwritesOf = new Map<string, OverwriteRecord[]>();
  for (const o of overwrites) if (o.type === 0 && roleIds.has(o.id)) overwritesOf.set(o.channelId, [...(overwritesOf.get(o.channelId) ?? []), o]);
  return {
    name: guild.name,
    description: guild.description,
    verification_level: guild.verificationLevel,
    default_message_notifications: guild.defaultMessageNotifications,
    explicit_content_filter: guild.explicitContentFilter,
    preferred_locale: guild.preferredLocale,
    afk_timeout: guild.afkTimeout,
    roles: ordered.map((r) => ({
      id: roleIds.get(r.id), name: r.name, permissions: r.permissions, color: r.color, hoist: r.hoist, mentionable: r.mentionable,
      icon: null, unicode_emoji: r.unicodeEmoji,
    })),
    channels: orderedChannels.map((c) => ({
      id: channelIds.get(c.id), type: c.type, name: c.name, position: c.position, topic: c.topic, bitrate: c.bitrate ?? 64000, user_limit: c.userLimit ?? 0,
      nsfw: c.nsfw, rate_limit_per_user: c.rateLimitPerUser, parent_id: c.parentId ? (channelIds.get(c.parentId) ?? null) : null,
      permission_overwrites: (overwritesOf.get(c.id) ?? []).map((o) => ({ id: roleIds.get(o.id), type: 0, allow: o.allow, deny: o.deny })),
    })),
    afk_channel_id: guild.afkChannelId ? (channelIds.get(guild.afkChannelId) ?? null) : null,
    system_channel_id: guild.systemChannelId ? (channelIds.get(guild.systemChannelId) ?? null) : null,
    system_channel_flags: guild.systemChannelFlags ?? 0,
    icon_hash: null,
  };
}

/** `dirty`: the guild changed since the snapshot (Discord's is_dirty: true, else null). */
export function guildTemplateJson(t: GuildTemplateRecord, creator: UserRecord | null, dirty: boolean): Record<string, unknown> {
  return {
    code: t.code,
    name: t.name,
    description: t.description,
    usage_count: t.usageCount,
    creator_id: t.creatorId,
    creator: creator ? publicUser(creator) : null,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
    source_guild_id: t.guildId,
    serialized_source_guild: t.snapshot,
    is_dirty: dirty ? true : null,
  };
}
