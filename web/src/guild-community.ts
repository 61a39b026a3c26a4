/**
 * The smaller guild routes for the web client: prune (count and run), bulk ban, the welcome screen, the widget
 * settings and the vanity invite code (set by the owner through PATCH /guilds/{id}), and who may use them. The
 * server checks every request again.
 */
import { rest } from './api.ts';
import { applyDispatch } from './events.ts';
import { P, basePermissions, has } from './perms.ts';
import type { State } from './store.ts';
import type { Guild } from './types.ts';

export interface WelcomeChannel {
  channel_id: string;
  description: string;
  emoji_id: string | null;
  emoji_name: string | null;
}
export interface WelcomeScreen {
  description: string | null;
  welcome_channels: WelcomeChannel[];
}
export interface WidgetSettings {
  enabled: boolean;
  channel_id: string | null;
}

const perms = (s: State, guildId: string) => {
  const guild = s.guilds[guildId];
  return guild && s.me ? basePermissions(guild, s.me.id, s.members[guildId]?.[s.me.id]) : 0n;
};
export const canManageGuild = (s: State, guildId: string) => has(perms(s, guildId), P.MANAGE_GUILD);
export const canManageWebhooks = (s: State, guildId: string) => has(perms(s, guildId), P.MANAGE_WEBHOOKS);
/** Prune needs Kick Members, and Manage Server to run it (as on Discord). */
export const canPrune = (s: State, guildId: string) => has(perms(s, guildId), P.KICK_MEMBERS) && has(perms(s, guildId), P.MANAGE_GUILD);
export const canBulkBan = (s: State, guildId: string) => has(perms(s, guildId), P.BAN_MEMBERS) && has(perms(s, guildId), P.MANAGE_GUILD);
export const isOwner = (s: State, guildId: string) => Boolean(s.me && s.guilds[guildId]?.owner_id === s.me.id);

/** Discord's prune choices. */
export const PRUNE_DAYS = [1, 7, 30];

export const pruneCount = (guildId: string, days: number, roles: string[]) =>
  rest.get<{ pruned: number }>(`/guilds/${guildId}/prune`, { days, ...(roles.length ? { include_roles: roles.join(',') } : {}) });
export const pruneMembers = (guildId: string, days: number, roles: string[]) =>
  rest.post<{ pruned: number | null }>(`/guilds/${guildId}/prune`, { days, include_roles: roles, compute_prune_count: true });
export const bulkBan = (guildId: string, userIds: string[], deleteMessageSeconds: number) =>
  rest.post<{ banned_users: string[]; failed_users: string[] }>(`/guilds/${guildId}/bulk-ban`, { user_ids: userIds, delete_message_seconds: deleteMessageSeconds });

export const getWelcomeScreen = (guildId: string) => rest.get<WelcomeScreen>(`/guilds/${guildId}/welcome-screen`);
export const saveWelcomeScreen = (guildId: string, body: { enabled: boolean; description: string | null; welcome_channels: WelcomeChannel[] }) =>
  rest.patch<WelcomeScreen>(`/guilds/${guildId}/welcome-screen`, body);
export const getWidget = (guildId: string) => rest.get<WidgetSettings>(`/guilds/${guildId}/widget`);
export const saveWidget = (guildId: string, body: WidgetSettings) => rest.patch<WidgetSettings>(`/guilds/${guildId}/widget`, body);
export const getVanity = (guildId: string) => rest.get<{ code: string | null; uses: number }>(`/guilds/${guildId}/vanity-url`);
export async function setVanity(guildId: string, code: string | null) {
  const g = await rest.patch<Guild & { vanity_url_code: string | null }>(`/guilds/${guildId}`, { vanity_url_code: code });
  applyDispatch('GUILD_UPDATE', g);
  return g;
}
/** The guild's features as the server has them now (the settings panel reads them fresh). */
export const fetchGuildFeatures = async (guildId: string) => (await rest.get<{ features: string[] }>(`/guilds/${guildId}`)).features ?? [];

/** Set by the invite page when the user just joined: the guild's welcome screen shows once. */
const WELCOME_KEY = (guildId: string) => `accord.welcome.${guildId}`;
export const markJustJoined = (guildId: string) => sessionStorage.setItem(WELCOME_KEY(guildId), '1');
export const justJoined = (guildId: string) => sessionStorage.getItem(WELCOME_KEY(guildId)) === '1';
export const welcomeShown = (guildId: string) => sessionStorage.removeItem(WELCOME_KEY(guildId));

/** Discord's incidents data: until when invites and DMs are paused (ISO 8601), or null. */
export interface IncidentsData {
  invites_disabled_until: string | null;
  dms_disabled_until: string | null;
}
/** The longest pause Discord allows, in hours. */
export const MAX_PAUSE_HOURS = 24;
export const getIncidents = async (guildId: string) => (await rest.get<{ incidents_data: IncidentsData | null }>(`/guilds/${guildId}`)).incidents_data;
/** Sets both actions at once, as the PUT does: null (or a time past) ends one. */
export const setIncidentActions = (guildId: string, body: IncidentsData) => rest.put<IncidentsData>(`/guilds/${guildId}/incident-actions`, body);
/** Whether a pause's end is still ahead. */
export const pausedNow = (until: string | null | undefined, now = Date.now()) => Boolean(until && Date.parse(until) > now);
