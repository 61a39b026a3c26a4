/**
 * Guilds: create (one store transaction for guild, roles, channels and the owner's membership), read, edit,
 * delete, and the guild's channel list (create, reorder). Channel edits of a single channel live in channels.ts.
 */
import { checkTopicLength, forumFieldsSchema, forumSettingsFrom, threadDefaultsPatch, topicSchema } from '../channels/forum.ts';
import { forumFields } from '../channels/threads.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { isVoiceLike } from '../../protocol/channel-types.ts';
import {
  ALL_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, Permissions, computeChannelPermissions, hasPermission, parsePermissions,
} from '../../protocol/permissions.ts';
import {
  ChannelType, type ChannelPositionUpdate, type ChannelRecord, type ChannelTypeValue, type FeatureChange, type GuildRecord, type MemberRecord, type OverwriteRecord, type RoleRecord, type UserRecord,
} from '../../store/types.ts';
import { channelAccess, guildAccess, permissionContext, requirePermission, type GuildAccess } from '../access.ts';
import type { RouteContext } from '../route.ts';
import { RouteLimits } from '../ratelimit.ts';
import { channelJson, guildJson, iso, memberJson } from '../../shapes/serialize.ts';
import { deleteEmojiImages } from './emojis.ts';
import { deleteStickerFiles } from './stickers.ts';
import { deleteSoundFiles } from './soundboard.ts';
import { vanityPatch } from './guild-community.ts';
import { guildExpressionsJson, guildObjectJson } from './guild-object.ts';
import { parse, permissionString, queryBool, snowflake, z } from '../validate.ts';
import { acceptImage, imageBodyLimit } from '../image-fields.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { CHANNEL_AUDIT_KEYS, GUILD_AUDIT_KEYS, createdChanges, diffChanges, recordAudit } from '../audit-log.ts';
import { announceUnlinked } from '../lobby-events.ts';

export const MAX_GUILDS_PER_USER = 100;
export const MAX_CHANNELS_PER_GUILD = 500;
/** Discord's `large` threshold default. */
const LARGE_THRESHOLD = 250;
const AFK_TIMEOUTS = [60, 300, 900, 1800, 3600];

const channelTypeSchema = z.union([z.literal(0), z.literal(2), z.literal(4), z.literal(5), z.literal(13)]);
/** Placeholder ids in POST /guilds templates: integers (or strings) that other entries refer to. */
const placeholder = z.union([z.number().int(), z.bigint(), z.string().max(20)]).transform(String);

export const createGuildBody = z.object({
  name: z.string().trim().min(2).max(100),
  icon: z.string().nullish(),
  verification_level: z.number().int().min(0).max(4).optional(),
  default_message_notifications: z.number().int().min(0).max(1).optional(),
  explicit_content_filter: z.number().int().min(0).max(2).optional(),
  afk_timeout: z.number().int().optional(),
  roles: z
    .array(z.object({
      id: placeholder.optional(),
      name: z.string().max(100).optional(),
      color: z.number().int().min(0).max(0xffffff).optional(),
      hoist: z.boolean().optional(),
      permissions: permissionString.optional(),
      mentionable: z.boolean().optional(),
    }))
    .max(250)
    .optional(),
  channels: z
    .array(z.object({
      id: placeholder.optional(),
      name: z.string().trim().min(1).max(100),
      type: channelTypeSchema.default(0),
      parent_id: placeholder.nullish(),
      topic: z.string().max(1024).nullish(),
      nsfw: z.boolean().optional(),
      rate_limit_per_user: z.number().int().min(0).max(21600).optional(),
      bitrate: z.number().int().min(8000).max(384000).optional(),
      user_limit: z.number().int().min(0).max(99).optional(),
      // Overwrites for roles of this body, named by their placeholder ids (0 or the first role's: @everyone).
      permission_overwrites: z.array(z.object({
        id: placeholder,
        type: z.literal(0).default(0),
        allow: permissionString.optional(),
        deny: permissionString.optional(),
      })).max(100).optional(),
    }))
    .max(MAX_CHANNELS_PER_GUILD)
    .optional(),
  system_channel_id: placeholder.nullish(),
  system_channel_flags: z.number().int().min(0).max(0xff).optional(),
  afk_channel_id: placeholder.nullish(),
});
export type CreateGuildBody = z.infer<typeof createGuildBody>;

