/** Discord's soundboard sound object (a guild's sounds; Accord has no default sounds). */
import type { GuildSoundRecord, UserRecord } from '../store/types.ts';
import { publicUser } from './serialize.ts';

/** `user` (the creator) only where Discord sends it: to those with CREATE_ or MANAGE_GUILD_EXPRESSIONS. */
export function soundJson(s: GuildSoundRecord, creator?: UserRecord | null) {
  return {
    name: s.name,
    sound_id: s.id,
    volume: s.volume,
    emoji_id: s.emojiId,
    emoji_name: s.emojiName,
    guild_id: s.guildId,
    available: true,
    ...(creator ? { user: publicUser(creator) } : {}),
  };
}
