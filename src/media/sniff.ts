/**
 * What an uploaded file is, judged from its bytes, never from what the client says: file-type reads the magic
 * numbers of the first bytes; a file it does not know is text when those bytes are valid UTF-8 without binary
 * control characters (`text/plain; charset=utf-8`), and `application/octet-stream` otherwise. Text that a browser
 * would run as a page or a drawing is named for what it is (`text/html`, `image/svg+xml`, `text/xml`), so the CDN
 * serves it as a download (cdn/serve-blob.ts) rather than as harmless-looking text.
 *
 * sniffUpload works on a stream as it arrives: it reads just enough for the type, hands back a source that replays
 * those bytes and then the rest, and keeps at most DIMENSIONS_HEAD_BYTES of the head of images and videos to read
 * their width and height from once the file is stored (dimensions.ts). Memory stays bounded whatever the size.
 */
import { hasDimensions, mediaDimensions, type Dimensions } from './dimensions.ts';

/** Bytes file-type needs to recognise every format it knows. */
export const SNIFF_BYTES = 4100;
/** Head of an image or video kept for its dimensions (a JPEG's frame header may follow large EXIF / ICC blocks). */
export const DIMENSIONS_HEAD_BYTES = 1024 * 1024;

export const TEXT_PLAIN = 'text/plain; charset=utf-8';
export const OCTET_STREAM = 'application/octet-stream';

/** WHATWG MIME sniffing's HTML signatures: a tag name followed by a space or `>`. */
const HTML_START = /^<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\s>]/i;

/** C0 controls that do not occur in text (tab, line feed, form feed, carriage return and escape do). */
const BINARY_CONTROLS = /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/;

/** The text of `head` if it reads as UTF-8 text (a character cut at the end is fine), else null. */
function asText(head: Uint8Array): string | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(head, { stream: true });
  } catch {
    return null;
  }
  return BINARY_CONTROLS.test(text) ? null : text;
}

function textType(text: string): string {
  const start = text.trimStart().slice(0, 1024);
  if (HTML_START.test(start)) return 'text/html; charset=utf-8';
  if (/^<svg[\s>]/i.test(start) || (/^<\?xml[\s?]/i.test(start) && /<svg[\s>]/i.test(start))) return 'image/svg+xml';
  if (/^<\?xml[\s?]/i.test(start)) return 'text/xml; charset=utf-8';
  return TEXT_PLAIN;
}

/**
 * What file-type recognises in a file's first bytes, or undefined; a parser tripping over damaged bytes counts as no
 * match. file-type is loaded with the first file, not at start: ~0.3 MB of heap a process that is sent no files (nor
 * asked to proxy an image) never needs.
 */
export async function detectFileType(head: Uint8Array): Promise<{ mime: string; ext: string } | undefined> {
  const { fileTypeFromBuffer } = await import('file-type');
  return fileTypeFromBuffer(head).catch(() => undefined);
}

/** The content type of a file from its first bytes (SNIFF_BYTES of them, or the whole file if shorter). */
export async function sniffContentType(head: Uint8Array): Promise<string> {
  if (head.length === 0) return OCTET_STREAM;
  const detected = await detectFileType(head);
  // file-type calls any `<?xml` text XML; whether it is a drawing is for the text rules to say.
  if (detected && detected.mime !== 'application/xml') return detected.mime;
  const text = asText(head);
  if (text === null) return detected?.mime ?? OCTET_STREAM;
  return textType(text);
}

export interface SniffedUpload {
  contentType: string;
  /** The file's bytes: those read for sniffing, then the rest as they arrive. Iterate once. */
  source: AsyncIterable<Uint8Array>;
  /** Once `source` was read to its end: width and height for images and videos whose header says them. */
  dimensions(maxPixels: number): Promise<Dimensions | null>;
}

/**
 * Reads the start of `stream` for its type. Stopping the returned source early (a refused upload) ends `stream`
 * too, so the bytes still on their way are not read.
 */
export async function sniffUpload(stream: AsyncIterable<Uint8Array>): Promise<SniffedUpload> {
  const it = stream[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  try {
    while (have < SNIFF_BYTES) {
      const next = await it.next();
      if (next.done) {
        ended = true;
        break;
      }
      first.push(next.value);
      have += next.value.byteLength;
    }
  } catch (err) {
    await it.return?.().catch(() => undefined);
    throw err;
  }
  const head = Buffer.concat(first);
  const contentType = await sniffContentType(head.subarray(0, SNIFF_BYTES));
  const keep = hasDimensions(contentType) ? DIMENSIONS_HEAD_BYTES : 0;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const retain = (chunk: Uint8Array) => {
    if (keptBytes >= keep) return;
    const part = Buffer.from(chunk.subarray(0, keep - keptBytes));
    kept.push(part);
    keptBytes += part.byteLength;
  };

  async function* source(): AsyncGenerator<Uint8Array> {
    let finished = ended;
    try {
      for (const chunk of first) {
        retain(chunk);
        yield chunk;
      }
      first.length = 0;
      while (!finished) {
        const next = await it.next();
        if (next.done) {
          finished = true;
          break;
        }
        retain(next.value);
        yield next.value;
      }
    } finally {
      if (!finished) await it.return?.();
    }
  }

  return {
    contentType,
    source: source(),
    dimensions: (maxPixels) => mediaDimensions(Buffer.concat(kept), contentType, maxPixels),
  };
}