const patchGuildBody = z.object({
  name: z.string().trim().min(2).max(100).optional(),
  icon: z.string().nullish(),
  banner: z.string().nullish(),
  splash: z.string().nullish(),
  description: z.string().max(120).nullish(),
  system_channel_id: snowflake.nullish(),
  afk_channel_id: snowflake.nullish(),
  afk_timeout: z.number().int().optional(),
  // Nullable, as documented; null sets the default (level 0, all messages, filter off, en-US).
  verification_level: z.number().int().min(0).max(4).nullish(),
  default_message_notifications: z.number().int().min(0).max(1).nullish(),
  explicit_content_filter: z.number().int().min(0).max(2).nullish(),
  preferred_locale: z.string().min(2).max(16).nullish(),
  owner_id: snowflake.optional(),
  system_channel_flags: z.number().int().min(0).max(0xffff).nullish(),
  rules_channel_id: snowflake.nullish(),
  public_updates_channel_id: snowflake.nullish(),
  safety_alerts_channel_id: snowflake.nullish(),
  premium_progress_bar_enabled: z.boolean().nullish(),
  features: z.array(z.string().max(64)).max(100).nullish(),
  /** Not a Discord bot feature: the owner sets the vanity invite code here (guild-community.ts). */
  vanity_url_code: z.string().max(32).nullish(),
});

const overwriteInput = z.object({
  id: snowflake,
  // Older libraries send "role" / "member".
  type: z.union([z.literal(0), z.literal(1), z.literal('0'), z.literal('1'), z.literal('role'), z.literal('member')])
    .transform((t) => (t === 1 || t === '1' || t === 'member' ? 1 : 0) as 0 | 1),
  // "allow and deny keys can be omitted or set to null, which both default to "0"".
  allow: permissionString.nullish().transform((v) => v ?? '0'),
  deny: permissionString.nullish().transform((v) => v ?? '0'),
});

const createChannelBody = z.object({
  name: z.string().trim().min(1).max(100),
  // Forum (15) and media (16) channels take their fields too (channels/forum.ts).
  // "All parameters to this endpoint are optional and nullable excluding name".
  type: z.union([channelTypeSchema, z.literal(15), z.literal(16)]).nullish().transform((v) => v ?? 0),
  ...forumFieldsSchema,
  topic: topicSchema,
  position: z.number().int().min(0).nullish(),
  parent_id: snowflake.nullish(),
  nsfw: z.boolean().nullish(),
  rate_limit_per_user: z.number().int().min(0).max(21600).nullish(),
  bitrate: z.number().int().min(8000).max(384000).nullish(),
  user_limit: z.number().int().min(0).max(99).nullish(),
  permission_overwrites: z.array(overwriteInput).max(100).nullish(),
});

const reorderBody = z
  .array(z.object({
    id: snowflake,
    position: z.number().int().min(0).nullish(),
    parent_id: snowflake.nullish(),
    lock_permissions: z.boolean().nullish(),
  }))
  .min(1)
  .max(MAX_CHANNELS_PER_GUILD);

/** Discord keeps text channel names lowercase with dashes for spaces; other types keep what was typed. */
export function channelName(name: string, type: number): string {
  return type === ChannelType.GUILD_TEXT || type === ChannelType.GUILD_ANNOUNCEMENT ? name.toLowerCase().replace(/\s+/g, '-') : name;
}

export function newGuildChannel(id: string, guildId: string, at: number, fields: Partial<ChannelRecord> & { type: ChannelTypeValue; name: string }): ChannelRecord {
  return {
    id, guildId, topic: null, position: 0, parentId: null, nsfw: false, rateLimitPerUser: 0, lastMessageId: null,
    lastPinTimestamp: null, ownerId: null, icon: null, bitrate: isVoiceLike(fields.type) ? 64000 : null,
    userLimit: isVoiceLike(fields.type) ? 0 : null, createdAt: at, ...fields,
  };
}

