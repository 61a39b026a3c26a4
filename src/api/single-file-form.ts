/**
 * Small `multipart/form-data` bodies with at most one file that matters (a sticker's image, an invite's CSV of
 * target users): the text fields, and the named file part held in memory up to `maxBytes` (more marks it too
 * large; the rest is drained, not kept). Bodies with many or large files stream to the blob store instead
 * (messages/uploads.ts). Read only by routes declared with `uploads: true` (route.ts).
 */
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { ApiError, ErrorCodes } from '../protocol/errors.ts';

export interface SingleFileForm {
  fields: Record<string, string>;
  /** The first part named `fileField`, null when none came. */
  file: Buffer | null;
  tooLarge: boolean;
}

export async function readSingleFileForm(request: FastifyRequest, fileField: string, maxBytes: number): Promise<SingleFileForm> {
  const out: SingleFileForm = { fields: {}, file: null, tooLarge: false };
  try {
    const parts = request.parts({ limits: { fileSize: maxBytes + 1, files: 2, fields: 16, fieldSize: 64 * 1024, parts: 20 } });
    for await (const part of parts) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') out.fields[part.fieldname] = part.value;
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
      }
      if (out.file !== null || part.fieldname !== fileField) continue;
      if (size > maxBytes || (part.file as { truncated?: boolean }).truncated) out.tooLarge = true;
      out.file = Buffer.concat(chunks);
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
