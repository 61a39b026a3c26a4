/**
 * Sending a channel's draft of files (upload.ts) as one message: Discord's multipart message create — a
 * `payload_json` part with the message and its `attachments` array, then `files[n]` parts — with upload progress.
 * Loaded when files are first added, not with the first screen.
 */
import { API_BASE, ApiError, MAX_RATE_LIMIT_RETRIES, rest } from './api.ts';
import { applyDispatch } from './events.ts';
import { formatBytes } from './media-url.ts';
import { newNonce } from './session.ts';
import type { Channel, Message } from './types.ts';
import { EMPTY_DRAFT, MAX_FILES, MAX_FILE_BYTES, MAX_MESSAGE_BYTES, SPOILER_PREFIX, draftOf, setDraft, setDraftError, totalBytes, type PendingFile } from './upload.ts';

/** The name the file is sent under: a spoiler's starts with SPOILER_, as Discord marks them. */
export function uploadName(p: Pick<PendingFile, 'file' | 'spoiler'>): string {
  const name = p.file.name || 'file';
  if (p.spoiler) return name.startsWith(SPOILER_PREFIX) ? name : `${SPOILER_PREFIX}${name}`;
  return name.startsWith(SPOILER_PREFIX) ? name.slice(SPOILER_PREFIX.length) || 'file' : name;
}

/** A sentence for a failed upload; 413 / 40005 is the server's size limit. */
export function uploadErrorText(err: unknown, fallback: (e: unknown) => string): string {
  if (err instanceof ApiError && (err.status === 413 || err.code === 40005)) {
    return 'These files are too large for this server to accept. Remove some, or send smaller ones.';
  }
  if (err instanceof DOMException && err.name === 'AbortError') return 'Upload cancelled.';
  if (err instanceof TypeError) return 'The upload did not get through. Check your connection and try again.';
  return fallback(err);
}

/**
 * A multipart/form-data request through XMLHttpRequest, whose `upload` progress events fetch() does not have;
 * otherwise as RestClient.request: 429s waited out and the form sent again, other failures ApiErrors, and a
 * connection that drops mid-upload a TypeError, as fetch() would make it.
 */
async function postForm<T>(path: string, form: FormData, opts: { onProgress?: (sent: number, total: number) => void; signal?: AbortSignal }): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const token = rest.token;
    const res = await new Promise<{ status: number; text: string; retryAfter: string | null }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', API_BASE + path);
      if (token) xhr.setRequestHeader('authorization', token);
      xhr.upload.onprogress = (e) => opts.onProgress?.(e.loaded, e.lengthComputable ? e.total : 0);
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText, retryAfter: xhr.getResponseHeader('retry-after') });
      xhr.onerror = () => reject(new TypeError('Failed to upload'));
      xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
      if (opts.signal?.aborted) return reject(new DOMException('The upload was cancelled.', 'AbortError'));
      opts.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(form);
    });
    let data: any = undefined;
    try {
      data = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      data = { message: res.text };
    }
    if (res.status >= 200 && res.status < 300) return data as T;
    const wait = res.status === 429 ? Math.max(0.05, Number(data?.retry_after ?? res.retryAfter ?? 1)) : undefined;
    if (wait !== undefined && attempt < MAX_RATE_LIMIT_RETRIES) {
      await new Promise((r) => setTimeout(r, wait * 1000));
      continue;
    }
    if (res.status === 401 && token) rest.reportUnauthorized(token);
    throw new ApiError(res.status, Number(data?.code ?? 0), String(data?.message ?? `HTTP ${res.status}`), data?.errors, wait);
  }
}

const uploads = new Map<string, AbortController>();

/** Cancels the upload under way in a channel (its files stay in the draft). */
export function cancelUpload(channelId: string) {
  uploads.get(channelId)?.abort();
}

/**
 * Sends the draft's files with `content` (which may be empty) as one message; progress goes to the draft. On
 * success the draft is emptied and the message applied at once; on failure the files stay for another try (the
 * nonce with enforce_nonce makes a retry of a send that did land a no-op on the server).
 */
export async function sendFiles(channelId: string, content: string, replyTo: Message | null, errorText: (e: unknown) => string): Promise<boolean> {
  const { files, progress } = draftOf(channelId);
  if (!files.length || progress !== null) return false;
  if (files.length > MAX_FILES || files.some((f) => f.file.size > MAX_FILE_BYTES) || totalBytes(files) > MAX_MESSAGE_BYTES) {
    setDraftError(channelId, `A message can carry at most ${MAX_FILES} files of ${formatBytes(MAX_FILE_BYTES)} each, ${formatBytes(MAX_MESSAGE_BYTES)} in all.`);
    return false;
  }
  const nonce = newNonce();
  const payload = {
    content,
    nonce,
    enforce_nonce: true,
    attachments: files.map((f, i) => ({ id: String(i), filename: uploadName(f), ...(f.description.trim() ? { description: f.description.trim() } : {}) })),
    ...(replyTo ? { message_reference: { message_id: replyTo.id, fail_if_not_exists: false } } : {}),
  };
  const form = new FormData();
  form.append('payload_json', JSON.stringify(payload));
  files.forEach((f, i) => form.append(`files[${i}]`, f.file, uploadName(f)));
  const controller = new AbortController();
  uploads.set(channelId, controller);
  setDraft(channelId, (d) => ({ ...d, error: '', progress: 0 }));
  try {
    const msg = await postForm<Message>(`/channels/${channelId}/messages`, form, {
      signal: controller.signal,
      onProgress: (sent, total) => setDraft(channelId, (d) => (d.progress === null ? d : { ...d, progress: total ? Math.min(1, sent / total) : d.progress })),
    });
    setDraft(channelId, () => EMPTY_DRAFT);
    applyDispatch('MESSAGE_CREATE', { ...msg, nonce: msg.nonce ?? nonce });
    return true;
  } catch (err) {
    setDraft(channelId, (d) => ({ ...d, progress: null, error: uploadErrorText(err, errorText) }));
    return false;
  } finally {
    uploads.delete(channelId);
  }
}

/**
 * A forum post with files: Start Thread in Forum as Discord's client sends it, multipart with the post in
 * `payload_json` (its first message naming the files in `attachments`) and the files as `files[n]`.
 */
export async function postWithFiles(channelId: string, post: { name: string; applied_tags: string[]; message: { content: string } }, files: File[]): Promise<Channel> {
  const names = files.map((f) => f.name || 'file');
  const form = new FormData();
  form.append('payload_json', JSON.stringify({ ...post, message: { ...post.message, attachments: names.map((filename, i) => ({ id: String(i), filename })) } }));
  files.forEach((f, i) => form.append(`files[${i}]`, f, names[i]));
  return postForm<Channel>(`/channels/${channelId}/threads`, form, {});
}
