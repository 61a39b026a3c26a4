import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { after, describe, it } from 'node:test';
import { createZlibStreamEncoder, SyncZlibStreamEncoder, ZlibStreamEncoder } from '../../src/sessions/compression.ts';
import { setScratchSize, SyncDeflate, syncDeflateSupported } from '../../src/sessions/zlib-sync.ts';

/** One inflate context for every frame, as a Discord client holds per connection. */
async function inflateAll(frames: Buffer[]): Promise<string[]> {
  const inflate = zlib.createInflate();
  const out: string[] = [];
  for (const frame of frames) {
    out.push(
      await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const onData = (c: Buffer) => chunks.push(c);
        inflate.on('data', onData);
        inflate.once('error', reject);
        inflate.write(frame);
        inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          inflate.off('data', onData);
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
      }),
    );
  }
  inflate.close();
  return out;
}

const frameText = (i: number) => JSON.stringify({ op: 0, t: 'MESSAGE_CREATE', s: i, d: { id: String(1e17 + i), content: 'x'.repeat(i % 7 === 0 ? 70_000 : i * 13), n: i } });
const endsWithSyncFlush = (b: Buffer) => b.length >= 4 && b.subarray(-4).equals(Buffer.from([0, 0, 0xff, 0xff]));

describe('synchronous zlib-stream', () => {
  after(() => setScratchSize(64 * 1024));

  it('is supported on this runtime (node:zlib internals present), and the factory picks it', () => {
    assert.equal(syncDeflateSupported(), true);
    assert.ok(createZlibStreamEncoder() instanceof SyncZlibStreamEncoder);
  });

  it('every frame ends with 00 00 ff ff and 300 frames inflate in order with one inflate context', async () => {
    const enc = new SyncZlibStreamEncoder();
    const texts = Array.from({ length: 300 }, (_, i) => frameText(i));
    const frames = texts.map((t, i) => enc.encode(i % 2 ? Buffer.from(t) : t));
    enc.close();
    for (const f of frames) assert.ok(endsWithSyncFlush(f), 'frame ends with the sync flush marker');
    assert.deepEqual(await inflateAll(frames), texts);
  });

  it('output larger than the scratch buffer comes out whole', async () => {
    setScratchSize(64);
    const d = new SyncDeflate();
    const texts = Array.from({ length: 40 }, (_, i) => frameText(i * 3 + 1) + Math.random().toString(36).repeat(50));
    const frames = texts.map((t) => d.push(t));
    d.close();
    setScratchSize(64 * 1024);
    for (const f of frames) assert.ok(endsWithSyncFlush(f));
    assert.deepEqual(await inflateAll(frames), texts);
  });

  it('inflates to the same text as the asynchronous encoder', async () => {
    const sync = new SyncZlibStreamEncoder();
    const async_ = new ZlibStreamEncoder();
    const texts = Array.from({ length: 50 }, (_, i) => frameText(i + 1));
    const a = texts.map((t) => sync.encode(t));
    const b: Buffer[] = [];
    for (const t of texts) b.push(await async_.encode(t));
    sync.close();
    async_.close();
    assert.deepEqual(await inflateAll(a), await inflateAll(b));
  });

  it('a closed context throws instead of writing', () => {
    const d = new SyncDeflate();
    d.close();
    assert.throws(() => d.push('x'));
  });
});
