/**
 * What a blob key and a content type may be, for every implementation alike. Keys are `/`-separated segments of
 * `[A-Za-z0-9._-]` that do not start with a dot: no `..`, no absolute paths, nothing a file system or a NATS subject
 * treats specially, and nothing that needs escaping in a URL. A content type becomes an HTTP header later, so it
 * is printable ASCII only (no CR/LF to inject headers with).
 */
import { InvalidBlobKeyError, InvalidContentTypeError } from './types.ts';

export const MAX_KEY_LENGTH = 512;
export const MAX_CONTENT_TYPE_LENGTH = 255;

const SEGMENTS = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
const CONTENT_ADDRESS = /^[0-9a-f]{64}$/;
const CONTENT_TYPE = /^[\x21-\x7e][\x20-\x7e]*$/;

export function isContentAddress(key: string): boolean {
  return CONTENT_ADDRESS.test(key);
}

/** Throws InvalidBlobKeyError unless `key` is a valid key; `caller` keys may not take a content address. */
export function assertBlobKey(key: unknown, opts: { caller?: boolean } = {}): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidBlobKeyError(key, 'must be a non-empty string');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidBlobKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  if (!SEGMENTS.test(key)) throw new InvalidBlobKeyError(key, 'segments of A-Z a-z 0-9 . _ - separated by /, none starting with a dot');
  if (opts.caller && isContentAddress(key)) throw new InvalidBlobKeyError(key, '64 hex digits are reserved for content addresses (put without a key)');
}

/** Throws InvalidBlobKeyError unless `prefix` is a valid key followed by `/` (never empty: that would be every blob). */
export function assertBlobPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !prefix.endsWith('/')) throw new InvalidBlobKeyError(prefix, 'a prefix is a key followed by /');
  assertBlobKey(prefix.slice(0, -1));
}

export function assertContentType(contentType: unknown): asserts contentType is string {
  if (typeof contentType !== 'string' || contentType.length > MAX_CONTENT_TYPE_LENGTH || !CONTENT_TYPE.test(contentType) || !contentType.includes('/')) {
    throw new InvalidContentTypeError(contentType);
  }
}

export function assertMaxBytes(maxBytes: unknown): void {
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
    throw new TypeError(`maxBytes must be a non-negative integer, got ${String(maxBytes)}`);
  }
}
