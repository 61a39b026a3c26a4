/**
 * A user's notification settings for one guild (or for DMs: guildId null), Discord's user guild settings. The push
 * role reads them to decide who is notified; the api role stores them (PATCH /users/@me/guilds/{id}/settings).
 * They live on the store floor so that the store, the shapes and every role may use them (test/unit/layers.test.ts);
 * push/notification-settings.ts re-exports them for the push role.
 */

/** Discord's message notification levels; INHERIT only in channel overrides (Discord sends 3 = "null"). */
export const MessageNotifications = { ALL: 0, ONLY_MENTIONS: 1, NOTHING: 2, INHERIT: 3 } as const;
export type MessageNotificationLevel = (typeof MessageNotifications)[keyof typeof MessageNotifications];

export interface ChannelNotificationOverride {
  channelId: string;
  messageNotifications: MessageNotificationLevel;
  muted: boolean;
  /** Epoch ms the mute ends; null = until unmuted. */
  muteEndTime: number | null;
  collapsed: boolean;
  /** Discord's mute_config.selected_time_window (seconds; -1 = until unmuted), as the client sent it. */
  muteTimeWindow?: number | null;
}

export interface UserGuildSettingsRecord {
  userId: string;
  /** Null: the settings for direct messages (Discord's `@me`). */
  guildId: string | null;
  /** null = follow the guild's default_message_notifications. */
  messageNotifications: MessageNotificationLevel | null;
  suppressEveryone: boolean;
  suppressRoles: boolean;
  muted: boolean;
  /** Epoch ms the mute ends; null = until unmuted. */
  muteEndTime: number | null;
  /** Discord's mute_config.selected_time_window (seconds; -1 = until unmuted), as the client sent it. */
  muteTimeWindow?: number | null;
  mobilePush: boolean;
  /** Discord's "hide muted channels". */
  hideMutedChannels: boolean;
  channelOverrides: ChannelNotificationOverride[];
  /** Bumped on every change (Discord's `version`). */
  version: number;
}

/** Settings of a user who never changed them. */
export function defaultGuildSettings(userId: string, guildId: string | null): UserGuildSettingsRecord {
  return {
    userId, guildId, messageNotifications: null, suppressEveryone: false, suppressRoles: false, muted: false,
    muteEndTime: null, mobilePush: true, hideMutedChannels: false, channelOverrides: [], version: 0,
  };
}

/** True while a mute holds at `now` (a mute with an end time in the past no longer does). */
export function muteHolds(muted: boolean, muteEndTime: number | null, now: number): boolean {
  return muted && (muteEndTime === null || muteEndTime > now);
}
