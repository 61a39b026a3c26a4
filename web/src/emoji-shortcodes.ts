/**
 * Emoji shortcodes (`:thumbsup:` → 👍) for the composer's `:` autocomplete: every emoji of the picker's data
 * (emoji-data.ts: emojibase's compact English set with GitHub's shortcodes — the names Discord's client uses —
 * and emojibase's aliases, each emoji in the fully-qualified form the server stores) that has a shortcode. The
 * data is ~130 kB gzip, loaded with dynamic import() on first use and never in the first-screen bundle; picker
 * and autocomplete share the one download and the one parse.
 */
import { loadEmojiData } from './emoji-data.ts';

export interface ShortcodeEmoji {
  /** The emoji itself, fully qualified (what goes into a message or a reaction). */
  emoji: string;
  /** Without colons, most familiar first (GitHub's, then emojibase's aliases). */
  shortcodes: string[];
  /** CLDR's English name, e.g. "thumbs up". */
  label: string;
}

let shortcodes: Promise<ShortcodeEmoji[]> | null = null;

/** Every emoji that has a shortcode, in Unicode's order; loaded once, then the same array. */
export function loadShortcodes(): Promise<ShortcodeEmoji[]> {
  shortcodes ??= loadEmojiData().then((data) =>
    data.entries.filter((e) => e.shortcodes.length > 0).map((e) => ({ emoji: e.emoji, shortcodes: e.shortcodes, label: e.label })),
  );
  // A failed load (a deploy replaced the chunk) is tried again next time rather than remembered.
  shortcodes.catch(() => (shortcodes = null));
  return shortcodes;
}

export interface ShortcodeMatch extends ShortcodeEmoji {
  /** The shortcode that matched the query (shown to the user). */
  shortcode: string;
}

/** Emoji whose shortcode starts with `query` first (shortest first), then those containing it. */
export function searchShortcodes(all: readonly ShortcodeEmoji[], query: string, limit: number): ShortcodeMatch[] {
  const q = query.toLowerCase();
  const prefix: Array<ShortcodeMatch & { rank: number }> = [];
  const inner: ShortcodeMatch[] = [];
  for (const e of all) {
    const starts = e.shortcodes.find((s) => s.startsWith(q));
    if (starts) prefix.push({ ...e, shortcode: starts, rank: starts.length });
    else if (inner.length < limit) {
      const has = e.shortcodes.find((s) => s.includes(q));
      if (has) inner.push({ ...e, shortcode: has });
    }
  }
  // Stable sort keeps Unicode's order among equally long names.
  prefix.sort((a, b) => a.rank - b.rank);
  return [...prefix.map(({ rank: _rank, ...m }) => m), ...inner].slice(0, limit);
}
