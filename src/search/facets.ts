/**
 * The rarer search filters (`link_hostname`, `embed_type`, `embed_provider`, `attachment_filename`,
 * `attachment_extension`): how a message's values and a query's values are normalized, the same way on both
 * sides and for every engine, so that a value matches exactly when these functions give equal strings.
 */
import { digest } from '../lib/digest.ts';
import { fold, isSnowflake } from './text.ts';
import { SEARCH_EMBED_TYPES, type SearchDocument, type SearchEmbedType, type SearchQuery } from './search-index.ts';

type Embed = Record<string, unknown>;

/** Host names are case-insensitive; a trailing dot names the same host. */
export function normalizeHostname(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/** The host of an http(s) URL, or null. */
export function hostnameOf(url: string): string | null {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname ? normalizeHostname(u.hostname) : null;
  } catch {
    return null;
  }
}

/** File names match whole, with case and accents folded (`Report.PDF` = `report.pdf`). */
export function normalizeFilename(name: string): string {
  return fold(name).trim();
}

/** An extension as Discord's examples give it (`txt`): without the dot, folded; a leading dot is tolerated. */
export function normalizeExtension(ext: string): string {
  return fold(ext).trim().replace(/^\./, '');
}

/** The extension of a (normalized) file name: after its last dot, none for `.bashrc` or `README`. */
export function extensionOf(filename: string): string | null {
  const dot = filename.lastIndexOf('.');
  return dot > 0 && dot < filename.length - 1 ? filename.slice(dot + 1) : null;
}

/**
 * Discord's search embed types "do not correspond 1:1" to embed types: `gif` is a gifv embed, `image` and
 * `video` an embed of that type or one carrying a video (any other embed with an image counts as an image),
 * `article` an article, `sound` an audio embed (a provider's player with no video, e.g. type `audio`).
 */
export function embedTypesOf(embeds: readonly Embed[]): SearchEmbedType[] {
  const out = new Set<SearchEmbedType>();
  for (const e of embeds) {
    const type = typeof e.type === 'string' ? e.type : 'rich';
    const video = Boolean((e.video as Embed | undefined)?.url);
    if (type === 'gifv') out.add('gif');
    else if (type === 'video' || video) out.add('video');
    else if (type === 'image' || (e.image as Embed | undefined)?.url) out.add('image');
    if (type === 'article') out.add('article');
    if (type === 'audio') out.add('sound');
  }
  return [...out];
}

/** Provider names as given (case-sensitive), at most 256 characters as the query's. */
export function embedProvidersOf(embeds: readonly Embed[]): string[] {
  const out = new Set<string>();
  for (const e of embeds) {
    const name = (e.provider as Embed | undefined)?.name;
    if (typeof name === 'string' && name.length > 0) out.add(name);
  }
  return [...out];
}

/**
 * A value as one engine token: a letter for the facet, then 96 bits of its SHA-256 in hex. Host names, file names
 * and provider names hold characters no tokenizer keeps whole (dots, spaces, case that must not fold), so the
 * SQLite index stores their hashes; a false match would need a 96-bit collision.
 */
export function facetToken(kind: string, value: string): string {
  return kind + digest('sha256', value, 'hex').slice(0, 24);
}

/** The facet tokens of a document: r<role>, p<user replied to>, q<message replied to>, y<embed type>, hashed l/v/f/x. */
export function facetTokensOf(doc: SearchDocument): string[] {
  const tokens = new Set<string>();
  for (const r of doc.mentionRoles) if (isSnowflake(r)) tokens.add(`r${r}`);
  if (isSnowflake(doc.repliedToUserId ?? undefined)) tokens.add(`p${doc.repliedToUserId}`);
  if (isSnowflake(doc.repliedToMessageId ?? undefined)) tokens.add(`q${doc.repliedToMessageId}`);
  for (const t of doc.embedTypes ?? []) if (SEARCH_EMBED_TYPES.includes(t)) tokens.add(`y${t}`);
  for (const h of doc.linkHostnames ?? []) tokens.add(facetToken('l', normalizeHostname(h)));
  for (const p of doc.embedProviders ?? []) tokens.add(facetToken('v', p));
  for (const f of doc.attachmentFilenames ?? []) tokens.add(facetToken('f', normalizeFilename(f)));
  for (const x of doc.attachmentExtensions ?? []) tokens.add(facetToken('x', normalizeExtension(x)));
  return [...tokens];
}

/**
 * The query's facet filters as groups of tokens: a document matches a group when it has any of its tokens, and
 * must match every group. Null when a filter has no valid value left (it matches nothing).
 */
export function facetGroups(q: SearchQuery): string[][] | null {
  const groups: string[][] = [];
  const add = (values: readonly string[] | undefined, token: (v: string) => string | null): boolean => {
    if (!values) return true;
    const tokens = [...new Set(values.map(token).filter((t): t is string => t !== null))];
    if (tokens.length === 0) return false;
    groups.push(tokens);
    return true;
  };
  const id = (prefix: string) => (v: string) => (isSnowflake(v) ? prefix + v : null);
  const ok =
    add(q.mentionRoles, id('r')) &&
    add(q.repliedToUserIds, id('p')) &&
    add(q.repliedToMessageIds, id('q')) &&
    add(q.embedTypes, (t) => ((SEARCH_EMBED_TYPES as readonly string[]).includes(t) ? `y${t}` : null)) &&
    add(q.linkHostnames, (h) => facetToken('l', normalizeHostname(h))) &&
    add(q.embedProviders, (p) => facetToken('v', p)) &&
    add(q.attachmentFilenames, (f) => facetToken('f', normalizeFilename(f))) &&
    add(q.attachmentExtensions, (x) => facetToken('x', normalizeExtension(x)));
  return ok ? groups : null;
}
