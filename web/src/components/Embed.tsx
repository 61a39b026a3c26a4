/**
 * Discord's rich embed, as bots send them: colour bar, author, title (a link when it has a url), description and
 * field values as markdown, fields side by side when inline, image, thumbnail, footer and timestamp. Everything
 * on the wire is treated as untrusted: text becomes text nodes (through the markdown renderer, which never makes
 * HTML), and only http(s) URLs become links or images — a javascript:, data: or attachment: URL is dropped.
 */
import { Markdown, safeUrl, type MentionResolver } from '../markdown.tsx';
import { formatTimestamp } from '../time.ts';
import type { Embed as EmbedJson } from '../types.ts';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function Link({ href, className, children }: { href: string | null; className: string; children: React.ReactNode }) {
  if (!href) return <span className={className}>{children}</span>;
  return (
    <a className={className} href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

function Img({ src, className }: { src: string | null; className: string }) {
  if (!src) return null;
  return <img className={className} src={src} alt="" loading="lazy" decoding="async" referrerPolicy="no-referrer" />;
}

export function Embed({ embed, resolver }: { embed: EmbedJson; resolver: MentionResolver }) {
  const color = typeof embed.color === 'number' && embed.color >= 0 ? `#${(embed.color & 0xffffff).toString(16).padStart(6, '0')}` : undefined;
  const author = text(embed.author?.name);
  const title = text(embed.title);
  const description = text(embed.description);
  const footer = text(embed.footer?.text);
  const when = embed.timestamp && !Number.isNaN(Date.parse(embed.timestamp)) ? embed.timestamp : null;
  const fields = Array.isArray(embed.fields) ? embed.fields.filter((f) => text(f?.name) || text(f?.value)) : [];
  const thumbnail = safeUrl(embed.thumbnail?.url);
  const image = safeUrl(embed.image?.url);
  return (
    <article className={thumbnail ? 'embed with-thumbnail' : 'embed'} style={color ? { borderLeftColor: color } : undefined} aria-label={title || author || 'Embed'}>
      {author && (
        <div className="embed-author">
          <Img src={safeUrl(embed.author?.icon_url)} className="embed-author-icon" />
          <Link href={safeUrl(embed.author?.url)} className="embed-author-name">
            {author}
          </Link>
        </div>
      )}
      {title && (
        <h4 className="embed-title">
          <Link href={safeUrl(embed.url)} className="embed-title-text">
            {title}
          </Link>
        </h4>
      )}
      {description && (
        <div className="embed-description">
          <Markdown content={description} resolver={resolver} />
        </div>
      )}
      {fields.length > 0 && (
        <dl className="embed-fields">
          {fields.map((f, i) => (
            <div key={i} className={f.inline ? 'embed-field inline' : 'embed-field'}>
              <dt className="embed-field-name">{text(f.name)}</dt>
              <dd className="embed-field-value">
                <Markdown content={text(f.value)} resolver={resolver} />
              </dd>
            </div>
          ))}
        </dl>
      )}
      <Img src={image} className="embed-image" />
      <Img src={thumbnail} className="embed-thumbnail" />
      {(footer || when) && (
        <footer className="embed-footer">
          <Img src={safeUrl(embed.footer?.icon_url)} className="embed-footer-icon" />
          {footer}
          {footer && when && <span aria-hidden="true"> • </span>}
          {when && <time dateTime={when}>{formatTimestamp(when)}</time>}
        </footer>
      )}
    </article>
  );
}
