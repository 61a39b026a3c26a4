/**
 * The emoji of a reaction, as the path names it: URL-decoded unicode (`👍`) or `name:id` / `a:name:id` for a
 * custom emoji. Anything else is Discord's 400 / 10014 Unknown Emoji.
 *
 * Unicode: exactly one emoji of Unicode's emoji-test list (RGI emoji with skin tones, ZWJ sequences, flags and
 * keycaps, in fully-qualified, minimally-qualified or unqualified form), as matched by the `emoji-regex` package.
 * It is stored in its fully-qualified form, so `❤` and `❤️` are one reaction, as in Discord's clients.
 *
 * Custom: a `name:id` can be added as a reaction only when that guild emoji exists (`addableEmoji`; of any guild,
 * as Discord allows emoji of the user's other guilds), stored with the emoji's own name and animation. Removing
 * and listing take the syntax alone, so reactions with a since-deleted emoji (which stay, as on Discord) can still
 * be removed.
 */
import emojiRegex from 'emoji-regex';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { EmojiRef } from '../../store/types.ts';

/** Longer than any emoji sequence (the longest, a family or tag flag, is 14 UTF-16 units); bounds the regex's work. */
const MAX_UNICODE_LENGTH = 32;

// The package's pattern is written for non-unicode mode (surrogate pairs), so it is anchored without the `u` flag.
const ONE_EMOJI = new RegExp(`^(?:${emojiRegex().source})$`);
const CUSTOM_EMOJI = /^(a:)?([\w~-]{1,64}):(\d{1,20})$/;
const VARIATION_SELECTOR_16 = /\uFE0F/g;
const TEXT_DEFAULT = /^(?=\p{Emoji})\P{Emoji_Presentation}$/u;
const MODIFIER = /^\p{Emoji_Modifier}$/u;

/** Discord answers an emoji it does not know with 400 (the code table's 404 is for a missing reaction). */
function unknownEmoji(): ApiError {
  return new ApiError(ErrorCodes.UNKNOWN_EMOJI, { status: 400 });
}

/**
 * The fully-qualified form of one emoji (Unicode TS #51): U+FE0F after every character whose default
 * presentation is text, except before a skin-tone modifier. `❤` → `❤️`, `1⃣` → `1️⃣`, `🏳‍🌈` → `🏳️‍🌈`.
 */
export function fullyQualified(emoji: string): string {
  const chars = [...emoji.replace(VARIATION_SELECTOR_16, '')];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    out += chars[i];
    if (TEXT_DEFAULT.test(chars[i]!) && !(i + 1 < chars.length && MODIFIER.test(chars[i + 1]!))) out += '\uFE0F';
  }
  return out;
}

/** `raw` as one unicode emoji in its fully-qualified form, or null when it is not exactly one emoji. */
export function unicodeEmoji(raw: string): string | null {
  if (raw.length === 0 || raw.length > MAX_UNICODE_LENGTH || !ONE_EMOJI.test(raw)) return null;
  const qualified = fullyQualified(raw);
  return ONE_EMOJI.test(qualified) ? qualified : raw;
}

/** The emoji a reaction path names, by syntax alone (no check that a custom emoji exists). Throws 10014. */
export function parseEmoji(raw: string): EmojiRef {
  const custom = CUSTOM_EMOJI.exec(raw);
  if (custom) {
    if (!isSnowflake(custom[3])) throw unknownEmoji();
    return { id: custom[3]!, name: custom[2]!, ...(custom[1] ? { animated: true } : {}) };
  }
  const name = unicodeEmoji(raw);
  if (name === null) throw unknownEmoji();
  return { id: null, name };
}

/**
 * The emoji the path names when no custom emoji can be looked up: unicode only, every custom one unknown
 * (`addableEmoji` looks them up).
 */
export function reactionEmoji(raw: string): EmojiRef {
  const emoji = parseEmoji(raw);
  if (emoji.id !== null) throw unknownEmoji();
  return emoji;
}

/**
 * The emoji a user may add as a reaction, custom ones looked up with `find`: any unicode emoji, or a custom emoji
 * that exists (of any guild, as Discord allows emoji of the user's other guilds), with its stored name and
 * animation. Throws 400 / 10014 for an unknown one.
 */
export async function addableEmoji(raw: string, find: (id: string) => Promise<{ name: string; animated: boolean } | null>): Promise<EmojiRef> {
  const emoji = parseEmoji(raw);
  if (emoji.id === null) return emoji;
  const known = await find(emoji.id);
  if (!known) throw unknownEmoji();
  return { id: emoji.id, name: known.name, ...(known.animated ? { animated: true } : {}) };
}
