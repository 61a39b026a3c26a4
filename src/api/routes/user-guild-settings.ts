/**
 * A user's notification settings per guild, Discord's user guild settings: PATCH /users/@me/guilds/{guild.id}/settings
 * (`@me` for DMs). The answer, and USER_GUILD_SETTINGS_UPDATE to every session of the user, carry the whole object.
 */
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import {
  MessageNotifications, type ChannelNotificationOverride, type MessageNotificationLevel, type UserGuildSettingsRecord,
} from '../../store/notification-settings.ts';
import { userGuildSettingsJson } from '../../shapes/user-guild-settings.ts';
import type { Store } from '../../store/types.ts';
import type { RouteContext } from '../route.ts';
import { parse, z } from '../validate.ts';

/** Discord's mute_config: the window the client picked (seconds, -1 = until unmuted) and when it ends. */
const muteConfig = z.object({
  selected_time_window: z.number().int().min(-1).max(10 * 365 * 86400).optional(),
  end_time: z.iso.datetime({ offset: true }).nullish(),
}).nullable();

const channelOverride = z.object({
  channel_id: z.string().optional(),
  message_notifications: z.number().int().min(0).max(3).optional(),
  muted: z.boolean().optional(),
  mute_config: muteConfig.optional(),
  collapsed: z.boolean().optional(),
});

const settingsBody = z.object({
  // 3 (Discord's "null") returns to the guild's default_message_notifications.
  message_notifications: z.number().int().min(0).max(3).optional(),
  suppress_everyone: z.boolean().optional(),
  suppress_roles: z.boolean().optional(),
  muted: z.boolean().optional(),
  mute_config: muteConfig.optional(),
  mobile_push: z.boolean().optional(),
  hide_muted_channels: z.boolean().optional(),
  // Keyed by channel id; a guild has at most 500 channels.
  channel_overrides: z.record(z.string(), channelOverride).refine((o) => Object.keys(o).length <= 500, { error: 'Must be 500 or fewer in length.' }).optional(),
});

type MuteConfig = z.infer<typeof muteConfig>;
type Mute = { muted: boolean; muteEndTime: number | null; muteTimeWindow?: number | null };

/**
 * Applies `muted` / `mute_config` to a mute. An end_time ends it then; a window without end_time ends it that many
 * seconds from now (Discord's client always sends both); muted without mute_config mutes until unmuted; unmuting
 * clears the config, as Discord's client then shows no timer.
 */
function applyMute(current: Mute, muted: boolean | undefined, config: MuteConfig | undefined, now: number): Mute {
  const next: Mute = { muted: current.muted, muteEndTime: current.muteEndTime, muteTimeWindow: current.muteTimeWindow ?? null };
  if (muted !== undefined) next.muted = muted;
  if (config !== undefined) {
    const window = config?.selected_time_window ?? null;
    next.muteTimeWindow = window;
    if (config?.end_time) next.muteEndTime = Date.parse(config.end_time);
    else if (config?.end_time === undefined && window !== null && window > 0) next.muteEndTime = now + window * 1000;
    else next.muteEndTime = null;
  } else if (muted === true && !current.muted) {
    next.muteEndTime = null;
    next.muteTimeWindow = null;
  }
  if (!next.muted) {
    next.muteEndTime = null;
    next.muteTimeWindow = null;
  }
  return next;
}

/** The channels whose overrides the settings of `guildId` may hold: the guild's, or the user's private channels. */
async function allowedChannels(store: Store, guildId: string | null, userId: string): Promise<Set<string>> {
  const channels = guildId === null ? await store.channels.listPrivateForUser(userId) : await store.channels.listByGuild(guildId);
  return new Set(channels.map((c) => c.id));
}

type SettingsBody = z.infer<typeof settingsBody>;

/** `current` with the PATCH applied; `allowed` are the channels overrides may name (checked before). */
function merge(current: UserGuildSettingsRecord, body: SettingsBody, allowed: Set<string> | null, now: number): UserGuildSettingsRecord {
  const next: UserGuildSettingsRecord = { ...current };
  if (body.message_notifications !== undefined) {
    next.messageNotifications = body.message_notifications === MessageNotifications.INHERIT ? null : (body.message_notifications as MessageNotificationLevel);
  }
  if (body.suppress_everyone !== undefined) next.suppressEveryone = body.suppress_everyone;
  if (body.suppress_roles !== undefined) next.suppressRoles = body.suppress_roles;
  if (body.mobile_push !== undefined) next.mobilePush = body.mobile_push;
  if (body.hide_muted_channels !== undefined) next.hideMutedChannels = body.hide_muted_channels;
  Object.assign(next, applyMute(current, body.muted, body.mute_config, now));
  if (body.channel_overrides && allowed) {
    // Merged as Discord's client expects: the channels named are updated field by field, the others kept.
    const overrides = new Map(current.channelOverrides.map((o) => [o.channelId, o]));
    for (const [channelId, patch] of Object.entries(body.channel_overrides)) {
      const was: ChannelNotificationOverride = overrides.get(channelId) ?? {
        channelId, messageNotifications: MessageNotifications.INHERIT, muted: false, muteEndTime: null, muteTimeWindow: null, collapsed: false,
      };
      overrides.set(channelId, {
        ...was,
        ...applyMute(was, patch.muted, patch.mute_config, now),
        messageNotifications: (patch.message_notifications ?? was.messageNotifications) as MessageNotificationLevel,
        collapsed: patch.collapsed ?? was.collapsed,
      });
    }
    // Overrides of channels deleted since are dropped.
    next.channelOverrides = [...overrides.values()].filter((o) => allowed.has(o.channelId));
  }
  return next;
}

export function registerUserGuildSettingsRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  ctx.patch('/users/@me/guilds/:guildId/settings', { auth: 'user' }, async (req) => {
    const guildId = req.params.guildId === '@me' ? null : req.params.guildId;
    // Unknown guild and a guild the caller is not in answer alike (10004), as Discord does for this route.
    if (guildId !== null) {
      if (!isSnowflake(guildId) || !(await store.guilds.get(guildId)) || !(await store.members.get(guildId, req.user.id))) {
        throw new ApiError(ErrorCodes.UNKNOWN_GUILD);
      }
    }
    const body = parse(settingsBody, req.body);
    let allowed: Set<string> | null = null;
    if (body.channel_overrides) {
      allowed = await allowedChannels(store, guildId, req.user.id);
      for (const [channelId, patch] of Object.entries(body.channel_overrides)) {
        if (!isSnowflake(channelId) || !allowed.has(channelId)) {
          throw fieldError(['channel_overrides', channelId], 'CHANNEL_OVERRIDE_INVALID_CHANNEL', 'Unknown channel.');
        }
        if (patch.channel_id !== undefined && patch.channel_id !== channelId) {
          throw fieldError(['channel_overrides', channelId, 'channel_id'], 'BASE_TYPE_INVALID', 'Must match the key.');
        }
      }
    }
    // Read, merge, write if nobody wrote meanwhile (two tabs saving at once both keep their change); else again.
    for (let attempt = 0; ; attempt++) {
      const current = await store.userGuildSettings.get(req.user.id, guildId);
      const stored = await store.userGuildSettings.putIfVersion(merge(current, body, allowed, ctx.deps.now()), current.version);
      if (stored) {
        const json = userGuildSettingsJson(stored);
        ctx.dispatch.users([req.user.id], 'USER_GUILD_SETTINGS_UPDATE', json);
        return json;
      }
      if (attempt >= 8) throw new Error('user guild settings: too many concurrent writes');
    }
  });
}