/**
 * The GUILD_CREATE payload for a user who is in the guild: the guild object plus channels, members (with user),
 * counts and the collections Accord does not model yet as empty arrays (libraries expect them present).
 */
export function guildCreatePayload(input: {
  guild: GuildRecord; roles: RoleRecord[]; channels: ChannelRecord[]; overwrites: OverwriteRecord[];
  members: Array<{ member: MemberRecord; user: UserRecord }>; memberCount: number; joinedAt: number;
}) {
  const byChannel = groupOverwrites(input.overwrites);
  return {
    ...guildJson(input.guild, input.roles),
    joined_at: iso(input.joinedAt),
    large: input.memberCount > LARGE_THRESHOLD,
    unavailable: false,
    lazy: true,
    member_count: input.memberCount,
    voice_states: [],
    members: input.members.map((m) => memberJson(m.member, m.user)),
    channels: input.channels.map((c) => channelJson(c, { overwrites: byChannel.get(c.id) ?? [] })),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
  };
}

export function groupOverwrites(overwrites: readonly OverwriteRecord[]): Map<string, OverwriteRecord[]> {
  const map = new Map<string, OverwriteRecord[]>();
  for (const o of overwrites) {
    const list = map.get(o.channelId);
    if (list) list.push(o);
    else map.set(o.channelId, [o]);
  }
  return map;
}

/**
 * Overwrites a caller may set: roles must belong to the guild, and (unless admin or owner) only bits the caller
 * holds may be allowed or denied, and MANAGE_ROLES never — Discord's rule, so nobody escalates through a channel.
 */
export function checkOverwrites(access: GuildAccess, overwrites: ReadonlyArray<{ id: string; type: 0 | 1; allow: string; deny: string }>, field = 'permission_overwrites') {
  const roleIds = new Set(access.roles.map((r) => r.id));
  const admin = access.permissions === ALL_PERMISSIONS;
  overwrites.forEach((o, i) => {
    if (o.type === 0 && !roleIds.has(o.id)) throw fieldError([field, i, 'id'], 'BASE_TYPE_INVALID', 'Unknown role');
    if (admin) return;
    const bits = parsePermissions(o.allow) | parsePermissions(o.deny);
    if ((bits & ~access.permissions) !== 0n || (bits & Permissions.MANAGE_ROLES) !== 0n) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  });
}

/**
 * Creates a guild as POST /guilds describes it (roles and channels with placeholder ids, channels' overwrites for
 * those roles), with its caller as owner, in one store transaction, and sends them its GUILD_CREATE. Also what a
 * guild template makes (api/guild-templates.ts): a template's snapshot has this body's shape.
 */
