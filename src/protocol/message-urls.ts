/**
 * The links of a message's content that get link embeds, as Discord picks them: http(s) URLs outside code blocks
 * and inline code, not wrapped in `<angle brackets>` (the author's way to suppress one), at most
 * MAX_UNFURL_URLS, each once. Shared by the write path (which queues the unfurl) and the embed role (which checks
 * the message still has the link before writing its embed).
 */
export const MAX_UNFURL_URLS = 5;

/** SUPPRESS_EMBEDS: the message shows no embeds and gets no unfurls. */
export const SUPPRESS_EMBEDS_FLAG = 1 << 2;

const CODE_BLOCK = /```[\s\S]*?```/g;
const INLINE_CODE = /(`+)[\s\S]*?\1/g;
const SUPPRESSED = /<https?:\/\/[^\s>]+>/gi;
const URL_IN_TEXT = /https?:\/\/[^\s<>|]+/gi;
/** Punctuation that ends a sentence rather than the URL. */
const TRAILING = /[.,:;!?'"*_~]+$/;

export function unfurlUrls(content: string): string[] {
  const text = content.replace(CODE_BLOCK, ' ').replace(INLINE_CODE, ' ').replace(SUPPRESSED, ' ');
  const found: string[] = [];
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let candidate = match[0].replace(TRAILING, '');
    // A closing parenthesis belongs to the URL only when it opened one (Wikipedia links).
    while (candidate.endsWith(')') && count(candidate, '(') < count(candidate, ')')) candidate = candidate.slice(0, -1).replace(TRAILING, '');
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) continue;
    if (!found.includes(url.href)) found.push(url.href);
    if (found.length === MAX_UNFURL_URLS) break;
  }
  return found;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}
