/**
 * A picked image as the data URI Discord's avatar and icon fields take (`data:image/png;base64,…`).
 *
 * Those go in a JSON body, which the server caps (ACCORD_BODY_LIMIT, 1 MiB by default), so a picture that would
 * not fit is made smaller here first, as Discord's own client crops and scales avatars before sending: drawn on a
 * canvas at 1024 pixels (then 512, 256) and encoded as WebP (PNG where the browser cannot). An animated GIF small
 * enough is sent as it is, so it stays animated.
 */
import { IMAGE_ACCEPT } from './components/ImagePickButton.tsx';

const ACCEPTED = IMAGE_ACCEPT.split(',');
/** Characters of data URI that fit a 1 MiB JSON body with room to spare. */
const MAX_DATA_URI = 1_000_000;
const SIDES = [1024, 512, 256];

/** The file as it is, as a data URI (no re-encoding). */
export function readAsDataUri(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });
}

export async function imageToDataUri(file: File): Promise<string> {
  if (!ACCEPTED.includes(file.type)) throw new Error('Pick a PNG, JPEG, GIF or WebP image.');
  if (Math.ceil(file.size / 3) * 4 + 40 <= MAX_DATA_URI) return readAsDataUri(file);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error('This image could not be read. Try another one.');
  }
  try {
    for (const side of SIDES) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const uri = canvas.toDataURL('image/webp', 0.9);
      if (uri.length <= MAX_DATA_URI) return uri;
    }
  } finally {
    bitmap.close();
  }
  throw new Error('This image is too large. Pick a smaller one.');
}
