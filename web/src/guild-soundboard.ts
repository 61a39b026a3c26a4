/**
 * Guild soundboard sounds for the web client: their CDN URL, and the REST calls of Server Settings → Soundboard
 * (upload as a data URI, rename, volume, delete). The server checks every request (api/routes/soundboard.ts).
 */
import { rest } from './api.ts';
import { readAsDataUri } from './image-data.ts';

export interface GuildSound {
  /** The sound's id (Discord's `sound_id`), as the expression manager keys its items. */
  id: string;
  sound_id: string;
  name: string;
  volume: number;
  emoji_id: string | null;
  emoji_name: string | null;
  user?: { id: string; username: string; global_name?: string | null };
}

/** Discord's limits: 512 KB and 5.2 seconds of MP3 or Ogg; 8 sounds a server without boosts. */
export const SOUND_MAX_BYTES = 512 * 1024;
export const SOUNDBOARD_SLOTS = 8;

/** `/soundboard-sounds/{id}`, Discord's CDN path. */
export const soundUrl = (soundId: string) => `/soundboard-sounds/${soundId}`;

const withId = (s: Omit<GuildSound, 'id'>): GuildSound => ({ ...s, id: s.sound_id });

export const listGuildSounds = async (guildId: string) =>
  (await rest.get<{ items: Array<Omit<GuildSound, 'id'>> }>(`/guilds/${guildId}/soundboard-sounds`)).items.map(withId);
export const editGuildSound = (guildId: string, id: string, patch: { name?: string; volume?: number }) =>
  rest.patch<GuildSound>(`/guilds/${guildId}/soundboard-sounds/${id}`, patch);
export const deleteGuildSound = (guildId: string, id: string) => rest.delete(`/guilds/${guildId}/soundboard-sounds/${id}`);

/**
 * The file as the data URI Discord takes (image-data.ts reads it), typed audio/ogg for an .ogg or .oga file and
 * audio/mpeg for the rest, whatever type the browser guessed.
 */
async function soundDataUri(file: File): Promise<string> {
  const type = /\.og[ga]$/i.test(file.name) || file.type === 'audio/ogg' ? 'audio/ogg' : 'audio/mpeg';
  return (await readAsDataUri(file)).replace(/^data:[^,]*?;base64,/, `data:${type};base64,`);
}

export async function createGuildSound(guildId: string, fields: { name: string; volume: number; emojiName: string }, file: File): Promise<GuildSound> {
  return withId(await rest.post<Omit<GuildSound, 'id'>>(`/guilds/${guildId}/soundboard-sounds`, {
    name: fields.name, sound: await soundDataUri(file), volume: fields.volume, ...(fields.emojiName ? { emoji_name: fields.emojiName } : {}),
  }));
}

/** The name filled in from a picked file: its base name, 2–32 characters. */
export function soundNameFrom(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, '').replace(/[_-]+/g, ' ').trim().slice(0, 32);
}

/** Plays the sound at its volume in this tab (Accord has no voice channels to play it into). */
export function playSound(sound: Pick<GuildSound, 'sound_id' | 'volume'>): Promise<void> {
  const audio = new Audio(soundUrl(sound.sound_id));
  audio.volume = Math.min(1, Math.max(0, sound.volume));
  return audio.play();
}
