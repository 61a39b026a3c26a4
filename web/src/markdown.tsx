/**
 * Discord-flavoured markdown → React elements. Never produces HTML strings: every piece of user text ends up
 * as a React text node, and links are only made from http(s) URLs, so message content cannot inject markup.
 * Rules are tried in order at each position (the simple-markdown approach Discord's client uses).
 */
import { useState, type ReactNode } from 'react';

export interface MentionResolver {
  user(id: string): string | null;
  role(id: string): { name: string; color: number } | null;
  channel(id: string): string | null;
  onUserClick?(id: string, el: HTMLElement): void;
  onChannelClick?(id: string): void;
}

type Node =
  | { k: 'text'; v: string }
  | { k: 'br' }
  | { k: 'codeblock'; lang: string; v: string }
  | { k: 'code'; v: string }
  | { k: 'quote' | 'strong' | 'em' | 'u' | 'del' | 'spoiler'; c: Node[] }
  | { k: 'link'; url: string }
  | { k: 'user' | 'role' | 'channel'; id: string };

interface Rule {
  re: RegExp;
  /** Only matches at the start of a line. */
  lineStart?: boolean;
  make(m: RegExpExecArray, inQuote: boolean): Node | null;
}

const inner = (s: string, inQuote: boolean) => parseInline(s, inQuote);

