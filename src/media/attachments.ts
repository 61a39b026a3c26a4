/**
 * Where a message's files live and how they are addressed, in one place for the writer (api), the CDN route and
 * the janitor (cdn):
 *
 * - blob key `attachments/{channel_id}/{attachment_id}`: one blob per attachment, all of a channel's under one
 *   prefix, so a deleted channel's files go with one deletePrefix;
 * - URL `${cdnBase}/attachments/{channel_id}/{attachment_id}/{filename}?ex=…&is=…&hm=…&`, Discord's shape, trailing
 *   `&` included, signed over the path (signing.ts) each time a message is rendered.
 *
 * Filenames are sanitised to `[A-Za-z0-9._-]` (filenames.ts), so a path needs no escaping and the path signed is
 * the path requested.
 */
import { signatureQuery, signPath, SIGNED_URL_TTL_MS } from './signing.ts';
import { externalProxyUrl } from './external-url.ts';

/** What signing needs of the process's public links (contracts/role.ts PublicLinks). */
export interface AttachmentLinkSource {
  cdnBase(): string;
  signingKey: Buffer;
}

export function attachmentBlobKey(channelId: string, attachmentId: string): string {
  return `attachments/${channelId}/${attachmentId}`;
}

/** The prefix of every file of the channel's messages. */
export function channelAttachmentsPrefix(channelId: string): string {
  return `attachments/${channelId}/`;
}

/** The URL path (decoded) of an attachment, as signed and as requested. */
export function attachmentPath(channelId: string, attachmentId: string, filename: string): string {
  return `/attachments/${channelId}/${attachmentId}/${filename}`;
}

/** The attachment id in a path attachmentPath made; undefined for any other path. */
export function attachmentIdOfPath(path: string): string | undefined {
  return /^\/attachments\/\d+\/(\d+)\/[^/]+$/.exec(path)?.[1];
}

/** Signs attachment URLs at `now`; what the message renderer is handed (shapes/message.ts AttachmentUrls). */
export function attachmentLinks(links: AttachmentLinkSource, now: number, ttlMs = SIGNED_URL_TTL_MS) {
  return {
    attachmentUrl(channelId: string, attachmentId: string, filename: string): string {
      const path = attachmentPath(channelId, attachmentId, filename);
      // encodeURI keeps `/` and changes nothing of a sanitised filename; it guards records written otherwise.
      return `${links.cdnBase()}${encodeURI(path)}?${signatureQuery(signPath(links.signingKey, path, now, ttlMs))}&`;
    },
    externalUrl(url: string): string | null {
      return externalProxyUrl(links.cdnBase(), links.signingKey, url);
    },
  };
}
