/**
 * The upload sweep: deletes the files of uploads no message took. The api role records each attachment's blob key
 * in the pending-upload ledger before storing its first byte, and the message write removes the row in its own
 * transaction (api/messages/uploads.ts); a row older than ACCORD_UPLOAD_STALE_MS therefore names a file whose
 * request died with its process (SIGKILL, a crash, power loss) between storing it and committing the message.
 *
 * Each row is first marked abandoned, so no message write can take it any more (a write that tries fails instead
 * of naming a deleted file: store/sql/pending-uploads.ts), then its file is deleted, then the row. A sweep that
 * dies part-way leaves rows that the next sweep takes again. Several cdn nodes may sweep at once: both delete the
 * same files, which is idempotent.
 *
 * The age, one hour by default, is not what keeps a live upload safe (the abandoned mark is); it is how long an
 * upload may take from its first file's first byte to its message's commit before it is refused. At the default
 * 25 MiB per message, an hour is about 7 KiB/s, slower than any client that would still be waiting; and a file
 * is only left behind by a crash, so keeping it an hour costs nothing.
 */
import { assertBlobKey } from '../blobs/keys.ts';
import type { BlobStore } from '../blobs/types.ts';
import type { Logger } from '../lib/log.ts';
import type { PendingUploadStore } from '../store/types.ts';

/** Rows per ledger query; a sweep goes on while full batches come back, at most `maxBatches` of them. */
const BATCH = 200;
/** Bounds one sweep (200 000 files); what is left waits for the next. */
const MAX_BATCHES = 1000;

export interface UploadSweepOptions {
  ledger: PendingUploadStore;
  blobs: BlobStore;
  log: Logger;
  now: () => number;
  intervalMs: number;
  staleAfterMs: number;
}

export class UploadSweep {
  readonly counts = { sweeps: 0, swept: 0, failures: 0 };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #closed = false;

  constructor(private readonly opts: UploadSweepOptions) {}

  /** A sweep now (what a process that died before this one left), then every intervalMs. */
  start(): void {
    void this.sweep();
    this.#timer = setInterval(() => void this.sweep(), this.opts.intervalMs);
    this.#timer.unref();
  }

  /** Deletes the files of uploads begun more than staleAfterMs ago; resolves to how many rows it cleared. */
  sweep(): Promise<number> {
    if (this.#closed) return Promise.resolve(0);
    return (this.#running ??= this.#sweep().finally(() => (this.#running = undefined)));
  }

  async #sweep(): Promise<number> {
    const { ledger, log } = this.opts;
    const before = this.opts.now() - this.opts.staleAfterMs;
    let cleared = 0;
    this.counts.sweeps++;
    try {
      for (let i = 0; i < MAX_BATCHES && !this.#closed; i++) {
        const stale = await ledger.listStale(before, BATCH);
        if (stale.length === 0) break;
        // Rows a message write took meanwhile are not returned: their files are that message's.
        const abandoned = await ledger.abandon(stale);
        const deleted: string[] = [];
        for (const key of abandoned) {
          if (await this.#deleteFile(key)) deleted.push(key);
        }
        if (deleted.length) await ledger.forget(deleted);
        cleared += deleted.length;
        this.counts.swept += deleted.length;
        if (stale.length < BATCH || deleted.length === 0) break;
      }
    } catch (err) {
      this.counts.failures++;
      log.warn({ err }, 'upload sweep failed; the next one retries');
    }
    if (cleared) log.info({ files: cleared }, 'deleted files of uploads no message took');
    return cleared;
  }

  /** True when the file is gone (or the key can name no file); false when deleting failed and should be retried. */
  async #deleteFile(key: string): Promise<boolean> {
    try {
      assertBlobKey(key);
    } catch {
      this.opts.log.warn({ key }, 'pending upload names an invalid blob key; row cleared');
      return true;
    }
    try {
      await this.opts.blobs.delete(key);
      return true;
    } catch (err) {
      this.counts.failures++;
      this.opts.log.warn({ err, key }, 'could not delete the file of an abandoned upload; the next sweep retries');
      return false;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
  }
}
