/**
 * Images set through Discord's image data (avatars, icons, banners, splashes, role icons): reading the data URI,
 * proving the bytes are an image we serve, their hash, and rendering them at the CDN's sizes and formats.
 *
 * - The declared type of a data URI is not trusted (discord.js sends `data:image/jpg` whatever the bytes are): the
 *   format is sniffed from the bytes, and only PNG, JPEG, GIF and WebP go any further. SVG, TIFF, PDF and the rest
 *   of what libvips reads never reach it.
 * - Decompression bombs: the pixel count (every frame of an animation together) is checked against
 *   ACCORD_IMAGE_MAX_PIXELS from the header, before anything is decoded, and sharp enforces the same limit itself.
 *   An upload is then decoded whole once, so a truncated or corrupt file is refused at upload, not at first view.
 * - All decoding and encoding goes through one small semaphore per process: sharp works in libuv's thread pool
 *   (never on the event loop), and the semaphore keeps a burst of image work from taking all of that pool.
 */
import { createHash } from 'node:crypto';
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { fieldError, type ApiError } from '../protocol/errors.ts';
import { Semaphore } from './semaphore.ts';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export const IMAGE_CONTENT_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** Discord's limit on an image sent as image data (avatars, icons, banners), counted in decoded bytes. */
export const IMAGE_DATA_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Longest data URI text of an accepted image: its base64 and the `data:image/...;base64,` prefix. Routes taking
 * image data accept bodies this much above the process's body limit.
 */
export const IMAGE_DATA_MAX_CHARS = Math.ceil(IMAGE_DATA_MAX_BYTES / 3) * 4 + 32;

/** Image work at once in this process; the rest waits its turn. */
export const IMAGE_CONCURRENCY = 2;
const imageWork = new Semaphore(IMAGE_CONCURRENCY);

/** Runs `work` (which uses sharp) in its turn under the process's image semaphore. */
export function withImageWork<T>(work: () => Promise<T>): Promise<T> {
  return imageWork.run(work);
}

/** How busy the image semaphore is (for metrics). */
export function imageWorkLoad(): { running: number; waiting: number } {
  return { running: imageWork.running, waiting: imageWork.waiting };
}

/** The format the bytes are, by their magic numbers; null for anything but PNG, JPEG, GIF and WebP. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

export interface ImageInfo {
  format: ImageFormat;
  /** Size of one frame. */
  width: number;
  height: number;
  frames: number;
  /** A GIF or WebP of more than one frame: its hash starts with `a_` and it can be served animated. */
  animated: boolean;
}

/** Why bytes were refused as an image. */
export class ImageRejectedError extends Error {
  constructor(readonly reason: 'format' | 'pixels' | 'corrupt', detail: string) {
    super(`image refused (${reason}): ${detail}`);
    this.name = 'ImageRejectedError';
  }
}

let sharpLoaded: Promise<(input: Buffer, options: SharpOptions) => Sharp> | undefined;

/**
 * sharp, loaded on the first image: libvips and its libraries add ~20 MB of RSS to a process, and a node that
 * never touches an image (a sessions node, a server nobody uploads to yet) should not carry them.
 */
export function loadSharp(): Promise<(input: Buffer, options: SharpOptions) => Sharp> {
  sharpLoaded ??= import('sharp').then((m) => m.default);
  return sharpLoaded;
}

async function sharpInput(bytes: Buffer, maxPixels: number, animated: boolean): Promise<Sharp> {
  // failOn 'error': a truncated or broken file fails; libvips warnings about harmless oddities do not.
  return (await loadSharp())(bytes, { animated, limitInputPixels: maxPixels, failOn: 'error' });
}

/** The format, frame size and frame count from the header, with the pixel limit over every frame. */
async function readHeader(bytes: Buffer, maxPixels: number): Promise<ImageInfo> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new ImageRejectedError('format', 'not a PNG, JPEG, GIF or WebP');
  let meta: Metadata;
  const sharp = await loadSharp();
  try {
    // Without `animated`, sharp reports one frame's size and the frame count; the limit is checked below for all.
    meta = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).metadata();
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    throw new ImageRejectedError(/pixel limit/i.test(message) ? 'pixels' : 'corrupt', message);
  }
  if (meta.format !== format || !meta.width || !meta.height) throw new ImageRejectedError('corrupt', `header says ${meta.format ?? 'nothing'}`);
  const frames = format === 'gif' || format === 'webp' ? Math.max(1, meta.pages ?? 1) : 1;
  const height = meta.pageHeight ?? meta.height;
  if (meta.width * height * frames > maxPixels) throw new ImageRejectedError('pixels', `${meta.width}×${height}×${frames} pixels`);
  return { format, width: meta.width, height, frames, animated: frames > 1 };
}

