/**
 * How frames become WebSocket messages on one connection.
 *
 * - plain: text frames, as built.
 * - zlib-stream (`?compress=zlib-stream`): one deflate context for the connection's lifetime; every frame is
 *   written then flushed with Z_SYNC_FLUSH, so each WebSocket message is a binary frame ending in 00 00 ff ff
 *   and the client inflates them all with one inflate context (Discord's transport compression).
 * - payload (`compress: true` in IDENTIFY, only without transport compression): each frame is a complete zlib
 *   stream of its own. @discordjs/ws falls back to this when zlib-sync is not installed.
 * - zstd-stream is not offered: Node 20 has no zstd in node:zlib and no maintained pure-JS streaming zstd
 *   compressor is installed; the endpoint refuses such upgrades with HTTP 400 (see endpoint.ts).
 *
 * encode() calls must not overlap for one encoder: Outbound runs them one at a time, which keeps the order of
 * frames and makes each flush's output exactly one frame.
 *
 * zlib-stream is synchronous (SyncZlibStreamEncoder, zlib-sync.ts) where the runtime's zlib internals allow it,
 * else asynchronous (ZlibStreamEncoder: a thread-pool round trip and a Promise per frame); see
 * createZlibStreamEncoder. Both produce the same bytes.
 */
import zlib from 'node:zlib';
import { SyncDeflate, syncDeflateSupported } from './zlib-sync.ts';

export interface FrameEncoder {
  readonly binary: boolean;
  readonly name: 'none' | 'zlib-stream' | 'payload';
  encode(frame: string | Buffer): string | Buffer | Promise<Buffer>;
  close(): void;
}

export class PlainEncoder implements FrameEncoder {
  readonly binary = false;
  readonly name = 'none' as const;
  encode(frame: string | Buffer): string | Buffer {
    return frame;
  }
  close(): void {}
}

/** zlib-stream compressed on the calling thread, one deflate context per connection. */
export class SyncZlibStreamEncoder implements FrameEncoder {
  readonly binary = true;
  readonly name = 'zlib-stream' as const;
  readonly #deflate = new SyncDeflate();

  encode(frame: string | Buffer): Buffer {
    return this.#deflate.push(frame);
  }

  close(): void {
    this.#deflate.close();
  }
}

/** The synchronous encoder when node:zlib's internals allow it (checked once), else the asynchronous one. */
export function createZlibStreamEncoder(): FrameEncoder {
  return syncDeflateSupported() ? new SyncZlibStreamEncoder() : new ZlibStreamEncoder();
}

export class ZlibStreamEncoder implements FrameEncoder {
  readonly binary = true;
  readonly name = 'zlib-stream' as const;
  readonly #deflate = zlib.createDeflate();
  #chunks: Buffer[] = [];
  #failure: Error | null = null;

  constructor() {
    this.#deflate.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
    this.#deflate.on('error', (err) => (this.#failure = err));
  }

  encode(frame: string | Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.#failure) return reject(this.#failure);
      this.#deflate.write(frame);
      this.#deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        if (this.#failure) return reject(this.#failure);
        const out = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
        this.#chunks = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.#chunks = [];
    this.#deflate.destroy();
  }
}

export class PayloadEncoder implements FrameEncoder {
  readonly binary = true;
  readonly name = 'payload' as const;
  encode(frame: string | Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => zlib.deflate(frame, (err, out) => (err ? reject(err) : resolve(out))));
  }
  close(): void {}
}