export async function createGuild(ctx: RouteContext, user: UserRecord, body: CreateGuildBody): Promise<ReturnType<typeof guildJson>> {
  const { store, ids, now } = ctx.deps;
  if ((await store.guilds.listIdsForUser(user.id)).length >= MAX_GUILDS_PER_USER) throw new ApiError(ErrorCodes.MAX_GUILDS);
  const at = now();
  const guildId = ids.next();

  const roles: RoleRecord[] = [];
  // Role placeholders, for the channels' overwrites: the first role is @everyone (the guild's id).
  const rolePlaceholders = new Map<string, string>();
  const everyone = body.roles?.[0];
  if (everyone?.id !== undefined) rolePlaceholders.set(everyone.id, guildId);
  roles.push(newRole(guildId, guildId, {
    name: '@everyone', position: 0,
    permissions: everyone?.permissions ? parsePermissions(everyone.permissions).toString() : DEFAULT_EVERYONE_PERMISSIONS.toString(),
  }));
  (body.roles ?? []).slice(1).forEach((r, i) => {
    const roleId = ids.next();
    if (r.id !== undefined) rolePlaceholders.set(r.id, roleId);
    roles.push(newRole(roleId, guildId, {
      name: r.name ?? 'new role', color: r.color ?? 0, hoist: r.hoist ?? false, mentionable: r.mentionable ?? false, position: i + 1,
      permissions: r.permissions ? parsePermissions(r.permissions).toString() : '0',
    }));
  });

  const channels: ChannelRecord[] = [];
  const overwrites: OverwriteRecord[] = [];
  const placeholderIds = new Map<string, string>();
  let systemChannelId: string | null = null;
  let afkChannelId: string | null = null;
  if (body.channels) {
    for (const [i, c] of body.channels.entries()) {
      const id = ids.next();
      if (c.id !== undefined) placeholderIds.set(c.id, id);
      let parentId: string | null = null;
      if (c.parent_id != null) {
        parentId = placeholderIds.get(c.parent_id) ?? null;
        // Categories must be listed before their children, as Discord requires.
        const parent = channels.find((p) => p.id === parentId);
        if (!parent || parent.type !== ChannelType.GUILD_CATEGORY || c.type === ChannelType.GUILD_CATEGORY) {
          throw fieldError(['channels', i, 'parent_id'], 'CHANNEL_PARENT_INVALID', 'Invalid parent channel');
        }
      }
      channels.push(newGuildChannel(id, guildId, at, {
        type: c.type, name: channelName(c.name, c.type), position: i, parentId, topic: c.topic ?? null, nsfw: c.nsfw ?? false,
        rateLimitPerUser: c.rate_limit_per_user ?? 0,
        ...(isVoiceLike(c.type) ? { bitrate: c.bitrate ?? 64000, userLimit: c.user_limit ?? 0 } : {}),
      }));
      for (const [j, o] of (c.permission_overwrites ?? []).entries()) {
        const roleId = rolePlaceholders.get(o.id);
        if (!roleId) throw fieldError(['channels', i, 'permission_overwrites', j, 'id'], 'BASE_TYPE_INVALID', 'Unknown role');
        overwrites.push({ channelId: id, id: roleId, type: 0, allow: parsePermissions(o.allow ?? '0').toString(), deny: parsePermissions(o.deny ?? '0').toString() });
      }
    }
    const resolve = (p: string | null | undefined, type: number, field: string) => {
      if (p == null) return null;
      const id = placeholderIds.get(p);
      if (!id || channels.find((c) => c.id === id)!.type !== type) throw fieldError(field, 'BASE_TYPE_INVALID', 'Invalid channel');
      return id;
    };
    systemChannelId = resolve(body.system_channel_id, ChannelType.GUILD_TEXT, 'system_channel_id');
    afkChannelId = resolve(body.afk_channel_id, ChannelType.GUILD_VOICE, 'afk_channel_id');
  } else {
    const textCategory = newGuildChannel(ids.next(), guildId, at, { type: ChannelType.GUILD_CATEGORY, name: 'Text Channels', position: 0 });
    const voiceCategory = newGuildChannel(ids.next(), guildId, at, { type: ChannelType.GUILD_CATEGORY, name: 'Voice Channels', position: 1 });
    const general = newGuildChannel(ids.next(), guildId, at, { type: ChannelType.GUILD_TEXT, name: 'general', position: 0, parentId: textCategory.id });
    const voice = newGuildChannel(ids.next(), guildId, at, { type: ChannelType.GUILD_VOICE, name: 'General', position: 0, parentId: voiceCategory.id });
    channels.push(textCategory, voiceCategory, general, voice);
    systemChannelId = general.id;
  }
  if (body.afk_timeout !== undefined && !AFK_TIMEOUTS.includes(body.afk_timeout)) throw fieldError('afk_timeout', 'BASE_TYPE_CHOICES', `Value must be one of ${AFK_TIMEOUTS.join(', ')}.`);

  // The icon's bytes are stored before the guild that names them.
  const icon = body.icon != null ? await acceptImage(ctx.deps, body.icon, { field: 'icon', owner: { kind: 'icons', id: guildId } }) : null;
  const guild: GuildRecord = {
    id: guildId, name: body.name, icon, banner: null, splash: null, description: null, ownerId: user.id,
    systemChannelId, afkChannelId, afkTimeout: body.afk_timeout ?? 300, verificationLevel: body.verification_level ?? 0,
    defaultMessageNotifications: body.default_message_notifications ?? 0, explicitContentFilter: body.explicit_content_filter ?? 0,
    preferredLocale: 'en-US', features: [], createdAt: at,
    ...(body.system_channel_flags ? { systemChannelFlags: body.system_channel_flags } : {}),
  };
  const owner: MemberRecord = {
    guildId, userId: user.id, nick: null, avatar: null, roles: [], joinedAt: at, deaf: false, mute: false, pending: false,
    communicationDisabledUntil: null, flags: 0,
  };
  await store.guilds.create({ guild, roles, channels, overwrites, owner });
  ctx.dispatch.users([user.id], 'GUILD_CREATE', guildCreatePayload({
    guild, roles, channels, overwrites, members: [{ member: owner, user }], memberCount: 1, joinedAt: at,
  }));
  return guildJson(guild, roles);
}

