/**
 * Discord-flavoured markdown → React elements. The syntax tree comes from markdown-parse.ts (Discord's
 * simple-markdown rules; why that parser is said there). Never produces HTML strings: every piece of user text
 * ends up as a React text node, links are only made from http(s) URLs, a masked link asks before leaving
 * (LeavingDialog), and code highlighting is React spans built from highlight.js's token tree, loaded on demand.
 */
import { colorHex } from './colors.ts';
import { useEffect, useMemo, useState, type MouseEvent, type ReactNode } from 'react';
import { LeavingDialog } from './components/LeavingDialog.tsx';
import { grammarFor } from './highlight-languages.ts';
import { emojiUrl } from './guild-emoji.ts';
import { parseMarkdown, type MdNode, type TimestampStyle } from './markdown-parse.ts';

export { safeUrl } from './markdown-parse.ts';

export interface MentionResolver {
  user(id: string): string | null;
  role(id: string): { name: string; color: number } | null;
  channel(id: string): string | null;
  onUserClick?(id: string, el: HTMLElement): void;
  onChannelClick?(id: string): void;
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
      // While hidden, a click only reveals: it does not also follow a link or open a mention under it.
      onClickCapture={(e) => {
        if (shown) return;
        e.preventDefault();
        e.stopPropagation();
        setShown(true);
      }}
      onKeyDown={(e) => {
        if (!shown && (e.key === 'Enter' || e.key === ' ')) {
          e.preventDefault();
          setShown(true);
        }
      }}
    >
      <span aria-hidden={!shown}>{children}</span>
    </span>
  );
}

