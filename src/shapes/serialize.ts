/**
 * Records → Discord's JSON shapes (API v10). Optional fields Discord omits are omitted, never sent as null
 * (a `"thread": null` crashed a client library); nullable fields Discord documents are sent as null.
 */
import type {
  ApplicationRecord, BanRecord, ChannelRecord, GuildRecord, InviteRecord, MemberRecord, OverwriteRecord, RoleRecord, UserRecord,
} from '../store/types.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** The public user object (what other users see). */
export function publicUser(u: UserRecord) {
  return {
    id: u.id,
    username: u.username,
    discriminator: u.discriminator,
    global_name: u.globalName,
    avatar: u.avatar,
    avatar_decoration_data: null,
    banner: u.banner,
    accent_color: null,
    public_flags: u.flags,
    flags: u.flags,
    ...(u.bot ? { bot: true } : {}),
    ...(u.system ? { system: true } : {}),
  };
}

/** The user object of /users/@me and READY: adds email, verified, mfa, locale, bio. */
export function privateUser(u: UserRecord) {
  return {
    ...publicUser(u),
    email: u.email,
    // Accord has no e-mail verification: user accounts are unverified; bots are verified, as Discord shows them.
    verified: u.bot,
    mfa_enabled: u.mfaEnabled === true,
    locale: 'en-US',
    premium_type: 0,
    bio: u.bio,
  };
}

export function roleJson(r: RoleRecord) {
  return {
    id: r.id,
    name: r.name,
    color: r.color,
    colors: { primary_color: r.color, secondary_color: r.secondaryColor ?? null, tertiary_color: r.tertiaryColor ?? null },
    hoist: r.hoist,
    icon: r.icon,
    unicode_emoji: r.unicodeEmoji,
    position: r.position,
    permissions: r.permissions,
    managed: r.managed,
    mentionable: r.mentionable,
    flags: r.flags,
    ...(r.botId ? { tags: { bot_id: r.botId } } : {}),
  };
}

export function overwriteJson(o: OverwriteRecord) {
  return { id: o.id, type: o.type, allow: o.allow, deny: o.deny };
}

export function channelJson(c: ChannelRecord, extra: { overwrites?: OverwriteRecord[]; recipients?: UserRecord[] } = {}) {
  const base: Record<string, unknown> = { id: c.id, type: c.type, flags: 0, last_message_id: c.lastMessageId };
  if (c.guildId) {
    Object.assign(base, {
      guild_id: c.guildId,
      name: c.name,
      position: c.position,
      permission_overwrites: (extra.overwrites ?? []).map(overwriteJson),
      parent_id: c.parentId,
      nsfw: c.nsfw,
    });
    if (c.type === 0 || c.type === 5) {
      Object.assign(base, { topic: c.topic, rate_limit_per_user: c.rateLimitPerUser, last_pin_timestamp: c.lastPinTimestamp ? iso(c.lastPinTimestamp) : null });
      // Optional in Discord's text channel object: present once set.
      if (c.defaultAutoArchiveDuration != null) base.default_auto_archive_duration = c.defaultAutoArchiveDuration;
      if (c.type === 0 && c.defaultThreadRateLimitPerUser != null) base.default_thread_rate_limit_per_user = c.defaultThreadRateLimitPerUser;
    }
    // A voice channel's text chat has its own slowmode and pins, as on Discord.
    if (c.type === 2 || c.type === 13) Object.assign(base, { bitrate: c.bitrate ?? 64000, user_limit: c.userLimit ?? 0, rtc_region: null, rate_limit_per_user: c.rateLimitPerUser, last_pin_timestamp: c.lastPinTimestamp ? iso(c.lastPinTimestamp) : null });
    if (c.type === 4) {
      delete base.last_message_id;
    }
  } else {
    base.recipients = (extra.recipients ?? []).map(publicUser);
    base.last_pin_timestamp = c.lastPinTimestamp ? iso(c.lastPinTimestamp) : null;
    if (c.type === 3) Object.assign(base, { name: c.name, icon: c.icon, owner_id: c.ownerId });
  }
  return base;
}

export function memberJson(m: MemberRecord, user?: UserRecord) {
  return {
    ...(user ? { user: publicUser(user) } : {}),
    nick: m.nick,
    avatar: m.avatar,
    banner: m.banner ?? null,
    roles: m.roles,
    joined_at: iso(m.joinedAt),
    premium_since: null,
    deaf: m.deaf,
    mute: m.mute,
    flags: m.flags,
    pending: m.pending,
    communication_disabled_until: m.communicationDisabledUntil && m.communicationDisabledUntil > Date.now() ? iso(m.communicationDisabledUntil) : null,
  };
}

