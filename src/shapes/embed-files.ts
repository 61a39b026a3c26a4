/**
 * Embeds that show the message's own files. Discord lets a sender point an embed's image, thumbnail, author icon
 * or footer icon at a file uploaded with the message, as `attachment://<filename>` (the cleaned filename,
 * media/filenames.ts). The stored embed keeps the reference; each render turns it into that file's signed URL (the
 * URLs expire, so they cannot be stored) with its size and type, and leaves the file out of `attachments`: Discord's
 * message `attachments` are "any attached files that are not referenced in embeds or components". A reference to
 * no file of the message stays as it was sent.
 */
import type { AttachmentRecord } from '../store/types.ts';
import type { AttachmentUrls } from './message.ts';

/** How a message names one of its own files (Discord's `attachment://<filename>`). */
export const ATTACHMENT_SCHEME = 'attachment://';

type Json = Record<string, unknown>;

/** The filename an `attachment://<filename>` URL names; null for anything else. */
export const attachmentReference = (v: unknown): string | null => (typeof v === 'string' && v.startsWith(ATTACHMENT_SCHEME) ? v.slice(ATTACHMENT_SCHEME.length) : null);

/** The four places of an embed that may name a file: image, thumbnail, author icon, footer icon. */
const fileSlots = (e: Json): unknown[] =>
  [(e.image as Json | undefined)?.url, (e.thumbnail as Json | undefined)?.url, (e.author as Json | undefined)?.icon_url, (e.footer as Json | undefined)?.icon_url];

/** Whether any embed refers to a file by `attachment://`: the common case answers false without copying anything. */
function refersToFiles(embeds: readonly Json[]): boolean {
  return embeds.some((e) => e && typeof e === 'object' && fileSlots(e).some((v) => attachmentReference(v) !== null));
}

/** Only pictures may be shown in an embed (Discord: .jpg, .jpeg, .png, .webp and .gif); other files stay attachments. */
const EMBEDDABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/** The files of `attachments` the embeds show (named by `attachment://` and pictures): those a render hides. */
export function embedFileNames(stored: readonly unknown[], attachments: readonly AttachmentRecord[]): Set<string> {
  const pictures = new Set(attachments.filter((a) => EMBEDDABLE.has(a.contentType)).map((a) => a.filename));
  const names = new Set<string>();
  for (const e of stored as readonly Json[]) {
    if (!e || typeof e !== 'object') continue;
    for (const v of fileSlots(e)) {
      const name = attachmentReference(v);
      if (name !== null && pictures.has(name)) names.add(name);
    }
  }
  return names;
}

/**
 * The embeds as a client sees them and the attachments they leave for `attachments`; null when no embed refers to
 * a file, so that the common case allocates nothing (callers test `embeds.length && attachments.length` first).
 */
export function embedsWithFiles(
  channelId: string, stored: readonly unknown[], attachments: readonly AttachmentRecord[], media: AttachmentUrls,
): { embeds: readonly unknown[]; attachments: readonly AttachmentRecord[] } | null {
  const embeds = stored as readonly Json[];
  if (!embeds.length || !attachments.length || !refersToFiles(embeds)) return null;
  return resolveEmbedFiles(channelId, embeds, attachments, media);
}

function resolveEmbedFiles(
  channelId: string, embeds: readonly Json[], attachments: readonly AttachmentRecord[], media: AttachmentUrls,
): { embeds: readonly unknown[]; attachments: readonly AttachmentRecord[] } {
  const byName = new Map<string, AttachmentRecord>();
  for (const a of attachments) if (!byName.has(a.filename) && EMBEDDABLE.has(a.contentType)) byName.set(a.filename, a);
  const used = new Set<string>();
  const fileOf = (v: unknown) => {
    const name = attachmentReference(v);
    const file = name === null ? undefined : byName.get(name);
    if (file) used.add(file.id);
    return file;
  };
  const urlOf = (a: AttachmentRecord) => media.attachmentUrl(channelId, a.id, a.filename);
  const mediaOf = (m: Json | undefined) => {
    const file = fileOf(m?.url);
    if (!file) return m;
    const url = urlOf(file);
    return { url, proxy_url: url, ...(file.width && file.height ? { width: file.width, height: file.height } : {}), content_type: file.contentType };
  };
  const iconOf = (part: Json | undefined) => {
    const file = fileOf(part?.icon_url);
    if (!file) return part;
    const url = urlOf(file);
    return { ...part, icon_url: url, proxy_icon_url: url };
  };
  const rendered = embeds.map((e) => {
    if (!e || typeof e !== 'object') return e;
    const out: Json = { ...e };
    for (const key of ['image', 'thumbnail'] as const) if (e[key]) out[key] = mediaOf(e[key] as Json);
    for (const key of ['author', 'footer'] as const) if (e[key]) out[key] = iconOf(e[key] as Json);
    return out;
  });
  return { embeds: rendered, attachments: attachments.filter((a) => !used.has(a.id)) };
}
