/**
 * Custom guild emoji for the web client: their CDN URLs, who may manage them, and the REST calls of the emoji
 * manager in Server Settings (the server checks every request again).
 */
import { rest } from './api.ts';
import { basePermissions, has, P } from './perms.ts';
import type { State } from './store.ts';
import { cdnSize } from './media-url.ts';

export interface GuildEmoji {
  id: string;
  name: string;
  roles: string[];
  animated: boolean;
  available?: boolean;
  user?: { id: string; username: string; global_name?: string | null };
}

/** `/emojis/{id}.{gif|png}`: an animated emoji as GIF, the rest as PNG (the CDN converts by extension). */
export function emojiUrl(id: string, animated: boolean, px: number): string {
  return `/emojis/${id}.${animated ? 'gif' : 'png'}?size=${cdnSize(px)}`;
}

/** Whether the Emoji tab shows: those who may create emoji or manage them. */
export function canUseEmojiManager(s: State, guildId: string): boolean {
  const guild = s.guilds[guildId];
  if (!guild || !s.me) return false;
  const perms = basePermissions(guild, s.me.id, s.members[guildId]?.[s.me.id]);
  return has(perms, P.CREATE_GUILD_EXPRESSIONS) || has(perms, P.MANAGE_GUILD_EXPRESSIONS);
}

export function canManageAllEmoji(s: State, guildId: string): boolean {
  const guild = s.guilds[guildId];
  if (!guild || !s.me) return false;
  return has(basePermissions(guild, s.me.id, s.members[guildId]?.[s.me.id]), P.MANAGE_GUILD_EXPRESSIONS);
}

export const listGuildEmoji = (guildId: string) => rest.get<GuildEmoji[]>(`/guilds/${guildId}/emojis`);
export const createGuildEmoji = (guildId: string, name: string, image: string) => rest.post<GuildEmoji>(`/guilds/${guildId}/emojis`, { name, image });
export const renameGuildEmoji = (guildId: string, id: string, name: string) => rest.patch<GuildEmoji>(`/guilds/${guildId}/emojis/${id}`, { name });
export const deleteGuildEmoji = (guildId: string, id: string) => rest.delete(`/guilds/${guildId}/emojis/${id}`);

/** A name Discord accepts: 2–32 of A–Z, a–z, 0–9 and _ (from a file name, the rest replaced). */
export function emojiNameFrom(fileName: string): string {
  const base = fileName.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 32);
  return base.length >= 2 ? base : `emoji_${base}`.slice(0, 32);
}
export const EMOJI_NAME = /^[A-Za-z0-9_]{2,32}$/;

/** The reaction route's name for a custom emoji: `name:id`. */
export const reactionName = (e: { id: string; name: string }) => `${e.name}:${e.id}`;

/** `<:name:id>` / `<a:name:id>`: a custom emoji in message content. */
export const emojiMarkup = (e: { id: string; name: string; animated?: boolean }) => `<${e.animated ? 'a' : ''}:${e.name}:${e.id}>`;

/** Adds (or removes) the caller's reaction with a custom emoji; MESSAGE_REACTION_ADD / REMOVE updates the view. */
export async function toggleCustomReaction(msg: { channel_id: string; id: string }, emoji: { id: string; name: string }, adding: boolean): Promise<void> {
  const path = `/channels/${msg.channel_id}/messages/${msg.id}/reactions/${encodeURIComponent(reactionName(emoji))}/@me`;
  if (adding) await rest.put(path);
  else await rest.delete(path);
}