export function guildJson(g: GuildRecord, roles: RoleRecord[], extra: { approximateMemberCount?: number; approximatePresenceCount?: number; emojis?: unknown[]; stickers?: unknown[] } = {}) {
  return {
    id: g.id,
    name: g.name,
    icon: g.icon,
    icon_hash: g.icon,
    splash: g.splash,
    discovery_splash: null,
    owner_id: g.ownerId,
    afk_channel_id: g.afkChannelId,
    afk_timeout: g.afkTimeout,
    widget_enabled: g.widgetEnabled ?? false,
    widget_channel_id: g.widgetChannelId ?? null,
    verification_level: g.verificationLevel,
    default_message_notifications: g.defaultMessageNotifications,
    explicit_content_filter: g.explicitContentFilter,
    roles: roles.map(roleJson),
    emojis: extra.emojis ?? [],
    stickers: extra.stickers ?? [],
    features: g.features,
    mfa_level: g.mfaLevel ?? 0,
    application_id: null,
    system_channel_id: g.systemChannelId,
    system_channel_flags: g.systemChannelFlags ?? 0,
    rules_channel_id: g.rulesChannelId ?? null,
    max_presences: null,
    max_members: 500000,
    vanity_url_code: g.vanityUrlCode ?? null,
    description: g.description,
    banner: g.banner,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: g.preferredLocale,
    public_updates_channel_id: g.publicUpdatesChannelId ?? null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: 0,
    premium_progress_bar_enabled: g.premiumProgressBarEnabled ?? false,
    safety_alerts_channel_id: g.safetyAlertsChannelId ?? null,
    incidents_data: incidentsDataJson(g),
    hub_type: null,
    ...(extra.approximateMemberCount !== undefined ? { approximate_member_count: extra.approximateMemberCount } : {}),
    ...(extra.approximatePresenceCount !== undefined ? { approximate_presence_count: extra.approximatePresenceCount } : {}),
  };
}

/**
 * Discord's incidents data object: until when invites and DMs are paused (ISO 8601), null when neither is set.
 * An action whose time has passed still shows until changed, as its time says it ended. Accord detects no raids or
 * DM spam, so those two times are always null.
 */
export function incidentsDataJson(g: Pick<GuildRecord, 'invitesDisabledUntil' | 'dmsDisabledUntil'>) {
  if (g.invitesDisabledUntil == null && g.dmsDisabledUntil == null) return null;
  return {
    invites_disabled_until: g.invitesDisabledUntil == null ? null : iso(g.invitesDisabledUntil),
    dms_disabled_until: g.dmsDisabledUntil == null ? null : iso(g.dmsDisabledUntil),
    dm_spam_detected_at: null,
    raid_detected_at: null,
  };
}

/** The partial guild of GET /users/@me/guilds. */
export function partialGuildJson(g: GuildRecord, permissions: bigint, userId: string) {
  return { id: g.id, name: g.name, icon: g.icon, banner: g.banner, owner: g.ownerId === userId, permissions: permissions.toString(), features: g.features };
}

export function banJson(b: BanRecord, user: UserRecord) {
  return { reason: b.reason, user: publicUser(user) };
}

export function applicationJson(a: ApplicationRecord, bot?: UserRecord, owner?: UserRecord) {
  return {
    id: a.id,
    name: a.name,
    icon: a.icon,
    description: a.description,
    summary: '',
    type: null,
    bot_public: a.botPublic,
    bot_require_code_grant: a.botRequireCodeGrant,
    // The Ed25519 public key interactions sent over HTTP are signed with (api/interactions/signing.ts); routes
    // make it first for applications older than it.
    verify_key: a.interactionsKey?.publicKey ?? '',
    flags: a.flags,
    ...(bot ? { bot: publicUser(bot) } : {}),
    ...(owner ? { owner: publicUser(owner) } : {}),
    team: null,
    redirect_uris: [],
    interactions_endpoint_url: a.interactionsEndpointUrl ?? null,
    // Every Accord application may be installed to guilds (0) and to users (1); neither has default install params.
    integration_types_config: { '0': {}, '1': {} },
  };
}

/** The partial role of an invite's `roles`: "only contains id, name, position, color, colors, icon, and unicode_emoji". */
export function inviteRoleJson(r: RoleRecord) {
  const { id, name, position, color, colors, icon, unicode_emoji } = roleJson(r);
  return { id, name, position, color, colors, icon, unicode_emoji };
}

/**
 * `roles`: the guild's roles, to list those the invite gives (the ones still there, in the invite's order); an invite
 * giving none has no `roles`.
 */
export function inviteJson(i: InviteRecord, ctx: { guild?: GuildRecord | null; channel?: ChannelRecord | null; inviter?: UserRecord | null; memberCount?: number; withMetadata?: boolean; roles?: readonly RoleRecord[] }) {
  const given = i.roleIds?.length && ctx.roles ? i.roleIds.flatMap((id) => ctx.roles!.filter((r) => r.id === id)) : [];
  return {
    type: 0,
    code: i.code,
    ...(ctx.guild ? { guild: { id: ctx.guild.id, name: ctx.guild.name, icon: ctx.guild.icon, splash: ctx.guild.splash, banner: ctx.guild.banner, description: ctx.guild.description, features: ctx.guild.features, verification_level: ctx.guild.verificationLevel, vanity_url_code: ctx.guild.vanityUrlCode ?? null, nsfw_level: 0, premium_subscription_count: 0 } } : {}),
    ...(ctx.guild ? { guild_id: ctx.guild.id } : {}),
    channel: ctx.channel ? { id: ctx.channel.id, name: ctx.channel.name, type: ctx.channel.type } : null,
    ...(ctx.inviter ? { inviter: publicUser(ctx.inviter) } : {}),
    ...(ctx.memberCount !== undefined ? { approximate_member_count: ctx.memberCount } : {}),
    expires_at: i.expiresAt ? iso(i.expiresAt) : null,
    ...(ctx.withMetadata
      ? { uses: i.uses, max_uses: i.maxUses, max_age: i.maxAge, temporary: i.temporary, created_at: iso(i.createdAt) }
      : {}),
    ...(given.length > 0 ? { roles: given.map(inviteRoleJson) } : {}),
  };
}

export { iso };
