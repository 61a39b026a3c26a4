/**
 * The smaller guild routes bots and dashboards call: bulk ban, prune (count and run), the welcome screen, the
 * widget settings, its public widget.json and widget.png (media/widget-image.ts), the vanity invite's data, and
 * incident actions (pausing invites and DMs).
 *
 * Prune counts a member inactive when they hold no role (but those of `include_roles`), joined more than `days`
 * ago and have not posted a message in the guild for `days` (Accord keeps no other "last seen" time: presence is
 * not stored). The owner and members the caller could not kick (role hierarchy) are never pruned.
 */
import { memberGone } from '../integrations.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { PresenceSubjects } from '../../contracts/presence.ts';
import { RoleClient } from '../../contracts/role-client.ts';
import { ChannelType, type AuditLogEntryRecord, type GuildRecord, type WelcomeScreenRecord } from '../../store/types.ts';
import { guildJson, incidentsDataJson, publicUser } from '../../shapes/serialize.ts';
import { everyoneChannelPermissions, guildAccess, requirePermission, topRolePosition, type GuildAccess } from '../access.ts';
import { auditEntry, diffChanges, publishAudit, recordAudit } from '../audit-log.ts';
import { publicHttpBase } from '../public-url.ts';
import { imageKey } from '../../media/image-keys.ts';
import { renderWidgetImage, WIDGET_STYLES } from '../../media/widget-image.ts';
import { guildObjectJson } from './guild-object.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

/** Discord's welcome screen JSON. */
export function welcomeScreenJson(w: WelcomeScreenRecord | null | undefined) {
  return {
    description: w?.description ?? null,
    welcome_channels: (w?.welcomeChannels ?? []).map((c) => ({ channel_id: c.channelId, description: c.description, emoji_id: c.emojiId, emoji_name: c.emojiName })),
  };
}

const WELCOME_FEATURE = 'WELCOME_SCREEN_ENABLED';

const bulkBanBody = z.object({
  user_ids: z.array(snowflake).min(1).max(200),
  delete_message_seconds: z.number().int().min(0).max(604800).optional(),
});

const includeRolesQuery = z.union([z.string(), z.array(z.string())]).optional().transform((v, c) => {
  const list = (Array.isArray(v) ? v.join(',') : v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!isSnowflake(s)) { c.addIssue({ code: 'custom', message: 'Value "' + s + '" is not snowflake.' }); return z.NEVER; }
  return list;
});

const pruneQuery = z.object({ days: z.coerce.number().int().min(1).max(30).default(7), include_roles: includeRolesQuery });
const pruneBody = z.object({
  days: z.number().int().min(1).max(30).default(7),
  compute_prune_count: z.boolean().default(true),
  include_roles: z.array(snowflake).max(250).optional(),
  reason: z.string().max(512).optional(),
});

const welcomeBody = z.object({
  enabled: z.boolean().nullish(),
  description: z.string().max(140).nullish(),
  welcome_channels: z.array(z.object({
    channel_id: snowflake,
    description: z.string().min(1).max(42),
    emoji_id: snowflake.nullish(),
    emoji_name: z.string().max(64).nullish(),
  })).max(5).nullish(),
});

const widgetBody = z.object({ enabled: z.boolean().optional(), channel_id: snowflake.nullish() });
const widgetImageQuery = z.object({ style: z.enum(WIDGET_STYLES).default('shield') });
/** Widget images kept rendered (about 2–15 KB each). */
const WIDGET_IMAGE_CACHE = 512;

/** Widget members listed at most, as Discord. */
const WIDGET_MAX_MEMBERS = 100;

/** Discord's longest pause of invites or DMs. */
export const MAX_INCIDENT_ACTION_MS = 24 * 60 * 60 * 1000;
const incidentActionsBody = z.object({
  invites_disabled_until: z.iso.datetime({ offset: true }).nullish(),
  dms_disabled_until: z.iso.datetime({ offset: true }).nullish(),
});

