/**
 * Matching a rule's trigger against text, as Discord describes it
 * (https://discord.com/developers/docs/resources/auto-moderation#auto-moderation-rule-object-keyword-matching-strategies):
 *
 * - Keywords are case-insensitive. `cat*` matches a word starting with "cat", `*cat` one ending with it, `*cat*`
 *   "cat" anywhere, and `cat` only the whole word. A word ends at anything that is not a letter, a digit or `_`
 *   (Discord says whitespace; Accord also counts punctuation, so "cat!" matches `cat`). A keyword may be a phrase.
 * - The matched content is the whole word (or phrase) the keyword was found in; an allow-list entry that matches
 *   that content, with the same wildcards, keeps the match from counting.
 * - Regex patterns run on RE2 (re2-wasm): like Rust's regex crate, which Discord uses, it has no backreferences or
 *   lookaround and matches in linear time, so a pattern cannot stall the server. They are case-sensitive unless
 *   they say `(?i)`, as in Rust.
 *
 * Keywords compile to one JavaScript RegExp per rule whose alternatives are escaped literals between one-character
 * lookarounds: linear in the text for each keyword, with no nested quantifier to backtrack through.
 */
import { createRequire } from 'node:module';
import type { RE2 } from 're2-wasm';

const WORD_CHAR = /[\p{L}\p{N}_]/u;
const WORD = '[\\p{L}\\p{N}_]';

export interface Match {
  /** The keyword or pattern as the rule has it. */
  keyword: string;
  /** The text it matched: the whole word or phrase for a keyword. */
  content: string;
}

interface Keyword {
  source: string;
  core: string;
  /** `cat*` or `*cat*`: the word may go on after the keyword. */
  openEnd: boolean;
  /** `*cat` or `*cat*`: the word may start before the keyword. */
  openStart: boolean;
}

function parseKeyword(source: string): Keyword | null {
  const lower = source.toLowerCase();
  const openStart = lower.startsWith('*');
  const openEnd = lower.length > 1 && lower.endsWith('*');
  const core = lower.slice(openStart ? 1 : 0, openEnd ? -1 : undefined);
  return core ? { source, core, openEnd, openStart } : null;
}

// Only the syntax characters: under the `u` flag, escaping anything else (`\-`, `\/`) is itself an error.
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function keywordPattern(k: Keyword): string {
  return `${k.openStart ? '' : `(?<!${WORD})`}${escape(k.core)}${k.openEnd ? '' : `(?!${WORD})`}`;
}

/** A keyword list compiled for repeated use. */
export class KeywordSet {
  readonly #keywords: Keyword[];
  readonly #re: RegExp | null;

  constructor(keywords: readonly string[]) {
    this.#keywords = keywords.map(parseKeyword).filter((k): k is Keyword => k !== null);
    // Each alternative a named-free capture group, so the match tells which keyword it was.
    this.#re = this.#keywords.length ? new RegExp(this.#keywords.map((k) => `(${keywordPattern(k)})`).join('|'), 'giu') : null;
  }

  get size(): number {
    return this.#keywords.length;
  }

  /** Every match in `text`, in order. */
  *matches(text: string): Generator<Match> {
    if (!this.#re) return;
    const lower = text.toLowerCase();
    // toLowerCase keeps the length of almost all text; where it does not (a few letters, as İ), match on the
    // lowered text and report what was matched from it.
    const original = lower.length === text.length ? text : lower;
    this.#re.lastIndex = 0;
    for (let m = this.#re.exec(lower); m; m = this.#re.exec(lower)) {
      const which = m.findIndex((g, i) => i > 0 && g !== undefined) - 1;
      const k = this.#keywords[which]!;
      let start = m.index;
      let end = m.index + m[0].length;
      if (k.openStart) while (start > 0 && WORD_CHAR.test(lower[start - 1]!)) start--;
      if (k.openEnd) while (end < lower.length && WORD_CHAR.test(lower[end]!)) end++;
      yield { keyword: k.source, content: original.slice(start, end) };
      if (m[0].length === 0) this.#re.lastIndex++;
    }
  }

  /** Whether any keyword matches the whole of `text` (the allow-list test of a matched word). */
  coversWhole(text: string): boolean {
    const lower = text.toLowerCase();
    for (const m of this.matches(lower)) if (m.content.length === lower.length) return true;
    return false;
  }
}

/**
 * re2-wasm, loaded with the first pattern: its WebAssembly memory and compiled code are about 13 MB of RSS that a
 * server without regex rules never needs (docs/performance.md, 2026-12-07 from 15:03). It loads synchronously, as a
 * static import would.
 */
let re2: typeof import('re2-wasm') | null = null;
const loadRe2 = () => (re2 ??= createRequire(import.meta.url)('re2-wasm') as typeof import('re2-wasm'));

/** Compiles a rule's regex pattern; throws Error with RE2's message for one it cannot take. */
export function compilePattern(pattern: string): RE2 {
  return new (loadRe2().RE2)(pattern, 'u');
}

/** The trigger of a keyword rule (KEYWORD, KEYWORD_PRESET, MEMBER_PROFILE), compiled. */
export class TextTrigger {
  readonly #keywords: KeywordSet;
  readonly #patterns: Array<{ source: string; re: RE2 }>;
  readonly #allow: KeywordSet;

  constructor(keywords: readonly string[], patterns: readonly string[], allowList: readonly string[]) {
    this.#keywords = new KeywordSet(keywords);
    this.#patterns = [];
    // A stored pattern RE2 refuses (none should be: rules are checked when written) never matches.
    for (const source of patterns) {
      try {
        this.#patterns.push({ source, re: compilePattern(source) });
      } catch {}
    }
    this.#allow = new KeywordSet(allowList);
  }

  /** The first match in `text` that the allow list does not cover, or null. */
  match(text: string): Match | null {
    if (!text) return null;
    for (const m of this.#keywords.matches(text)) if (!this.#allowed(m.content)) return m;
    for (const p of this.#patterns) {
      const found = p.re.exec(text);
      if (found && !this.#allowed(found[0] ?? '')) return { keyword: p.source, content: found[0] ?? '' };
    }
    return null;
  }

  #allowed(content: string): boolean {
    return this.#allow.size > 0 && this.#allow.coversWhole(content);
  }
}

const MENTION = /<@(!?|&)(\d{1,20})>/g;

/** Unique user and role mentions written in `text` (MENTION_SPAM counts them, whatever allowed_mentions says). */
export function countMentions(text: string): number {
  const seen = new Set<string>();
  for (const m of text.matchAll(MENTION)) seen.add(`${m[1] === '&' ? 'r' : 'u'}${m[2]}`);
  return seen.size;
}
