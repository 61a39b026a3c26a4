/**
 * Discord's rich embed, as bots send them: colour bar, author, title (a link when it has a url), description and
 * field values as markdown, fields side by side when inline, image, thumbnail, footer and timestamp. Everything
 * on the wire is treated as untrusted: text becomes text nodes (through the markdown renderer, which never makes
 * HTML), and only http(s) URLs become links or images — a javascript:, data: or attachment: URL is dropped.
 * Images load from `proxy_url` (this server's /external/... copy) when there is one, so reading a message never
 * contacts a third party; the original `url` is only a fallback.
 */
import { colorHex } from '../colors.ts';
import { Markdown, safeUrl, type MentionResolver } from '../markdown.tsx';
import { mediaUrl } from '../media-url.ts';
import { formatTimestamp } from '../time.ts';
import type { EmbedMedia, Embed as EmbedJson } from '../types.ts';

/** The proxied copy of an embed image when the server made one, else the original (http(s) only). */
const imageSrc = (proxy: unknown, url: unknown) => mediaUrl(proxy) ?? mediaUrl(safeUrl(url));
const mediaSrc = (m: EmbedMedia | undefined) => (m ? imageSrc(m.proxy_url, m.url) : null);

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function Link({ href, className, children }: { href: string | null; className: string; children: React.ReactNode }) {
  if (!href) return <span className={className}>{children}</span>;
  return (
    <a className={className} href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

function Img({ src, className, width, height }: { src: string | null; className: string; width?: number; height?: number }) {
  if (!src) return null;
  const sized = typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0;
  return (
    <img
      className={className}
      src={src}
      alt=""
      loading="lazy"
      decoding="async"
      referrerPolicy="no-referrer"
      width={sized ? width : undefined}
      height={sized ? height : undefined}
      style={sized ? { aspectRatio: `${width} / ${height}`, height: 'auto' } : undefined}
    />
  );
}

export function Embed({ embed, resolver }: { embed: EmbedJson; resolver: MentionResolver }) {
  const color = typeof embed.color === 'number' && embed.color >= 0 ? colorHex(embed.color) : undefined;
  const author = text(embed.author?.name);
  const title = text(embed.title);
  const description = text(embed.description);
  const footer = text(embed.footer?.text);
  const when = embed.timestamp && !Number.isNaN(Date.parse(embed.timestamp)) ? embed.timestamp : null;
  const fields = Array.isArray(embed.fields) ? embed.fields.filter((f) => text(f?.name) || text(f?.value)) : [];
  const thumbnail = mediaSrc(embed.thumbnail);
  const image = mediaSrc(embed.image);
  return (
    <article className={thumbnail ? 'embed with-thumbnail' : 'embed'} style={color ? { borderLeftColor: color } : undefined} aria-label={title || author || 'Embed'}>
      {author && (
        <div className="embed-author">
          <Img src={imageSrc(embed.author?.proxy_icon_url, embed.author?.icon_url)} className="embed-author-icon" />
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
      <Img src={image} className="embed-image" width={embed.image?.width} height={embed.image?.height} />
      <Img src={thumbnail} className="embed-thumbnail" />
      {(footer || when) && (
        <footer className="embed-footer">
          <Img src={imageSrc(embed.footer?.proxy_icon_url, embed.footer?.icon_url)} className="embed-footer-icon" />
          {footer}
          {footer && when && <span aria-hidden="true"> • </span>}
          {when && <time dateTime={when}>{formatTimestamp(when)}</time>}
        </footer>
      )}
    </article>
  );
}