/**
 * Discord's mutable guild features and what changing each needs: COMMUNITY and DISCOVERABLE Administrator,
 * INVITES_DISABLED (joins through invites refused, routes/invites.ts) and RAID_ALERTS_DISABLED Manage Server.
 */
const MUTABLE_FEATURES: Readonly<Record<string, bigint>> = {
  COMMUNITY: Permissions.ADMINISTRATOR,
  DISCOVERABLE: Permissions.ADMINISTRATOR,
  INVITES_DISABLED: Permissions.MANAGE_GUILD,
  RAID_ALERTS_DISABLED: Permissions.MANAGE_GUILD,
};

/**
 * The change a Modify Guild naming `wanted` makes to the guild's features: the mutable ones as asked (50013 for
 * one the caller may not change); a request cannot add or drop any other, as on Discord, which ignores them. The
 * store applies it to the list as it is then, so an onboarding or welcome-screen edit at the same moment is kept.
 * Null when nothing changes.
 */
function mutableFeatureChange(current: readonly string[], wanted: readonly string[], access: GuildAccess): FeatureChange | null {
  const asked = new Set(wanted);
  const change = { add: [] as string[], remove: [] as string[] };
  for (const [feature, needs] of Object.entries(MUTABLE_FEATURES)) {
    if (current.includes(feature) === asked.has(feature)) continue;
    requirePermission(access, needs);
    (asked.has(feature) ? change.add : change.remove).push(feature);
  }
  return change.add.length || change.remove.length ? change : null;
}

