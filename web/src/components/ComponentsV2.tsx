/**
 * A Components V2 message (IS_COMPONENTS_V2), drawn as Discord's client draws one: containers with their accent
 * bar, text displays in markdown, sections with a thumbnail or a button beside their text, media galleries, file
 * cards, separators, and action rows (drawn by MessageComponents, which owns the interactions). Pictures load
 * from `proxy_url` (this server's copy) when there is one; spoilers stay blurred until clicked.
 */
import { colorHex } from '../colors.ts';
import type { ReactNode } from 'react';
import { Markdown, type MentionResolver } from '../markdown.tsx';
import { formatBytes, mediaUrl } from '../media-url.ts';
import type { ActionRow, ButtonComponent, MediaItem, V2Node } from '../types.ts';
import { Spoiler } from './Attachments.tsx';

interface Props {
  nodes: V2Node[];
  row: (r: ActionRow, i: number) => ReactNode;
  button: (b: ButtonComponent, key: string | number) => ReactNode;
  resolver: MentionResolver;
}

const src = (m: MediaItem | undefined) => (m ? (mediaUrl(m.proxy_url) ?? mediaUrl(m.url)) : null);

/** The part as it is, or behind the same spoiler cover as a spoilered attachment. */
function SpoilerBox({ spoiler, what, children }: { spoiler?: boolean; what: string; children: ReactNode }) {
  return spoiler ? <Spoiler what={what}>{children}</Spoiler> : <>{children}</>;
}

function Picture({ media, alt, className }: { media?: MediaItem; alt?: string | null; className: string }) {
  const url = src(media);
  if (!url) return null;
  return <img className={className} src={url} alt={alt?.trim() || ''} width={media?.width} height={media?.height} loading="lazy" decoding="async" referrerPolicy="no-referrer" />;
}

export function LayoutV2({ nodes, row, button, resolver }: Props) {
  const node = (n: V2Node, i: number): ReactNode => {
    const key = n.id ?? i;
    switch (n.type) {
      case 1:
        return row(n as unknown as ActionRow, i);
      case 10:
        return (
          <div key={key} className="v2-text">
            <Markdown content={n.content ?? ''} resolver={resolver} />
          </div>
        );
      case 9:
        return (
          <div key={key} className="v2-section">
            <div className="v2-section-texts">{(n.components ?? []).map(node)}</div>
            {n.accessory && (
              <div className="v2-accessory">
                {n.accessory.type === 11 ? (
                  <SpoilerBox spoiler={n.accessory.spoiler} what="image">
                    <Picture media={n.accessory.media} alt={n.accessory.description} className="v2-thumbnail" />
                  </SpoilerBox>
                ) : n.accessory.type === 2 ? (
                  button(n.accessory as ButtonComponent, 'accessory')
                ) : null}
              </div>
            )}
          </div>
        );
      case 12:
        return (
          <div key={key} className={`v2-gallery count-${Math.min(n.items?.length ?? 0, 4)}`}>
            {(n.items ?? []).map((item, j) => (
              <SpoilerBox key={j} spoiler={item.spoiler} what={item.media?.content_type?.startsWith('video/') ? 'video' : 'image'}>
                <Picture media={item.media} alt={item.description} className="v2-gallery-item" />
              </SpoilerBox>
            ))}
          </div>
        );
      case 13: {
        const url = mediaUrl(n.file?.url);
        return (
          <SpoilerBox key={key} spoiler={n.spoiler} what={n.name ?? 'file'}>
            <div className="v2-file attachment-file">
              {url ? (
                <a href={url} download={n.name} target="_blank" rel="noopener noreferrer" className="v2-file-name">
                  {n.name ?? 'file'}
                </a>
              ) : (
                <span className="v2-file-name">{n.name ?? 'file'}</span>
              )}
              {typeof n.size === 'number' && <span className="v2-file-size small">{formatBytes(n.size)}</span>}
            </div>
          </SpoilerBox>
        );
      }
      case 14:
        return n.divider === false
          ? <div key={key} className={`v2-separator spacing-${n.spacing === 2 ? 'large' : 'small'}`} aria-hidden="true" />
          : <hr key={key} className={`v2-separator spacing-${n.spacing === 2 ? 'large' : 'small'}`} />;
      case 17:
        return (
          <SpoilerBox key={key} spoiler={n.spoiler} what="content">
            <div className="v2-container" style={typeof n.accent_color === 'number' ? { borderLeftColor: colorHex(n.accent_color) } : undefined}>
              {(n.components ?? []).map(node)}
            </div>
          </SpoilerBox>
        );
      default:
        return null;
    }
  };
  return <>{nodes.map(node)}</>;
}
