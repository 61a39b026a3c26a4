/**
 * A message's files, drawn as Discord draws them: images as previews (sized from the attachment's width and
 * height before they load, so the history does not jump) that open the image viewer, videos and audio in the
 * browser's own players, anything else as a file card with a download link. Spoilers (a SPOILER_ file name, or
 * the IS_SPOILER flag) stay blurred until clicked. The description is the image's alt text.
 *
 * Only types the server serves inline (src/cdn/serve-blob.ts) become previews or players; an SVG, say, is a
 * file card, since the server sends it as a download.
 */
import { Suspense, lazy, useState, type ReactNode } from 'react';
import { closeLightbox, loadLightbox, openLightbox, preloadLightbox, showLightboxItem, useLightbox, type LightboxItem } from '../lightbox.ts';
import { formatBytes, mediaUrl } from '../media-url.ts';
import { SPOILER_PREFIX } from '../upload.ts';
import type { Attachment } from '../types.ts';
import { isVoiceFile } from '../voice.ts';
import { Icon } from './Icon.tsx';
import { VoiceMessage } from './VoiceMessage.tsx';

const IS_SPOILER_FLAG = 1 << 3;
const SINGLE = { w: 400, h: 300 };
const MANY = { w: 240, h: 240 };

const IMAGE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;
const VIDEO = /^video\/(mp4|webm|ogg|quicktime)$/;
const AUDIO = /^audio\/(mpeg|ogg|wav|x-wav|webm|flac|mp4|aac)$/;
const BY_EXTENSION: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', bmp: 'image/bmp',
  mp4: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime', ogv: 'video/ogg',
  mp3: 'audio/mpeg', ogg: 'audio/ogg', oga: 'audio/ogg', wav: 'audio/wav', flac: 'audio/flac', m4a: 'audio/mp4', aac: 'audio/aac',
};

export type AttachmentKind = 'image' | 'video' | 'audio' | 'file';

export function attachmentKind(a: Pick<Attachment, 'content_type' | 'filename'>): AttachmentKind {
  const type = (a.content_type ?? '').split(';')[0]!.trim().toLowerCase() || BY_EXTENSION[a.filename.split('.').pop()?.toLowerCase() ?? ''] || '';
  if (IMAGE.test(type)) return 'image';
  if (VIDEO.test(type)) return 'video';
  if (AUDIO.test(type)) return 'audio';
  return 'file';
}

export const isSpoiler = (a: Pick<Attachment, 'filename' | 'flags'>) => a.filename.startsWith(SPOILER_PREFIX) || ((a.flags ?? 0) & IS_SPOILER_FLAG) !== 0;

/** Width and height to draw at, within `box`, keeping the aspect ratio; undefined when the size is unknown. */
function fit(a: Pick<Attachment, 'width' | 'height'>, box: { w: number; h: number }): { w: number; h: number } | undefined {
  const w = Number(a.width);
  const h = Number(a.height);
  if (!(w > 0 && h > 0)) return undefined;
  const scale = Math.min(1, box.w / w, box.h / h);
  return { w: Math.max(1, Math.round(w * scale)), h: Math.max(1, Math.round(h * scale)) };
}

/** The shown copy (the media proxy's when there is one) and the file itself. */
const previewSrc = (a: Attachment) => mediaUrl(a.proxy_url) ?? mediaUrl(a.url);
const originalSrc = (a: Attachment) => mediaUrl(a.url) ?? mediaUrl(a.proxy_url);

export function Attachments({ attachments }: { attachments: Attachment[] }) {
  const valid = attachments.filter((a) => a && typeof a.filename === 'string' && originalSrc(a));
  if (!valid.length) return null;
  const images = valid.filter((a) => attachmentKind(a) === 'image');
  const gallery: LightboxItem[] = images.map((a) => ({ src: previewSrc(a)!, original: originalSrc(a)!, filename: a.filename, description: a.description, width: a.width, height: a.height }));
  const box = images.length > 1 ? MANY : SINGLE;
  return (
    <div className="attachments">
      {valid.map((a) => {
        const kind = attachmentKind(a);
        let body: ReactNode;
        if (kind === 'image') body = <ImagePreview a={a} box={box} gallery={gallery} index={images.indexOf(a)} />;
        else if (kind === 'video') body = <VideoPlayer a={a} />;
        else if (kind === 'audio') body = isVoiceFile(a) ? <VoiceMessage a={a} src={previewSrc(a)!} /> : <AudioPlayer a={a} />;
        else body = <FileCard a={a} />;
        return (
          <div key={a.id} className={`attachment ${kind}`} data-attachment-id={a.id} data-filename={a.filename}>
            {isSpoiler(a) ? <Spoiler what={a.filename}>{body}</Spoiler> : body}
          </div>
        );
      })}
    </div>
  );
}

