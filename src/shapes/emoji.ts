/** Discord's emoji object for a custom guild emoji. */
import type { ApplicationEmojiRecord, GuildEmojiRecord, UserRecord } from '../store/types.ts';
import { publicUser } from './serialize.ts';

/** `user` (the creator) only where Discord sends it: REST answers to those with MANAGE_GUILD_EXPRESSIONS. */
export function emojiJson(e: GuildEmojiRecord, creator?: UserRecord | null) {
  return {
    id: e.id,
    name: e.name,
    roles: e.roles,
    ...(creator ? { user: publicUser(creator) } : {}),
    require_colons: true,
    managed: false,
    animated: e.animated,
    available: true,
  };
}

/** Discord's emoji object for an application's emoji: no roles, always with the user who uploaded it (null when that user is gone). */
export function applicationEmojiJson(e: ApplicationEmojiRecord, uploader: UserRecord | null) {
  return {
    id: e.id,
    name: e.name,
    roles: [],
    user: uploader ? publicUser(uploader) : null,
    require_colons: true,
    managed: false,
    animated: e.animated,
    available: true,
  };
}
