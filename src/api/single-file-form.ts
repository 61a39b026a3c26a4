/**
 * Small `multipart/form-data` bodies with at most one file that matters (a sticker's image, an invite's CSV of
 * target users): the text fields, the parts the plugin parsed as JSON, and the named file part held in memory up to
 * `maxBytes` (more marks it too large; the rest is drained, not kept). A `payload_json` sent as a file part (a Blob)
 * is read as the text field it stands for. Other file parts are only named, so a route can refuse them rather than
 * drop them unseen. Bodies with many or large files stream to the blob store instead (messages/uploads.ts). Read
 * only by routes declared with `uploads: true` (route.ts).
 */
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { ApiError, ErrorCodes } from '../protocol/errors.ts';

/** Largest text field, and largest payload_json sent as a file part. */
const FIELD_MAX_BYTES = 64 * 1024;

export interface SingleFileForm {
  /** Text fields, the last value of each name. */
  fields: Record<string, string>;
  /** Every value of each text field, in order (a name sent more than once). */
  all: Record<string, string[]>;
  /** Parts the plugin parsed (sent typed application/json). */
  parsed: Record<string, unknown>;
  /** The first part named `fileField`, null when none came. */
  file: Buffer | null;
  tooLarge: boolean;
  /** The names of the file parts that were not taken (another name, or `fileField` again). */
  otherFiles: string[];
}

export async function readSingleFileForm(request: FastifyRequest, fileField: string, maxBytes: number): Promise<SingleFileForm> {
  const out: SingleFileForm = { fields: {}, all: {}, parsed: {}, file: null, tooLarge: false, otherFiles: [] };
  const text = (name: string, value: string) => {
    out.fields[name] = value;
    (out.all[name] ??= []).push(value);
  };
  try {
    const parts = request.parts({ limits: { fileSize: Math.max(maxBytes, FIELD_MAX_BYTES) + 1, files: 4, fields: 16, fieldSize: FIELD_MAX_BYTES, parts: 20 } });
    for await (const part of parts) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') text(part.fieldname, part.value);
        else out.parsed[part.fieldname] = part.value;
        continue;
      }
      const limit = part.fieldname === fileField ? maxBytes : FIELD_MAX_BYTES;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size <= limit) chunks.push(chunk);
      }
      const tooLarge = size > limit || (part.file as { truncated?: boolean }).truncated === true;
      if (part.fieldname === fileField && out.file === null) {
        if (tooLarge) out.tooLarge = true;
        out.file = Buffer.concat(chunks);
      } else if (part.fieldname === 'payload_json' && !('payload_json' in out.fields)) {
        if (tooLarge) throw new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
        text('payload_json', Buffer.concat(chunks).toString('utf8'));
      } else {
        out.otherFiles.push(part.fieldname);
      }
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new ApiError(ErrorCodes.FILE_TOO_LARGE);
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
    throw new ApiError(ErrorCodes.GENERAL, { status: 400, message: '400: Bad Request' });
  }
  return out;
}