function ImagePreview({ a, box, gallery, index }: { a: Attachment; box: { w: number; h: number }; gallery: LightboxItem[]; index: number }) {
  const size = fit(a, box);
  const src = previewSrc(a)!;
  const alt = a.description?.trim() || a.filename;
  return (
    <button
      type="button"
      className={size ? 'attachment-image sized' : 'attachment-image'}
      aria-label={`Open image ${a.filename}`}
      style={size ? { width: size.w, aspectRatio: `${size.w} / ${size.h}` } : { maxWidth: box.w, maxHeight: box.h }}
      onPointerEnter={preloadLightbox}
      onFocus={preloadLightbox}
      onClick={(e) => openLightbox(gallery, index, e.currentTarget)}
    >
      <img src={src} alt={alt} width={size?.w} height={size?.h} loading="lazy" decoding="async" referrerPolicy="no-referrer" draggable={false} style={size ? undefined : { maxWidth: box.w, maxHeight: box.h }} />
    </button>
  );
}

function VideoPlayer({ a }: { a: Attachment }) {
  const size = fit(a, SINGLE);
  return (
    <figure className="attachment-video-frame">
      <video
        className="attachment-video"
        src={previewSrc(a)!}
        controls
        preload="metadata"
        aria-label={a.description?.trim() || a.filename}
        width={size?.w}
        height={size?.h}
        style={size ? { aspectRatio: `${size.w} / ${size.h}` } : undefined}
      />
      <figcaption className="small">
        <DownloadLink a={a} />
      </figcaption>
    </figure>
  );
}

function AudioPlayer({ a }: { a: Attachment }) {
  return (
    <div className="attachment-file attachment-audio">
      <FileHead a={a} />
      <audio src={previewSrc(a)!} controls preload="none" aria-label={a.description?.trim() || a.filename} />
    </div>
  );
}

function FileCard({ a }: { a: Attachment }) {
  return (
    <div className="attachment-file">
      <FileHead a={a} />
    </div>
  );
}

function FileHead({ a }: { a: Attachment }) {
  return (
    <div className="attachment-file-head">
      <span className="attachment-file-icon" aria-hidden="true">
        <Icon name="file" size={32} />
      </span>
      <div className="attachment-file-text">
        <DownloadLink a={a} className="attachment-file-name ellipsis" />
        <div className="muted small">{formatBytes(a.size)}</div>
      </div>
      <a className="icon-button" href={originalSrc(a)!} download={a.filename} target="_blank" rel="noopener noreferrer" aria-label={`Download ${a.filename}`} title="Download">
        <Icon name="download" />
      </a>
    </div>
  );
}

function DownloadLink({ a, className }: { a: Attachment; className?: string }) {
  return (
    <a className={className} href={originalSrc(a)!} download={a.filename} target="_blank" rel="noopener noreferrer" title={a.filename}>
      {a.filename}
    </a>
  );
}

/** Blurred, and out of the Tab order and the accessibility tree, until revealed by a click (or Enter); `what` names it. */
export function Spoiler({ what, children }: { what: string; children: ReactNode }) {
  const [shown, setShown] = useState(false);
  if (shown) return <div className="attachment-spoiler revealed">{children}</div>;
  return (
    <div className="attachment-spoiler">
      <div className="attachment-spoiler-content" aria-hidden="true" inert>
        {children}
      </div>
      <button type="button" className="attachment-spoiler-cover" aria-label={`Spoiler: reveal ${what}`} onClick={() => setShown(true)}>
        <span>SPOILER</span>
      </button>
    </div>
  );
}

const Lightbox = lazy(() => loadLightbox().then((m) => ({ default: m.Lightbox })));

/** Draws the image viewer when one is open; loads its code on first use. */
export function LightboxHost() {
  const state = useLightbox();
  if (!state) return null;
  return (
    <Suspense fallback={null}>
      <Lightbox state={state} onClose={closeLightbox} onShow={showLightboxItem} />
    </Suspense>
  );
}
