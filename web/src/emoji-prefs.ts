/**
 * What the emoji picker remembers in this browser: the skin tone chosen and the emoji picked most recently
 * (most recent first). Small and data-free, so the always-loaded quick reaction row can record its picks too.
 * Storage can be unavailable (private modes, quota): the picker then simply forgets.
 */

const TONE_KEY = 'accord.emoji.skinTone';
const RECENT_KEY = 'accord.emoji.recent';
/** Four rows of the picker's grid. */
export const RECENT_MAX = 32;
/** 0 is the default (yellow); 1–5 are the Fitzpatrick modifiers U+1F3FB…U+1F3FF, light to dark. */
export const SKIN_TONE_COUNT = 6;

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not remembered: nothing else depends on it.
  }
}

export function savedSkinTone(): number {
  const n = Number(read(TONE_KEY));
  return Number.isInteger(n) && n >= 0 && n < SKIN_TONE_COUNT ? n : 0;
}

export function saveSkinTone(tone: number): void {
  write(TONE_KEY, String(tone));
}

/** Emoji picked before, most recent first (what was stored by another version may be anything: keep strings only). */
export function recentEmoji(): string[] {
  try {
    const list: unknown = JSON.parse(read(RECENT_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((e): e is string => typeof e === 'string' && e.length > 0 && e.length <= 32).slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

export function rememberEmoji(emoji: string): void {
  write(RECENT_KEY, JSON.stringify([emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_MAX)));
}
