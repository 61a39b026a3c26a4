/**
 * Synchronous streaming zlib for the load workers and the floor server: one long-lived context per connection,
 * each call feeds one chunk with Z_SYNC_FLUSH and returns what came out. Node's public sync API (inflateSync,
 * _processChunk without a callback) closes the context after one call and the async API adds a thread-pool
 * round trip per frame, so this drives the stream's native handle the way node:zlib's processChunkSync does,
 * minus the close. It relies on node:zlib internals (_handle, _writeState, _chunkSize), stable through Node 20–22.
 */
import zlib from 'node:zlib';

interface ZlibInternals {
  _handle: { writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void } | null;
  _writeState: Uint32Array;
  _chunkSize: number;
}

export class SyncZlib {
  readonly #z: zlib.Inflate | zlib.Deflate;
  #error: Error | null = null;

  constructor(kind: 'inflate' | 'deflate') {
    this.#z = kind === 'inflate' ? zlib.createInflate() : zlib.createDeflate();
    this.#z.on('error', (err) => (this.#error = err));
  }

  push(chunk: Buffer): Buffer {
    const z = this.#z as unknown as ZlibInternals;
    const handle = z._handle;
    if (!handle) throw this.#error ?? new Error('zlib context closed');
    const state = z._writeState;
    const size = z._chunkSize;
    const out: Buffer[] = [];
    let inOff = 0;
    let availIn = chunk.length;
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      handle.writeSync(zlib.constants.Z_SYNC_FLUSH, chunk, inOff, availIn, buf, 0, size);
      if (this.#error) throw this.#error;
      const availOut = state[0]!;
      const availInAfter = state[1]!;
      if (size - availOut > 0) out.push(buf.subarray(0, size - availOut));
      inOff += availIn - availInAfter;
      availIn = availInAfter;
      if (availOut !== 0) break;
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  close(): void {
    this.#z.close();
  }
}
