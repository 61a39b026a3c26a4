/**
 * Text handling shared by every search index, so that both engines see exactly the same tokens:
 * folding (case, Latin/Greek/Cyrillic accents, width), CJK and emoji segmentation, and query parsing.
 *
 * The engines never parse user text themselves: documents are stored as our tokens, and queries are built from
 * our tokens, each a run of letters, digits and marks only, so no query syntax (FTS5 or tsquery) can ever reach
 * the engine from user input.
 */

/** Longest token kept (FTS5 and tsquery both accept longer, but nothing useful is that long; PG caps at 2 KB). */
const MAX_TOKEN = 100;
/** Shortest term the substring (trigram) fallback uses: a trigram index cannot look up fewer characters. */
export const MIN_SUBSTRING = 3;
/**
 * Shortest last token a word expands as a prefix: `a*` would merge the posting lists of a tenth of the
 * vocabulary, for no useful result. Shorter words match whole.
 */
export const MIN_PREFIX = 2;

const ACCENTED = /(\p{Script=Latin}|\p{Script=Greek}|\p{Script=Cyrillic})\p{M}+/gu;
/** Characters written without spaces between words: each becomes its own token, so any substring is a phrase. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc\uff70]/gu;
const CJK_CHAR = new RegExp(`^${CJK.source}$`, 'u');
const EMOJI = /[\p{Extended_Pictographic}\p{Regional_Indicator}]/gu;
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * Case, accent and width folding. Marks are removed only after Latin, Greek and Cyrillic letters: stripping them
 * everywhere would merge kana (ガ and カ) and break Indic scripts, where marks are vowels.
 */
export function fold(text: string): string {
  // NUL is never searchable, and PostgreSQL cannot hold it in TEXT.
  if (text.includes('\u0000')) text = text.replace(/\u0000/g, '');
  if (ASCII.test(text)) return text.toLowerCase();
  return text.normalize('NFD').replace(ACCENTED, '$1').normalize('NFKC').toLowerCase();
}

/** An emoji as a word both engines keep (PostgreSQL's parser drops emoji; FTS5's unicode61 splits on them). */
const emojiToken = (ch: string) => ` emj${ch.codePointAt(0)!.toString(16)} `;

/** The tokens of already folded text, in order. */
function tokensOfFolded(folded: string): string[] {
  const spaced = folded.replace(EMOJI, emojiToken).replace(CJK, ' $& ');
  const out: string[] = [];
  for (const m of spaced.matchAll(TOKEN)) out.push(m[0].length > MAX_TOKEN ? m[0].slice(0, MAX_TOKEN) : m[0]);
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;
const ASCII_TOKEN = /[a-z0-9]+/g;

/** The tokens of a document's text, in order (positions matter for phrases). */
export function tokenize(text: string): string[] {
  // Most messages are ASCII: no normalisation, CJK or emoji to look for (same tokens, several times faster).
  if (ASCII.test(text)) return (text.toLowerCase().match(ASCII_TOKEN) ?? []).map((t) => (t.length > MAX_TOKEN ? t.slice(0, MAX_TOKEN) : t));
  return tokensOfFolded(fold(text));
}

export interface QueryTerm {
  /** A word matches as a prefix (its last token); a phrase matches exactly. */
  kind: 'word' | 'phrase';
  /** Whether the last token matches as a prefix: words only, not emoji or CJK characters, not too short. */
  prefix: boolean;
  /** Consecutive tokens (a CJK word or `foo.bar` gives several: they must follow each other). */
  tokens: string[];
  /** The folded text of the term, for substring matching. */
  text: string;
}

/**
 * Words and "quoted phrases". An unbalanced quote opens a phrase that runs to the end. A term with no tokens
 * (punctuation only) is dropped; `empty` says the input had text but no term survived, which matches nothing
 * (as a search engine whose analyzer finds no token does), while blank input matches everything.
 */
export function parseQuery(input: string | undefined): { terms: QueryTerm[]; empty: boolean } {
  if (input === undefined || input.trim() === '') return { terms: [], empty: false };
  const terms: QueryTerm[] = [];
  for (const m of input.matchAll(/"([^"]*)"?|([^\s"]+)/g)) {
    const phrase = m[1] !== undefined;
    const text = fold(phrase ? m[1]! : m[2]!).trim();
    const tokens = tokensOfFolded(text);
    if (tokens.length === 0) continue;
    const last = tokens[tokens.length - 1]!;
    const prefix = !phrase && [...last].length >= MIN_PREFIX && !/^emj[0-9a-f]+$/.test(last) && !CJK_CHAR.test(last);
    terms.push({ kind: phrase ? 'phrase' : 'word', prefix, tokens, text });
  }
  return { terms, empty: terms.length === 0 };
}

/** The term text usable for a substring match, or null when it is too short for a trigram index. */
export function substringOf(term: QueryTerm): string | null {
  return [...term.text].length >= MIN_SUBSTRING ? term.text : null;
}

/** Snowflake comparisons: ids are decimal strings of up to 20 digits. */
export function isSnowflake(id: string | undefined): id is string {
  return id !== undefined && /^\d{1,20}$/.test(id) && BigInt(id) < 2n ** 63n;
}
