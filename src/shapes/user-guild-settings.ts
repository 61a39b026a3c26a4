/** Discord's user guild settings object (READY's user_guild_settings entries, USER_GUILD_SETTINGS_UPDATE, PATCH). */
import { MessageNotifications, type UserGuildSettingsRecord } from '../store/notification-settings.ts';
import type { Store } from '../store/types.ts';
import { iso } from './serialize.ts';

/** Discord's mute_config: null when no timed mute was chosen. */
function muteConfig(endTime: number | null, window: number | null | undefined): Record<string, unknown> | null {
  if (endTime === null && (window === null || window === undefined)) return null;
  return { selected_time_window: window ?? -1, end_time: endTime === null ? null : iso(endTime) };
}

export function userGuildSettingsJson(s: UserGuildSettingsRecord): Record<string, unknown> {
  return {
    guild_id: s.guildId,
    // 3 is Discord's "null": follow the guild's default_message_notifications.
    message_notifications: s.messageNotifications ?? MessageNotifications.INHERIT,
    suppress_everyone: s.suppressEveryone,
    suppress_roles: s.suppressRoles,
    muted: s.muted,
    mute_config: s.muted ? muteConfig(s.muteEndTime, s.muteTimeWindow) : null,
    mobile_push: s.mobilePush,
    hide_muted_channels: s.hideMutedChannels,
    channel_overrides: s.channelOverrides.map((o) => ({
      channel_id: o.channelId,
      message_notifications: o.messageNotifications,
      muted: o.muted,
      mute_config: o.muted ? muteConfig(o.muteEndTime, o.muteTimeWindow) : null,
      collapsed: o.collapsed,
    })),
    version: s.version,
    notify_highlights: 0,
    mute_scheduled_events: false,
    flags: 0,
  };
}

/** READY's user_guild_settings: the user's stored settings of the guilds they are in and of DMs. */
export async function readyUserGuildSettings(store: Store, userId: string, guildIds: readonly string[]): Promise<Record<string, unknown>> {
  const inGuild = new Set(guildIds);
  const records = (await store.userGuildSettings.listForUser(userId)).filter((s) => s.guildId === null || inGuild.has(s.guildId));
  return {
    entries: records.map(userGuildSettingsJson),
    partial: false,
    version: records.reduce((v, s) => Math.max(v, s.version), 0),
  };
}
