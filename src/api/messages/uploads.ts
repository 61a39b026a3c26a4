/**
 * Message bodies with files: `multipart/form-data` as Discord takes it and its libraries send it (discord.js:
 * the `files[n]` parts first, `payload_json` last). Each file part streams straight into the blob store under a
 * fresh attachment id (`attachments/{channel_id}/{attachment_id}`), its type sniffed from its first bytes on the
 * way (media/sniff.ts); nothing holds a whole file. The JSON body is `payload_json` (read by the JSON body rules:
 * depth cap, exact 64-bit integers), or else the plain form fields.
 *
 * Limits, checked as the bytes arrive: ACCORD_ATTACHMENT_MAX_BYTES per file and ACCORD_MESSAGE_UPLOAD_MAX_BYTES
 * for all files of the request, either answered 413 `{code: 40005, message: 'Request entity too large'}` the
 * moment it is passed (the rest of the body is not stored); at most ten files (30015). A caller who may not add
 * files (no ATTACH_FILES: 50013) is refused at its first file.
 *
 * The files are stored before the message that names them, so a message never names a file that is not there;
 * if the request fails after that, `release()` deletes them, and a file the message did not take (an edit's
 * upload its `attachments` do not list) goes the same way. So that a process dying in between (SIGKILL, power)
 * leaves no file that nothing names, each key is recorded in the pending-upload ledger before its first byte is
 * stored (store/types.ts PendingUploadStore); the message write takes the rows of its files off the ledger in its
 * own transaction (`keysOf`), release() removes the rows of the files it deleted, and the cdn role's sweep deletes
 * the files of rows nobody removed (cdn/upload-sweep.ts).
 *
 * Only routes declared with `uploads: true` read multipart bodies (route.ts); others refuse them as before.
 */
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { BlobError, BlobStoreFullError, BlobTooLargeError, type BlobStore } from '../../blobs/types.ts';
import type { Logger } from '../../lib/log.ts';
import { StoreError } from '../../store/errors.ts';
import type { PendingUploadStore } from '../../store/types.ts';
import { attachmentBlobKey } from '../../media/attachments.ts';
import { sanitizeFilename } from '../../media/filenames.ts';
import { sniffUpload } from '../../media/sniff.ts';
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import type { ApiDeps } from '../deps.ts';
import { parseJsonText, valueDeeperThan } from '../json-body.ts';
import type { RouteRequest } from '../route.ts';

/** Discord's cap on files per message. */
export const MAX_ATTACHMENTS = 10;
/** Non-file parts a message body may have (payload_json, or a few plain fields). */
const MAX_FIELDS = 32;

/** A file of this request, stored. */
export interface UploadedFile {
  /** What `attachments[].id` calls it: `n` of `files[n]`, or for a file sent under another name its position. */
  placeholder: string;
  /** The attachment id it is stored under. */
  id: string;
  key: string;
  /** From the part's Content-Disposition, sanitised. */
  filename: string;
  size: number;
  contentType: string;
  width?: number;
  height?: number;
}

/** The files one request stored, until a message takes them. */
export class Uploads {
  readonly files: UploadedFile[] = [];
  /** Every key this request recorded in the ledger, its file stored or not (a put that failed leaves a row too). */
  readonly #begun: string[] = [];
  /** Keys of files a stored message took. */
  readonly #claimed = new Set<string>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly ledger: PendingUploadStore,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Records `key` in the pending-upload ledger: call it before the first byte is stored under the key. */
  async begin(key: string): Promise<void> {
    this.#begun.push(key);
    await this.ledger.begin([key], this.now());
  }

  /** The blob keys of this request's files with these attachment ids: what the message write takes off the ledger. */
  keysOf(ids: Iterable<string>): string[] {
    const wanted = new Set(ids);
    return this.files.filter((f) => wanted.has(f.id)).map((f) => f.key);
  }

  /** The message naming these files (by attachment id) was stored: they are its files now. */
  claim(ids: Iterable<string>): void {
    for (const key of this.keysOf(ids)) this.#claimed.add(key);
  }

  /**
   * Deletes every file no stored message took, then its ledger row. Never throws: a file it cannot delete is logged
   * and keeps its row, so the cdn role's sweep deletes it later.
   */
  async release(): Promise<void> {
    const deleted: string[] = [];
    for (const key of this.#begun) {
      if (this.#claimed.has(key)) continue;
      try {
        await this.blobs.delete(key);
        deleted.push(key);
      } catch (err) {
        this.log.warn({ err, key }, 'could not delete an unused upload; the upload sweep will');
      }
    }
    if (deleted.length) await this.ledger.forget(deleted).catch((err: unknown) => this.log.warn({ err, keys: deleted }, 'could not clear pending uploads; the upload sweep will'));
    this.files.length = 0;
    this.#begun.length = 0;
  }
}

export interface MessageBody {
  /** The JSON body (payload_json, or the form's plain fields, or the JSON request's body). */
  body: unknown;
  uploads: Uploads;
}

export interface ReadBodyOptions {
  channelId: string;
  /** Why this caller may not add files here (no ATTACH_FILES, not the author), thrown at the first file; null: may. */
  fileRefusal: ApiError | null;
}

/** `files[n]` names its placeholder n; Discord also takes files under any other name (`file`, `file1` …). */
const INDEXED = /^files\[(\d{1,20})\]$/;

/**
 * The request's body and the files it brought. A JSON (or urlencoded) request has no files. Whatever fails here
 * leaves no file behind; once this returns, the caller owns `uploads` and must release() it when done.
 */
export async function readMessageBody(deps: ApiDeps, req: RouteRequest, opts: ReadBodyOptions): Promise<MessageBody> {
  const log = deps.log;
  const uploads = new Uploads(deps.blobs, deps.store.pendingUploads, log, deps.now);
  const request = req.raw;
  if (!request.isMultipart()) return { body: req.body, uploads };
  try {
    return { body: await readForm(deps, request, uploads, opts), uploads };
  } catch (err) {
    discardRest(request, deps.config.messageUploadMaxBytes * DISCARD_FACTOR);
    await uploads.release();
    throw multipartError(err, log);
  }
}

/** How much of a refused body is read and thrown away, as a multiple of ACCORD_MESSAGE_UPLOAD_MAX_BYTES. */
const DISCARD_FACTOR = 4;

/**
 * The rest of a body refused part-way (a file over the limit): read and thrown away, so the client, which keeps
 * sending after the early 413, finishes and its connection stays usable, as Node does for bodies nobody read. A
 * client that keeps sending well past any limit has its connection closed instead.
 */
function discardRest(request: FastifyRequest, maxBytes: number): void {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return;
  raw.unpipe();
  let seen = 0;
  raw.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) raw.socket?.destroy();
  });
  raw.resume();
}

