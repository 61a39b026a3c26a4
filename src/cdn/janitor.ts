/**
 * The blob janitor: takes `blobs.delete` jobs (recorded by the message write path in the transaction of the edit
 * or delete that let go of the files: api/messages/write.ts) and deletes those blobs, keys one by one and
 * prefixes (a deleted channel's files) with deletePrefix. Deletes are idempotent, so a job delivered twice does no
 * harm; a job that fails is retried by the bus and ends in `blobs.delete.dead` after its last attempt. While no
 * cdn node runs, jobs wait in the queue and the files stay (unreachable: their URLs' messages are gone).
 *
 * It also runs the upload sweep (upload-sweep.ts): files stored for a message whose request died with its
 * process before the message was written, found in the pending-upload ledger every ACCORD_UPLOAD_SWEEP_MS.
 */
import { consumeJobs, Queues, type BlobDeleteJob } from '../contracts/index.ts';
import type { ProcessDeps } from '../contracts/role.ts';
import { assertBlobKey, assertBlobPrefix } from '../blobs/keys.ts';
import type { Logger } from '../lib/log.ts';
import type { CdnPart } from './part.ts';
import { UploadSweep } from './upload-sweep.ts';

export const JANITOR_DEFAULTS = {
  /** Jobs one node works on at once (each a few hundred keys at most). */
  concurrency: 4,
} as const;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export async function startBlobJanitor(deps: ProcessDeps, log: Logger): Promise<CdnPart> {
  const counts = { jobs: 0, blobs: 0, prefixes: 0, failures: 0 };

  const handle = async (job: BlobDeleteJob) => {
    counts.jobs++;
    try {
      for (const key of strings(job?.keys)) {
        try {
          assertBlobKey(key);
        } catch {
          log.warn({ key }, 'blobs.delete job names an invalid key; skipped');
          continue;
        }
        if (await deps.blobs.delete(key)) counts.blobs++;
      }
      for (const prefix of strings(job?.prefixes)) {
        try {
          assertBlobPrefix(prefix);
        } catch {
          log.warn({ prefix }, 'blobs.delete job names an invalid prefix; skipped');
          continue;
        }
        // Awaited first: `counts.blobs += await …` reads the counter before the await and loses concurrent jobs' counts.
        const deleted = await deps.blobs.deletePrefix(prefix);
        counts.blobs += deleted;
        counts.prefixes++;
      }
    } catch (err) {
      counts.failures++;
      log.warn({ err, outboxId: job?.outboxId }, 'deleting files failed; the job will be retried');
      throw err;
    }
  };

  const consumer = await consumeJobs(deps.bus, Queues.blobsDelete, handle, { concurrency: JANITOR_DEFAULTS.concurrency });
  const sweep = new UploadSweep({
    ledger: deps.store.pendingUploads,
    blobs: deps.blobs,
    log,
    now: deps.now,
    intervalMs: deps.config.uploadSweepIntervalMs,
    staleAfterMs: deps.config.uploadStaleAfterMs,
  });
  sweep.start();

  return {
    metrics: () => [
      { name: 'cdn_blob_delete_jobs_total', help: 'blobs.delete jobs taken from the queue', type: 'counter', value: counts.jobs },
      { name: 'cdn_blobs_deleted_total', help: 'Blobs deleted by the janitor (files of edited, deleted or gone messages)', type: 'counter', value: counts.blobs },
      { name: 'cdn_blob_prefixes_deleted_total', help: 'Key prefixes (deleted channels) the janitor emptied', type: 'counter', value: counts.prefixes },
      { name: 'cdn_blob_delete_failures_total', help: 'blobs.delete jobs that failed (retried by the bus)', type: 'counter', value: counts.failures },
      { name: 'cdn_upload_sweeps_total', help: 'Sweeps of the pending-upload ledger for files no message took', type: 'counter', value: sweep.counts.sweeps },
      { name: 'cdn_abandoned_uploads_swept_total', help: 'Files of abandoned uploads (their request died before the message was written) deleted by the sweep', type: 'counter', value: sweep.counts.swept },
      { name: 'cdn_upload_sweep_failures_total', help: 'Upload sweeps or file deletes that failed (the next sweep retries)', type: 'counter', value: sweep.counts.failures },
    ],
    close: async () => {
      await sweep.close();
      await consumer.stop();
    },
  };
}
