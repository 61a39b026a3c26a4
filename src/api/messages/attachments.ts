/**
 * A message's `attachments` as Discord builds them from a send or an edit: the `attachments` array of the JSON
 * body lists files by id, the `n` of an uploaded `files[n]` (a new file, with an optional `filename` and
 * `description`) or, in an edit, the snowflake of a file the message already has (kept).
 *
 * - Send: without `attachments`, every uploaded file in upload order; with it, the files it lists in its order,
 *   then any uploaded file it leaves out.
 * - Edit: the files listed are the message's files afterwards; one it leaves out is removed (its bytes deleted
 *   after the commit, messages/write.ts), `attachments: []` removes all. Uploads without an `attachments` array
 *   replace the message's files, as API v10 does; neither means the files stay as they are.
 * - An id that names neither is Discord's ATTACHMENT_NOT_FOUND; more than ten files is 30015.
 * - A filename starting `SPOILER_` marks a spoiler: the name keeps the prefix and the attachment gets Discord's
 *   IS_SPOILER flag (8).
 */
import { attachmentBlobKey, attachmentLinks } from '../../media/attachments.ts';
import { isSpoilerFilename, sanitizeFilename } from '../../media/filenames.ts';
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import type { AttachmentUrls } from '../../shapes/message.ts';
import { embedFileNames } from '../../shapes/embed-files.ts';
import type { AttachmentRecord, MessageRecord } from '../../store/types.ts';
import type { ApiDeps } from '../deps.ts';
import { z } from '../validate.ts';
import { MAX_ATTACHMENTS, type UploadedFile } from './uploads.ts';
import { attachmentNamesIn } from './components-v2.ts';

/** Discord's attachment flags that Accord sets. */
export const AttachmentFlags = { IS_SPOILER: 1 << 3 } as const;

/** An upload's placeholder or an attachment's snowflake, as a string or a JSON integer (of any size). */
const attachmentRef = z
  .union([z.string().regex(/^\d{1,20}$/, { error: 'Value is not a valid attachment id.' }), z.number().int().nonnegative(), z.bigint().nonnegative()])
  .transform((v) => BigInt(v).toString());

/** One entry of `attachments`; other fields Discord's attachment object has (url, size …) are ignored. */
export const attachmentsSchema = z
  .array(
    z.object({
      id: attachmentRef,
      filename: z.string().max(1024).nullish(),
      description: z.string().max(1024).nullish(),
      // A voice message's file (IS_VOICE_MESSAGE): its length and a sampled waveform, base64 (256 samples at most).
      duration_secs: z.number().positive().max(86_400).nullish(),
      waveform: z.base64().min(1).max(344).nullish(),
    }),
  )
  .max(MAX_ATTACHMENTS);

export type AttachmentMeta = z.infer<typeof attachmentsSchema>[number];

/** How every render of the api role signs attachment URLs: from the process's links, at this moment. */
export function renderMedia(deps: ApiDeps): AttachmentUrls {
  return attachmentLinks(deps.links, deps.now());
}

function fromUpload(file: UploadedFile, meta: AttachmentMeta | undefined, voice: boolean): AttachmentRecord {
  const filename = meta?.filename ? sanitizeFilename(meta.filename) : file.filename;
  const record: AttachmentRecord = { id: file.id, filename, size: file.size, contentType: file.contentType };
  if (file.width && file.height) {
    record.width = file.width;
    record.height = file.height;
  }
  if (meta?.description) record.description = meta.description;
  if (isSpoilerFilename(filename)) record.flags = AttachmentFlags.IS_SPOILER;
  // Only a voice message's file keeps them, as only Discord's voice messages show them.
  if (voice && meta?.duration_secs != null && meta.waveform != null) {
    record.durationSecs = meta.duration_secs;
    record.waveform = meta.waveform;
  }
  return record;
}

function notFound(index: number): ApiError {
  return formError([{ path: ['attachments', index], code: 'ATTACHMENT_NOT_FOUND', message: 'Attachment data not found' }]);
}

/** The attachments of a new message; `voice` for a voice message (IS_VOICE_MESSAGE), whose file keeps its length and waveform. */
export function attachmentsForCreate(meta: readonly AttachmentMeta[] | null | undefined, files: readonly UploadedFile[], voice = false): AttachmentRecord[] {
  if (!meta) return files.map((f) => fromUpload(f, undefined, voice));
  const used = new Set<UploadedFile>();
  const out: AttachmentRecord[] = [];
  meta.forEach((m, i) => {
    const file = files.find((f) => f.placeholder === m.id);
    if (!file) throw notFound(i);
    if (used.has(file)) return;
    used.add(file);
    out.push(fromUpload(file, m, voice));
  });
  for (const f of files) if (!used.has(f)) out.push(fromUpload(f, undefined, voice));
  return out;
}