export function registerGuildsRoutes(ctx: RouteContext): void {
  const { store, ids, now } = ctx.deps;

  ctx.post('/guilds', { limit: RouteLimits.guildCreate, status: 201, bodyLimit: imageBodyLimit(ctx.deps.config, 1) }, (req) => createGuild(ctx, req.user, parse(createGuildBody, req.body)));

  ctx.get('/guilds/:guildId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const q = parse(z.object({ with_counts: queryBool.optional() }), req.query);
    const guildId = access.guild.id;
    const counts = q.with_counts
      ? { approximateMemberCount: await store.members.count(guildId), approximatePresenceCount: await ctx.presenceCounts.online(guildId) }
      : {};
    return guildObjectJson(store, access.guild, access.roles, counts);
  });

  // "If the user is not in the guild, then the guild must be discoverable"; otherwise it is unknown to them.
  ctx.get('/guilds/:guildId/preview', {}, async (req) => {
    const guildId = req.params.guildId;
    const guild = isSnowflake(guildId) ? await store.guilds.get(guildId) : null;
    if (!guild) throw new ApiError(ErrorCodes.UNKNOWN_GUILD);
    if (!guild.features.includes('DISCOVERABLE') && !(await store.members.get(guild.id, req.user.id))) throw new ApiError(ErrorCodes.UNKNOWN_GUILD);
    const [memberCount, presenceCount, { emojis, stickers }] = await Promise.all([
      store.members.count(guild.id), ctx.presenceCounts.online(guild.id), guildExpressionsJson(store, guild.id),
    ]);
    return {
      id: guild.id, name: guild.name, icon: guild.icon, splash: guild.splash, discovery_splash: null, emojis, features: guild.features,
      approximate_member_count: memberCount, approximate_presence_count: presenceCount, description: guild.description, stickers,
    };
  });

  ctx.patch('/guilds/:guildId', { bodyLimit: imageBodyLimit(ctx.deps.config, 3) }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_GUILD);
    const body = parse(patchGuildBody, req.body);
    const guildId = access.guild.id;
    const patch: Partial<GuildRecord> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.description !== undefined) patch.description = body.description ?? null;
    if (body.verification_level !== undefined) patch.verificationLevel = body.verification_level ?? 0;
    if (body.default_message_notifications !== undefined) patch.defaultMessageNotifications = body.default_message_notifications ?? 0;
    if (body.explicit_content_filter !== undefined) patch.explicitContentFilter = body.explicit_content_filter ?? 0;
    if (body.preferred_locale !== undefined) patch.preferredLocale = body.preferred_locale ?? 'en-US';
    if (body.afk_timeout !== undefined) {
      if (!AFK_TIMEOUTS.includes(body.afk_timeout)) throw fieldError('afk_timeout', 'BASE_TYPE_CHOICES', `Value must be one of ${AFK_TIMEOUTS.join(', ')}.`);
      patch.afkTimeout = body.afk_timeout;
    }
    const channelOfType = async (id: string | null | undefined, type: number, field: string) => {
      if (id == null) return null;
      const c = await store.channels.get(id);
      if (!c || c.guildId !== guildId || c.type !== type) throw fieldError(field, 'BASE_TYPE_INVALID', 'Invalid channel');
      return c.id;
    };
    if (body.system_channel_id !== undefined) patch.systemChannelId = await channelOfType(body.system_channel_id, ChannelType.GUILD_TEXT, 'system_channel_id');
    if (body.afk_channel_id !== undefined) patch.afkChannelId = await channelOfType(body.afk_channel_id, ChannelType.GUILD_VOICE, 'afk_channel_id');
    if (body.rules_channel_id !== undefined) patch.rulesChannelId = await channelOfType(body.rules_channel_id, ChannelType.GUILD_TEXT, 'rules_channel_id');
    if (body.public_updates_channel_id !== undefined) patch.publicUpdatesChannelId = await channelOfType(body.public_updates_channel_id, ChannelType.GUILD_TEXT, 'public_updates_channel_id');
    if (body.safety_alerts_channel_id !== undefined) patch.safetyAlertsChannelId = await channelOfType(body.safety_alerts_channel_id, ChannelType.GUILD_TEXT, 'safety_alerts_channel_id');
    if (body.system_channel_flags !== undefined) patch.systemChannelFlags = body.system_channel_flags ?? 0;
    if (body.premium_progress_bar_enabled !== undefined) patch.premiumProgressBarEnabled = body.premium_progress_bar_enabled ?? false;
    const featureChange = body.features != null ? mutableFeatureChange(access.guild.features, body.features, access) : null;
    if (body.owner_id !== undefined && body.owner_id !== access.guild.ownerId) {
      if (!access.isOwner) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
      const [member, user] = await Promise.all([store.members.get(guildId, body.owner_id), store.users.get(body.owner_id)]);
      if (!member || !user) throw fieldError('owner_id', 'GUILD_OWNER_INVALID', 'The new owner must be a member of the guild');
      if (user.bot) throw fieldError('owner_id', 'GUILD_OWNER_INVALID', 'Cannot transfer ownership to a bot user');
      patch.ownerId = body.owner_id;
    }
    if (body.vanity_url_code !== undefined) Object.assign(patch, await vanityPatch(ctx, access, body.vanity_url_code));
    // Images last, once everything else is valid: their bytes are stored before the hashes that name them.
    // Discord gates banners and splashes behind boost levels; a self-hosted guild has every feature.
    const g = access.guild;
    if (body.icon !== undefined) patch.icon = await acceptImage(ctx.deps, body.icon, { field: 'icon', owner: { kind: 'icons', id: guildId }, current: g.icon });
    if (body.banner !== undefined) patch.banner = await acceptImage(ctx.deps, body.banner, { field: 'banner', owner: { kind: 'banners', id: guildId }, current: g.banner });
    if (body.splash !== undefined) patch.splash = await acceptImage(ctx.deps, body.splash, { field: 'splash', owner: { kind: 'splashes', id: guildId }, current: g.splash });
    const guild = Object.keys(patch).length || featureChange ? await store.guilds.update(guildId, patch, featureChange ? { features: featureChange } : undefined) : access.guild;
    const json = await guildObjectJson(store, guild, access.roles);
    ctx.dispatch.guild(guildId, 'GUILD_UPDATE', json);
    const changes = diffChanges(guildJson(access.guild, access.roles), json, GUILD_AUDIT_KEYS);
    if (changes.length) await recordAudit(ctx, req, guildId, { actionType: AuditLogEvent.GUILD_UPDATE, targetId: guildId, changes });
    return json;
  });

  // Only the owner deletes; anyone else lacks the permission (50013), whatever roles they hold.
  ctx.delete('/guilds/:guildId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    if (!access.isOwner) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const emojis = await store.guildEmojis.listByGuild(access.guild.id);
    const stickers = await store.guildStickers.listByGuild(access.guild.id);
    const sounds = await store.guildSounds.listByGuild(access.guild.id);
    const linked = await store.lobbies.listLinkedTo((await store.channels.listByGuild(access.guild.id)).map((c) => c.id));
    // The files of every channel's messages go after the commit (messages/write.ts).
    await ctx.writes.deleteGuild(access.guild.id);
    // Lobbies linked to its channels are unlinked with them; their members hear of it.
    await announceUnlinked(ctx, linked);
    ctx.dispatch.guild(access.guild.id, 'GUILD_DELETE', { id: access.guild.id });
    // The custom emoji's images (their rows went with the guild).
    await deleteEmojiImages(ctx.deps.blobs, emojis.map((e) => e.id));
    await deleteStickerFiles(ctx.deps.blobs, stickers.map((s) => s.id));
    await deleteSoundFiles(ctx.deps.blobs, sounds.map((s) => s.id));
    return undefined;
  });

  ctx.get('/guilds/:guildId/channels', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const [channels, overwrites] = await Promise.all([store.channels.listByGuild(access.guild.id), store.overwrites.listByGuild(access.guild.id)]);
    const byChannel = groupOverwrites(overwrites);
    const pctx = permissionContext(access.guild, access.member, access.roles, now());
    return Promise.all(channels
      .filter((c) => {
        const ows = (byChannel.get(c.id) ?? []).map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) }));
        return hasPermission(computeChannelPermissions(pctx, ows), Permissions.VIEW_CHANNEL);
      })
      .map(async (c) => {
        const json = channelJson(c, { overwrites: byChannel.get(c.id) ?? [] });
        // Forum and media channels with their tags and defaults.
        return c.type === 15 || c.type === 16 ? { ...json, ...forumFields(c, await store.threads.getForum(c.id)) } : json;
      }));
  });

  ctx.post('/guilds/:guildId/channels', { status: 201 }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_CHANNELS);
    const body = parse(createChannelBody, req.body);
    const guildId = access.guild.id;
    const existing = await store.channels.listByGuild(guildId);
    if (existing.length >= MAX_CHANNELS_PER_GUILD) throw new ApiError(ErrorCodes.MAX_CHANNELS);
    let parent: ChannelRecord | undefined;
    if (body.parent_id != null) {
      parent = existing.find((c) => c.id === body.parent_id);
      if (!parent || parent.type !== ChannelType.GUILD_CATEGORY || body.type === ChannelType.GUILD_CATEGORY) {
        throw fieldError('parent_id', 'CHANNEL_PARENT_INVALID', 'Invalid parent channel');
      }
    }
    checkTopicLength(body.type, body.topic);
    if (body.permission_overwrites) checkOverwrites(access, body.permission_overwrites);
    const channel = newGuildChannel(ids.next(), guildId, now(), {
      type: body.type, name: channelName(body.name, body.type),
      position: body.position ?? existing.reduce((max, c) => Math.max(max, c.position + 1), 0),
      parentId: parent?.id ?? null, topic: body.topic ?? null, nsfw: body.nsfw ?? false,
      rateLimitPerUser: body.type === ChannelType.GUILD_ANNOUNCEMENT ? 0 : body.rate_limit_per_user ?? 0,
      ...(isVoiceLike(body.type) ? { bitrate: body.bitrate ?? 64000, userLimit: body.user_limit ?? 0 } : {}),
      ...threadDefaultsPatch(body.type, body),
    });
    // A channel created in a category starts synced with it (Discord's behaviour) unless overwrites are given.
    const overwrites: OverwriteRecord[] = body.permission_overwrites
      ? body.permission_overwrites.map((o) => ({ channelId: channel.id, id: o.id, type: o.type, allow: parsePermissions(o.allow).toString(), deny: parsePermissions(o.deny).toString() }))
      : parent ? (await store.overwrites.listByChannel(parent.id)).map((o) => ({ ...o, channelId: channel.id })) : [];
    await store.channels.create(channel, [], overwrites);
    let json: Record<string, unknown> = channelJson(channel, { overwrites });
    if (body.type === 15 || body.type === 16) {
      const settings = forumSettingsFrom(channel.id, body.type, body, () => ids.next());
      await store.threads.putForum(settings);
      json = { ...json, ...forumFields(channel, settings) };
    }
    ctx.dispatch.guild(guildId, 'CHANNEL_CREATE', json, { channelId: channel.id });
    await recordAudit(ctx, req, guildId, { actionType: AuditLogEvent.CHANNEL_CREATE, targetId: channel.id, changes: createdChanges(json, CHANNEL_AUDIT_KEYS) });
    return json;
  });

  ctx.patch('/guilds/:guildId/channels', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_CHANNELS);
    const body = parse(reorderBody, req.body);
    const guildId = access.guild.id;
    const before = new Map((await store.channels.listByGuild(guildId)).map((c) => [c.id, c]));
    const updates: ChannelPositionUpdate[] = [];
    const locks: string[] = [];
    body.forEach((u, i) => {
      const c = before.get(u.id);
      if (!c) throw fieldError([i, 'id'], 'CHANNEL_INVALID', 'Unknown channel');
      const update: ChannelPositionUpdate = { id: c.id, position: u.position ?? c.position };
      if (u.parent_id !== undefined) {
        const parent = u.parent_id === null ? null : before.get(u.parent_id);
        if (parent === undefined || (parent && (parent.type !== ChannelType.GUILD_CATEGORY || c.type === ChannelType.GUILD_CATEGORY))) {
          throw fieldError([i, 'parent_id'], 'CHANNEL_PARENT_INVALID', 'Invalid parent channel');
        }
        update.parentId = parent ? parent.id : null;
        if (u.lock_permissions && parent) {
          update.lockPermissions = true;
          locks.push(c.id);
        }
      }
      updates.push(update);
    });
    // Syncing replaces a channel's overwrites, which is editing them: MANAGE_ROLES in that channel (so also
    // VIEW_CHANNEL), as PUT /channels/{id}/permissions needs. MANAGE_CHANNELS alone let a member move a
    // private channel into a public category with lock_permissions and open it to everyone.
    for (const id of locks) requirePermission(await channelAccess(store, id, req.user.id, now()), Permissions.MANAGE_ROLES);
    // Positions, parents and the overwrite copies of locked channels: one transaction.
    await store.channels.setPositions(guildId, updates);
    const [after, overwrites] = await Promise.all([store.channels.listByGuild(guildId), store.overwrites.listByGuild(guildId)]);
    const byChannel = groupOverwrites(overwrites);
    for (const c of after) {
      const old = before.get(c.id);
      if (old && old.position === c.position && old.parentId === c.parentId && !locks.includes(c.id)) continue;
      ctx.dispatch.guild(guildId, 'CHANNEL_UPDATE', channelJson(c, { overwrites: byChannel.get(c.id) ?? [] }), { channelId: c.id });
    }
    return undefined;
  });
}

export function newRole(id: string, guildId: string, fields: Partial<RoleRecord> & { name: string; position: number; permissions: string }): RoleRecord {
  return {
    id, guildId, color: 0, hoist: false, managed: false, mentionable: false, icon: null, unicodeEmoji: null, botId: null, flags: 0, ...fields,
  };
}
