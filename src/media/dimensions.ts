/**
 * Width and height of an image or video from the first bytes of its file, never decoding pixels: the headers of
 * PNG, GIF, JPEG, WebP and BMP are read here (robust to a file cut short after its header), other image formats
 * go to sharp's metadata(), and MP4 / QuickTime give the first track's `tkhd` size when the `moov` box lies in the
 * bytes at hand (a "fast start" file). Anything else, anything unreadable, and anything over `maxPixels` has no
 * dimensions: the file is still stored, only without width and height.
 */

export interface Dimensions {
  width: number;
  height: number;
}

type Parser = (b: Buffer) => Dimensions | null;

function png(b: Buffer): Dimensions | null {
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function gif(b: Buffer): Dimensions | null {
  if (b.length < 10 || !/^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return null;
  return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
}

function bmp(b: Buffer): Dimensions | null {
  if (b.length < 26 || b.toString('latin1', 0, 2) !== 'BM') return null;
  // BITMAPCOREHEADER (12 bytes) has 16-bit sizes; every later header 32-bit ones, height negative when top-down.
  if (b.readUInt32LE(14) === 12) return { width: b.readUInt16LE(18), height: b.readUInt16LE(20) };
  return { width: Math.abs(b.readInt32LE(18)), height: Math.abs(b.readInt32LE(22)) };
}

function webp(b: Buffer): Dimensions | null {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') return null;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  return null;
}

/** The first start-of-frame marker's size, walking segment lengths (EXIF and ICC blocks are skipped, not read). */
function jpeg(b: Buffer): Dimensions | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda || i + 4 > b.length) return null;
    const length = b.readUInt16BE(i + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return i + 9 <= b.length ? { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) } : null;
    i += 2 + length;
  }
  return null;
}

/** Boxes of an ISO base media file between start and end: [type, payload start, payload end]. */
function* boxes(b: Buffer, start: number, end: number): Generator<[string, number, number]> {
  let i = start;
  while (i + 8 <= end) {
    let size = b.readUInt32BE(i);
    let header = 8;
    if (size === 1) {
      if (i + 16 > end) return;
      size = Number(b.readBigUInt64BE(i + 8));
      header = 16;
    } else if (size === 0) size = end - i;
    if (size < header) return;
    yield [b.toString('latin1', i + 4, i + 8), i + header, Math.min(i + size, end)];
    i += size;
  }
}

/** MP4 / QuickTime: the first track whose `tkhd` names a size (audio tracks say 0×0). */
function isoTrack(b: Buffer): Dimensions | null {
  for (const [type, from, to] of boxes(b, 0, b.length)) {
    if (type !== 'moov') continue;
    for (const [trakType, trakFrom, trakTo] of boxes(b, from, to)) {
      if (trakType !== 'trak') continue;
      for (const [t, p, pEnd] of boxes(b, trakFrom, trakTo)) {
        if (t !== 'tkhd') continue;
        // Version 0 keeps times in 32 bits, version 1 in 64: width and height (16.16 fixed point) sit after them.
        const at = p + (b[p] === 1 ? 88 : 76);
        if (at + 8 > pEnd) continue;
        const size = { width: b.readUInt32BE(at) >>> 16, height: b.readUInt32BE(at + 4) >>> 16 };
        if (size.width > 0 && size.height > 0) return size;
      }
    }
  }
  return null;
}

const PARSERS: Record<string, Parser> = {
  'image/png': png,
  'image/apng': png,
  'image/gif': gif,
  'image/bmp': bmp,
  'image/webp': webp,
  'image/jpeg': jpeg,
  'video/mp4': isoTrack,
  'video/quicktime': isoTrack,
  'video/x-m4v': isoTrack,
  'video/3gpp': isoTrack,
};

/** Whether a file of this type may have dimensions worth keeping its first bytes for. */
export function hasDimensions(contentType: string): boolean {
  return (contentType.startsWith('image/') && contentType !== 'image/svg+xml') || contentType in PARSERS;
}

/** Width and height from the file's first bytes, or null (unknown type, unreadable header, over maxPixels). */
export async function mediaDimensions(head: Buffer, contentType: string, maxPixels: number): Promise<Dimensions | null> {
  if (!hasDimensions(contentType)) return null;
  let size: Dimensions | null;
  const parser = PARSERS[contentType];
  try {
    size = parser ? parser(head) : await sharpDimensions(head);
  } catch {
    size = null;
  }
  if (!size || !Number.isSafeInteger(size.width) || !Number.isSafeInteger(size.height) || size.width < 1 || size.height < 1) return null;
  return size.width * size.height > maxPixels ? null : size;
}

/** Other image formats (AVIF, HEIF, TIFF …): sharp reads their header; nothing is decoded. */
async function sharpDimensions(head: Buffer): Promise<Dimensions | null> {
  const { default: sharp } = await import('sharp');
  const meta = await sharp(head, { limitInputPixels: false, failOn: 'none' }).metadata();
  return meta.width && meta.height ? { width: meta.width, height: meta.height } : null;
}