/** The attachments of an edited message, or undefined when the edit leaves them as they are. */
export function attachmentsForEdit(
  existing: readonly AttachmentRecord[], meta: readonly AttachmentMeta[] | null | undefined, files: readonly UploadedFile[],
): AttachmentRecord[] | undefined {
  // "Any provided files will be appended to the message. To remove or replace files you will have to supply the
  // attachments field".
  if (!meta) {
    if (!files.length) return undefined;
    const appended = [...existing, ...files.map((f) => fromUpload(f, undefined, false))];
    if (appended.length > MAX_ATTACHMENTS) throw new ApiError(ErrorCodes.MAX_ATTACHMENTS);
    return appended;
  }
  const out: AttachmentRecord[] = [];
  const seen = new Set<string>();
  meta.forEach((m, i) => {
    const kept = existing.find((a) => a.id === m.id);
    const file = kept ? undefined : files.find((f) => f.placeholder === m.id);
    if (!kept && !file) throw notFound(i);
    const record = kept ?? fromUpload(file!, m, false);
    if (seen.has(record.id)) return;
    seen.add(record.id);
    out.push(record);
  });
  if (out.length > MAX_ATTACHMENTS) throw new ApiError(ErrorCodes.MAX_ATTACHMENTS);
  return out;
}

/**
 * An edit's files, with those of the message it still shows by name (`attachment://` in its embeds or Components
 * V2 layout) kept though the edit did not list them: clients never see such a file in `attachments`, so they
 * cannot list it to keep it. An edit that stops naming the file lets it go. `shown`: the message's embeds and
 * components as the edit leaves them; `layout`: it is a Components V2 message.
 */
export function keepShownFiles(
  existing: readonly AttachmentRecord[], edited: AttachmentRecord[], shown: { embeds: readonly unknown[]; components: readonly unknown[]; layout: boolean },
): AttachmentRecord[] {
  const shownNames = new Set([...embedFileNames(shown.embeds, existing), ...(shown.layout ? attachmentNamesIn(shown.components) : [])]);
  if (!shownNames.size) return edited;
  const listed = new Set(edited.map((a) => a.id));
  const names = new Set(edited.map((a) => a.filename));
  const kept = existing.filter((a) => !listed.has(a.id) && !names.has(a.filename) && shownNames.has(a.filename));
  return kept.length ? [...edited, ...kept] : edited;
}

/**
 * Copies `original`'s files into the target channel's folder, for a message that shows them again (a crosspost's
 * copy, a forward's snapshot), each entered in the pending-upload ledger before its bytes are written: the write
 * that names them takes them off it (`uploadKeys`), and a sweep deletes what no write took.
 */
export async function copyAttachments(
  deps: Pick<ApiDeps, 'blobs' | 'store' | 'ids' | 'now'>, original: Pick<MessageRecord, 'channelId' | 'attachments'>, targetChannelId: string,
): Promise<{ attachments: AttachmentRecord[]; keys: string[] }> {
  const { blobs, store, ids, now } = deps;
  const attachments: AttachmentRecord[] = [];
  const keys: string[] = [];
  for (const a of original.attachments ?? []) {
    const read = await blobs.get(attachmentBlobKey(original.channelId, a.id));
    if (!read) continue;
    const id = ids.next();
    const key = attachmentBlobKey(targetChannelId, id);
    try {
      await store.pendingUploads.begin([key], now());
      await blobs.put(key, read.stream, { contentType: read.contentType });
    } catch (err) {
      read.stream.destroy();
      throw err;
    }
    keys.push(key);
    attachments.push({ ...a, id });
  }
  return { attachments, keys };
}

/** Deletes copies (copyAttachments) that the write naming them did not store, at once rather than at the next sweep. */
export async function discardCopies(deps: Pick<ApiDeps, 'blobs' | 'store'>, keys: readonly string[]): Promise<void> {
  for (const key of keys) await deps.blobs.delete(key).catch(() => undefined);
  await deps.store.pendingUploads.forget([...keys]).catch(() => undefined);
}
