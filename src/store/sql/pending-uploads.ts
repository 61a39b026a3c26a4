/**
 * The pending-upload ledger (types.ts PendingUploadStore): one row per file an api node is storing, from before
 * its first byte until the message naming it commits. The race between a message write and the cdn role's sweep
 * is settled by the rows themselves: the sweep marks a row `abandoned` before it deletes the file, and a message
 * write takes only rows not abandoned, in its own transaction, or fails. Whichever statement reaches a row first
 * wins (SQLite writes one at a time; PostgreSQL's row lock makes the second re-read the row), so a message never
 * names a file the sweep deletes, however long an upload took.
 */
import { InvalidInputError } from '../errors.ts';
import type { PendingUploadStore } from '../types.ts';
import type { SqlDriver } from './driver.ts';
import { chunks, int, marks, rs } from './values.ts';

/** Blob keys are at most this long (blobs/keys.ts MAX_KEY_LENGTH; the store floor does not import blobs). */
const MAX_KEY_LENGTH = 512;
const MAX_LIST = 1000;

function keyList(keys: readonly unknown[]): string[] {
  if (!Array.isArray(keys)) throw new InvalidInputError('blob_key', 'not a list');
  for (const k of keys) {
    if (typeof k !== 'string' || k.length === 0 || k.length > MAX_KEY_LENGTH) throw new InvalidInputError('blob_key', `not a blob key of 1–${MAX_KEY_LENGTH} characters`);
  }
  return [...new Set(keys as string[])];
}

/**
 * Takes the uploads off the ledger inside the caller's (message write's) transaction. A key with no row, or an
 * abandoned one, fails the write: the sweep may have deleted that file.
 */
export async function takeUploadsIn(tx: SqlDriver, keys: readonly string[]): Promise<void> {
  const wanted = keyList(keys);
  let taken = 0;
  for (const chunk of chunks(wanted, 400)) {
    taken += (await tx.run(`DELETE FROM pending_uploads WHERE abandoned = 0 AND blob_key IN (${marks(chunk.length)})`, chunk)).changes;
  }
  if (taken !== wanted.length) throw new InvalidInputError('attachments', 'an upload expired before its message was stored; send the files again');
}

export class SqlPendingUploadStore implements PendingUploadStore {
  constructor(private readonly db: SqlDriver) {}

  async begin(keys: readonly string[], now: number): Promise<void> {
    const list = keyList(keys);
    const at = int(now, 'created_at');
    for (const chunk of chunks(list, 400)) {
      await this.db.run(
        `INSERT INTO pending_uploads (blob_key, created_at) VALUES ${chunk.map(() => '(?, ?)').join(', ')} ON CONFLICT (blob_key) DO NOTHING`,
        chunk.flatMap((k) => [k, at]),
      );
    }
  }

  async listStale(before: number, limit: number): Promise<string[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) throw new InvalidInputError('limit', `must be an integer 1–${MAX_LIST}`);
    const rows = await this.db.all(
      'SELECT blob_key FROM pending_uploads WHERE created_at < ? ORDER BY created_at, blob_key LIMIT ?',
      [int(Math.floor(before), 'before'), limit],
    );
    return rows.map((r) => rs(r.blob_key));
  }

  async abandon(keys: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const chunk of chunks(keyList(keys), 400)) {
      const rows = await this.db.all(`UPDATE pending_uploads SET abandoned = 1 WHERE blob_key IN (${marks(chunk.length)}) RETURNING blob_key`, chunk);
      out.push(...rows.map((r) => rs(r.blob_key)));
    }
    return out;
  }

  async forget(keys: readonly string[]): Promise<void> {
    for (const chunk of chunks(keyList(keys), 400)) {
      await this.db.run(`DELETE FROM pending_uploads WHERE blob_key IN (${marks(chunk.length)})`, chunk);
    }
  }
}
