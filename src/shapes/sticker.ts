/** Discord's sticker object (guild stickers) and the sticker item a message carries. */
import type { GuildStickerRecord, UserRecord } from '../store/types.ts';
import { publicUser } from './serialize.ts';

/** Discord's sticker type for a guild's own sticker (1 is a standard, pack sticker). */
export const STICKER_TYPE_GUILD = 2;

/** `user` (the creator) only where Discord sends it: REST answers to those with MANAGE_GUILD_EXPRESSIONS. */
export function stickerJson(s: GuildStickerRecord, creator?: UserRecord | null) {
  return {
    id: s.id,
    name: s.name,
    tags: s.tags,
    type: STICKER_TYPE_GUILD,
    format_type: s.formatType,
    description: s.description,
    available: true,
    guild_id: s.guildId,
    ...(creator ? { user: publicUser(creator) } : {}),
  };
}

/** The sticker item of a message: `{id, name, format_type}`. */
export function stickerItemJson(s: GuildStickerRecord) {
  return { id: s.id, name: s.name, format_type: s.formatType };
}
