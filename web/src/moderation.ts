/**
 * Moderation and pins: what a member may do to another (the server's rules: the permission, and a top role
 * strictly above the target's unless one owns the server), Discord's choices (ban deletion windows, timeout
 * lengths, slowmode steps), and the REST calls. The server enforces all of it; this decides what is offered.
 */
import { ALL_PERMISSIONS } from '../../src/protocol/permissions.ts';
import { compareIds, rest } from './api.ts';
import { applyDispatch } from './events.ts';
import { markLeaving } from './membership.ts';
import { P, basePermissions, channelPermissions, has } from './perms.ts';
import type { GuildInfo, State } from './store.ts';
import type { Channel, Member, Message, User } from './types.ts';

/** "Delete message history" of Discord's ban dialog → delete_message_seconds. */
export const BAN_DELETE_WINDOWS: ReadonlyArray<{ label: string; seconds: number }> = [
  { label: "Don't delete any", seconds: 0 },
  { label: 'Previous hour', seconds: 3600 },
  { label: 'Previous 6 hours', seconds: 6 * 3600 },
  { label: 'Previous 12 hours', seconds: 12 * 3600 },
  { label: 'Previous 24 hours', seconds: 24 * 3600 },
  { label: 'Previous 3 days', seconds: 3 * 86400 },
  { label: 'Previous 7 days', seconds: 7 * 86400 },
];

/** Discord's timeout lengths. */
export const TIMEOUT_DURATIONS: ReadonlyArray<{ label: string; seconds: number }> = [
  { label: '60 seconds', seconds: 60 },
  { label: '5 minutes', seconds: 300 },
  { label: '10 minutes', seconds: 600 },
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86400 },
  { label: '1 week', seconds: 7 * 86400 },
];

/** Discord's slowmode steps (rate_limit_per_user). */
export const SLOWMODE_CHOICES: ReadonlyArray<{ label: string; seconds: number }> = [
  { label: 'Off', seconds: 0 },
  { label: '5s', seconds: 5 },
  { label: '10s', seconds: 10 },
  { label: '15s', seconds: 15 },
  { label: '30s', seconds: 30 },
  { label: '1m', seconds: 60 },
  { label: '2m', seconds: 120 },
  { label: '5m', seconds: 300 },
  { label: '10m', seconds: 600 },
  { label: '15m', seconds: 900 },
  { label: '30m', seconds: 1800 },
  { label: '1h', seconds: 3600 },
  { label: '2h', seconds: 7200 },
  { label: '6h', seconds: 21600 },
];

/** Until when the member is timed out (ms), or null when they are not (or no longer). */
export function timedOutUntil(member: Member | undefined, now = Date.now()): number | null {
  const until = member?.communication_disabled_until ? Date.parse(member.communication_disabled_until) : NaN;
  return until > now ? until : null;
}

/**
 * Rank of the member's highest role (0 with none); Infinity for the owner (as the server's topRolePosition).
 * Roles rank by position, and among equal positions the older (smaller id) above.
 */
export function topPosition(guild: GuildInfo, userId: string, member: Member | undefined): number {
  if (guild.owner_id === userId) return Infinity;
  const ranked = Object.values(guild.roles).sort((a, b) => a.position - b.position || compareIds(b.id, a.id));
  const rank = new Map(ranked.map((r, i) => [r.id, i]));
  let top = 0;
  for (const id of member?.roles ?? []) top = Math.max(top, rank.get(id) ?? 0);
  return top;
}

export interface ModerationRights {
  self: boolean;
  kick: boolean;
  ban: boolean;
  /** Put in (or change) a timeout. */
  timeout: boolean;
  /** The target is timed out now, and may be released by us. */
  removeTimeout: boolean;
  nick: boolean;
}

const NONE: ModerationRights = { self: false, kick: false, ban: false, timeout: false, removeTimeout: false, nick: false };

/** What the signed-in user may do to `targetId` in the guild. */
export function moderationRights(s: State, guildId: string, targetId: string, now = Date.now()): ModerationRights {
  const guild = s.guilds[guildId];
  const me = s.me;
  if (!guild || !me) return NONE;
  const mine = s.members[guildId]?.[me.id];
  const target = s.members[guildId]?.[targetId];
  const perms = basePermissions(guild, me.id, mine);
  const self = targetId === me.id;
  const targetIsOwner = guild.owner_id === targetId;
  // Strictly above: the owner is above everyone, nobody is above the owner (the server's requireAbove).
  const above = !self && !targetIsOwner && (guild.owner_id === me.id || topPosition(guild, me.id, mine) > topPosition(guild, targetId, target));
  // Administrators (and the owner) cannot be timed out: their permissions are all of them, timeout or not.
  const timeoutable = Boolean(target) && basePermissions(guild, targetId, target) !== ALL_PERMISSIONS;
  const moderate = above && has(perms, P.MODERATE_MEMBERS) && timeoutable;
  return {
    self,
    kick: above && Boolean(target) && has(perms, P.KICK_MEMBERS),
    ban: above && has(perms, P.BAN_MEMBERS),
    timeout: moderate,
    removeTimeout: moderate && timedOutUntil(target, now) !== null,
    nick: self ? has(perms, P.CHANGE_NICKNAME) || has(perms, P.MANAGE_NICKNAMES) : above && Boolean(target) && has(perms, P.MANAGE_NICKNAMES),
  };
}

