/**
 * Files waiting in a channel's composer (sending them is upload-send.ts, loaded when there is something to send).
 *
 * Each channel keeps its own draft of files (switching channels and back finds them still there). The limits
 * are Discord's defaults and are checked as files are added, so a file that could not be sent is refused at
 * once rather than after a long upload; the server's own limit (413, code 40005) is still read as a sentence.
 */
import { useSyncExternalStore } from 'react';
import { formatBytes } from './media-url.ts';

export const MAX_FILES = 10;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Discord's mark of a spoiler file. */
export const SPOILER_PREFIX = 'SPOILER_';

export interface PendingFile {
  key: string;
  file: File;
  spoiler: boolean;
  /** Alt text. */
  description: string;
  /** A small preview (a data URI: the page's CSP allows data: images, not blob:), for images. */
  thumb: string | null;
}

export interface Draft {
  files: PendingFile[];
  /** Why files were refused or the last send failed. */
  error: string;
  /** Fraction sent (0…1) while an upload is under way, else null. */
  progress: number | null;
}

export const EMPTY_DRAFT: Draft = { files: [], error: '', progress: null };
const drafts = new Map<string, Draft>();
const listeners = new Set<() => void>();
let keySeq = 0;

export function setDraft(channelId: string, fn: (d: Draft) => Draft) {
  const next = fn(drafts.get(channelId) ?? EMPTY_DRAFT);
  if (!next.files.length && !next.error && next.progress === null) drafts.delete(channelId);
  else drafts.set(channelId, next);
  listeners.forEach((l) => l());
}

export function useDraft(channelId: string): Draft {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => drafts.get(channelId) ?? EMPTY_DRAFT,
  );
}

export const draftOf = (channelId: string): Draft => drafts.get(channelId) ?? EMPTY_DRAFT;

export const totalBytes = (files: readonly PendingFile[]) => files.reduce((n, f) => n + f.file.size, 0);

/**
 * Adds files to a channel's draft, refusing (with a sentence) those over the limits: one file over 10 MB, an
 * eleventh file, or one that would bring the message past 25 MB. Returns the error shown, if any.
 */
export function addFiles(channelId: string, incoming: Iterable<File>): string {
  const problems: string[] = [];
  const added: PendingFile[] = [];
  const current = draftOf(channelId);
  if (current.progress !== null) return setDraftError(channelId, 'Wait for the upload under way to finish first.');
  let count = current.files.length;
  let total = totalBytes(current.files);
  let tooMany = 0;
  for (const file of incoming) {
    if (file.size > MAX_FILE_BYTES) {
      problems.push(`${file.name} is too large (${formatBytes(file.size)}): a file can be at most ${formatBytes(MAX_FILE_BYTES)}.`);
    } else if (count >= MAX_FILES) {
      tooMany++;
    } else if (total + file.size > MAX_MESSAGE_BYTES) {
      problems.push(`${file.name} would bring this message to ${formatBytes(total + file.size)}: a message can carry at most ${formatBytes(MAX_MESSAGE_BYTES)} of files.`);
    } else {
      const spoiler = file.name.startsWith(SPOILER_PREFIX);
      added.push({ key: `f${++keySeq}`, file, spoiler, description: '', thumb: null });
      count++;
      total += file.size;
    }
  }
  if (tooMany) problems.push(`You can attach at most ${MAX_FILES} files to a message (${tooMany} left out).`);
  const error = problems.join(' ');
  setDraft(channelId, (d) => ({ ...d, files: [...d.files, ...added], error }));
  return error;
}

export function setDraftError(channelId: string, error: string): string {
  setDraft(channelId, (d) => ({ ...d, error }));
  return error;
}

export const clearError = (channelId: string) => setDraft(channelId, (d) => (d.error ? { ...d, error: '' } : d));

export function removeFile(channelId: string, key: string) {
  setDraft(channelId, (d) => (d.progress !== null ? d : { ...d, files: d.files.filter((f) => f.key !== key), error: '' }));
}

export function updateFile(channelId: string, key: string, patch: Partial<Pick<PendingFile, 'spoiler' | 'description' | 'thumb'>>) {
  setDraft(channelId, (d) => ({ ...d, files: d.files.map((f) => (f.key === key ? { ...f, ...patch } : f)) }));
}

/** Files of a drag or a paste (none when it carries only text). */
export function filesOf(dt: DataTransfer | null): File[] {
  if (!dt) return [];
  if (dt.files?.length) return [...dt.files];
  return [...(dt.items ?? [])].filter((i) => i.kind === 'file').map((i) => i.getAsFile()).filter((f): f is File => Boolean(f));
}

export const carriesFiles = (dt: DataTransfer | null) => Boolean(dt && [...dt.types].includes('Files'));

/**
 * A file dropped anywhere the channel does not take it (the sidebar, a channel where one may not attach files)
 * would make the browser open the file in place of the app: refused instead.
 */
export function installFileDropGuard() {
  const guard = (e: DragEvent) => {
    if (!carriesFiles(e.dataTransfer) || e.defaultPrevented) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'none';
  };
  window.addEventListener('dragover', guard);
  window.addEventListener('drop', guard);
}
