/**
 * ATTACHMENT options (type 11) of a chat-input invocation, as Discord's client sends them: the files as multipart
 * `files[n]` beside `payload_json`, whose `data.attachments` lists `{id, filename}` by placeholder (the `n`), and
 * each ATTACHMENT option's value is such a placeholder. The application gets the option's value as the file's
 * attachment id and Discord's attachment object in `data.resolved.attachments` (with `ephemeral: true`).
 *
 * Where the bytes live: Discord keeps them under `ephemeral-attachments/{application_id}/{attachment_id}/...`.
 * Accord stores them with the message upload machinery (messages/uploads.ts) before the body is read (the files
 * come before `payload_json`, so the channel is not known yet), under the invoking user's id in place of a
 * channel's: blob `attachments/{user_id}/{attachment_id}`, served by the cdn's signed attachment route at
 * `/attachments/{user_id}/{attachment_id}/{filename}?ex=…&is=…&hm=…` (ids never collide: one snowflake sequence).
 * They are ephemeral as on Discord: no message takes them, so their pending-upload rows stay and the cdn's upload
 * sweep deletes them after ACCORD_UPLOAD_STALE_MS (an hour by default; an interaction's token lives 15 minutes).
 * Files no option names, and every file of an invocation that is refused, are deleted at once (Uploads.release).
 */
import { formError } from '../../protocol/errors.ts';
import { attachmentJson, type AttachmentUrls } from '../../shapes/message.ts';
import { OptionType } from '../commands/definition.ts';
import { attachmentsForCreate, attachmentsSchema } from '../messages/attachments.ts';
import type { Uploads } from '../messages/uploads.ts';
import { parse } from '../validate.ts';
import type { GivenOption } from './options.ts';

export interface ResolvedAttachments {
  /** The options with each ATTACHMENT value replaced by its file's attachment id. */
  options: GivenOption[];
  /** `data.resolved.attachments`, by attachment id. */
  attachments: Record<string, unknown>;
  /** Attachment ids of the files the options name: the ones to keep. */
  keep: string[];
}

/**
 * Maps the ATTACHMENT options of `given` (already checked against the command) to this request's files.
 * `listed` is the payload's `data.attachments`; `ownerId` the user the files are stored under.
 */
export function resolveAttachmentOptions(given: readonly GivenOption[], listed: unknown, uploads: Uploads, ownerId: string, media: AttachmentUrls): ResolvedAttachments {
  const meta = listed === undefined || listed === null ? null : parse(attachmentsSchema, listed);
  const records = attachmentsForCreate(meta, uploads.files);
  const byPlaceholder = new Map(uploads.files.map((f) => [f.placeholder, records.find((r) => r.id === f.id)!]));
  const attachments: Record<string, unknown> = {};
  const issues: Array<{ path: Array<string | number>; code: string; message: string }> = [];
  const walk = (list: readonly GivenOption[], path: Array<string | number>): GivenOption[] =>
    list.map((o, i) => {
      if (o.options) return { ...o, options: walk(o.options, [...path, i, 'options']) };
      if (o.type !== OptionType.ATTACHMENT) return o;
      const record = byPlaceholder.get(String(o.value));
      if (!record) {
        issues.push({ path: [...path, i, 'value'], code: 'INTERACTION_APPLICATION_COMMAND_OPTION_INVALID', message: 'Attachment data not found' });
        return o;
      }
      attachments[record.id] = { ...attachmentJson(ownerId, record, media), ephemeral: true };
      return { ...o, value: record.id };
    });
  const options = walk(given, ['data', 'options']);
  if (issues.length) throw formError(issues);
  return { options, attachments, keep: Object.keys(attachments) };
}
