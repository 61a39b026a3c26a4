/**
 * Notification settings (Discord's user guild settings): kept from READY and USER_GUILD_SETTINGS_UPDATE, keyed by
 * guild id ('@me' for direct messages), and the mute rules the unread indicators follow: a muted guild or channel
 * (or a channel in a muted category) shows no unread dot, only its mentions, and muted channels are greyed, as on
 * Discord. Timed mutes end by themselves: useMuteClock re-renders when the next one does.
 */
import { useEffect, useMemo, useReducer } from 'react';
import { rest } from './api.ts';
import { store, useStore, type State } from './store.ts';
import type { Channel } from './types.ts';

export interface MuteConfig {
  selected_time_window: number;
  end_time: string | null;
}

export interface ChannelOverride {
  channel_id: string;
  /** 0 all, 1 only @mentions, 2 nothing, 3 follow the server. */
  message_notifications: number;
  muted: boolean;
  mute_config: MuteConfig | null;
  collapsed: boolean;
}

export interface UserGuildSettings {
  guild_id: string | null;
  /** 0 all, 1 only @mentions, 2 nothing, 3 the server's default. */
  message_notifications: number;
  suppress_everyone: boolean;
  suppress_roles: boolean;
  muted: boolean;
  mute_config: MuteConfig | null;
  mobile_push: boolean;
  hide_muted_channels: boolean;
  channel_overrides: ChannelOverride[];
  version: number;
}

/** The choices Discord offers for a mute, in seconds (-1: until turned back on). */
export const MUTE_WINDOWS: ReadonlyArray<{ label: string; seconds: number }> = [
  { label: 'For 15 Minutes', seconds: 900 },
  { label: 'For 1 Hour', seconds: 3600 },
  { label: 'For 8 Hours', seconds: 28800 },
  { label: 'For 24 Hours', seconds: 86400 },
  { label: 'Until I turn it back on', seconds: -1 },
];

export const settingsKey = (guildId: string | null | undefined): string => guildId ?? '@me';

/** READY's user_guild_settings → the state's map. */
export function guildSettingsFromReady(d: any): Record<string, UserGuildSettings> {
  const entries: UserGuildSettings[] = Array.isArray(d?.user_guild_settings) ? d.user_guild_settings : (d?.user_guild_settings?.entries ?? []);
  const out: Record<string, UserGuildSettings> = {};
  for (const e of entries) if (e) out[settingsKey(e.guild_id)] = e;
  return out;
}

/** USER_GUILD_SETTINGS_UPDATE: a newer version replaces what we hold. */
export function applyGuildSettingsUpdate(s: State, d: UserGuildSettings): Partial<State> | void {
  const key = settingsKey(d?.guild_id);
  const prev = s.guildSettings[key];
  if (prev && prev.version > d.version) return;
  return { guildSettings: { ...s.guildSettings, [key]: d } };
}

/** True while a mute holds (a timed one whose end passed no longer does). */
export function muteHolds(muted: boolean | undefined, config: MuteConfig | null | undefined, now: number): boolean {
  if (!muted) return false;
  const end = config?.end_time ? Date.parse(config.end_time) : null;
  return end === null || end > now;
}

export function isGuildMuted(s: Pick<State, 'guildSettings'>, guildId: string | null | undefined, now: number): boolean {
  const g = s.guildSettings[settingsKey(guildId)];
  return !!guildId && muteHolds(g?.muted, g?.mute_config, now);
}

export function channelOverride(s: Pick<State, 'guildSettings'>, channel: Pick<Channel, 'id' | 'guild_id'>): ChannelOverride | undefined {
  return s.guildSettings[settingsKey(channel.guild_id)]?.channel_overrides.find((o) => o.channel_id === channel.id);
}

/** The channel itself, or its category, is muted (the guild's own mute aside). */
export function isChannelMuted(s: Pick<State, 'guildSettings' | 'channels'>, channel: Channel, now: number): boolean {
  const own = channelOverride(s, channel);
  if (muteHolds(own?.muted, own?.mute_config, now)) return true;
  const parent = channel.parent_id ? s.channels[channel.parent_id] : undefined;
  const cat = parent ? channelOverride(s, parent) : undefined;
  return muteHolds(cat?.muted, cat?.mute_config, now);
}

/** Unread messages there show no dot: the guild or the channel is muted (mentions still show, as on Discord). */
export function unreadSilenced(s: Pick<State, 'guildSettings' | 'channels'>, channel: Channel, now: number): boolean {
  return isGuildMuted(s, channel.guild_id, now) || isChannelMuted(s, channel, now);
}

/** The end of the soonest timed mute still running, or null. */
function nextMuteEnd(settings: Record<string, UserGuildSettings>, now: number): number | null {
  let next: number | null = null;
  const consider = (muted: boolean, c: MuteConfig | null) => {
    const end = muted && c?.end_time ? Date.parse(c.end_time) : NaN;
    if (end > now && (next === null || end < next)) next = end;
  };
  for (const g of Object.values(settings)) {
    consider(g.muted, g.mute_config);
    for (const o of g.channel_overrides) consider(o.muted, o.mute_config);
  }
  return next;
}

/** The time mute checks use; the component re-renders when the next timed mute ends. */
export function useMuteClock(): number {
  const settings = useStore((s) => s.guildSettings);
  const [ticks, tick] = useReducer((n: number) => n + 1, 0);
  // Stable between changes and ticks, so memoised derivations (unread.ts) keep their results.
  const now = useMemo(() => Date.now(), [settings, ticks]);
  const next = nextMuteEnd(settings, now);
  useEffect(() => {
    if (next === null) return;
    // setTimeout holds at most ~24.8 days; a later end is re-armed on the next render.
    const timer = setTimeout(tick, Math.min(next - Date.now() + 50, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [next]);
  return now;
}

/** Discord's mute_config for a window picked now. */
export function muteConfigFor(seconds: number, now = Date.now()): MuteConfig {
  return { selected_time_window: seconds, end_time: seconds > 0 ? new Date(now + seconds * 1000).toISOString() : null };
}

/** PATCHes the settings of a guild (null: direct messages); the answer is applied at once (the event follows). */
export async function updateGuildSettings(guildId: string | null, body: Record<string, unknown>): Promise<UserGuildSettings> {
  const settings = await rest.request<UserGuildSettings>('PATCH', `/users/@me/guilds/${guildId ?? '@me'}/settings`, body);
  store.update((s) => applyGuildSettingsUpdate(s, settings));
  return settings;
}
