/**
 * The files blob store, the embedded default: one file per blob under `<dir>/objects/<xx>/<sha256(key)>`.
 *
 * Each file starts with a fixed 4 KiB header (magic line, then the blob's key, size, hash and content type as JSON,
 * padded with spaces) and the bytes follow, so a range is one offset and the metadata can never disagree with the
 * bytes: both arrive with one rename. A put streams into `<dir>/tmp/<pid>.<random>.<host>.part`, writes the header
 * last, fsyncs, renames into place and fsyncs the folder, so a crash leaves either the whole blob or no blob, plus
 * at most a temp file that the next open (or sweep) removes once its writer is dead.
 *
 * The store belongs to one process (like the SQLite file next to it): usage is counted at open and kept in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobKey, assertBlobPrefix, assertContentType, assertMaxBytes } from './keys.ts';
import { PutMeter, ReadCheck } from './meter.ts';
import { isWhole, resolveRange } from './range.ts';
import {
  BlobCorruptError,
  BlobStoreClosedError,
  BlobStoreFullError,
  type BlobInfo,
  type BlobPutOptions,
  type BlobRange,
  type BlobRead,
  type BlobSource,
  type BlobStore,
  type BlobUsage,
} from './types.ts';

export interface FileBlobStoreOptions {
  /** The store's folder (`${dataDir}/blobs`); created if missing. */
  dir: string;
  /** Bound on the content bytes of all blobs. */
  maxBytes: number;
}

export const HEADER_BYTES = 4096;
const MAGIC = 'ACCORD-BLOB 1\n';
/** A temp file written on another machine sharing this folder cannot be checked by pid; it goes after a day. */
const FOREIGN_TEMP_MAX_AGE_MS = 24 * 3600_000;
/** Names this machine in temp file names, so a sweep judges only its own writers by pid. */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 12);
/** Temp files this process is writing, across every store instance in it (a restarted container reuses pids). */
const liveTemps = new Set<string>();

function encodeHeader(info: BlobInfo): Buffer {
  const header = Buffer.alloc(HEADER_BYTES, ' ');
  const body = MAGIC + JSON.stringify(info);
  if (Buffer.byteLength(body) >= HEADER_BYTES) throw new Error('blob header too long');
  header.write(body, 0, 'utf8');
  header[HEADER_BYTES - 1] = 0x0a;
  return header;
}

