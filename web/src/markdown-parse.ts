/**
 * Discord-flavoured markdown → a typed syntax tree (rendered to React elements by markdown.tsx; never to HTML).
 *
 * Why this parser: Discord's client parses messages with simple-markdown's rule engine (ordered regex rules,
 * length-weighted quality for `*`/`_`/`__`, lookbehind through `prevCapture`) plus rules of its own. We use the
 * maintained successor, @khanacademy/simple-markdown, so our rules are Discord's own rules rather than a
 * CommonMark parser bent towards them (markdown-it would differ on lazy quote continuation, fences that close on
 * the code line, `#`–`######` headings, blank-line paragraphs, and would add ~40 kB gzip to the first screen).
 * Its releases after 0.13.0 declare a peer dependency on React 18, which our React 19 refuses, so it is pinned
 * to 0.13.0 (React >= 18). We use only its parser (parserFor, the default inline rules' regexes and parse
 * functions, unescapeUrl): never its React or HTML output.
 *
 * Discord's differences from plain simple-markdown, all in the rules below: the whole message is parsed inline;
 * `__x__` is underline; `||x||` spoilers; `> ` and `>>> ` quotes (no nesting); `#`, `##`, `###` headings and
 * `-# ` subtext at the start of a line; `-`/`*` and `1.` lists where indentation nests and any other line ends
 * the list; no tables, images, reference links, setext headings or rules; mentions `<@id>`, `<@&id>`, `<#id>`,
 * custom emoji `<:name:id>` and timestamps `<t:unix:style>`. Links, plain or masked `[text](url)`, are made only
 * from http(s) URLs: anything else stays text.
 */
import SimpleMarkdownImport, { type Capture, type ParserRule, type ParserRules, type SingleASTNode, type State } from '@khanacademy/simple-markdown';

// Bundlers load the package's ES build (default export = the library); Node (the unit tests) loads its
// CommonJS build, whose module object holds the library under `default`. TypeScript models each the same way.
type Library<T> = T extends { parserFor: unknown } ? T : T extends { default: infer D } ? Library<D> : never;
const SimpleMarkdown = ('parserFor' in SimpleMarkdownImport ? SimpleMarkdownImport : (SimpleMarkdownImport as { default: unknown }).default) as Library<typeof SimpleMarkdownImport>;
const { defaultRules, parserFor, unescapeUrl } = SimpleMarkdown;

export type MdNode =
  | { type: 'text'; content: string }
  | { type: 'br' }
  | { type: 'codeBlock'; lang: string; content: string }
  | { type: 'inlineCode'; content: string }
  | { type: 'blockQuote' | 'strong' | 'em' | 'u' | 'del' | 'spoiler' | 'subtext'; content: MdNode[] }
  | { type: 'heading'; level: 1 | 2 | 3; content: MdNode[] }
  | { type: 'list'; ordered: boolean; start: number; items: MdNode[][] }
  /** A bare URL or `<url>`: shown as the URL itself. */
  | { type: 'url'; target: string }
  /** A masked link `[text](url "title")`: the text hides the URL, so opening it asks first. */
  | { type: 'link'; target: string; title: string | null; content: MdNode[] }
  | { type: 'user' | 'role' | 'channel'; id: string }
  | { type: 'emoji'; name: string; id: string; animated: boolean }
  | { type: 'timestamp'; unix: number; style: TimestampStyle };

export type TimestampStyle = 't' | 'T' | 'd' | 'D' | 'f' | 'F' | 'R';

/** The URL, normalised, when it is http(s); null for anything else (javascript:, data:, attachment:, junk). */
export function safeUrl(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch {
    /* not a URL after all */
  }
  return null;
}

/** Lists nested deeper than this stay text (Discord stops at a similar depth; it also bounds recursion). */
const MAX_LIST_DEPTH = 10;

/**
 * Block-like rules (quotes, headings, subtext, lists) only start a line of the message, a quote or a list item:
 * never inside bold, a spoiler or a link text, and never mid-line.
 */