/** A code block; in a known language, highlighted once highlight.js and the grammar have loaded. */
function CodeBlock({ lang, content }: { lang: string; content: string }) {
  const grammar = lang ? grammarFor(lang) : null;
  const source = grammar ? `${grammar.name}\n${content}` : '';
  const [highlighted, setHighlighted] = useState<{ source: string; nodes: ReactNode } | null>(null);
  useEffect(() => {
    if (!grammar) return;
    let live = true;
    import('./highlight.ts')
      .then((m) => m.highlight(content, grammar))
      .then((nodes) => {
        if (live && nodes != null) setHighlighted({ source, nodes });
      })
      // Offline or an unknown grammar: the code stays plain, which is what it was until now.
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [source]);
  const done = highlighted !== null && highlighted.source === source;
  return (
    <pre className="md-codeblock" data-lang={lang || undefined}>
      <code className={done ? 'hljs' : undefined}>{done ? highlighted.nodes : content}</code>
    </pre>
  );
}

/** `[text](url)`: the text may claim anything, so a click (any button) shows the real URL first. */
function MaskedLink({ url, title, children }: { url: string; title: string | null; children: ReactNode }) {
  const [leaving, setLeaving] = useState(false);
  const ask = (e: MouseEvent) => {
    e.preventDefault();
    setLeaving(true);
  };
  return (
    <>
      <a
        href={url}
        className="md-link md-masked-link"
        target="_blank"
        rel="noopener noreferrer"
        title={title ?? url}
        onClick={ask}
        onAuxClick={(e) => e.button === 1 && ask(e)}
      >
        {children}
      </a>
      {leaving && <LeavingDialog url={url} onClose={() => setLeaving(false)} />}
    </>
  );
}

const TIMESTAMP_FORMATS: Record<Exclude<TimestampStyle, 'R'>, Intl.DateTimeFormatOptions> = {
  t: { timeStyle: 'short' },
  T: { timeStyle: 'medium' },
  d: { dateStyle: 'short' },
  D: { dateStyle: 'long' },
  f: { dateStyle: 'long', timeStyle: 'short' },
  F: { dateStyle: 'full', timeStyle: 'short' },
};

const RELATIVE_UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** `<t:unix:style>` in the reader's locale and time zone, as Discord shows it. */
function Timestamp({ unix, style }: { unix: number; style: TimestampStyle }) {
  const date = new Date(unix * 1000);
  let text: string;
  if (style === 'R') {
    const diff = unix - Date.now() / 1000;
    const [unit, secs] = RELATIVE_UNITS.find(([, s]) => Math.abs(diff) >= s) ?? RELATIVE_UNITS[RELATIVE_UNITS.length - 1]!;
    text = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(Math.round(diff / secs), unit);
  } else {
    text = date.toLocaleString(undefined, TIMESTAMP_FORMATS[style]);
  }
  return (
    <time className="md-timestamp" dateTime={date.toISOString()} title={date.toLocaleString(undefined, TIMESTAMP_FORMATS.F)}>
      {text}
    </time>
  );
}

function render(nodes: MdNode[], r: MentionResolver, keyPrefix = ''): ReactNode[] {
  return nodes.map((n, i) => {
    const key = `${keyPrefix}${i}`;
    const inner = () => render((n as { content: MdNode[] }).content, r, key + '.');
    switch (n.type) {
      case 'text':
        return n.content;
      case 'br':
        return <br key={key} />;
      case 'codeBlock':
        return <CodeBlock key={key} lang={n.lang} content={n.content} />;
      case 'inlineCode':
        return (
          <code key={key} className="md-code">
            {n.content}
          </code>
        );
      case 'blockQuote':
        return (
          <blockquote key={key} className="md-quote">
            {inner()}
          </blockquote>
        );
      case 'heading': {
        const Tag = (['h1', 'h2', 'h3'] as const)[n.level - 1]!;
        return (
          <Tag key={key} className={`md-heading md-h${n.level}`}>
            {inner()}
          </Tag>
        );
      }
      case 'subtext':
        return (
          <small key={key} className="md-subtext">
            {inner()}
          </small>
        );
      case 'list': {
        const items = n.items.map((item, j) => <li key={j}>{render(item, r, `${key}.${j}.`)}</li>);
        return n.ordered ? (
          <ol key={key} className="md-list" start={n.start}>
            {items}
          </ol>
        ) : (
          <ul key={key} className="md-list">
            {items}
          </ul>
        );
      }
      case 'strong':
        return <strong key={key}>{inner()}</strong>;
      case 'em':
        return <em key={key}>{inner()}</em>;
      case 'u':
        return <u key={key}>{inner()}</u>;
      case 'del':
        return <s key={key}>{inner()}</s>;
      case 'spoiler':
        return <Spoiler key={key}>{inner()}</Spoiler>;
      case 'url':
        return (
          <a key={key} href={n.target} target="_blank" rel="noopener noreferrer" className="md-link">
            {n.target}
          </a>
        );
      case 'link':
        return (
          <MaskedLink key={key} url={n.target} title={n.title}>
            {inner()}
          </MaskedLink>
        );
      case 'emoji':
        // The image from the CDN (`/emojis/{id}.gif` when animated); its alt text is the name, as Discord's.
        return (
          <img key={key} className="md-emoji-custom" src={emojiUrl(n.id, n.animated, 22)} alt={`:${n.name}:`} title={`:${n.name}:`} data-emoji-id={n.id} draggable={false} />
        );
      case 'timestamp':
        return <Timestamp key={key} unix={n.unix} style={n.style} />;
      case 'user': {
        const name = r.user(n.id);
        return (
          <button
            key={key}
            type="button"
            className="mention"
            data-user-id={n.id}
            onClick={(e) => r.onUserClick?.(n.id, e.currentTarget)}
            aria-label={`Mention of ${name ?? 'unknown user'}`}
          >
            @{name ?? 'unknown-user'}
          </button>
        );
      }
      case 'role': {
        const role = r.role(n.id);
        const color = role?.color ? colorHex(role.color) : undefined;
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
  const tree = useMemo(() => parseMarkdown(content), [content]);
  return <>{render(tree, resolver)}</>;
}