function decodeHeader(buf: Buffer, key: string): BlobInfo {
  const text = buf.toString('utf8');
  if (!text.startsWith(MAGIC)) throw new BlobCorruptError(key, 'not a blob file');
  const info = JSON.parse(text.slice(MAGIC.length).trim()) as BlobInfo;
  if (info.key !== key) throw new BlobCorruptError(key, `file holds blob ${info.key}`);
  return { key: info.key, size: info.size, sha256: info.sha256, contentType: info.contentType };
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Flushes a folder's entries (a rename or unlink in it) to disk. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class FileBlobStore implements BlobStore {
  readonly kind = 'files' as const;
  readonly maxBytes: number;
  private readonly objects: string;
  private readonly tmp: string;
  private bytes = 0;
  private count = 0;
  /** Bytes of puts in progress, held against the bound until they commit or fail. */
  private reserved = 0;
  private readonly locks = new Map<string, Promise<unknown>>();
  private closed = false;

  static async open(opts: FileBlobStoreOptions): Promise<FileBlobStore> {
    const store = new FileBlobStore(opts);
    await mkdir(store.objects, { recursive: true });
    await mkdir(store.tmp, { recursive: true });
    await store.sweep();
    await store.countStored();
    return store;
  }

  private constructor(opts: FileBlobStoreOptions) {
    this.objects = join(opts.dir, 'objects');
    this.tmp = join(opts.dir, 'tmp');
    this.maxBytes = opts.maxBytes;
  }

  private pathOf(key: string): { dir: string; file: string } {
    const h = createHash('sha256').update(key).digest('hex');
    const dir = join(this.objects, h.slice(0, 2));
    return { dir, file: join(dir, h) };
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new BlobStoreClosedError(what);
  }

  /** Runs fn after every earlier holder of `key`'s lock, so commits and deletes of one key never interleave. */
  private async withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  private admit = (bytes: number): void => {
    if (this.bytes + this.reserved + bytes > this.maxBytes) throw new BlobStoreFullError(this.maxBytes);
    this.reserved += bytes;
  };

  async put(key: string | null | undefined, source: BlobSource, opts: BlobPutOptions): Promise<BlobInfo> {
    this.assertOpen('put');
    if (key !== undefined && key !== null) assertBlobKey(key, { caller: true });
    assertContentType(opts.contentType);
    assertMaxBytes(opts.maxBytes);
    const temp = join(this.tmp, `${process.pid}.${randomBytes(8).toString('hex')}.${HOST_TAG}.part`);
    liveTemps.add(temp);
    const meter = new PutMeter({ maxBytes: opts.maxBytes, admit: this.admit });
    let fh: FileHandle | undefined;
    try {
      fh = await open(temp, 'wx', 0o600);
      const out = fh;
      let position = HEADER_BYTES;
      await pipeline(source, meter, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) {
          for (let done = 0; done < chunk.byteLength;) {
            const { bytesWritten } = await out.write(chunk, done, chunk.byteLength - done, position);
            done += bytesWritten;
            position += bytesWritten;
          }
        }
      });
      const sha256 = meter.digest().toString('hex');
      const info: BlobInfo = { key: key ?? sha256, size: meter.size, sha256, contentType: opts.contentType };
      await fh.write(encodeHeader(info), 0, HEADER_BYTES, 0);
      await fh.datasync();
      await fh.close();
      fh = undefined;
      return await this.withKeyLock(info.key, () => this.commit(temp, info, key === undefined || key === null));
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw err;
    } finally {
      // After commit counted the bytes as stored (the bound never sees them missing), or after the failure.
      this.reserved -= meter.size;
      liveTemps.delete(temp);
    }
  }

  /** Moves a finished temp file into place; a content address already stored keeps the blob that is there. */
  private async commit(temp: string, info: BlobInfo, contentAddressed: boolean): Promise<BlobInfo> {
    const { dir, file } = this.pathOf(info.key);
    if (contentAddressed) {
      const existing = await this.head(info.key);
      if (existing) {
        await rm(temp, { force: true });
        return existing;
      }
    }
    const old = await this.storedSize(file);
    await mkdir(dir, { recursive: true });
    await rename(temp, file);
    await syncDir(dir);
    this.bytes += info.size - (old ?? 0);
    if (old === null) this.count++;
    return info;
  }

  private async storedSize(file: string): Promise<number | null> {
    try {
      return Math.max(0, (await stat(file)).size - HEADER_BYTES);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  private async openBlob(key: string): Promise<{ fh: FileHandle; info: BlobInfo } | null> {
    assertBlobKey(key);
    let fh: FileHandle;
    try {
      fh = await open(this.pathOf(key).file, 'r');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await fh.read(header, 0, HEADER_BYTES, 0);
      if (bytesRead !== HEADER_BYTES) throw new BlobCorruptError(key, 'header cut short');
      const info = decodeHeader(header, key);
      const { size } = await fh.stat();
      if (size !== HEADER_BYTES + info.size) throw new BlobCorruptError(key, `file holds ${size - HEADER_BYTES} bytes, expected ${info.size}`);
      return { fh, info };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async head(key: string): Promise<BlobInfo | null> {
    this.assertOpen('head');
    const blob = await this.openBlob(key);
    if (!blob) return null;
    await blob.fh.close();
    return blob.info;
  }

  async get(key: string, range?: BlobRange): Promise<BlobRead | null> {
    this.assertOpen('get');
    const blob = await this.openBlob(key);
    if (!blob) return null;
    const { fh, info } = blob;
    let r;
    try {
      r = resolveRange(info.size, range);
    } catch (err) {
      await fh.close();
      throw err;
    }
    if (r.end < r.start) {
      await fh.close();
      return { ...info, ...r, stream: Readable.from([]) };
    }
    // The open handle keeps these bytes readable even if the blob is replaced or deleted meanwhile.
    const bytes = fh.createReadStream({ start: HEADER_BYTES + r.start, end: HEADER_BYTES + r.end });
    const stream = isWhole(info.size, r) ? pipelineCallback(bytes, new ReadCheck(key, info.size, info.sha256), () => undefined) : bytes;
    return { ...info, ...r, stream };
  }

  async delete(key: string): Promise<boolean> {
    this.assertOpen('delete');
    assertBlobKey(key);
    const { dir, file } = this.pathOf(key);
    return this.withKeyLock(key, async () => {
      const size = await this.storedSize(file);
      if (size === null) return false;
      await rm(file, { force: true });
      await syncDir(dir);
      this.bytes -= size;
      this.count--;
      return true;
    });
  }

  /** File names hash the keys, so this reads every blob's header to find the keys under the prefix. */
  async deletePrefix(prefix: string): Promise<number> {
    this.assertOpen('deletePrefix');
    assertBlobPrefix(prefix);
    let removed = 0;
    for (const fan of await readdir(this.objects)) {
      for (const name of await readdir(join(this.objects, fan)).catch(() => [] as string[])) {
        const key = await this.storedKey(join(this.objects, fan, name));
        if (key?.startsWith(prefix) && (await this.delete(key))) removed++;
      }
    }
    return removed;
  }

  /** The key a blob file holds, from its header; null when it is gone or not a blob file. */
  private async storedKey(file: string): Promise<string | null> {
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await fh.read(header, 0, HEADER_BYTES, 0);
      const text = header.subarray(0, bytesRead).toString('utf8');
      if (!text.startsWith(MAGIC)) return null;
      const key = (JSON.parse(text.slice(MAGIC.length).trim()) as Partial<BlobInfo>).key;
      return typeof key === 'string' ? key : null;
    } catch {
      return null;
    } finally {
      await fh.close();
    }
  }

  async usage(): Promise<BlobUsage> {
    this.assertOpen('usage');
    return { bytes: this.bytes, count: this.count };
  }

  /** Counts the stored blobs (at open). */
  private async countStored(): Promise<void> {
    let bytes = 0;
    let count = 0;
    for (const fan of await readdir(this.objects)) {
      for (const name of await readdir(join(this.objects, fan)).catch(() => [] as string[])) {
        const size = await this.storedSize(join(this.objects, fan, name));
        if (size === null) continue;
        bytes += size;
        count++;
      }
    }
    this.bytes = bytes;
    this.count = count;
  }

  /**
   * Removes temp files whose writer is gone: a dead pid on this host, this pid but no put of this process, or
   * (written elsewhere) untouched for a day.
   */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmp)) {
      const path = join(this.tmp, name);
      const [pid, , host] = name.split('.');
      let stale: boolean;
      if (host !== HOST_TAG) stale = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs > FOREIGN_TEMP_MAX_AGE_MS;
      else if (Number(pid) === process.pid) stale = !liveTemps.has(path);
      else stale = !pidAlive(Number(pid));
      if (!stale) continue;
      await rm(path, { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
