/**
 * Attachment filenames, cleaned the way Discord cleans them: the name a client sent loses any folder part and
 * control characters, spaces become `_`, accents are folded to their base letter (`café` → `cafe`), and everything outside `[A-Za-z0-9._-]`
 * goes (Discord's own rule for names that `attachment://` can reference). A name left with nothing before its
 * extension becomes `unknown.<ext>`, as Discord names pasted files. The `SPOILER_` prefix survives (it is how a
 * spoiler is marked), and the result is at most MAX_FILENAME_LENGTH characters, extension kept.
 *
 * Being ASCII without `/`, `?`, `#` or `%`, a cleaned name is a URL path segment as it is: the path a URL is
 * signed over is the path the CDN is asked for.
 */

export const MAX_FILENAME_LENGTH = 255;
const MAX_EXTENSION_LENGTH = 32;
export const SPOILER_PREFIX = 'SPOILER_';

function clean(part: string): string {
  return part
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cc}]/gu, '')
    .replace(/\s+/gu, '_')
    .replace(/[^A-Za-z0-9._-]/g, '');
}

export function sanitizeFilename(name: string): string {
  const base = name.replace(/^.*[\\/]/s, '');
  const dot = base.lastIndexOf('.');
  let stem = clean(dot > 0 ? base.slice(0, dot) : base).replace(/^\.+/, '');
  let ext = dot > 0 ? clean(base.slice(dot + 1)).replace(/\./g, '').slice(0, MAX_EXTENSION_LENGTH) : '';
  if (dot === 0) {
    // ".bashrc": a name that is all extension keeps it as its name.
    stem = clean(base.slice(1)).replace(/^\.+/, '');
    ext = '';
  }
  if (stem === '' || stem === SPOILER_PREFIX) stem += 'unknown';
  const suffix = ext ? `.${ext}` : '';
  return stem.slice(0, MAX_FILENAME_LENGTH - suffix.length) + suffix;
}

export function isSpoilerFilename(filename: string): boolean {
  return filename.startsWith(SPOILER_PREFIX);
}
