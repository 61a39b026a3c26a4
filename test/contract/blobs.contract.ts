/**
 * The BlobStore contract (src/blobs/types.ts), run against every implementation with no opt-outs.
 * `factory` returns a fresh, empty store each call (its own folder or bucket), bounded by `maxBytes` when given.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  BlobRangeError,
  BlobStoreFullError,
  BlobTooLargeError,
  InvalidBlobKeyError,
  InvalidContentTypeError,
  type BlobStore,
} from '../../src/blobs/index.ts';

export interface BlobStoreUnderTest {
  store: BlobStore;
  cleanup(): Promise<void>;
}

export type BlobStoreFactory = (opts?: { maxBytes?: number }) => Promise<BlobStoreUnderTest>;

const KiB = 1024;
const MiB = 1024 * KiB;

/** Deterministic bytes that differ per seed (so blobs of one size still differ). */
export function bytesOf(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The buffer as a stream of `piece`-byte chunks, each a fresh copy; counts the chunks it handed out. */
export function chunked(buf: Buffer, piece = 16 * KiB): AsyncIterable<Uint8Array> & { yielded: number } {
  const it = {
    yielded: 0,
    async *[Symbol.asyncIterator]() {
      for (let at = 0; at < buf.length; at += piece) {
        it.yielded++;
        yield Uint8Array.from(buf.subarray(at, at + piece));
      }
    },
  };
  return it;
}

export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** A source that yields `first`, then waits until release() to yield `rest` and end. */
function gated(first: Buffer, rest: Buffer) {
  let release!: () => void;
  const opened = new Promise<void>((r) => (release = r));
  let sent!: () => void;
  const firstSent = new Promise<void>((r) => (sent = r));
  return {
    release,
    firstSent,
    source: (async function* () {
      yield Uint8Array.from(first);
      sent();
      await opened;
      yield Uint8Array.from(rest);
    })(),
  };
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** Bytes held in the heap and in buffers after a full collection: what the code under test really keeps. */
function liveBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function blobStoreContract(name: string, factory: BlobStoreFactory): void {
  describe(`BlobStore contract: ${name}`, () => {
    let opened: BlobStoreUnderTest[] = [];
    const open = async (opts?: { maxBytes?: number }) => {
      const h = await factory(opts);
      opened.push(h);
      return h.store;
    };
    afterEach(async () => {
      const handles = opened.reverse();
      opened = [];
      for (const h of handles) await h.cleanup();
    });

    describe('put / get / head', () => {
      it('round-trips bytes with their size, SHA-256 and content type, from an async iterable or a Readable', async () => {
        const store = await open();
        const a = bytesOf(300 * KiB, 1);
        const b = bytesOf(1000, 2);
        const putA = await store.put('files/a.bin', chunked(a), { contentType: 'application/octet-stream' });
        assert.deepEqual(putA, { key: 'files/a.bin', size: a.length, sha256: sha256(a), contentType: 'application/octet-stream' });
        const putB = await store.put('files/b.txt', Readable.from([b.subarray(0, 10), b.subarray(10)]), { contentType: 'text/plain; charset=utf-8' });
        assert.equal(putB.sha256, sha256(b));

        const got = await store.get('files/a.bin');
        assert.ok(got);
        assert.deepEqual({ key: got.key, size: got.size, sha256: got.sha256, contentType: got.contentType, start: got.start, end: got.end }, { ...putA, start: 0, end: a.length - 1 });
        assert.ok((await readAll(got.stream)).equals(a));
        const gotB = await store.get('files/b.txt');
        assert.equal(gotB?.contentType, 'text/plain; charset=utf-8');
        assert.ok((await readAll(gotB!.stream)).equals(b));
        assert.deepEqual(await store.head('files/a.bin'), putA);
      });

      it('stores an empty blob', async () => {
        const store = await open();
        const info = await store.put('empty', chunked(Buffer.alloc(0)), { contentType: 'text/plain' });
        assert.deepEqual(info, { key: 'empty', size: 0, sha256: sha256(Buffer.alloc(0)), contentType: 'text/plain' });
        const got = await store.get('empty');
        assert.equal(got?.size, 0);
        assert.equal((await readAll(got!.stream)).length, 0);
        assert.deepEqual(await store.usage(), { bytes: 0, count: 1 });
      });

      it('answers null for a missing key, from get (with or without a range) and head', async () => {
        const store = await open();
        assert.equal(await store.get('nothing/here'), null);
        assert.equal(await store.get('nothing/here', { start: 5, end: 10 }), null);
        assert.equal(await store.head('nothing/here'), null);
      });

      it('keys a put without a key by its SHA-256; identical bytes share one blob and keep the first content type', async () => {
        const store = await open();
        const bytes = bytesOf(200 * KiB, 3);
        const first = await store.put(undefined, chunked(bytes), { contentType: 'image/png' });
        assert.equal(first.key, sha256(bytes));
        const again = await store.put(null, chunked(bytes, 7 * KiB), { contentType: 'application/octet-stream' });
        assert.deepEqual(again, first);
        assert.deepEqual(await store.usage(), { bytes: bytes.length, count: 1 });
        assert.ok((await readAll((await store.get(first.key))!.stream)).equals(bytes));
      });

      it('replaces a keyed blob on a second put, and counts only the new one', async () => {
        const store = await open();
        await store.put('avatar', chunked(bytesOf(100 * KiB, 4)), { contentType: 'image/png' });
        const next = bytesOf(40 * KiB, 5);
        const info = await store.put('avatar', chunked(next), { contentType: 'image/webp' });
        assert.deepEqual(await store.head('avatar'), info);
        assert.ok((await readAll((await store.get('avatar'))!.stream)).equals(next));
        assert.deepEqual(await store.usage(), { bytes: next.length, count: 1 });
      });

      it('refuses malformed keys and content types before reading anything', async () => {
        const store = await open();
        for (const key of ['', '../etc/passwd', '/abs', 'a//b', 'a/../b', '.hidden', 'a/.b', 'sp ace', 'x'.repeat(513), 'é']) {
          await assert.rejects(store.put(key, chunked(Buffer.from('x')), { contentType: 'text/plain' }), InvalidBlobKeyError, key);
          await assert.rejects(store.get(key), InvalidBlobKeyError, key);
        }
        // 64 hex digits are content addresses: a caller cannot put other bytes there.
        await assert.rejects(store.put(sha256(Buffer.from('a')), chunked(Buffer.from('b')), { contentType: 'text/plain' }), InvalidBlobKeyError);
        for (const contentType of ['', 'text', 'text/html\r\nX-Injected: 1', 'x'.repeat(300) + '/y', ' text/plain']) {
          await assert.rejects(store.put('ok', chunked(Buffer.from('x')), { contentType }), InvalidContentTypeError, JSON.stringify(contentType));
        }
        assert.deepEqual(await store.usage(), { bytes: 0, count: 0 });
      });

      it('makes a blob visible only once its put resolves; a replaced blob stays readable until then', async () => {
        const store = await open();
        const old = bytesOf(50 * KiB, 6);
        await store.put('doc', chunked(old), { contentType: 'text/plain' });
        const fresh = gated(bytesOf(300 * KiB, 7), bytesOf(10 * KiB, 8));
        const pending = store.put('doc', fresh.source, { contentType: 'text/markdown' });
        const other = gated(bytesOf(300 * KiB, 9), bytesOf(10 * KiB, 10));
        const pendingOther = store.put('new', other.source, { contentType: 'text/plain' });
        await Promise.all([fresh.firstSent, other.firstSent]);
        assert.equal(await store.head('new'), null);
        assert.equal(await store.get('new'), null);
        assert.equal((await store.head('doc'))?.sha256, sha256(old));
        assert.ok((await readAll((await store.get('doc'))!.stream)).equals(old));
        fresh.release();
        other.release();
        const [info] = await Promise.all([pending, pendingOther]);
        assert.equal(info.contentType, 'text/markdown');
        assert.deepEqual(await store.head('doc'), info);
        assert.equal((await store.usage()).count, 2);
      });

      it('fails a put whose source fails, leaving nothing behind', async () => {
        const store = await open();
        const source = (async function* () {
          yield Uint8Array.from(bytesOf(200 * KiB, 11));
          throw new Error('client went away');
        })();
        await assert.rejects(store.put('broken', source, { contentType: 'text/plain' }), /client went away/);
        assert.equal(await store.head('broken'), null);
        assert.deepEqual(await store.usage(), { bytes: 0, count: 0 });
        assert.equal(await store.sweep(), 0, 'nothing left for the sweep');
      });
    });

    describe('ranges', () => {
      const size = 300 * KiB + 17;
      const bytes = bytesOf(size, 12);
      const cases: Array<[string, { start?: number; end?: number }, number, number]> = [
        ['first byte', { start: 0, end: 0 }, 0, 0],
        ['last byte', { start: size - 1 }, size - 1, size - 1],
        ['from an offset to the end', { start: 1000 }, 1000, size - 1],
        ['up to an end', { end: 99 }, 0, 99],
        ['across chunk boundaries', { start: 128 * KiB - 5, end: 256 * KiB + 5 }, 128 * KiB - 5, 256 * KiB + 5],
        ['exactly one 128 KiB chunk', { start: 128 * KiB, end: 256 * KiB - 1 }, 128 * KiB, 256 * KiB - 1],
        ['an end past the last byte, clamped', { start: 10, end: size + 1000 }, 10, size - 1],
        ['the whole blob spelled out', { start: 0, end: size - 1 }, 0, size - 1],
        ['an empty range object (the whole blob)', {}, 0, size - 1],
      ];
      for (const [what, range, start, end] of cases) {
        it(`serves ${what}`, async () => {
          const store = await open();
          await store.put('ranged', chunked(bytes, 50 * KiB), { contentType: 'video/mp4' });
          const got = await store.get('ranged', range);
          assert.ok(got);
          assert.deepEqual([got.start, got.end, got.size, got.sha256], [start, end, size, sha256(bytes)]);
          assert.ok((await readAll(got.stream)).equals(bytes.subarray(start, end + 1)));
        });
      }

      it('refuses unsatisfiable and malformed ranges with BlobRangeError carrying the size', async () => {
        const store = await open();
        await store.put('ranged', chunked(bytesOf(1000, 13)), { contentType: 'text/plain' });
        await store.put('empty', chunked(Buffer.alloc(0)), { contentType: 'text/plain' });
        const refused = [
          ['ranged', { start: 1000 }], ['ranged', { start: 5000, end: 6000 }], ['ranged', { start: 10, end: 9 }],
          ['ranged', { start: -1 }], ['ranged', { end: -5 }], ['ranged', { start: 1.5 }], ['empty', { start: 0 }], ['empty', { end: 0 }],
        ] as const;
        for (const [key, range] of refused) {
          await assert.rejects(store.get(key, range), (err: unknown) => err instanceof BlobRangeError && err.size === (key === 'empty' ? 0 : 1000), JSON.stringify(range));
        }
      });
    });

    describe('delete and usage', () => {
      it('deletes idempotently and counts live blobs and their bytes', async () => {
        const store = await open();
        assert.deepEqual(await store.usage(), { bytes: 0, count: 0 });
        await store.put('one', chunked(bytesOf(10 * KiB, 14)), { contentType: 'text/plain' });
        const two = await store.put(undefined, chunked(bytesOf(150 * KiB, 15)), { contentType: 'image/gif' });
        assert.deepEqual(await store.usage(), { bytes: 160 * KiB, count: 2 });
        assert.equal(await store.delete('one'), true);
        assert.equal(await store.delete('one'), false);
        assert.equal(await store.delete('never-was'), false);
        assert.equal(await store.get('one'), null);
        assert.equal(await store.head('one'), null);
        assert.deepEqual(await store.usage(), { bytes: 150 * KiB, count: 1 });
        assert.equal(await store.delete(two.key), true);
        assert.deepEqual(await store.usage(), { bytes: 0, count: 0 });
        // A deleted content address can be stored again.
        assert.deepEqual(await store.put(undefined, chunked(bytesOf(150 * KiB, 15)), { contentType: 'image/gif' }), two);
      });

      it('deletes by prefix exactly the keys under it, idempotently, and refuses a prefix that is not a key followed by /', async () => {
        const store = await open();
        const put = (key: string | undefined, seed: number) => store.put(key, chunked(bytesOf(20 * KiB + seed, seed)), { contentType: 'application/octet-stream' });
        await put('attachments/1/10', 1);
        await put('attachments/1/11', 2);
        await put('attachments/1/sub/12', 3);
        await put('attachments/10/13', 4);
        await put('attachments/2/14', 5);
        await put('attachments/1', 6);
        const addressed = await put(undefined, 7);
        assert.equal(await store.deletePrefix('attachments/1/'), 3);
        for (const key of ['attachments/1/10', 'attachments/1/11', 'attachments/1/sub/12']) assert.equal(await store.head(key), null, key);
        for (const key of ['attachments/10/13', 'attachments/2/14', 'attachments/1', addressed.key]) assert.notEqual(await store.head(key), null, key);
        assert.equal((await store.usage()).count, 4);
        assert.equal(await store.deletePrefix('attachments/1/'), 0);
        assert.equal(await store.deletePrefix('nothing/'), 0);
        for (const prefix of ['', '/', 'attachments/1', '../', 'a//', '.x/']) await assert.rejects(store.deletePrefix(prefix), InvalidBlobKeyError, JSON.stringify(prefix));
        assert.equal((await store.usage()).count, 4);
      });

      it('a read in progress when its blob is deleted either yields the original bytes or fails, never other bytes', async () => {
        const store = await open();
        const bytes = bytesOf(2 * MiB, 16);
        await store.put('going', chunked(bytes, 64 * KiB), { contentType: 'application/octet-stream' });
        const got = await store.get('going');
        const it = got!.stream[Symbol.asyncIterator]();
        const first = await it.next();
        assert.equal(await store.delete('going'), true);
        const parts = [Buffer.from(first.value as Uint8Array)];
        try {
          for (let r = await it.next(); !r.done; r = await it.next()) parts.push(Buffer.from(r.value as Uint8Array));
          assert.ok(Buffer.concat(parts).equals(bytes), 'a read that ends cleanly has every original byte');
        } catch (err) {
          assert.ok(bytes.subarray(0, Buffer.concat(parts).length).equals(Buffer.concat(parts)), `the bytes before the failure are the original ones (${String(err)})`);
        }
      });

      it('gives a slow reader every byte, whole and ranged', async () => {
        const store = await open();
        const bytes = bytesOf(2 * MiB + 3, 18);
        await store.put('slow', chunked(bytes, 64 * KiB), { contentType: 'application/octet-stream' });
        const slowly = async (stream: Readable) => {
          const parts: Buffer[] = [];
          await pipeline(stream, new Writable({
            write(chunk: Buffer, _encoding, done) {
              parts.push(chunk);
              setTimeout(done, 2);
            },
          }));
          return Buffer.concat(parts);
        };
        assert.ok((await slowly((await store.get('slow'))!.stream)).equals(bytes));
        assert.ok((await slowly((await store.get('slow', { start: 300 * KiB }))!.stream)).equals(bytes.subarray(300 * KiB)));
      });

      it('lets a reader stop early without holding the blob', async () => {
        const store = await open();
        await store.put('big', chunked(bytesOf(3 * MiB, 17), 256 * KiB), { contentType: 'application/octet-stream' });
        for (let i = 0; i < 3; i++) {
          const got = await store.get('big', { start: MiB });
          const it = got!.stream[Symbol.asyncIterator]();
          await it.next();
          got!.stream.destroy();
        }
        assert.equal(await store.delete('big'), true);
        assert.deepEqual(await store.usage(), { bytes: 0, count: 0 });
      });
    });

    describe('limits', () => {
      it('aborts a put past its maxBytes mid-stream with BlobTooLargeError, leaving nothing behind', async () => {
        const store = await open();
        const source = chunked(bytesOf(2 * MiB, 18), 16 * KiB);
        await assert.rejects(store.put('too-big', source, { contentType: 'application/octet-stream', maxBytes: 100 * KiB }), (err: unknown) => err instanceof BlobTooLargeError && err.maxBytes === 100 * KiB);
        assert.ok(source.yielded < 20, `stopped reading soon after the cap (read ${source.yielded} of 128 chunks)`);
        assert.equal(await store.head('too-big'), null);
        assert.deepEqual(await store.usage(), { bytes: 0, count: 0 });
        assert.equal(await store.sweep(), 0, 'nothing left for the sweep');
        const exact = await store.put('exact', chunked(bytesOf(100 * KiB, 19)), { contentType: 'application/octet-stream', maxBytes: 100 * KiB });
        assert.equal(exact.size, 100 * KiB);
      });

      it('destroys a Readable source it refuses', async () => {
        const store = await open();
        const source = Readable.from(chunked(bytesOf(MiB, 20)), { objectMode: false });
        await assert.rejects(store.put('capped', source, { contentType: 'text/plain', maxBytes: 10 * KiB }), BlobTooLargeError);
        assert.equal(source.destroyed, true);
      });

      it('refuses a put that would take the store past its bound with BlobStoreFullError, leaving nothing behind', async () => {
        const store = await open({ maxBytes: MiB });
        assert.equal(store.maxBytes, MiB);
        await store.put('a', chunked(bytesOf(600 * KiB, 21)), { contentType: 'application/octet-stream' });
        const refused = chunked(bytesOf(600 * KiB, 22));
        await assert.rejects(store.put('b', refused, { contentType: 'application/octet-stream' }), (err: unknown) => err instanceof BlobStoreFullError && err.maxBytes === MiB);
        assert.equal(await store.head('b'), null);
        assert.deepEqual(await store.usage(), { bytes: 600 * KiB, count: 1 });
        await assert.rejects(store.put(undefined, chunked(bytesOf(600 * KiB, 23)), { contentType: 'application/octet-stream' }), BlobStoreFullError);
        assert.equal(await store.sweep(), 0, 'nothing left for the sweep');
        // What is left still fits, and deleting makes room again.
        await store.put('c', chunked(bytesOf(300 * KiB, 24)), { contentType: 'application/octet-stream' });
        await store.delete('a');
        await store.put('b', chunked(bytesOf(600 * KiB, 22)), { contentType: 'application/octet-stream' });
        assert.deepEqual(await store.usage(), { bytes: 900 * KiB, count: 2 });
      });

      it('counts concurrent puts against the bound together', async () => {
        const store = await open({ maxBytes: MiB });
        const results = await Promise.allSettled([0, 1, 2, 3].map((i) => store.put(`c${i}`, chunked(bytesOf(400 * KiB, 30 + i), 8 * KiB), { contentType: 'application/octet-stream' })));
        // Interleaved puts share the room, so near the bound all of them may be refused; never more than fit.
        const stored = results.filter((r) => r.status === 'fulfilled').length;
        assert.ok(stored <= 2, `${stored} of four 400 KiB puts fit in 1 MiB`);
        for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof BlobStoreFullError, String(r.reason));
        assert.deepEqual(await store.usage(), { bytes: stored * 400 * KiB, count: stored });
        // The refused puts gave their room back.
        for (let i = 0; i < 4; i++) await store.delete(`c${i}`);
        await store.put('after', chunked(bytesOf(900 * KiB, 35)), { contentType: 'application/octet-stream' });
      });
    });

    describe('concurrency', () => {
      it('stores concurrent puts of the same content once', async () => {
        const store = await open();
        const bytes = bytesOf(500 * KiB, 40);
        const infos = await Promise.all([1, 2, 3, 4, 5].map((i) => store.put(undefined, chunked(bytes, i * 10 * KiB), { contentType: 'image/png' })));
        for (const info of infos) assert.deepEqual(info, { key: sha256(bytes), size: bytes.length, sha256: sha256(bytes), contentType: 'image/png' });
        assert.deepEqual(await store.usage(), { bytes: bytes.length, count: 1 });
        assert.ok((await readAll((await store.get(sha256(bytes)))!.stream)).equals(bytes));
        assert.equal(await store.sweep(), 0, 'no chunks or temp files left by the losers');
      });

      it('leaves one intact version after concurrent puts of one key', async () => {
        const store = await open();
        const versions = [1, 2, 3, 4].map((i) => bytesOf(200 * KiB + i * 1000, 50 + i));
        await Promise.all(versions.map((v) => store.put('contested', chunked(v), { contentType: 'application/octet-stream' })));
        const got = await store.get('contested');
        const bytes = await readAll(got!.stream);
        assert.ok(versions.some((v) => v.equals(bytes)), 'the stored bytes are one whole version');
        assert.equal(got!.sha256, sha256(bytes));
        assert.deepEqual(await store.usage(), { bytes: bytes.length, count: 1 });
        assert.equal(await store.sweep(), 0, 'the replaced versions left nothing behind');
      });
    });

    describe('large blobs', () => {
      it('streams a 100 MiB blob in and out without holding it in memory', { timeout: 120_000 }, async () => {
        const store = await open({ maxBytes: 200 * MiB });
        const size = 100 * MiB;
        const piece = 64 * KiB;
        const pattern = bytesOf(piece, 60);
        const hash = createHash('sha256');
        const base = liveBytes();
        let peak = 0;
        const source = (async function* () {
          for (let i = 0; i < size / piece; i++) {
            const chunk = Buffer.from(pattern);
            chunk.writeUInt32BE(i, 0); // every chunk differs
            hash.update(chunk);
            if (i % 128 === 0) peak = Math.max(peak, liveBytes() - base);
            yield chunk;
          }
        })();
        const info = await store.put('huge', source, { contentType: 'video/mp4' });
        const expected = hash.digest('hex');
        assert.deepEqual([info.size, info.sha256], [size, expected]);
        assert.ok(peak < 48 * MiB, `put held at most ${(peak / MiB).toFixed(1)} MiB while streaming 100 MiB`);

        const got = await store.get('huge');
        const readHash = createHash('sha256');
        let read = 0;
        let readPeak = 0;
        let n = 0;
        for await (const part of got!.stream) {
          readHash.update(part as Buffer);
          read += (part as Buffer).length;
          if (n++ % 128 === 0) readPeak = Math.max(readPeak, liveBytes() - base);
        }
        assert.deepEqual([read, readHash.digest('hex')], [size, expected]);
        assert.ok(readPeak < 48 * MiB, `get held at most ${(readPeak / MiB).toFixed(1)} MiB while streaming 100 MiB`);

        const tail = await store.get('huge', { start: size - 10 });
        assert.equal((await readAll(tail!.stream)).length, 10);
      });
    });
  });
}