const RULES: Rule[] = [
  { re: /^```(?:([a-z0-9_+\-.#]+?)\n)?\n*([\s\S]*?)\n*```/i, make: (m) => ({ k: 'codeblock', lang: m[1] ?? '', v: m[2] }) },
  {
    re: /^(?: *>>> ([\s\S]*))|^(?: *> [^\n]*(?:\n *> [^\n]*)*\n?)/,
    lineStart: true,
    make: (m, inQuote) => {
      if (inQuote) return null;
      const body = m[1] !== undefined ? m[1] : m[0].replace(/^ *> ?/gm, '').replace(/\n$/, '');
      return { k: 'quote', c: inner(body, true) };
    },
  },
  { re: /^\\([^0-9A-Za-z\s])/, make: (m) => ({ k: 'text', v: m[1] }) },
  { re: /^(`+)([\s\S]*?[^`])\1(?!`)/, make: (m) => ({ k: 'code', v: m[2].trim() || m[2] }) },
  { re: /^<(https?:\/\/[^\s>]+)>/, make: (m) => linkNode(m[1]) },
  { re: /^<@!?(\d{1,20})>/, make: (m) => ({ k: 'user', id: m[1] }) },
  { re: /^<@&(\d{1,20})>/, make: (m) => ({ k: 'role', id: m[1] }) },
  { re: /^<#(\d{1,20})>/, make: (m) => ({ k: 'channel', id: m[1] }) },
  { re: /^https?:\/\/[^\s<]+[^<.,:;"')\]\s]/, make: (m) => linkNode(m[0]) },
  { re: /^\|\|([\s\S]+?)\|\|/, make: (m, q) => ({ k: 'spoiler', c: inner(m[1], q) }) },
  { re: /^\*\*([\s\S]+?)\*\*(?!\*)/, make: (m, q) => ({ k: 'strong', c: inner(m[1], q) }) },
  { re: /^__([\s\S]+?)__(?!_)/, make: (m, q) => ({ k: 'u', c: inner(m[1], q) }) },
  { re: /^~~([\s\S]+?)~~/, make: (m, q) => ({ k: 'del', c: inner(m[1], q) }) },
  { re: /^\*(?=\S)((?:\*\*|\\[\s\S]|\s+(?:\\[\s\S]|[^\s*\\]|\*\*)|[^\s*\\])+?)\*(?!\*)/, make: (m, q) => ({ k: 'em', c: inner(m[1], q) }) },
  { re: /^\b_((?:__|\\[\s\S]|[^\\_])+?)_\b/, make: (m, q) => ({ k: 'em', c: inner(m[1], q) }) },
  { re: /^\n/, make: () => ({ k: 'br' }) },
  // Plain text up to the next character that could start another rule.
  { re: /^[\s\S]+?(?=[^0-9A-Za-z\s\u00c0-\uffff]|\n|\w+:\S|$)/, make: (m) => ({ k: 'text', v: m[0] }) },
];

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

function linkNode(raw: string): Node {
  const url = safeUrl(raw);
  return url ? { k: 'link', url } : { k: 'text', v: raw };
}

export function parseInline(src: string, inQuote = false): Node[] {
  const out: Node[] = [];
  let pos = 0;
  while (pos < src.length) {
    const rest = src.slice(pos);
    const atLineStart = pos === 0 || src[pos - 1] === '\n';
    let matched = false;
    for (const rule of RULES) {
      if (rule.lineStart && !atLineStart) continue;
      const m = rule.re.exec(rest);
      if (!m || m[0].length === 0) continue;
      const node = rule.make(m, inQuote);
      if (!node) continue;
      const last = out[out.length - 1];
      if (node.k === 'text' && last?.k === 'text') last.v += node.v;
      else out.push(node);
      pos += m[0].length;
      matched = true;
      break;
    }
    if (!matched) {
      const last = out[out.length - 1];
      if (last?.k === 'text') last.v += src[pos];
      else out.push({ k: 'text', v: src[pos] });
      pos++;
    }
  }
  return out;
}

function Spoiler({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState(false);
  return (
    <span
      className={shown ? 'md-spoiler revealed' : 'md-spoiler'}
      role={shown ? undefined : 'button'}
      tabIndex={shown ? undefined : 0}
      aria-label={shown ? undefined : 'Spoiler, activate to reveal'}
      aria-expanded={shown}
      onClick={() => setShown(true)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          setShown(true);
        }
      }}
    >
      <span aria-hidden={!shown}>{children}</span>
    </span>
  );
}

function render(nodes: Node[], r: MentionResolver, keyPrefix = ''): ReactNode[] {
  return nodes.map((n, i) => {
    const key = `${keyPrefix}${i}`;
    switch (n.k) {
      case 'text':
        return n.v;
      case 'br':
        return <br key={key} />;
      case 'codeblock':
        return (
          <pre key={key} className="md-codeblock" data-lang={n.lang || undefined}>
            <code>{n.v}</code>
          </pre>
        );
      case 'code':
        return (
          <code key={key} className="md-code">
            {n.v}
          </code>
        );
      case 'quote':
        return (
          <blockquote key={key} className="md-quote">
            {render(n.c, r, key + '.')}
          </blockquote>
        );
      case 'strong':
        return <strong key={key}>{render(n.c, r, key + '.')}</strong>;
      case 'em':
        return <em key={key}>{render(n.c, r, key + '.')}</em>;
      case 'u':
        return <u key={key}>{render(n.c, r, key + '.')}</u>;
      case 'del':
        return <s key={key}>{render(n.c, r, key + '.')}</s>;
      case 'spoiler':
        return <Spoiler key={key}>{render(n.c, r, key + '.')}</Spoiler>;
      case 'link':
        return (
          <a key={key} href={n.url} target="_blank" rel="noopener noreferrer" className="md-link">
            {n.url}
          </a>
        );
      case 'user': {
        const name = r.user(n.id);
        return (
          <button
            key={key}
            type="button"
            className="mention"
            onClick={(e) => r.onUserClick?.(n.id, e.currentTarget)}
            aria-label={`Mention of ${name ?? 'unknown user'}`}
          >
            @{name ?? 'unknown-user'}
          </button>
        );
      }
      case 'role': {
        const role = r.role(n.id);
        const color = role?.color ? `#${role.color.toString(16).padStart(6, '0')}` : undefined;
        // The @everyone role is named "@everyone": one "@", however the name is spelled.
        const name = (role?.name ?? 'deleted-role').replace(/^@/, '');
        return (
          <span key={key} className="mention role-mention" data-role-id={n.id} style={color ? { color, background: `${color}1a` } : undefined}>
            @{name}
          </span>
        );
      }
      case 'channel': {
        const name = r.channel(n.id);
        return (
          <button key={key} type="button" className="mention" onClick={() => r.onChannelClick?.(n.id)}>
            #{name ?? 'unknown'}
          </button>
        );
      }
    }
  });
}

export function Markdown({ content, resolver }: { content: string; resolver: MentionResolver }) {
  return <>{render(parseInline(content), resolver)}</>;
}