function atLineStart(state: State): boolean {
  if (state.inlineNest) return false;
  const prev = state.prevCapture as Capture | null | undefined;
  return prev == null || prev[0].endsWith('\n');
}

/**
 * Styles nested deeper than this stay text: `*` × 3000 would otherwise nest italics until the stack overflows
 * and take the whole message list down with it.
 */
const MAX_INLINE_DEPTH = 16;

/** Runs a nested parse of inline-only content (bold, spoiler, link text, heading text). */
function nested<T>(state: State, run: () => T): T {
  const was = state.inlineNest;
  state.inlineNest = true;
  state.inlineDepth = (state.inlineDepth ?? 0) + 1;
  try {
    return run();
  } finally {
    state.inlineNest = was;
    state.inlineDepth -= 1;
  }
}

const canNest = (state: State) => (state.inlineDepth ?? 0) < MAX_INLINE_DEPTH;

const regexRule = (re: RegExp) => (source: string) => re.exec(source);

const lineStartRule = (re: RegExp, allowed: (state: State) => boolean = () => true) => (source: string, state: State) =>
  atLineStart(state) && allowed(state) ? re.exec(source) : null;

/** Inline rules from simple-markdown whose nested content must not start block rules. */
const inlineDefault = (rule: ParserRule): ParserRule => ({
  ...rule,
  match: (source, state, prev) => (canNest(state) ? rule.match(source, state, prev) : null),
  parse: (capture, parse, state) => nested(state, () => rule.parse(capture, parse, state)),
});

const LIST_BULLET = String.raw`(?:[*-]|\d{1,9}\.)`;
const LIST_ITEM_START = new RegExp(String.raw`^( *)(${LIST_BULLET}) +(?=\S)`);

/**
 * A list: its first line is a bullet at the start of a line; it goes on through sibling bullets at the same
 * indentation and lines indented further (continuations and nested lists), and ends at the first other line.
 * Returns a capture-like array: [whole source consumed, indentation, first bullet].
 */
function matchList(source: string, state: State): Capture | null {
  if (!atLineStart(state) || (state.listDepth ?? 0) >= MAX_LIST_DEPTH) return null;
  const first = LIST_ITEM_START.exec(source);
  if (!first) return null;
  const indent = first[1]!.length;
  const lines = source.split('\n');
  let taken = 1;
  for (; taken < lines.length; taken++) {
    const line = lines[taken]!;
    const item = LIST_ITEM_START.exec(line);
    const lead = /^ */.exec(line)![0].length;
    const sibling = item && item[1]!.length === indent;
    const deeper = lead > indent && line.trim() !== '';
    if (!sibling && !deeper) break;
  }
  const consumed = lines.slice(0, taken).join('\n') + (taken < lines.length ? '\n' : '');
  return Object.assign([consumed, first[1]!, first[2]!], { index: 0 });
}

function parseList(capture: Capture, parse: (s: string, st: State) => SingleASTNode[], state: State) {
  const indent = capture[1]!.length;
  const bullet = capture[2]!;
  const ordered = bullet !== '-' && bullet !== '*';
  const raw = capture[0]!.replace(/\n$/, '').split('\n');
  // Group lines into items: a new item at each bullet of the list's own indentation.
  const groups: string[][] = [];
  for (const line of raw) {
    const m = LIST_ITEM_START.exec(line);
    if (m && m[1]!.length === indent) groups.push([line]);
    else groups[groups.length - 1]!.push(line);
  }
  const depth = state.listDepth ?? 0;
  const items = groups.map((lines) => {
    const prefix = LIST_ITEM_START.exec(lines[0]!)![0].length;
    // Continuation lines lose up to the item's prefix width, so "- a\n  - b" nests "- b" inside "a".
    const dedent = new RegExp(`^ {1,${prefix}}`);
    const content = [lines[0]!.slice(prefix), ...lines.slice(1).map((l) => l.replace(dedent, ''))].join('\n');
    const saved = { listDepth: state.listDepth, inList: state.inList, prevCapture: state.prevCapture };
    state.listDepth = depth + 1;
    state.inList = true;
    state.prevCapture = null;
    const parsed = parse(content, state);
    Object.assign(state, saved);
    return parsed;
  });
  return { type: 'list', ordered, start: ordered ? parseInt(bullet, 10) : 1, items };
}

