/**
 * The media of a Components V2 message (IS_COMPONENTS_V2: api/messages/components-v2.ts) as clients get them.
 * Stored, a thumbnail, gallery item or file holds only `{url}`; each render makes Discord's unfurled media item of
 * it. A file of the message (`attachment://<filename>`) gets its signed URL (they expire, so they are never
 * stored), `proxy_url`, size and type and `attachment_id`, and a file component its `name` and `size`; the file
 * then leaves `attachments` ("files that are not referenced in embeds or components"). An outside image gets the
 * media proxy's `proxy_url`, as embed images do, so clients never fetch it from its host. A reference to no
 * file of the message stays as sent.
 */
import type { AttachmentRecord } from '../store/types.ts';
import { attachmentReference } from './embed-files.ts';
import type { AttachmentUrls } from './message.ts';

export const IS_COMPONENTS_V2 = 1 << 15;

type Json = Record<string, unknown>;

export function componentsWithFiles(
  channelId: string, stored: readonly unknown[], attachments: readonly AttachmentRecord[], media: AttachmentUrls,
): { embeds: readonly unknown[]; components: readonly unknown[]; attachments: readonly AttachmentRecord[] } {
  const byName = new Map<string, AttachmentRecord>();
  for (const a of attachments) if (!byName.has(a.filename)) byName.set(a.filename, a);
  const used = new Set<string>();

  const item = (m: Json | undefined): Json | undefined => {
    const url = m?.url;
    if (typeof url !== 'string') return m;
    const name = attachmentReference(url);
    const file = name === null ? undefined : byName.get(name);
    if (file) {
      used.add(file.id);
      const signed = media.attachmentUrl(channelId, file.id, file.filename);
      return {
        url: signed, proxy_url: signed, ...(file.width && file.height ? { width: file.width, height: file.height } : {}),
        content_type: file.contentType, attachment_id: file.id,
      };
    }
    const proxied = name !== null ? null : (media.externalUrl?.(url) ?? null);
    return proxied ? { url, proxy_url: proxied } : { url };
  };

  const render = (node: Json): Json => {
    const out: Json = { ...node };
    if (Array.isArray(node.components)) out.components = node.components.map((c) => render(c as Json));
    if (node.accessory && typeof node.accessory === 'object') out.accessory = render(node.accessory as Json);
    if (node.media) out.media = item(node.media as Json);
    if (Array.isArray(node.items)) out.items = node.items.map((i) => ({ ...(i as Json), media: item((i as Json).media as Json) }));
    if (node.file) {
      const name = attachmentReference((node.file as Json).url);
      const file = name === null ? undefined : byName.get(name);
      out.file = item(node.file as Json);
      if (file) Object.assign(out, { name: file.filename, size: file.size });
    }
    return out;
  };

  const components = stored.map((c) => render(c as Json));
  return { embeds: [], components, attachments: used.size ? attachments.filter((a) => !used.has(a.id)) : attachments };
}

/** The text of a Components V2 layout's text displays, in order: what its mentions and its search text are read from. */
export function componentsText(tree: readonly unknown[]): string {
  const parts: string[] = [];
  const visit = (list: readonly unknown[]) => {
    for (const raw of list) {
      const node = raw as Json | null;
      if (!node || typeof node !== 'object') continue;
      if (node.type === 10 && typeof node.content === 'string') parts.push(node.content);
      if (Array.isArray(node.components)) visit(node.components);
    }
  };
  visit(tree);
  return parts.join('\n');
}