export const anyModeration = (r: ModerationRights) => r.kick || r.ban || r.timeout || r.nick;

/** Pinning needs PIN_MESSAGES in a guild channel (MANAGE_MESSAGES no longer grants it); every recipient of a DM may pin. */
export function canPin(s: State, channel: Channel | undefined): boolean {
  if (!channel || !s.me) return false;
  if (!channel.guild_id) return true;
  const guild = s.guilds[channel.guild_id];
  if (!guild) return false;
  const perms = channelPermissions(guild, channel, s.me.id, s.members[guild.id]?.[s.me.id]);
  return has(perms, P.PIN_MESSAGES);
}

export function canManageChannel(s: State, channel: Channel | undefined): boolean {
  const guild = channel?.guild_id ? s.guilds[channel.guild_id] : undefined;
  if (!channel || !guild || !s.me) return false;
  return has(channelPermissions(guild, channel, s.me.id, s.members[guild.id]?.[s.me.id]), P.MANAGE_CHANNELS);
}

export function canManageChannels(s: State, guildId: string): boolean {
  const guild = s.guilds[guildId];
  if (!guild || !s.me) return false;
  return has(basePermissions(guild, s.me.id, s.members[guildId]?.[s.me.id]), P.MANAGE_CHANNELS);
}

export function canBan(s: State, guildId: string): boolean {
  const guild = s.guilds[guildId];
  if (!guild || !s.me) return false;
  return has(basePermissions(guild, s.me.id, s.members[guildId]?.[s.me.id]), P.BAN_MEMBERS);
}

// ---- REST ----

const reasonHeader = (reason?: string) => (reason?.trim() ? { headers: { 'x-audit-log-reason': encodeURIComponent(reason.trim().slice(0, 512)) } } : {});

export const kickMember = (guildId: string, userId: string, reason?: string) =>
  rest.request('DELETE', `/guilds/${guildId}/members/${userId}`, undefined, undefined, reasonHeader(reason));

export const banUser = (guildId: string, userId: string, deleteMessageSeconds: number, reason?: string) =>
  rest.request('PUT', `/guilds/${guildId}/bans/${userId}`, { delete_message_seconds: deleteMessageSeconds }, undefined, reasonHeader(reason));

export const unbanUser = (guildId: string, userId: string) => rest.delete(`/guilds/${guildId}/bans/${userId}`);

export interface Ban {
  user: User;
  reason: string | null;
}
export const listBans = (guildId: string) => rest.get<Ban[]>(`/guilds/${guildId}/bans`, { limit: 1000 });

function applyMember(guildId: string, member: Member & { user?: User }) {
  if (member?.user) applyDispatch('GUILD_MEMBER_UPDATE', { ...member, guild_id: guildId });
}

/** Times the member out for `seconds`, or lifts the timeout (null). */
export async function timeoutMember(guildId: string, userId: string, seconds: number | null, reason?: string) {
  const until = seconds === null ? null : new Date(Date.now() + seconds * 1000).toISOString();
  applyMember(guildId, await rest.request('PATCH', `/guilds/${guildId}/members/${userId}`, { communication_disabled_until: until }, undefined, reasonHeader(reason)));
}

/** One's own nickname goes through /members/@me (CHANGE_NICKNAME); someone else's needs MANAGE_NICKNAMES. */
export async function setNickname(guildId: string, userId: string, nick: string, self: boolean) {
  const body = { nick: nick.trim() || null };
  applyMember(guildId, await rest.patch(`/guilds/${guildId}/members/${self ? '@me' : userId}`, body));
}

/** Deletes the server (owner only); its GUILD_DELETE is no news to the one who asked. */
export async function deleteGuild(guildId: string) {
  markLeaving(guildId);
  await rest.delete(`/guilds/${guildId}`);
  applyDispatch('GUILD_DELETE', { id: guildId });
}

export async function updateChannelSettings(
  channelId: string,
  body: { name?: string; topic?: string | null; rate_limit_per_user?: number; type?: number; flags?: number; default_auto_archive_duration?: number; default_thread_rate_limit_per_user?: number },
): Promise<Channel> {
  const channel = await rest.patch<Channel>(`/channels/${channelId}`, body);
  applyDispatch('CHANNEL_UPDATE', channel);
  return channel;
}

/** Modify Guild Channel Positions. */
export const setChannelPositions = (guildId: string, updates: Array<{ id: string; position: number; parent_id?: string | null }>) =>
  rest.patch(`/guilds/${guildId}/channels`, updates);

/** The guild's channels as the server has them (Get Guild Channels). */
export const guildChannels = (guildId: string) => rest.get<Channel[]>(`/guilds/${guildId}/channels`);

export async function pinMessage(msg: Message) {
  await rest.put(`/channels/${msg.channel_id}/pins/${msg.id}`);
  applyDispatch('MESSAGE_UPDATE', { id: msg.id, channel_id: msg.channel_id, pinned: true });
}

export async function unpinMessage(msg: Pick<Message, 'id' | 'channel_id'>) {
  await rest.delete(`/channels/${msg.channel_id}/pins/${msg.id}`);
  applyDispatch('MESSAGE_UPDATE', { id: msg.id, channel_id: msg.channel_id, pinned: false });
}

/** Pinned messages, newest pin first. */
export const fetchPins = (channelId: string) => rest.get<Message[]>(`/channels/${channelId}/pins`);
