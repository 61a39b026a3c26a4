/**
 * Sticker files: where they live in the blob store (`stickers/{sticker_id}`, served by the cdn role at Discord's
 * `/stickers/{id}.{png|gif|json}`), and what an uploaded file is, judged from its bytes: PNG (format 1), APNG
 * (a PNG with an `acTL` chunk before its first `IDAT`, format 2), Lottie JSON (format 3) or GIF (format 4).
 */

/** Discord's format types (also store/types.ts StickerFormat; the media floor does not import the store). */
export const STICKER_FORMAT = { PNG: 1, APNG: 2, LOTTIE: 3, GIF: 4 } as const;

/** Discord's size limit for sticker files: 512 KiB. */
export const STICKER_MAX_BYTES = 512 * 1024;

export function stickerBlobKey(stickerId: string): string {
  return `stickers/${stickerId}`;
}

/** The extension Discord's CDN serves a format under. */
export function stickerExtension(format: number): 'png' | 'gif' | 'json' {
  return format === STICKER_FORMAT.GIF ? 'gif' : format === STICKER_FORMAT.LOTTIE ? 'json' : 'png';
}

export function stickerContentType(format: number): string {
  return format === STICKER_FORMAT.GIF ? 'image/gif' : format === STICKER_FORMAT.LOTTIE ? 'application/json' : 'image/png';
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG chunks up to the first IDAT: APNG when an acTL comes first; null when the chunk list is broken. */
function pngKind(bytes: Buffer): 1 | 2 | null {
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'acTL') return STICKER_FORMAT.APNG;
    if (type === 'IDAT') return STICKER_FORMAT.PNG;
    at += 12 + length;
  }
  return null;
}

/** A Lottie animation: a JSON object with its frame rate, in / out points, size and layers. */
function isLottie(bytes: Buffer): boolean {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return false;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const l = value as Record<string, unknown>;
  return Array.isArray(l.layers) && ['fr', 'ip', 'op', 'w', 'h'].every((k) => typeof l[k] === 'number');
}

/** The sticker format of these bytes, or null when they are none of PNG, APNG, GIF and Lottie. */
export function stickerFormatOf(bytes: Buffer): 1 | 2 | 3 | 4 | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return pngKind(bytes);
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return STICKER_FORMAT.GIF;
  if (isLottie(bytes)) return STICKER_FORMAT.LOTTIE;
  return null;
}
