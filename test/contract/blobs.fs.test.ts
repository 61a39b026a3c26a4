/** The blob store contract against the files store, plus what only files do: temp files, the header, reopening. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobCorruptError, openBlobStore } from '../../src/blobs/index.ts';
import { FileBlobStore, HEADER_BYTES, HOST_TAG } from '../../src/blobs/files.ts';
import { blobStoreContract, bytesOf, chunked, readAll } from './blobs.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'accord-blobs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `store-${n++}`);

blobStoreContract('files', async (opts) => {
  const dir = freshDir();
  const store = await FileBlobStore.open({ dir, maxBytes: opts?.maxBytes ?? 10 * 1024 ** 3 });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('files blob store', () => {
  const objectFiles = (dir: string) => readdirSync(join(dir, 'objects')).flatMap((fan) => readdirSync(join(dir, 'objects', fan)).map((f) => join(dir, 'objects', fan, f)));

  it('keeps blobs and their count across a reopen', async () => {
    const dir = freshDir();
    const store = await FileBlobStore.open({ dir, maxBytes: 1 << 30 });
    await store.put('kept', chunked(bytesOf(5000, 1)), { contentType: 'image/png' });
    await store.put(undefined, chunked(bytesOf(7000, 2)), { contentType: 'image/png' });
    await store.put('gone', chunked(bytesOf(100, 3)), { contentType: 'image/png' });
    await store.delete('gone');
    await store.close();
    const again = await FileBlobStore.open({ dir, maxBytes: 1 << 30 });
    assert.deepEqual(await again.usage(), { bytes: 12000, count: 2 });
    assert.ok((await readAll((await again.get('kept'))!.stream)).equals(bytesOf(5000, 1)));
  });

  it('removes temp files of dead writers at open, and keeps those of live ones', async () => {
    const dir = freshDir();
    await (await FileBlobStore.open({ dir, maxBytes: 1 << 30 })).close();
    assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'a fresh store has no temp files');
    const deadPid = 2 ** 22 + 1; // above Linux's pid_max
    writeFileSync(join(dir, 'tmp', `${deadPid}.aaaa.${HOST_TAG}.part`), 'partial');
    writeFileSync(join(dir, 'tmp', `${process.pid}.bbbb.${HOST_TAG}.part`), 'this process, but no put of it is running');
    writeFileSync(join(dir, 'tmp', `${process.ppid}.cccc.${HOST_TAG}.part`), 'a live writer');
    writeFileSync(join(dir, 'tmp', '1.dddd.0123456789ab.part'), 'another machine, just now');
    const reopened = await FileBlobStore.open({ dir, maxBytes: 1 << 30 });
    assert.deepEqual(readdirSync(join(dir, 'tmp')).sort(), [`${process.ppid}.cccc.${HOST_TAG}.part`, '1.dddd.0123456789ab.part'].sort());
    assert.equal(await reopened.sweep(), 0);
  });

  it('fails a whole read whose bytes no longer match the recorded hash', async () => {
    const dir = freshDir();
    const store = await FileBlobStore.open({ dir, maxBytes: 1 << 30 });
    const bytes = bytesOf(100_000, 4);
    await store.put('damaged', chunked(bytes), { contentType: 'application/octet-stream' });
    const [file] = objectFiles(dir);
    const raw = readFileSync(file!);
    raw[HEADER_BYTES + 5000] ^= 0xff;
    writeFileSync(file!, raw);
    await assert.rejects(readAll((await store.get('damaged'))!.stream), BlobCorruptError);
    // A range is served as stored (its hash covers the whole blob).
    assert.ok((await readAll((await store.get('damaged', { start: 0, end: 99 }))!.stream)).equals(bytes.subarray(0, 100)));
    writeFileSync(file!, raw.subarray(0, raw.length - 10));
    await assert.rejects(store.get('damaged'), BlobCorruptError);
  });

  it('openBlobStore picks files in ${dataDir}/blobs without a NATS URL, or when told to', async () => {
    const dataDir = freshDir();
    const store = await openBlobStore({ dataDir, blobMaxBytes: 1234 });
    assert.deepEqual([store.kind, store.maxBytes], ['files', 1234]);
    await store.put('x', chunked(Buffer.from('hello')), { contentType: 'text/plain' });
    assert.equal(objectFiles(join(dataDir, 'blobs')).length, 1);
    await store.close();
    const forced = await openBlobStore({ dataDir, blobMaxBytes: 1234, natsUrl: 'nats://127.0.0.1:1', blobStore: 'files' });
    assert.equal(forced.kind, 'files');
    await forced.close();
    await assert.rejects(openBlobStore({ dataDir, blobMaxBytes: 1234, blobStore: 'nats' }), /ACCORD_NATS_URL/);
  });
});
