/**
 * The emoji data of the picker and of the `:` autocomplete (emoji-shortcodes.ts): emojibase's compact English set
 * (groups, skin tones, tags) with GitHub's shortcodes (the names Discord's client uses: `:thumbsup:`, `:joy:`)
 * and emojibase's aliases, loaded once on first use through dynamic import(), so none of it is in the
 * first-screen bundle (only this loader is).
 *
 * Every emoji is offered in the form the server stores (src/api/messages/reaction-emoji.ts): fully qualified,
 * U+FE0F after each character whose default presentation is text and nowhere else. emojibase writes some with
 * a stray U+FE0F (`👍️`) that the server would reject as a reaction. The lone regional indicators and the
 * components (skin-tone swatches, hair) are not emoji anyone picks, and the server rejects the indicators.
 */

export interface EmojiVariant {
  emoji: string;
  label: string;
}

export interface EmojiEntry extends EmojiVariant {
  group: number;
  shortcodes: string[];
  /** Lower-case words of the label; and of the label, tags and shortcodes: for search. */
  labelWords: string[];
  words: string[];
  /** The emoji in each skin tone 1–5 (light … dark), when it takes one. */
  skins?: EmojiVariant[];
}

export interface EmojiData {
  entries: EmojiEntry[];
  byGroup: Map<number, EmojiEntry[]>;
  /** Every offered form (each skin tone too), to name the recently used ones. */
  byEmoji: Map<string, { entry: EmojiEntry; variant: EmojiVariant }>;
}

/** emojibase's groups as Discord's picker names them, in its order; group 2 (components) is left out. */
export const EMOJI_GROUPS: readonly { id: number; name: string; icon: string }[] = [
  { id: 0, name: 'Smileys & Emotion', icon: '😀' },
  { id: 1, name: 'People & Body', icon: '👋' },
  { id: 3, name: 'Animals & Nature', icon: '🐻' },
  { id: 4, name: 'Food & Drink', icon: '🍔' },
  { id: 5, name: 'Travel & Places', icon: '✈️' },
  { id: 6, name: 'Activities', icon: '⚽' },
  { id: 7, name: 'Objects', icon: '💡' },
  { id: 8, name: 'Symbols', icon: '🔣' },
  { id: 9, name: 'Flags', icon: '🏁' },
];

/** Index 0 is no modifier; 1–5 are U+1F3FB…U+1F3FF. */
export const SKIN_TONES: readonly { name: string; modifier: string; hand: string }[] = [
  { name: 'Default skin tone', modifier: '', hand: '✋' },
  { name: 'Light skin tone', modifier: '\u{1F3FB}', hand: '✋\u{1F3FB}' },
  { name: 'Medium-light skin tone', modifier: '\u{1F3FC}', hand: '✋\u{1F3FC}' },
  { name: 'Medium skin tone', modifier: '\u{1F3FD}', hand: '✋\u{1F3FD}' },
  { name: 'Medium-dark skin tone', modifier: '\u{1F3FE}', hand: '✋\u{1F3FE}' },
  { name: 'Dark skin tone', modifier: '\u{1F3FF}', hand: '✋\u{1F3FF}' },
];

const VARIATION_SELECTOR_16 = /\uFE0F/g;
const TEXT_DEFAULT = /^(?=\p{Emoji})\P{Emoji_Presentation}$/u;
const MODIFIER = /^\p{Emoji_Modifier}$/u;

/** The fully-qualified form of one emoji, exactly as the server computes it (`fullyQualified` in reaction-emoji.ts). */
export function fullyQualified(emoji: string): string {
  const chars = [...emoji.replace(VARIATION_SELECTOR_16, '')];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    out += chars[i];
    if (TEXT_DEFAULT.test(chars[i]!) && !(i + 1 < chars.length && MODIFIER.test(chars[i + 1]!))) out += '\uFE0F';
  }
  return out;
}

/** The shape of emojibase's compact entries that this file reads. */
interface CompactEmoji {
  group?: number;
  hexcode: string;
  label: string;
  tags?: string[];
  unicode: string;
  skins?: CompactEmoji[];
}
type Shortcodes = Record<string, string | string[]>;

