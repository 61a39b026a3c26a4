/**
 * Serves one blob over HTTP the way a CDN does: a single byte range (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`)
 * answered 206 with Content-Range, or 416 with `Content-Range: bytes *\/size`; the content hash as a strong ETag,
 * with If-None-Match answered 304; `Cache-Control: immutable` for paths whose bytes never change.
 *
 * Files a browser would run (HTML, SVG, XML, JavaScript and anything unknown to the sniffer) are never served
 * inline: they go out as attachments, with nosniff and a sandboxing CSP on every response, so an uploaded page can
 * never run on the CDN's origin.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BlobRangeError, type BlobInfo, type BlobRange, type BlobStore } from '../blobs/types.ts';

/** Types a browser shows without running anything; everything else is sent as a download. */
const INLINE_TYPES = /^(image\/(png|jpeg|gif|webp|avif|bmp|x-icon|vnd\.microsoft\.icon)|video\/(mp4|webm|ogg|quicktime)|audio\/(mpeg|ogg|wav|x-wav|webm|flac|mp4|aac)|text\/plain|application\/pdf)$/;

export function isInlineSafe(contentType: string): boolean {
  return INLINE_TYPES.test(contentType.split(';')[0]!.trim().toLowerCase());
}

export interface SendBlobOptions {
  /** Overrides the stored content type (e.g. a resized image's format). */
  contentType?: string;
  /** Filename for Content-Disposition. */
  filename?: string;
  /** The path names these exact bytes forever (content-addressed): cache for a year, immutable. */
  immutable: boolean;
  /** Ask for a download even for an inline-safe type (`?download`). */
  download?: boolean;
}

/** RFC 9110 byte range of one part; undefined when there is no usable Range header (then the whole blob is sent). */
export function parseRangeHeader(header: string | undefined, size: number): BlobRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, other units or a malformed header: serve the whole representation, as RFC 9110 allows.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(start) || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

function contentDisposition(kind: 'inline' | 'attachment', filename: string | undefined): string {
  if (!filename) return kind;
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function commonHeaders(reply: FastifyReply, info: BlobInfo, opts: SendBlobOptions) {
  const type = opts.contentType ?? info.contentType;
  const inline = isInlineSafe(type) && !opts.download;
  reply.header('Content-Type', inline ? type : 'application/octet-stream');
  reply.header('Content-Disposition', contentDisposition(inline ? 'inline' : 'attachment', opts.filename));
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Content-Security-Policy', "default-src 'none'; sandbox");
  reply.header('Accept-Ranges', 'bytes');
  reply.header('ETag', `"${info.sha256}"`);
  reply.header('Cache-Control', opts.immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
  reply.header('Access-Control-Allow-Origin', '*');
}

function matchesEtag(header: string | undefined, sha256: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === `"${sha256}"`;
  });
}

/** Answers the request with the blob at `key`; false when there is none (the caller answers 404). */
export async function sendBlob(request: FastifyRequest, reply: FastifyReply, blobs: BlobStore, key: string, opts: SendBlobOptions): Promise<boolean> {
  const info = await blobs.head(key);
  if (!info) return false;
  commonHeaders(reply, info, opts);
  if (matchesEtag(request.headers['if-none-match'], info.sha256)) {
    reply.status(304).send();
    return true;
  }
  const range = parseRangeHeader(request.headers.range, info.size);
  if (range === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${info.size}`).status(416).send();
    return true;
  }
  let read;
  try {
    read = await blobs.get(key, range);
  } catch (err) {
    if (err instanceof BlobRangeError) {
      reply.header('Content-Range', `bytes */${err.size}`).status(416).send();
      return true;
    }
    throw err;
  }
  // Deleted between head and get.
  if (!read) return false;
  reply.header('Content-Length', String(read.end - read.start + 1));
  if (range) reply.status(206).header('Content-Range', `bytes ${read.start}-${read.end}/${read.size}`);
  if (request.method === 'HEAD') {
    read.stream.destroy();
    // An empty stream, not nothing: Fastify's HEAD handling sets Content-Length: 0 for an empty reply.
    reply.send(Readable.from([]));
    return true;
  }
  reply.send(read.stream);
  return true;
}