export function registerGuildCommunityRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;
  const presence = new RoleClient({ bus: ctx.deps.bus, role: 'presence', timeoutMs: Math.min(500, Math.max(50, Math.floor(ctx.deps.config.roleTimeoutMs / 4))), now });

  const withPermissions = async (req: RouteRequest<{ guildId: string }>, needed: bigint) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, needed);
    return access;
  };

  // ---------------------------------------------------------------------------------------------- bulk ban

  ctx.post('/guilds/:guildId/bulk-ban', {}, async (req) => {
    const access = await withPermissions(req, Permissions.BAN_MEMBERS | Permissions.MANAGE_GUILD);
    const body = parse(bulkBanBody, req.body);
    const guild = access.guild;
    const seconds = body.delete_message_seconds ?? 0;
    const banned: string[] = [];
    const failed: string[] = [];
    const entries: AuditLogEntryRecord[] = [];
    for (const userId of [...new Set(body.user_ids)]) {
      // The caller is left out of both lists, as on Discord.
      if (userId === req.user.id) continue;
      const [target, existing, member] = await Promise.all([store.users.get(userId), store.bans.get(guild.id, userId), store.members.get(guild.id, userId)]);
      if (!target || existing || userId === guild.ownerId || (member && !access.isOwner && access.topPosition <= topRolePosition(guild, member, access.roles))) {
        failed.push(userId);
        continue;
      }
      const entry = auditEntry(ctx, req, guild.id, { actionType: AuditLogEvent.MEMBER_BAN_ADD, targetId: userId });
      try {
        await ctx.writes.ban(
          { guildId: guild.id, userId, reason: entry.reason, createdAt: now() },
          seconds > 0 ? now() - seconds * 1000 : undefined,
          publicUser(target),
          [entry],
        );
      } catch (err) {
        ctx.deps.log.warn({ err, guildId: guild.id, userId }, 'bulk ban: one ban failed');
        failed.push(userId);
        continue;
      }
      if (member) await memberGone(ctx, guild.id, target);
      banned.push(userId);
      entries.push(entry);
    }
    await publishAudit(ctx, ...entries);
    if (!banned.length) throw new ApiError(ErrorCodes.FAILED_TO_BAN_USERS);
    return { banned_users: banned, failed_users: failed };
  });

  // -------------------------------------------------------------------------------------------------- prune

  /** Who a prune of `days` would remove: candidates the caller may kick. */
  const pruneTargets = async (access: GuildAccess, days: number, includeRoles: readonly string[]) => {
    const roles = includeRoles.filter((r) => access.roles.some((x) => x.id === r));
    const ids = await store.guildCommunity.pruneCandidates(access.guild.id, now() - days * 86_400_000, roles);
    if (!roles.length || access.isOwner) return ids;
    const members = await store.members.getMany(access.guild.id, ids);
    return members.filter((m) => access.topPosition > topRolePosition(access.guild, m, access.roles)).map((m) => m.userId);
  };

  // Discord: "Requires the MANAGE_GUILD and KICK_MEMBERS permissions", for the count as for the prune.
  ctx.get('/guilds/:guildId/prune', {}, async (req) => {
    const access = await withPermissions(req, Permissions.KICK_MEMBERS | Permissions.MANAGE_GUILD);
    const q = parse(pruneQuery, req.query);
    return { pruned: (await pruneTargets(access, q.days, q.include_roles)).length };
  });

  ctx.post('/guilds/:guildId/prune', {}, async (req) => {
    const access = await withPermissions(req, Permissions.KICK_MEMBERS | Permissions.MANAGE_GUILD);
    const body = parse(pruneBody, req.body ?? {});
    const guildId = access.guild.id;
    const targets = await pruneTargets(access, body.days, body.include_roles ?? []);
    const users = new Map((await store.users.getMany(targets)).map((u) => [u.id, u]));
    let entry: AuditLogEntryRecord | undefined;
    const removed = targets.length
      ? await store.guildCommunity.removeMembers(guildId, targets, {
          audit: (gone) => {
            entry = auditEntry(ctx, req, guildId, {
              actionType: AuditLogEvent.MEMBER_PRUNE, targetId: null,
              options: { delete_member_days: String(body.days), members_removed: String(gone.length) },
            });
            if (entry.reason === null && body.reason) entry.reason = body.reason;
            return [entry];
          },
        })
      : [];
    for (const userId of removed) {
      const user = users.get(userId);
      ctx.dispatch.guild(guildId, 'GUILD_MEMBER_REMOVE', { guild_id: guildId, user: user ? publicUser(user) : { id: userId } });
    }
    if (entry) await publishAudit(ctx, entry);
    return { pruned: body.compute_prune_count ? removed.length : null };
  });

  // ----------------------------------------------------------------------------------------- welcome screen

  ctx.get('/guilds/:guildId/welcome-screen', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    if (!access.guild.features.includes(WELCOME_FEATURE)) requirePermission(access, Permissions.MANAGE_GUILD);
    return welcomeScreenJson(access.guild.welcomeScreen);
  });

  /**
   * Incident actions (Discord's Modify Guild Incident Actions): pause joining through invites, and DMs between
   * members who are not friends (api/relationships.ts), each for at most 24 hours. A PUT sets both: a field left
   * out or null ends its action, as does a time already past. Manage Server; answers the incidents data, and
   * GUILD_UPDATE carries it to every member.
   */
  ctx.put('/guilds/:guildId/incident-actions', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_GUILD);
    const body = parse(incidentActionsBody, req.body ?? {});
    const at = now();
    const until = (field: 'invites_disabled_until' | 'dms_disabled_until') => {
      const value = body[field];
      if (value == null) return null;
      const ms = Date.parse(value);
      if (ms > at + MAX_INCIDENT_ACTION_MS) throw fieldError(field, 'BASE_TYPE_BAD_TIME', 'Can be at most 24 hours in the future');
      return ms > at ? ms : null;
    };
    const patch = { invitesDisabledUntil: until('invites_disabled_until'), dmsDisabledUntil: until('dms_disabled_until') };
    const guild = await store.guilds.update(access.guild.id, patch);
    await announceGuild(access, guild, req);
    return incidentsDataJson(guild) ?? { invites_disabled_until: null, dms_disabled_until: null, dm_spam_detected_at: null, raid_detected_at: null };
  });

  ctx.patch('/guilds/:guildId/welcome-screen', {}, async (req) => {
    const access = await withPermissions(req, Permissions.MANAGE_GUILD);
    const body = parse(welcomeBody, req.body ?? {});
    const g = access.guild;
    const current: WelcomeScreenRecord = g.welcomeScreen ?? { enabled: g.features.includes(WELCOME_FEATURE), description: null, welcomeChannels: [] };
    const next: WelcomeScreenRecord = { ...current, welcomeChannels: [...current.welcomeChannels] };
    if (body.enabled != null) next.enabled = body.enabled;
    if (body.description !== undefined) next.description = body.description || null;
    if (body.welcome_channels != null) {
      const channels = new Map((await store.channels.listByGuild(g.id)).map((c) => [c.id, c]));
      const emojis = new Set((await store.guildEmojis.listByGuild(g.id)).map((e) => e.id));
      body.welcome_channels.forEach((c, i) => {
        if (!channels.has(c.channel_id)) throw fieldError(['welcome_channels', i, 'channel_id'], 'CHANNEL_INVALID', 'Invalid channel');
        if (c.emoji_id && !emojis.has(c.emoji_id)) throw fieldError(['welcome_channels', i, 'emoji_id'], 'EMOJI_INVALID', 'Invalid emoji');
      });
      next.welcomeChannels = body.welcome_channels.map((c) => ({ channelId: c.channel_id, description: c.description, emojiId: c.emoji_id ?? null, emojiName: c.emoji_name ?? null }));
    }
    // The feature is changed, not the list written as read: a concurrent edit of another feature is kept.
    const change = next.enabled ? { add: [WELCOME_FEATURE] } : { remove: [WELCOME_FEATURE] };
    const guild = await store.guilds.update(g.id, { welcomeScreen: next }, { features: change });
    await announceGuild(access, guild);
    return welcomeScreenJson(next);
  });

  /** GUILD_UPDATE with the guild as it is now, and its audit entry. */
  const announceGuild = async (access: GuildAccess, guild: GuildRecord, req?: RouteRequest<{ guildId: string }>) => {
    const json = await guildObjectJson(store, guild, access.roles);
    ctx.dispatch.guild(guild.id, 'GUILD_UPDATE', json);
    if (!req) return;
    const changes = diffChanges(guildJson(access.guild, access.roles), json, ['widget_enabled', 'widget_channel_id', 'vanity_url_code']);
    if (changes.length) await recordAudit(ctx, req, guild.id, { actionType: AuditLogEvent.GUILD_UPDATE, targetId: guild.id, changes });
  };

  // -------------------------------------------------------------------------------------------------- widget

  const widgetSettings = (g: GuildRecord) => ({ enabled: g.widgetEnabled ?? false, channel_id: g.widgetChannelId ?? null });

  ctx.get('/guilds/:guildId/widget', {}, async (req) => widgetSettings((await withPermissions(req, Permissions.MANAGE_GUILD)).guild));

  ctx.patch('/guilds/:guildId/widget', {}, async (req) => {
    const access = await withPermissions(req, Permissions.MANAGE_GUILD);
    const body = parse(widgetBody, req.body ?? {});
    const patch: Partial<GuildRecord> = {};
    if (body.enabled !== undefined) patch.widgetEnabled = body.enabled;
    if (body.channel_id !== undefined) {
      if (body.channel_id !== null) {
        const c = await store.channels.get(body.channel_id);
        if (!c || c.guildId !== access.guild.id || c.type === ChannelType.GUILD_CATEGORY) throw fieldError('channel_id', 'CHANNEL_INVALID', 'Invalid channel');
      }
      patch.widgetChannelId = body.channel_id;
    }
    const guild = Object.keys(patch).length ? await store.guilds.update(access.guild.id, patch) : access.guild;
    if (guild !== access.guild) await announceGuild(access, guild, req);
    return widgetSettings(guild);
  });

  ctx.get('/guilds/:guildId/widget.json', { auth: 'none' }, async (req) => {
    const guildId = req.params.guildId;
    const guild = isSnowflake(guildId) ? await store.guilds.get(guildId) : null;
    if (!guild) throw new ApiError(ErrorCodes.UNKNOWN_GUILD);
    if (!guild.widgetEnabled) throw new ApiError(ErrorCodes.WIDGET_DISABLED);
    const [roles, channels] = await Promise.all([store.roles.listByGuild(guild.id), store.channels.listByGuild(guild.id)]);
    // Voice channels @everyone may see, as Discord lists them.
    const visible = [];
    for (const c of channels) {
      if (c.type !== ChannelType.GUILD_VOICE) continue;
      const perms = await everyoneChannelPermissions(store, guild, roles, c.id, now());
      if (hasPermission(perms, Permissions.VIEW_CHANNEL | Permissions.CONNECT)) visible.push({ id: c.id, name: c.name ?? '', position: c.position });
    }
    const { present, members } = await onlineMembers(guild.id);
    const users = new Map((await store.users.getMany(present.slice(0, WIDGET_MAX_MEMBERS).map((p) => p.user.id))).map((u) => [u.id, u]));
    const cdn = ctx.deps.links.cdnBase();
    // Ids are positions, not user ids: the widget is public, as on Discord.
    const listed = present.slice(0, WIDGET_MAX_MEMBERS).flatMap((p, i) => {
      const u = users.get(p.user.id);
      if (!u) return [];
      const m = members.get(p.user.id)!;
      return [{
        id: String(i), username: m.nick ?? u.globalName ?? u.username, discriminator: '0000', avatar: null, status: p.status,
        avatar_url: u.avatar ? `${cdn}/avatars/${u.id}/${u.avatar}.png` : `${cdn}/embed/avatars/${Number((BigInt(u.id) >> 22n) % 6n)}.png`,
      }];
    });
    return {
      id: guild.id,
      name: guild.name,
      instant_invite: await instantInvite(guild, publicHttpBase(ctx.deps.config, req.raw)),
      channels: visible,
      members: listed,
      presence_count: present.length,
    };
  });

  /** The guild's online members (from the presence role; none when it does not answer), with their member rows. */
  const onlineMembers = async (guildId: string) => {
    let online: Array<{ user: { id: string }; status: string }> = [];
    try {
      const reply = await presence.request(PresenceSubjects.query, { guildId });
      online = Array.isArray(reply?.presences) ? reply.presences : [];
    } catch {}
    const members = new Map((await store.members.getMany(guildId, online.map((p) => p.user.id))).map((m) => [m.userId, m]));
    return { present: online.filter((p) => members.has(p.user.id)), members };
  };

  // Rendered images by guild, style, name, count and icon: a public, unauthenticated route draws each state once.
  const widgetImages = new Map<string, Buffer>();
  ctx.get('/guilds/:guildId/widget.png', { auth: 'none' }, async (req) => {
    const q = parse(widgetImageQuery, req.query);
    const guildId = req.params.guildId;
    const guild = isSnowflake(guildId) ? await store.guilds.get(guildId) : null;
    if (!guild) throw new ApiError(ErrorCodes.UNKNOWN_GUILD);
    if (!guild.widgetEnabled) throw new ApiError(ErrorCodes.WIDGET_DISABLED);
    const online = (await onlineMembers(guild.id)).present.length;
    const key = `${guild.id}/${q.style}/${online}/${guild.icon ?? ''}/${guild.name}`;
    let png = widgetImages.get(key);
    if (!png) {
      png = await renderWidgetImage(q.style, { name: guild.name, online, icon: guild.icon ? await iconBytes(guild.id, guild.icon) : null });
      if (widgetImages.size >= WIDGET_IMAGE_CACHE) widgetImages.delete(widgetImages.keys().next().value!);
      widgetImages.set(key, png);
    }
    return req.reply.header('content-type', 'image/png').header('cache-control', 'public, max-age=60').send(png);
  });

  /** The icon's bytes (at most 10 MB), or null when it cannot be read. */
  const iconBytes = async (guildId: string, icon: string): Promise<Buffer | null> => {
    try {
      const read = await ctx.deps.blobs.get(imageKey({ kind: 'icons', id: guildId }, icon));
      if (!read) return null;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of read.stream) {
        size += (chunk as Buffer).length;
        if (size > 10 * 1024 * 1024) return null;
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    } catch {
      return null;
    }
  };

  /**
   * The widget's invite: the vanity code, else a never-expiring unlimited invite of the widget channel for anyone,
   * giving no role, else null. The widget is public: an invite that gives roles or is meant for a list of users is
   * never published there.
   */
  const instantInvite = async (guild: GuildRecord, base: string): Promise<string | null> => {
    const link = (code: string) => `${base}/invite/${code}`;
    if (guild.vanityUrlCode) return link(guild.vanityUrlCode);
    if (!guild.widgetChannelId) return null;
    const invite = (await store.invites.listByChannel(guild.widgetChannelId)).find((i) => i.maxAge === 0 && i.maxUses === 0 && !i.temporary && !i.roleIds?.length && i.targetUsersAt == null);
    return invite ? link(invite.code) : null;
  };

  // --------------------------------------------------------------------------------------------------- vanity

  ctx.get('/guilds/:guildId/vanity-url', {}, async (req) => {
    const g = (await withPermissions(req, Permissions.MANAGE_GUILD)).guild;
    return { code: g.vanityUrlCode ?? null, uses: g.vanityUrlCode ? g.vanityUses ?? 0 : 0 };
  });
}

/** Sets the guild's vanity code (PATCH /guilds/{id} vanity_url_code, the owner only): 400 when taken or invalid. */
export async function vanityPatch(ctx: RouteContext, access: GuildAccess, code: string | null): Promise<Partial<GuildRecord>> {
  if (!access.isOwner) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  if (code === null || code === '') return { vanityUrlCode: null, vanityUses: 0 };
  if (!/^[A-Za-z0-9-]{2,32}$/.test(code)) throw fieldError('vanity_url_code', 'INVITE_CODE_INVALID', 'Vanity codes are 2–32 letters, digits or dashes');
  const lower = code.toLowerCase();
  if (lower === access.guild.vanityUrlCode) return {};
  const store = ctx.deps.store;
  if ((await store.guildCommunity.guildIdByVanityCode(lower)) || (await store.invites.get(code, ctx.deps.now())) || (await store.invites.get(lower, ctx.deps.now()))) {
    throw fieldError('vanity_url_code', 'INVITE_CODE_INVALID', 'Vanity URL is taken');
  }
  return { vanityUrlCode: lower, vanityUses: 0 };
}
