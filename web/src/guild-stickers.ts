/**
 * Guild stickers for the web client: their CDN URLs, the REST calls of Server Settings → Stickers (upload as
 * multipart, rename, delete) and of the composer's sticker picker (list, send). The server checks every request.
 */
import { rest } from './api.ts';
import { applyDispatch } from './events.ts';
import type { Message } from './types.ts';

export interface GuildSticker {
  id: string;
  name: string;
  tags: string;
  description: string | null;
  format_type: number;
  guild_id?: string;
  user?: { id: string; username: string; global_name?: string | null };
}

export interface StickerItem {
  id: string;
  name: string;
  format_type: number;
}

export const StickerFormat = { PNG: 1, APNG: 2, LOTTIE: 3, GIF: 4 } as const;

/** `/stickers/{id}.{png|gif|json}`, Discord's CDN path. */
export function stickerUrl(s: { id: string; format_type: number }): string {
  const ext = s.format_type === StickerFormat.GIF ? 'gif' : s.format_type === StickerFormat.LOTTIE ? 'json' : 'png';
  return `/stickers/${s.id}.${ext}`;
}

export const listGuildStickers = (guildId: string) => rest.get<GuildSticker[]>(`/guilds/${guildId}/stickers`);
export const editGuildSticker = (guildId: string, id: string, patch: { name?: string; tags?: string }) => rest.patch<GuildSticker>(`/guilds/${guildId}/stickers/${id}`, patch);
export const deleteGuildSticker = (guildId: string, id: string) => rest.delete(`/guilds/${guildId}/stickers/${id}`);

/** POST /guilds/{id}/stickers as Discord takes it: a form with name, tags, description and the file. */
export async function createGuildSticker(guildId: string, fields: { name: string; tags: string; description: string }, file: File): Promise<GuildSticker> {
  const body = new FormData();
  body.append('name', fields.name);
  body.append('tags', fields.tags);
  body.append('description', fields.description);
  body.append('file', file, file.name);
  return rest.post<GuildSticker>(`/guilds/${guildId}/stickers`, body);
}

/** Sends a message holding just the sticker; the answer is shown at once (MESSAGE_CREATE confirms it). */
export async function sendSticker(channelId: string, stickerId: string): Promise<void> {
  const msg = await rest.post<Message>(`/channels/${channelId}/messages`, { sticker_ids: [stickerId] });
  applyDispatch('MESSAGE_CREATE', msg);
}

/** A name Discord accepts (2–30 characters) from a file name. */
export function stickerNameFrom(fileName: string): string {
  const base = fileName.replace(/\.[^.]*$/, '').replace(/[_-]+/g, ' ').trim().slice(0, 30);
  return base.length >= 2 ? base : `sticker ${base}`.trim().slice(0, 30);
}
