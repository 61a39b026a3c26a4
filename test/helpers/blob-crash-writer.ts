/**
 * Child process for test/integration/blob-crash.test.ts: opens a blob store (`files <dir>` or `nats <url> <bucket>`),
 * stores the blob `stable` and prints `stable <sha256>`, then starts three puts that never end (a replacement of
 * `stable`, a new key `partial`, a content-addressed one) and prints `streaming` once each has handed over 4 MiB.
 * The parent kills it with SIGKILL there.
 */
import { createHash } from 'node:crypto';
import { FileBlobStore } from '../../src/blobs/files.ts';
import { NatsBlobStore } from '../../src/blobs/nats.ts';
import type { BlobStore } from '../../src/blobs/types.ts';

const [kind, target, bucket] = process.argv.slice(2);
const store: BlobStore = kind === 'files'
  ? await FileBlobStore.open({ dir: target!, maxBytes: 1024 ** 3 })
  : await NatsBlobStore.connect({ servers: target!, bucket: bucket!, maxBytes: 1024 ** 3, sweepIntervalMs: 0 });

const piece = (seed: number) => Buffer.alloc(64 * 1024, seed);
const stable = Buffer.concat(Array.from({ length: 16 }, (_, i) => piece(i)));
await store.put('stable', [stable], { contentType: 'application/octet-stream' });
process.stdout.write(`stable ${createHash('sha256').update(stable).digest('hex')}\n`);

let ready = 0;
async function* endless(seed: number) {
  for (let i = 0; ; i++) {
    yield piece(seed + i);
    if (i === 64 && ++ready === 3) process.stdout.write('streaming\n');
  }
}
void store.put('stable', endless(100), { contentType: 'text/plain' });
void store.put('partial', endless(150), { contentType: 'text/plain' });
void store.put(undefined, endless(200), { contentType: 'text/plain' });