/**
 * Reads the image's header and decodes every frame once (at thumbnail size, which is enough to find a truncated
 * or corrupt file). Throws ImageRejectedError for anything that is not a whole PNG, JPEG, GIF or WebP within
 * `maxPixels`.
 */
export async function inspectImage(bytes: Buffer, maxPixels: number): Promise<ImageInfo> {
  return imageWork.run(async () => {
    const info = await readHeader(bytes, maxPixels);
    try {
      await (await sharpInput(bytes, maxPixels, info.animated)).resize({ width: 64, height: 64, fit: 'inside' }).raw().toBuffer();
    } catch (err) {
      throw new ImageRejectedError('corrupt', (err as Error).message ?? String(err));
    }
    return info;
  });
}

/** Discord's image hash: 32 hex digits (here from the bytes' SHA-256), `a_` in front for an animated image. */
export function imageHashOf(bytes: Uint8Array, animated: boolean): string {
  const hex = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  return animated ? `a_${hex}` : hex;
}

/** A hash as Discord writes them (what `imageHashOf` makes). */
export const IMAGE_HASH = /^(a_)?[0-9a-f]{32}$/;

export function isAnimatedHash(hash: string): boolean {
  return hash.startsWith('a_');
}

export interface UploadedImage extends ImageInfo {
  bytes: Buffer;
  hash: string;
  contentType: string;
}

const DATA_URI = /^data:image\/(?:png|jpeg|jpg|gif|webp);base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Image data (`data:image/png;base64,...`) sent in `field`, verified: Discord's form errors for anything else —
 * IMAGE_INVALID for what is not a whole image of a served format (or holds more than `maxPixels`),
 * BINARY_TYPE_MAX_SIZE for more than `maxBytes` decoded, refused from the text's length before decoding.
 */
export async function readImageData(value: string, field: string | Array<string | number>, opts: { maxPixels: number; maxBytes?: number }): Promise<UploadedImage> {
  const maxBytes = opts.maxBytes ?? IMAGE_DATA_MAX_BYTES;
  const invalid = (): ApiError => fieldError(field, 'IMAGE_INVALID', 'Invalid image data');
  const prefix = DATA_URI.exec(value);
  if (!prefix) throw invalid();
  const base64 = value.slice(prefix[0].length);
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  const decodedLength = Math.floor((base64.length * 3) / 4) - padding;
  if (decodedLength > maxBytes) throw fieldError(field, 'BINARY_TYPE_MAX_SIZE', `File cannot be larger than ${(maxBytes / 1024).toFixed(1)} kb.`);
  if (base64.length === 0 || base64.length % 4 === 1 || !BASE64.test(base64)) throw invalid();
  const bytes = Buffer.from(base64, 'base64');
  let info: ImageInfo;
  try {
    info = await inspectImage(bytes, opts.maxPixels);
  } catch (err) {
    if (err instanceof ImageRejectedError) throw invalid();
    throw err;
  }
  return { ...info, bytes, hash: imageHashOf(bytes, info.animated), contentType: IMAGE_CONTENT_TYPES[info.format] };
}

export interface RenderOptions {
  format: ImageFormat;
  /** Fit inside size×size, keeping the aspect ratio; never enlarged. Absent: the image's own size. */
  size?: number;
  /** Keep every frame (GIF and WebP output of an animated image); otherwise the first frame. */
  animated: boolean;
  /** WebP only: lossless encoding (Discord's `?quality=lossless`). */
  lossless?: boolean;
  maxPixels: number;
}

/** The image re-encoded as `format`, resized to `size`. Throws ImageRejectedError for bytes that do not decode. */
export async function renderImage(bytes: Buffer, opts: RenderOptions): Promise<Buffer> {
  return imageWork.run(async () => {
    const info = await readHeader(bytes, opts.maxPixels);
    const animated = opts.animated && info.animated && (opts.format === 'gif' || opts.format === 'webp');
    let img = await sharpInput(bytes, opts.maxPixels, animated);
    // EXIF orientation applies to still images (phone photos); frames of an animation carry none.
    if (!animated) img = img.autoOrient();
    if (opts.size) img = img.resize({ width: opts.size, height: opts.size, fit: 'inside', withoutEnlargement: true });
    switch (opts.format) {
      case 'png':
        img = img.png();
        break;
      case 'jpeg':
        img = img.jpeg({ quality: 90, mozjpeg: true });
        break;
      case 'webp':
        img = img.webp(opts.lossless ? { lossless: true } : { quality: 90 });
        break;
      case 'gif':
        img = img.gif();
        break;
    }
    try {
      return await img.toBuffer();
    } catch (err) {
      throw new ImageRejectedError('corrupt', (err as Error).message ?? String(err));
    }
  });
}
