/**
 * Synchronous zlib-stream deflate: one long-lived deflate context per connection; each frame is written and
 * flushed with Z_SYNC_FLUSH in the same call, so no thread-pool round trip and no Promise per frame.
 *
 * Node's public API cannot do this: deflateSync / _processChunk without a callback close the context after one
 * call, and the stream API runs every flush on the thread pool (measured: a zlib-stream fan-out spent more time
 * on that round trip than on compressing). So this drives the stream's native handle the way node:zlib's own
 * processChunkSync does, without closing it. It relies on three node:zlib internals — `_handle.writeSync`,
 * `_writeState` (avail_out, avail_in after a call) and `_chunkSize` — present in Node 20–22;
 * `syncDeflateSupported` checks them once (including a round trip) and the gateway falls back to the
 * asynchronous encoder when they are missing.
 */
import zlib from 'node:zlib';

interface NativeHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
}

interface ZlibInternals {
  _handle: NativeHandle | null;
  _writeState: Uint32Array;
  _chunkSize: number;
}

/** Compressed output lands here first, then is copied out at its real size (one call at a time: JS is single-threaded). */
let scratch = Buffer.allocUnsafe(64 * 1024);

export class SyncDeflate {
  readonly #stream: zlib.Deflate;
  readonly #z: ZlibInternals;
  #error: Error | null = null;

  constructor(options?: zlib.ZlibOptions) {
    this.#stream = zlib.createDeflate(options);
    // An error is also emitted (asynchronously) after the handle is destroyed; without a listener it would throw.
    this.#stream.on('error', (err) => (this.#error = err));
    this.#z = this.#stream as unknown as ZlibInternals;
  }

  /** Compresses `input` and flushes with Z_SYNC_FLUSH: the output ends with 00 00 ff ff. */
  push(input: Buffer | string): Buffer {
    const chunk = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    const state = this.#z._writeState;
    const out: Buffer[] = [];
    let total = 0;
    let inOff = 0;
    let availIn = chunk.length;
    for (;;) {
      const handle = this.#z._handle;
      if (!handle) throw this.#error ?? new Error('zlib context closed');
      handle.writeSync(zlib.constants.Z_SYNC_FLUSH, chunk, inOff, availIn, scratch, 0, scratch.length);
      // A zlib error destroys the stream synchronously (its handle goes) before 'error' is emitted.
      if (!this.#z._handle) throw this.#error ?? new Error('zlib error');
      const availOut = state[0]!;
      const availInAfter = state[1]!;
      const produced = scratch.length - availOut;
      if (produced > 0) {
        const piece = Buffer.allocUnsafe(produced);
        scratch.copy(piece, 0, 0, produced);
        out.push(piece);
        total += produced;
      }
      inOff += availIn - availInAfter;
      availIn = availInAfter;
      // Output space left over means zlib had nothing more to give for this flush.
      if (availOut !== 0) break;
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out, total);
  }

  close(): void {
    this.#stream.close();
  }
}

let supported: boolean | undefined;

/** Whether the internals SyncDeflate needs exist and work on this runtime (checked once). */
export function syncDeflateSupported(): boolean {
  if (supported !== undefined) return supported;
  try {
    const probe = zlib.createDeflate() as unknown as ZlibInternals & zlib.Deflate;
    const ok = typeof probe._handle?.writeSync === 'function' && probe._writeState instanceof Uint32Array && probe._writeState.length >= 2 && typeof probe._chunkSize === 'number';
    probe.close();
    if (!ok) return (supported = false);
    const d = new SyncDeflate();
    const a = d.push('{"op":10,"d":{"heartbeat_interval":41250}}');
    const b = d.push(Buffer.from('{"op":11,"d":null}'));
    d.close();
    const tail = (x: Buffer) => x.length >= 4 && x.readUInt32BE(x.length - 4) === 0x0000ffff;
    const text = zlib.inflateSync(Buffer.concat([a, b]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
    supported = tail(a) && tail(b) && text === '{"op":10,"d":{"heartbeat_interval":41250}}{"op":11,"d":null}';
  } catch {
    supported = false;
  }
  return supported;
}

/** Grows the shared output buffer (tests use this to exercise the multi-chunk path). */
export function setScratchSize(bytes: number): void {
  scratch = Buffer.allocUnsafe(bytes);
}
