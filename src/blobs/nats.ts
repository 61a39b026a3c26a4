/**
 * The NATS blob store, the cluster default: a JetStream object store bucket, in the object store's own layout, so
 * `nats object ls/get` and any NATS client read it: each blob's bytes are chunk messages on `$O.<bucket>.C.<nuid>`,
 * and one meta message on `$O.<bucket>.M.<base64url(key)>` (rolled up, so only the latest stays) names the nuid,
 * size, chunk size and digest. The bucket is created with the object store's own call (`js.views.os`).
 *
 * put and get are written here rather than taken from nats.js 2.x, whose put has no limit on chunks in flight and
 * needs the name before the bytes (so it cannot be content-addressed), and whose get pushes chunks into a web stream
 * whatever the reader's pace and cannot start mid-blob. Here a put keeps at most `publishWindow` chunks unacknowledged,
 * names the blob only once the last chunk is stored (meta published with an expected last sequence, so concurrent
 * puts of one key cannot both win), and purges its chunks on any failure. A get fetches one chunk at a time by
 * direct get, the next while the reader takes the current one, and finds a range's first chunk by walking chunk
 * headers only.
 *
 * A process killed mid-put leaves chunks that no meta names: invisible, but stored. sweep() (at open and every
 * `sweepIntervalMs`) purges such chunks once the newest is older than `orphanGraceMs`, a grace that keeps another
 * node's upload in progress alive; a put whose chunks were swept meanwhile notices before naming the blob and fails.
 *
 * The bound: the bucket's stream gets max_bytes (raised when the setting grows, never lowered by us, since lowering
 * makes JetStream drop the oldest chunks) and every put checks the stream's size as it streams. Both count stored
 * bytes, a little more than content bytes (subjects and headers of each 128 KiB chunk).
 */
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  headers as natsHeaders,
  nanos,
  nuid,
  StorageType,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgRequest,
  type NatsConnection,
  type NatsError,
  type PubAck,
  type StoredMsg,
} from 'nats';
import { assertBlobKey, assertBlobPrefix, assertContentType, assertMaxBytes } from './keys.ts';
import { PutMeter, ReadCheck } from './meter.ts';
import { isWhole, resolveRange, type ResolvedRange } from './range.ts';
import {
  BlobCorruptError,
  BlobError,
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

export interface NatsBlobStoreOptions {
  /** Comma-separated server URLs: the store opens (and closes) its own connection. */
  servers?: string;
  /** Or an open connection the store borrows (and leaves open). */
  connection?: NatsConnection;
  /** Connection name shown by the server. */
  name?: string;
  /** Object store bucket: letters, digits, `-` and `_`. Its stream is `OBJ_<bucket>`. */
  bucket: string;
  /** Bound on the bucket's stored bytes. */
  maxBytes: number;
  /** Bytes per chunk message. Default 128 KiB (the object store's), at most the server's max_payload. */
  chunkBytes?: number;
  /** Chunks a put may have unacknowledged at once. Default 8. */
  publishWindow?: number;
  /** Chunks no meta names are purged once their newest is this old. Default 15 minutes. */
  orphanGraceMs?: number;
  /** How often the store sweeps; 0 sweeps only at open. Default 5 minutes. */
  sweepIntervalMs?: number;
  /** Where a failed background sweep is reported. Default: nowhere. */
  onSweepError?: (err: Error) => void;
}

/** The object store's meta message (nats.js ServerObjectInfo), as the Go and JS clients write it. */
interface ObjectMeta {
  name: string;
  description?: string;
  headers?: Record<string, string[]>;
  options?: { max_chunk_size?: number; link?: unknown };
  metadata?: Record<string, string>;
  bucket: string;
  nuid: string;
  size: number;
  chunks: number;
  mtime: string;
  digest: string;
  deleted?: boolean;
}

/** nats.js 2.x's manager has `direct` (DirectStreamAPI), but neither its interface nor its exports name it. */
type WithDirectGet = JetStreamManager & { direct: { getMessage(stream: string, query: { seq: number; next_by_subj: string }): Promise<StoredMsg> } };

interface StoredMeta {
  meta: ObjectMeta;
  /** Stream sequence of the meta message (the expected last sequence of a replacing put). */
  seq: number;
}

const DIGEST_PREFIX = 'SHA-256=';
const DEFAULT_CHUNK_BYTES = 128 * 1024;
const SCAN_BATCH = 1000;
const FETCH_EXPIRES_MS = 5000;
const META_RETRIES = 10;
// JetStream API error codes (nats-server errors.json).
const JS_STORE_FAILED = 10077; // "maximum bytes exceeded" on a stream with DiscardNew
const JS_WRONG_LAST_SEQUENCE = 10071;

const apiCode = (err: unknown): number | undefined => (err as NatsError | undefined)?.api_error?.err_code;
const is404 = (err: unknown): boolean => (err as NatsError | undefined)?.code === '404';
const isStreamFull = (err: unknown): boolean =>
  apiCode(err) === JS_STORE_FAILED && /maximum bytes/i.test((err as NatsError).api_error?.description ?? '');

/** Base64url with padding: the object store's encoding of names in subjects and of digests. */
function paddedBase64Url(bytes: Buffer): string {
  const b = bytes.toString('base64url');
  return b + '='.repeat((4 - (b.length % 4)) % 4);
}

function toInfo(meta: ObjectMeta): BlobInfo {
  const digest = meta.digest.startsWith(DIGEST_PREFIX) ? meta.digest.slice(DIGEST_PREFIX.length) : '';
  const contentType = meta.headers?.['Content-Type']?.[0] ?? 'application/octet-stream';
  return { key: meta.name, size: meta.size, sha256: Buffer.from(digest, 'base64').toString('hex'), contentType };
}

const isLive = (m: StoredMeta | null): m is StoredMeta => m !== null && !m.meta.deleted && !m.meta.options?.link;

export class NatsBlobStore implements BlobStore {
  readonly kind = 'nats' as const;
  readonly maxBytes: number;
  readonly bucket: string;
  readonly stream: string;
  private readonly js: JetStreamClient;
  private readonly chunkBytes: number;
  private readonly publishWindow: number;
  private readonly orphanGraceMs: number;
  /** Nuids of this process's puts in progress: never swept here, whatever their age. */
  private readonly writing = new Set<string>();
  private timer?: NodeJS.Timeout;
  private closed = false;

  static async connect(opts: NatsBlobStoreOptions): Promise<NatsBlobStore> {
    const owned = !opts.connection;
    const nc = opts.connection ?? (await connect({
      servers: (opts.servers ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      name: opts.name,
      maxReconnectAttempts: -1,
    }));
    try {
      const store = new NatsBlobStore(nc, await nc.jetstreamManager(), owned, opts);
      await store.ensureBucket();
      await store.sweep();
      store.startSweeping(opts);
      return store;
    } catch (err) {
      if (owned) await nc.close();
      throw err;
    }
  }

  private constructor(
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly ownsConnection: boolean,
    opts: NatsBlobStoreOptions,
  ) {
    this.js = nc.jetstream();
    this.bucket = opts.bucket;
    this.stream = `OBJ_${opts.bucket}`;
    this.maxBytes = opts.maxBytes;
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    // Leave room under max_payload for the message's subject and headers.
    this.chunkBytes = Math.min(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, maxPayload - 1024);
    this.publishWindow = Math.max(1, opts.publishWindow ?? 8);
    this.orphanGraceMs = opts.orphanGraceMs ?? 15 * 60_000;
  }

  private startSweeping(opts: NatsBlobStoreOptions): void {
    const every = opts.sweepIntervalMs ?? 5 * 60_000;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => opts.onSweepError?.(err as Error));
    }, every);
    this.timer.unref();
  }

  /** Creates the bucket, or raises an existing bucket's max_bytes to the setting. */
  private async ensureBucket(): Promise<void> {
    await this.js.views.os(this.bucket, { max_bytes: this.maxBytes, storage: StorageType.File });
    const si = await this.jsm.streams.info(this.stream);
    if (si.config.max_bytes >= 0 && si.config.max_bytes < this.maxBytes) await this.jsm.streams.update(this.stream, { ...si.config, max_bytes: this.maxBytes });
  }

  private chunkSubject(id: string): string {
    return `$O.${this.bucket}.C.${id}`;
  }

  private metaSubject(key: string): string {
    return `$O.${this.bucket}.M.${paddedBase64Url(Buffer.from(key, 'utf8'))}`;
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new BlobStoreClosedError(what);
  }

  private async storedMeta(key: string): Promise<StoredMeta | null> {
    try {
      const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: this.metaSubject(key) });
      return { meta: m.json<ObjectMeta>(), seq: m.seq };
    } catch (err) {
      if (is404(err)) return null;
      throw err;
    }
  }

  private async purgeChunks(id: string): Promise<void> {
    await this.jsm.streams.purge(this.stream, { filter: this.chunkSubject(id) });
  }

  /** Stored bytes of the bucket's stream, for the bound. */
  private async storedBytes(): Promise<number> {
    return (await this.jsm.streams.info(this.stream)).state.bytes;
  }

  async put(key: string | null | undefined, source: BlobSource, opts: BlobPutOptions): Promise<BlobInfo> {
    this.assertOpen('put');
    const contentAddressed = key === undefined || key === null;
    if (!contentAddressed) assertBlobKey(key, { caller: true });
    assertContentType(opts.contentType);
    assertMaxBytes(opts.maxBytes);
    const id = nuid.next();
    const subject = this.chunkSubject(id);
    this.writing.add(id);
    const inflight: Array<Promise<PubAck>> = [];
    let chunks = 0;
    try {
      const before = await this.storedBytes();
      let admitted = 0;
      const meter = new PutMeter({
        maxBytes: opts.maxBytes,
        admit: (bytes) => {
          if (before + admitted + bytes > this.maxBytes) throw new BlobStoreFullError(this.maxBytes);
          admitted += bytes;
        },
      });
      const send = async (data: Uint8Array): Promise<void> => {
        const ack = this.js.publish(subject, data);
        ack.catch(() => undefined); // awaited below, in order; this only keeps a failure from going unhandled meanwhile
        inflight.push(ack);
        chunks++;
        if (inflight.length >= this.publishWindow) await inflight.shift();
      };
      await pipeline(source, meter, async (input: AsyncIterable<Buffer>) => {
        let chunk = Buffer.allocUnsafe(this.chunkBytes);
        let filled = 0;
        for await (const piece of input) {
          for (let at = 0; at < piece.byteLength;) {
            const n = Math.min(this.chunkBytes - filled, piece.byteLength - at);
            chunk.set(piece.subarray(at, at + n), filled);
            filled += n;
            at += n;
            if (filled === this.chunkBytes) {
              await send(chunk);
              chunk = Buffer.allocUnsafe(this.chunkBytes);
              filled = 0;
            }
          }
        }
        if (filled > 0) await send(chunk.subarray(0, filled));
      });
      const failed = (await Promise.allSettled(inflight)).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const digest = meter.digest();
      const meta: ObjectMeta = {
        name: key ?? digest.toString('hex'),
        description: '',
        headers: { 'Content-Type': [opts.contentType] },
        options: { max_chunk_size: this.chunkBytes },
        bucket: this.bucket,
        nuid: id,
        size: meter.size,
        chunks,
        mtime: new Date().toISOString(),
        digest: DIGEST_PREFIX + paddedBase64Url(digest),
        deleted: false,
      };
      await this.assertChunksStored(id, chunks);
      return await this.publishMeta(meta, contentAddressed);
    } catch (err) {
      await Promise.allSettled(inflight);
      await this.purgeChunks(id).catch(() => undefined);
      throw isStreamFull(err) ? new BlobStoreFullError(this.maxBytes) : err;
    } finally {
      this.writing.delete(id);
    }
  }

  /** A sweep elsewhere may have taken a stalled put's chunks; such a put must fail, not name a broken blob. */
  private async assertChunksStored(id: string, chunks: number): Promise<void> {
    if (chunks === 0) return;
    const subject = this.chunkSubject(id);
    const si = await this.jsm.streams.info(this.stream, { subjects_filter: subject });
    const stored = si.state.subjects?.[subject] ?? 0;
    if (stored !== chunks) throw new BlobError(`put interrupted: ${stored} of ${chunks} chunks stored (swept as abandoned?)`);
  }

  /**
   * Names the blob: publishes its meta expecting the meta it read last, so of two puts of one key exactly one
   * replaces each version; then purges the replaced version's chunks. A content address already stored wins.
   */
  private async publishMeta(meta: ObjectMeta, contentAddressed: boolean): Promise<BlobInfo> {
    const subject = this.metaSubject(meta.name);
    const body = Buffer.from(JSON.stringify(meta));
    for (let attempt = 0; ; attempt++) {
      const current = await this.storedMeta(meta.name);
      if (contentAddressed && isLive(current)) {
        await this.purgeChunks(meta.nuid);
        return toInfo(current.meta);
      }
      const h = natsHeaders();
      h.set('Nats-Rollup', 'sub');
      h.set('Nats-Expected-Last-Subject-Sequence', String(current?.seq ?? 0));
      try {
        await this.js.publish(subject, body, { headers: h });
      } catch (err) {
        if (apiCode(err) === JS_WRONG_LAST_SEQUENCE && attempt < META_RETRIES) continue;
        throw err;
      }
      if (current && current.meta.nuid !== meta.nuid) await this.purgeChunks(current.meta.nuid).catch(() => undefined);
      return toInfo(meta);
    }
  }

  async head(key: string): Promise<BlobInfo | null> {
    this.assertOpen('head');
    assertBlobKey(key);
    const current = await this.storedMeta(key);
    return isLive(current) ? toInfo(current.meta) : null;
  }

  async get(key: string, range?: BlobRange): Promise<BlobRead | null> {
    this.assertOpen('get');
    assertBlobKey(key);
    const current = await this.storedMeta(key);
    if (!isLive(current)) return null;
    const info = toInfo(current.meta);
    const r = resolveRange(info.size, range);
    if (r.end < r.start) return { ...info, ...r, stream: Readable.from([]) };
    const bytes = Readable.from(this.readChunks(current.meta, r), { objectMode: false });
    const stream = isWhole(info.size, r) ? pipelineCallback(bytes, new ReadCheck(key, info.size, info.sha256), () => undefined) : bytes;
    return { ...info, ...r, stream };
  }

  /**
   * Yields bytes r.start..r.end of the object, one chunk per direct get (asked for as the previous one is handed
   * on, so at most two chunks are held whatever the reader's pace, and no consumer can time out under a slow one).
   */
  private async *readChunks(meta: ObjectMeta, r: ResolvedRange): AsyncGenerator<Buffer> {
    const subject = this.chunkSubject(meta.nuid);
    const chunkSize = meta.options?.max_chunk_size ?? meta.size;
    const first = Math.floor(r.start / chunkSize);
    const last = Math.floor(r.end / chunkSize);
    const missing = () => new BlobCorruptError(meta.name, 'chunks missing (deleted or replaced while being read)');
    const startSeq = first === 0 ? 1 : await this.chunkSequence(subject, first);
    if (startSeq === null) throw missing();
    let next: Promise<StoredMsg | null> = this.nextOnSubject(subject, startSeq);
    for (let index = first; index <= last; index++) {
      const m = await next;
      if (!m) throw missing();
      if (index < last) next = this.nextOnSubject(subject, m.seq + 1);
      const data = m.data;
      const expected = index === meta.chunks - 1 ? meta.size - index * chunkSize : chunkSize;
      if (data.byteLength !== expected) throw new BlobCorruptError(meta.name, `chunk ${index} has ${data.byteLength} bytes, expected ${expected}`);
      const from = index === first ? r.start - index * chunkSize : 0;
      const to = index === last ? r.end - index * chunkSize + 1 : data.byteLength;
      yield Buffer.from(data.buffer, data.byteOffset + from, to - from);
    }
  }

  /** The first message on `subject` at or after stream sequence `seq`, or null. */
  private async nextOnSubject(subject: string, seq: number): Promise<StoredMsg | null> {
    try {
      return await (this.jsm as WithDirectGet).direct.getMessage(this.stream, { seq, next_by_subj: subject });
    } catch (err) {
      if (!is404(err)) throw err;
    }
    // A replica answering a direct get may lag behind the leader: ask the leader before calling the chunk missing.
    try {
      return await this.jsm.streams.getMessage(this.stream, { seq, next_by_subj: subject } as unknown as MsgRequest);
    } catch (err) {
      if (is404(err)) return null;
      throw err;
    }
  }

  /** The stream sequence of chunk `index` (0-based) on a chunk subject, found by walking headers only; null if fewer. */
  private async chunkSequence(subject: string, index: number): Promise<number | null> {
    let seen = 0;
    let found: number | null = null;
    await this.scan({ filter_subject: subject, headers_only: true }, (m) => {
      if (seen++ < index) return true;
      found = m.seq;
      return false;
    });
    return found;
  }

  /**
   * Hands every message an ephemeral pull consumer of `config` delivers to `visit`, in order, until visit returns
   * false or nothing more matches. Plain pull consumer, messages taken as they come: nats.js 2.x's ordered consumer
   * can end a fetch with delivered messages still queued and drop them, which here would mean wrong offsets.
   */
  private async scan(config: Partial<ConsumerConfig>, visit: (m: JsMsg) => boolean): Promise<void> {
    const ci = await this.jsm.consumers.add(this.stream, { ack_policy: AckPolicy.None, mem_storage: true, inactive_threshold: nanos(60_000), ...config });
    try {
      if (ci.num_pending === 0) return;
      const consumer = await this.js.consumers.get(this.stream, ci.name);
      let expected = 1;
      for (;;) {
        let got = 0;
        for await (const m of await consumer.fetch({ max_messages: SCAN_BATCH, expires: FETCH_EXPIRES_MS })) {
          if (m.info.deliverySequence !== expected++) throw new BlobError(`consumer on ${this.stream} skipped messages`);
          got++;
          if (!visit(m) || m.info.pending === 0) return;
        }
        if (got === 0) return;
      }
    } finally {
      await this.jsm.consumers.delete(this.stream, ci.name).catch(() => undefined);
    }
  }

  async delete(key: string): Promise<boolean> {
    this.assertOpen('delete');
    assertBlobKey(key);
    const current = await this.storedMeta(key);
    if (!isLive(current)) return false;
    // Only the meta read above: a put that replaced it meanwhile keeps its blob (it came after this delete).
    await this.jsm.streams.purge(this.stream, { filter: this.metaSubject(key), seq: current.seq + 1 });
    await this.purgeChunks(current.meta.nuid);
    return true;
  }

  /** Meta subjects encode whole keys (base64), so this reads every meta to find the keys under the prefix. */
  async deletePrefix(prefix: string): Promise<number> {
    this.assertOpen('deletePrefix');
    assertBlobPrefix(prefix);
    let removed = 0;
    for (const meta of await this.allMetas()) {
      if (meta.deleted || meta.options?.link || !meta.name.startsWith(prefix)) continue;
      if (await this.delete(meta.name)) removed++;
    }
    return removed;
  }

  /** The latest meta of every name in the bucket (deleted ones included, as other clients leave them). */
  private async allMetas(): Promise<ObjectMeta[]> {
    const metas: ObjectMeta[] = [];
    await this.scan({ filter_subject: `$O.${this.bucket}.M.>`, deliver_policy: DeliverPolicy.LastPerSubject }, (m) => {
      metas.push(m.json<ObjectMeta>());
      return true;
    });
    return metas;
  }

  /** Reads every meta in the bucket: for metrics and checks, not for a request path. */
  async usage(): Promise<BlobUsage> {
    this.assertOpen('usage');
    let bytes = 0;
    let count = 0;
    for (const meta of await this.allMetas()) {
      if (meta.deleted || meta.options?.link) continue;
      bytes += meta.size;
      count++;
    }
    return { bytes, count };
  }

  /** Purges chunk subjects no meta names whose newest chunk is older than the grace (and not ours in progress). */
  async sweep(): Promise<number> {
    const prefix = `$O.${this.bucket}.C.`;
    // Chunks first, then metas: a put that names its blob in between is then seen as named.
    const si = await this.jsm.streams.info(this.stream, { subjects_filter: `${prefix}>` });
    const chunkSubjects = Object.keys(si.state.subjects ?? {});
    if (chunkSubjects.length === 0) return 0;
    const named = new Set((await this.allMetas()).filter((m) => !m.deleted).map((m) => m.nuid));
    let removed = 0;
    for (const subject of chunkSubjects) {
      const id = subject.slice(prefix.length);
      if (named.has(id) || this.writing.has(id)) continue;
      if (this.orphanGraceMs > 0) {
        const newest = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject }).catch((err: unknown) => (is404(err) ? null : Promise.reject(err)));
        if (!newest || Date.now() - newest.time.getTime() < this.orphanGraceMs) continue;
      }
      await this.jsm.streams.purge(this.stream, { filter: subject });
      removed++;
    }
    return removed;
  }

  /** Deletes the bucket and everything in it (tests). */
  async destroy(): Promise<void> {
    await this.jsm.streams.delete(this.stream);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.ownsConnection) await this.nc.close();
  }
}