const rules: ParserRules = {
  codeBlock: {
    order: defaultRules.codeBlock.order,
    // Discord's: an optional language on the opening line; the fence may close on the last code line. One
    // newline after the closing fence belongs to the block (it would otherwise add an empty line).
    match: regexRule(/^```(?:([a-z0-9_+\-.#]+?)\n)?\n*([^\n][\s\S]*?)\n*```\n?/i),
    parse: (capture) => ({ lang: (capture[1] ?? '').toLowerCase(), content: capture[2] }),
  },
  blockQuote: {
    order: defaultRules.blockQuote.order,
    // `>>> ` quotes the rest of the message; `> ` one line, and consecutive such lines join. No nesting.
    match: lineStartRule(/^ *>>> ([\s\S]*)|^ *>(?!>>) [^\n]*(?:\n *>(?!>>) [^\n]*)*\n?/, (s) => !s.inQuote && !s.inList),
    parse: (capture, parse, state) => {
      const body = capture[1] !== undefined ? capture[1] : capture[0]!.replace(/^ *> ?/gm, '').replace(/\n$/, '');
      const was = state.inQuote;
      state.inQuote = true;
      const content = parse(body, state);
      state.inQuote = was;
      return { content };
    },
  },
  heading: {
    order: defaultRules.heading.order,
    match: lineStartRule(/^(#{1,3}) +(\S[^\n]*)(?:\n|$)/, (s) => !s.inList),
    parse: (capture, parse, state) => ({ level: capture[1]!.length, content: nested(state, () => parse(capture[2]!.trimEnd(), state)) }),
  },
  subtext: {
    order: defaultRules.heading.order,
    match: lineStartRule(/^-# +(\S[^\n]*)(?:\n|$)/, (s) => !s.inList),
    parse: (capture, parse, state) => ({ content: nested(state, () => parse(capture[1]!.trimEnd(), state)) }),
  },
  list: {
    order: defaultRules.list.order,
    match: matchList,
    parse: parseList,
  },
  newline: {
    order: defaultRules.newline.order,
    match: regexRule(/^\n/),
    parse: () => ({ type: 'br' }),
  },
  escape: defaultRules.escape,
  // Masked links: only to http(s), else the whole thing is text. Link text holds no further links.
  link: {
    order: defaultRules.link.order,
    match: (source, state, prev) => {
      if (state.inLink || !canNest(state)) return null;
      const m = defaultRules.link.match(source, state, prev);
      return m && safeUrl(unescapeUrl(m[2] ?? '')) ? m : null;
    },
    parse: (capture, parse, state) => {
      const was = state.inLink;
      state.inLink = true;
      const content = nested(state, () => parse(capture[1]!, state));
      state.inLink = was;
      return { type: 'link', target: safeUrl(unescapeUrl(capture[2]!)), title: capture[3] ?? null, content };
    },
  },
  autolink: {
    order: defaultRules.autolink.order,
    match: (source, state) => (state.inLink ? null : /^<(https?:\/\/[^\s>]+)>/.exec(source)),
    parse: (capture) => urlNode(capture[1]!),
  },
  url: {
    order: defaultRules.url.order,
    match: (source, state) => (state.inLink ? null : matchUrl(source)),
    parse: (capture) => urlNode(capture[0]!),
  },
  user: { order: defaultRules.autolink.order, match: regexRule(/^<@!?(\d{1,20})>/), parse: (c) => ({ id: c[1] }) },
  role: { order: defaultRules.autolink.order, match: regexRule(/^<@&(\d{1,20})>/), parse: (c) => ({ id: c[1] }) },
  channel: { order: defaultRules.autolink.order, match: regexRule(/^<#(\d{1,20})>/), parse: (c) => ({ id: c[1] }) },
  emoji: {
    order: defaultRules.autolink.order,
    match: regexRule(/^<(a?):(\w{2,32}):(\d{1,20})>/),
    parse: (c) => ({ animated: c[1] === 'a', name: c[2], id: c[3] }),
  },
  timestamp: {
    order: defaultRules.autolink.order,
    match: (source) => {
      const m = /^<t:(-?\d{1,17})(?::([tTdDfFR]))?>/.exec(source);
      // Beyond what a Date can hold it stays text, as in Discord.
      return m && !Number.isNaN(new Date(Number(m[1]) * 1000).getTime()) ? m : null;
    },
    parse: (c) => ({ unix: Number(c[1]), style: c[2] ?? 'f' }),
  },
  spoiler: {
    order: defaultRules.del.order,
    match: (source, state) => (canNest(state) ? /^\|\|([\s\S]+?)\|\|/.exec(source) : null),
    parse: (capture, parse, state) => ({ content: nested(state, () => parse(capture[1]!, state)) }),
  },
  em: inlineDefault(defaultRules.em),
  strong: inlineDefault(defaultRules.strong),
  u: inlineDefault(defaultRules.u),
  del: inlineDefault(defaultRules.del),
  inlineCode: defaultRules.inlineCode,
  text: {
    order: defaultRules.text.order,
    // simple-markdown's text rule, also stopping at each newline so that lines can start block rules.
    match: regexRule(/^[\s\S]+?(?=[^0-9A-Za-z\s\u00c0-\uffff]|\n|\w+:\S|$)/),
    parse: (capture) => ({ content: capture[0] }),
  },
};

/**
 * A bare URL, without the punctuation that usually ends a sentence after it; a `)` that closes a `(` inside the
 * URL stays part of it (https://en.wikipedia.org/wiki/Rust_(programming_language)).
 */
function matchUrl(source: string): Capture | null {
  const m = /^https?:\/\/[^\s<]+[^<.,:;"')\]\s]/.exec(source);
  if (!m) return null;
  let url = m[0];
  const count = (c: string) => url.split(c).length - 1;
  while (source[url.length] === ')' && count('(') > count(')')) {
    url += ')';
    // What followed the ")" may continue the URL (a path or query after the parenthesised part).
    const more = /^[^\s<]*[^<.,:;"')\]\s]/.exec(source.slice(url.length));
    if (more && !more[0].includes('(') && !more[0].includes(')')) url += more[0];
  }
  return Object.assign([url], { index: 0 });
}

function urlNode(raw: string) {
  const target = safeUrl(raw);
  return target ? { type: 'url', target } : { type: 'text', content: raw };
}

const parser = parserFor(rules, { inline: true });

const BLOCKS = new Set(['codeBlock', 'blockQuote', 'heading', 'subtext', 'list']);

/**
 * Through the whole tree: adjacent text runs (escapes, stopped-at symbols) joined into one, and the newline that
 * ends a line of text right before a block dropped (the block starts its own line anyway; kept, it would read
 * as an extra empty line in copied text). An empty line before a block keeps its newline.
 */
function tidy(nodes: SingleASTNode[]): MdNode[] {
  const out: MdNode[] = [];
  for (const [i, n] of nodes.entries()) {
    const prev = out[out.length - 1];
    if (n.type === 'br' && prev && prev.type !== 'br' && !BLOCKS.has(prev.type) && BLOCKS.has(nodes[i + 1]?.type ?? '')) continue;
    if (n.type === 'text') {
      if (prev?.type === 'text') prev.content += n.content;
      else out.push({ type: 'text', content: n.content });
      continue;
    }
    if (n.type === 'list') out.push({ ...n, items: n.items.map(tidy) } as MdNode);
    else if (Array.isArray(n.content)) out.push({ ...n, content: tidy(n.content) } as MdNode);
    else out.push(n as MdNode);
  }
  return out;
}

/** Parses message (or embed) content the way Discord's client does. */
export function parseMarkdown(source: string): MdNode[] {
  return tidy(parser(source, { inline: true }));
}
