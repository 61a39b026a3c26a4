/**
 * Image fields of REST bodies (`avatar`, `banner`, `icon`, `splash`), the Discord way: image data (a data URI)
 * sets a new image, null removes it, the current hash sent back keeps it. A new image is verified and its bytes
 * stored in the blob store under its CDN path (media/image-keys.ts) before the caller writes the hash to the store,
 * so a stored hash always has its bytes; the cdn role serves them.
 */
import { BlobStoreFullError } from '../blobs/types.ts';
import type { Config } from '../config/schema.ts';
import { ApiError, ErrorCodes, fieldError } from '../protocol/errors.ts';
import { IMAGE_DATA_MAX_CHARS, IMAGE_HASH, imageHashOf, readImageData } from '../media/image.ts';
import { imageKey, type ImageOwner } from '../media/image-keys.ts';
import type { ApiDeps } from './deps.ts';

/**
 * The body limit of a route taking `imageFields` images: the process's limit plus one full-size image each. The
 * process's limit (1 MiB by default) is for JSON; Discord takes avatars up to 10 MiB, which base64 makes larger.
 */
export function imageBodyLimit(config: Pick<Config, 'bodyLimitBytes'>, imageFields: number): number {
  return config.bodyLimitBytes + imageFields * IMAGE_DATA_MAX_CHARS;
}

/** Images Discord serves as GIF too, animated when they are. */
const ANIMATABLE: ReadonlySet<ImageOwner['kind']> = new Set(['avatars', 'banners', 'icons', 'member-avatars', 'member-banners']);

export interface ImageFieldOptions {
  /** The field's name (or path) for form errors. */
  field: string | Array<string | number>;
  /** Whose image it is: names the blob key. */
  owner: ImageOwner;
  /** The hash stored now, which the caller may send back to keep it. */
  current?: string | null;
}

/**
 * The hash to store for an image field's value: null to remove, the current hash kept, or the hash of new image
 * data, stored first. Anything else is Discord's IMAGE_INVALID form error.
 */
export async function acceptImage(deps: Pick<ApiDeps, 'blobs' | 'config'>, value: string | null, opts: ImageFieldOptions): Promise<string | null> {
  if (value === null) return null;
  if (opts.current && value === opts.current) return value;
  // A hash of another image (an older avatar, somebody else's icon) is not this field's to take.
  if (IMAGE_HASH.test(value)) throw fieldError(opts.field, 'IMAGE_INVALID', 'Invalid image data');
  const image = await readImageData(value, opts.field, { maxPixels: deps.config.imageMaxPixels });
  // `a_` marks an image the CDN serves animated; splashes, role icons and application icons never are (Discord
  // serves them as PNG, JPEG and WebP only), so theirs is the hash of a still image.
  const hash = ANIMATABLE.has(opts.owner.kind) ? image.hash : imageHashOf(image.bytes, false);
  const key = imageKey(opts.owner, hash);
  try {
    // The same bytes set again (a hash names its bytes): already stored.
    if (!(await deps.blobs.head(key))) await deps.blobs.put(key, [image.bytes], { contentType: image.contentType });
  } catch (err) {
    if (err instanceof BlobStoreFullError) throw new ApiError(ErrorCodes.GENERAL, { status: 507, message: 'Insufficient Storage' });
    throw err;
  }
  return hash;
}