const splitWords = (s: string) => s.toLowerCase().split(/[\s:,_.’'()-]+/).filter(Boolean);
const modifiersOf = (emoji: string) => [...emoji].filter((c) => MODIFIER.test(c));

/** The five one-tone variants (light … dark) of an emoji's skins, or undefined when it has none for some tone. */
function oneToneSkins(skins: CompactEmoji[] | undefined): EmojiVariant[] | undefined {
  if (!skins?.length) return undefined;
  const out: EmojiVariant[] = [];
  for (const tone of SKIN_TONES.slice(1)) {
    // Several people (handshake, couples) also come in mixed tones; the picker's tone is the one where all match.
    const skin = skins.find((s) => {
      const mods = modifiersOf(s.unicode);
      return mods.length > 0 && mods.every((m) => m === tone.modifier);
    });
    if (!skin) return undefined;
    out.push({ emoji: fullyQualified(skin.unicode), label: skin.label });
  }
  return out;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `shortcodes`: sets in order of preference; an emoji's codes are theirs joined, the first one shown. */
export function buildEmojiData(compact: readonly CompactEmoji[], shortcodes: readonly Shortcodes[]): EmojiData {
  const entries: EmojiEntry[] = [];
  for (const e of compact) {
    if (e.group === undefined || e.group === 2) continue;
    const list = [...new Set(shortcodes.flatMap((set) => asList(set[e.hexcode])))];
    entries.push({
      emoji: fullyQualified(e.unicode),
      label: e.label,
      group: e.group,
      shortcodes: list,
      labelWords: splitWords(e.label),
      words: [...new Set([...splitWords(e.label), ...(e.tags ?? []).flatMap(splitWords), ...list.map((c) => c.toLowerCase())])],
      skins: oneToneSkins(e.skins),
    });
  }
  const byGroup = new Map<number, EmojiEntry[]>(EMOJI_GROUPS.map((g) => [g.id, []]));
  const byEmoji: EmojiData['byEmoji'] = new Map();
  for (const entry of entries) {
    byGroup.get(entry.group)?.push(entry);
    byEmoji.set(entry.emoji, { entry, variant: entry });
    for (const variant of entry.skins ?? []) byEmoji.set(variant.emoji, { entry, variant });
  }
  return { entries, byGroup, byEmoji };
}

let loading: Promise<EmojiData> | null = null;

/** The data, fetched once (two lazily loaded chunks); a failed fetch is retried on the next call. */
export function loadEmojiData(): Promise<EmojiData> {
  loading ??= Promise.all([
    import('emojibase-data/en/compact.json'),
    import('emojibase-data/en/shortcodes/github.json'),
    import('emojibase-data/en/shortcodes/emojibase.json'),
  ])
    .then(([compact, github, emojibase]) => buildEmojiData(compact.default as unknown as CompactEmoji[], [github.default as Shortcodes, emojibase.default as Shortcodes]))
    .catch((err: unknown) => {
      loading = null;
      throw err;
    });
  return loading;
}

/** The emoji as drawn with skin tone `tone` (0 = default), and its name. */
export function withTone(entry: EmojiEntry, tone: number): EmojiVariant {
  return (tone > 0 && entry.skins?.[tone - 1]) || entry;
}

/**
 * Emoji matching a search by name, shortcode or tag (`thumbs`, `:+1:`, `heart eyes`): an exact shortcode first,
 * then shortcodes and names that start with it, then those whose words all start with one of its words; in
 * the data's order (Unicode's) within each rank.
 */
export function searchEmoji(data: EmojiData, query: string): EmojiEntry[] {
  const q = query.trim().toLowerCase().replace(/^:+|:+$/g, '');
  if (!q) return [];
  const code = q.replace(/\s+/g, '_');
  const terms = splitWords(q);
  const ranked: { entry: EmojiEntry; rank: number; i: number }[] = [];
  data.entries.forEach((entry, i) => {
    let rank: number;
    if (entry.shortcodes.some((c) => c === code)) rank = 0;
    else if (entry.shortcodes.some((c) => c.startsWith(code))) rank = 1;
    else if (entry.label.toLowerCase().startsWith(q)) rank = 2;
    else if (terms.length && terms.every((t) => entry.labelWords.some((w) => w.startsWith(t)))) rank = 3;
    else if (terms.length && terms.every((t) => entry.words.some((w) => w.startsWith(t)))) rank = 4;
    else return;
    ranked.push({ entry, rank, i });
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.i - b.i).map((r) => r.entry);
}
