/**
 * The streams every implementation puts bytes through: PutMeter hashes and counts what is being stored and stops
 * it at a limit, ReadCheck checks a whole read against the recorded hash. Both pass chunks on as they come.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BlobCorruptError, BlobTooLargeError } from './types.ts';

export interface PutMeterOptions {
  /** The put's own cap (BlobTooLargeError beyond). */
  maxBytes?: number;
  /** Called before each chunk goes on with its length; throws to refuse it (the store's bound). */
  admit?: (bytes: number) => void;
}

export class PutMeter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  /** Bytes passed on so far. */
  size = 0;

  constructor(private readonly opts: PutMeterOptions = {}) {
    super();
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!(chunk instanceof Uint8Array)) return done(new TypeError('a blob source must yield Uint8Array chunks'));
    try {
      if (this.opts.maxBytes !== undefined && this.size + chunk.byteLength > this.opts.maxBytes) throw new BlobTooLargeError(this.opts.maxBytes);
      this.opts.admit?.(chunk.byteLength);
    } catch (err) {
      return done(err as Error);
    }
    this.size += chunk.byteLength;
    this.hash.update(chunk);
    done(null, chunk);
  }

  /** SHA-256 of everything passed on; call once, after the stream finished. */
  digest(): Buffer {
    return this.hash.digest();
  }
}

/** Passes a whole blob's bytes on and fails at the end unless they are `size` bytes hashing to `sha256`. */
export class ReadCheck extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private seen = 0;

  constructor(private readonly key: string, private readonly size: number, private readonly sha256: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.byteLength;
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.seen !== this.size) return done(new BlobCorruptError(this.key, `read ${this.seen} bytes, expected ${this.size}`));
    const got = this.hash.digest('hex');
    done(got === this.sha256 ? null : new BlobCorruptError(this.key, `sha256 ${got} does not match ${this.sha256}`));
  }
}
