/**
 * The blob store: where file bytes live (attachments, avatars, icons). Two implementations pass one contract suite
 * (test/contract/blobs.contract.ts): files in the data folder (files.ts, the embedded default) and the NATS
 * JetStream object store (nats.ts, the cluster default).
 *
 * Contract:
 * - Keys are caller-chosen (`attachments/123/456`) or, when put is given no key, the content's SHA-256 in lowercase
 *   hex (content-addressed: identical bytes share one blob, and the first put's content type is kept). Keys follow
 *   keys.ts; a 64-hex-digit key is reserved for content addresses, so a caller cannot put other bytes there.
 * - put streams: bytes are hashed and counted as they pass, never gathered into one buffer, so memory stays
 *   bounded whatever the size. A blob becomes visible all at once when put resolves; until then (and forever,
 *   if the put fails or the process dies) get/head answer as if it did not exist, and a keyed put over an existing
 *   blob leaves the old one readable until the new one replaces it.
 * - A put beyond its `maxBytes` rejects with BlobTooLargeError, one that would take the store past its bound rejects
 *   with BlobStoreFullError; either way nothing of it stays behind and the source stream is destroyed.
 * - get returns the bytes start..end (inclusive, as HTTP Range and fs.createReadStream count them) with the whole
 *   blob's size, hash and content type, or null for a missing key; a range that cannot be satisfied throws
 *   BlobRangeError carrying the size (the CDN's 416). A full read whose bytes do not match the recorded hash ends
 *   with an error instead of ending cleanly. The caller must consume or destroy the stream.
 * - delete is idempotent; usage counts the live blobs and their bytes (content bytes, not storage overhead).
 * - deletePrefix(`attachments/123/`) deletes every blob whose key starts with the prefix (a key followed by `/`) and
 *   resolves to how many went; idempotent. It walks every stored key, so it is for rare, off-request work (a deleted
 *   channel's files); a put that commits while it runs may survive it.
 * - What an interrupted put leaves behind (temp files, orphan chunks) is removed when the store opens and by sweep().
 */
import type { Readable } from 'node:stream';

/** The bytes to store: a stream, or an (async) iterable of chunks (`[buffer]` for bytes already in hand). */
export type BlobSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Readable;

export interface BlobInfo {
  key: string;
  /** Bytes in the blob. */
  size: number;
  /** SHA-256 of the bytes, lowercase hex. */
  sha256: string;
  contentType: string;
}

export interface BlobPutOptions {
  /** MIME type, kept as given (printable ASCII, at most 255 characters). */
  contentType: string;
  /** Refuse the put (BlobTooLargeError) as soon as more than this many bytes have arrived. */
  maxBytes?: number;
}

/** Byte positions, both inclusive; start defaults to 0, end to the last byte (and is clamped to it). */
export interface BlobRange {
  start?: number;
  end?: number;
}

export interface BlobRead extends BlobInfo {
  /** The bytes start..end. */
  stream: Readable;
  /** First byte served. */
  start: number;
  /** Last byte served (start - 1 for an empty read of an empty blob). */
  end: number;
}

export interface BlobUsage {
  /** Content bytes of every live blob. */
  bytes: number;
  count: number;
}

export interface BlobStore {
  readonly kind: 'files' | 'nats';
  /** The bound on usage().bytes. */
  readonly maxBytes: number;
  put(key: string | null | undefined, source: BlobSource, opts: BlobPutOptions): Promise<BlobInfo>;
  get(key: string, range?: BlobRange): Promise<BlobRead | null>;
  head(key: string): Promise<BlobInfo | null>;
  /** True when a blob was there. */
  delete(key: string): Promise<boolean>;
  /** Deletes every blob whose key starts with `prefix` (a valid key followed by `/`); resolves to how many went. */
  deletePrefix(prefix: string): Promise<number>;
  usage(): Promise<BlobUsage>;
  /** Removes what interrupted puts left behind; resolves to how many leftovers went. Also runs at open. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

export class BlobError extends Error {}

export class InvalidBlobKeyError extends BlobError {
  constructor(readonly key: unknown, reason: string) {
    super(`invalid blob key ${JSON.stringify(String(key)).slice(0, 80)}: ${reason}`);
    this.name = 'InvalidBlobKeyError';
  }
}

export class InvalidContentTypeError extends BlobError {
  constructor(readonly contentType: unknown) {
    super(`invalid content type ${JSON.stringify(String(contentType)).slice(0, 80)}`);
    this.name = 'InvalidContentTypeError';
  }
}

/** More bytes arrived than the put's maxBytes allows. */
export class BlobTooLargeError extends BlobError {
  constructor(readonly maxBytes: number) {
    super(`blob larger than ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** The put would take the store past its bound on total bytes. */
export class BlobStoreFullError extends BlobError {
  constructor(readonly maxBytes: number) {
    super(`blob store full (${maxBytes} bytes)`);
    this.name = 'BlobStoreFullError';
  }
}

/** The range cannot be served from a blob of `size` bytes (HTTP 416, `Content-Range: bytes *\/size`). */
export class BlobRangeError extends BlobError {
  constructor(readonly size: number, reason: string) {
    super(`range not satisfiable (${reason}; blob has ${size} bytes)`);
    this.name = 'BlobRangeError';
  }
}

export class BlobStoreClosedError extends BlobError {
  constructor(what: string) {
    super(`blob store closed (${what})`);
    this.name = 'BlobStoreClosedError';
  }
}

/** The bytes read do not match the blob's recorded hash or size (damaged storage, or replaced while read). */
export class BlobCorruptError extends BlobError {
  constructor(readonly key: string, reason: string) {
    super(`blob ${key}: ${reason}`);
    this.name = 'BlobCorruptError';
  }
}