async function readForm(deps: ApiDeps, request: FastifyRequest, uploads: Uploads, opts: ReadBodyOptions): Promise<unknown> {
  const { config } = deps;
  const fields = new Map<string, unknown>();
  let total = 0;
  let position = 0;
  const taken = new Set<string>();
  const parts = request.parts({
    limits: {
      // Backstops: the blob put below stops a file at its cap first (the busboy limit would truncate it instead).
      fileSize: config.attachmentMaxBytes + 1,
      files: MAX_ATTACHMENTS + 1,
      fields: MAX_FIELDS,
      fieldSize: config.bodyLimitBytes,
      parts: MAX_ATTACHMENTS + 1 + MAX_FIELDS,
    },
  });
  for await (const part of parts) {
    if (part.type === 'field') {
      // A field past ACCORD_BODY_LIMIT is cut short by the parser: as large a JSON body would be, it is refused.
      if (part.valueTruncated || part.fieldnameTruncated) throw new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
      fields.set(part.fieldname, part.value);
      continue;
    }
    if (opts.fileRefusal) throw opts.fileRefusal;
    if (uploads.files.length >= MAX_ATTACHMENTS) throw new ApiError(ErrorCodes.MAX_ATTACHMENTS);
    const indexed = INDEXED.exec(part.fieldname);
    let placeholder: string;
    if (indexed) {
      placeholder = BigInt(indexed[1]!).toString();
      if (taken.has(placeholder)) throw formError([{ path: [part.fieldname], code: 'BASE_TYPE_INVALID', message: 'Each file must have its own name.' }]);
    } else {
      while (taken.has(String(position))) position++;
      placeholder = String(position);
    }
    taken.add(placeholder);
    position++;

    const id = deps.ids.next();
    const key = attachmentBlobKey(opts.channelId, id);
    const sniffed = await sniffUpload(part.file);
    // In the ledger before the blob store sees a byte: a crash from here on leaves a row that names the file.
    await uploads.begin(key);
    const maxBytes = Math.min(config.attachmentMaxBytes, config.messageUploadMaxBytes - total);
    const info = await deps.blobs.put(key, sniffed.source, { contentType: sniffed.contentType, maxBytes });
    const file: UploadedFile = { placeholder, id, key, filename: sanitizeFilename(part.filename ?? ''), size: info.size, contentType: info.contentType };
    uploads.files.push(file);
    total += info.size;
    const size = await sniffed.dimensions(config.imageMaxPixels);
    if (size) Object.assign(file, size);
  }
  return formBody(fields, config.jsonMaxDepth);
}

/** payload_json when there is one (a text field, or a part typed application/json that the plugin parsed). */
function formBody(fields: Map<string, unknown>, maxDepth: number): unknown {
  if (fields.has('payload_json')) {
    const payload = fields.get('payload_json');
    if (typeof payload === 'string') return payload.length === 0 ? undefined : parseJsonText(payload, maxDepth);
    if (valueDeeperThan(payload, maxDepth)) throw new ApiError(ErrorCodes.INVALID_JSON);
    return payload;
  }
  return Object.fromEntries([...fields].filter(([, v]) => typeof v === 'string'));
}

/** What the client is told when reading the form failed. */
function multipartError(err: unknown, log: Logger): unknown {
  if (err instanceof BlobTooLargeError) return new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
  if (err instanceof BlobStoreFullError) {
    // Not the caller's fault, but a 5xx would make libraries send the same files again.
    log.warn({ maxBytes: err.maxBytes }, 'blob store full: upload refused (ACCORD_BLOB_MAX_BYTES)');
    return new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
  }
  // The blob store or the database failing is the server's failure (5xx, logged once by api/errors.ts).
  if (err instanceof ApiError || err instanceof BlobError || err instanceof StoreError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'FST_INVALID_JSON_FIELD_ERROR' || code === 'FST_ERR_CTP_INVALID_JSON_BODY') return new ApiError(ErrorCodes.INVALID_JSON);
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (status === 413) return new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
  // A malformed form (no boundary, a part cut short, a client that went away): Discord's bare 400.
  log.debug({ err }, 'unreadable multipart body');
  return new ApiError(ErrorCodes.GENERAL, { status: 400, message: '400: Bad Request' });
}
