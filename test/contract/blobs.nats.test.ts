/**
 * The blob store contract against the NATS JetStream object store, plus what only NATS does: compatibility with
 * nats.js's own object store, orphan chunks and their grace, the bucket's max_bytes. Every bucket of this run
 * shares one prefix and is deleted at the end.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { openBlobStore } from '../../src/blobs/index.ts';
import { NatsBlobStore, type NatsBlobStoreOptions } from '../../src/blobs/nats.ts';
import { blobStoreContract, bytesOf, chunked, readAll, sha256 } from './blobs.contract.ts';
import { serviceSkip, TEST_NATS_URL } from '../helpers/services.ts';

const prefix = `accordtest-${randomBytes(4).toString('hex')}`;
let n = 0;
const open = (opts: Partial<NatsBlobStoreOptions> = {}) =>
  NatsBlobStore.connect({ servers: TEST_NATS_URL, bucket: `${prefix}-${n++}`, maxBytes: 10 * 1024 ** 3, sweepIntervalMs: 0, ...opts });

async function withConnection<T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

describe('nats blob store', { skip: await serviceSkip('nats') }, () => {
  after(async () => {
    await withConnection(async (nc) => {
      const jsm = await nc.jetstreamManager();
      const leftovers: string[] = [];
      for await (const name of jsm.streams.names()) if (name.startsWith(`OBJ_${prefix}`)) leftovers.push(name);
      for (const name of leftovers) await jsm.streams.delete(name);
    });
  });

  blobStoreContract('nats', async (opts) => {
    const store = await open({ maxBytes: opts?.maxBytes ?? 10 * 1024 ** 3 });
    return {
      store,
      async cleanup() {
        await store.destroy();
        await store.close();
      },
    };
  });

  it('writes what nats.js reads as an object, and reads what nats.js writes', async () => {
    const store = await open();
    try {
      const bytes = bytesOf(400_000, 1);
      const info = await store.put('shared/one', chunked(bytes), { contentType: 'image/png' });
      await withConnection(async (nc) => {
        const os = await nc.jetstream().views.os(store.bucket);
        assert.ok(Buffer.from((await os.getBlob('shared/one'))!).equals(bytes), 'nats.js reads our object and checks our digest');
        const theirs = bytesOf(300_000, 2);
        await os.putBlob({ name: 'shared/two' }, theirs);
        const got = await store.get('shared/two', { start: 200_000 });
        assert.ok((await readAll(got!.stream)).equals(theirs.subarray(200_000)));
        assert.equal(got!.sha256, sha256(theirs));
        assert.deepEqual((await os.list()).map((o) => o.name).sort(), ['shared/one', 'shared/two']);
        // An object deleted by nats.js leaves a tombstone meta: gone for us too.
        await os.delete('shared/two');
        assert.equal(await store.head('shared/two'), null);
        assert.deepEqual(await store.usage(), { bytes: info.size, count: 1 });
      });
    } finally {
      await store.destroy();
      await store.close();
    }
  });

  it('sweeps chunks that no meta names only once they are older than the grace', async () => {
    const store = await open({ orphanGraceMs: 60_000 });
    try {
      await store.put('named', chunked(bytesOf(300_000, 3)), { contentType: 'text/plain' });
      const orphan = `$O.${store.bucket}.C.orphan1`;
      await withConnection(async (nc) => {
        const js = nc.jetstream();
        for (let i = 0; i < 3; i++) await js.publish(orphan, bytesOf(1000, i));
      });
      assert.equal(await store.sweep(), 0, 'a young orphan may be another node\'s upload in progress');
      const impatient = await NatsBlobStore.connect({ servers: TEST_NATS_URL, bucket: store.bucket, maxBytes: store.maxBytes, orphanGraceMs: 0, sweepIntervalMs: 0 });
      await impatient.close();
      await withConnection(async (nc) => {
        const si = await (await nc.jetstreamManager()).streams.info(store.stream, { subjects_filter: `$O.${store.bucket}.C.>` });
        assert.equal(Object.keys(si.state.subjects ?? {}).length, 1, 'opening with no grace swept the orphan, not the named blob');
      });
      assert.ok((await readAll((await store.get('named'))!.stream)).equals(bytesOf(300_000, 3)));
    } finally {
      await store.destroy();
      await store.close();
    }
  });

  it('gives the bucket max_bytes and raises it when the setting grows', async () => {
    const store = await open({ maxBytes: 5 * 1024 * 1024 });
    try {
      const maxBytesOf = () => withConnection(async (nc) => (await (await nc.jetstreamManager()).streams.info(store.stream)).config.max_bytes);
      assert.equal(await maxBytesOf(), 5 * 1024 * 1024);
      await (await NatsBlobStore.connect({ servers: TEST_NATS_URL, bucket: store.bucket, maxBytes: 8 * 1024 * 1024, sweepIntervalMs: 0 })).close();
      assert.equal(await maxBytesOf(), 8 * 1024 * 1024);
    } finally {
      await store.destroy();
      await store.close();
    }
  });

  it('openBlobStore picks NATS when a NATS URL is set, in the bucket <prefix>_blobs', async () => {
    const store = await openBlobStore({ dataDir: '/nonexistent', natsUrl: TEST_NATS_URL, blobMaxBytes: 1024 * 1024, bucketPrefix: prefix, nodeId: 'test' });
    try {
      assert.deepEqual([store.kind, store.maxBytes, (store as NatsBlobStore).bucket], ['nats', 1024 * 1024, `${prefix}_blobs`]);
    } finally {
      await (store as NatsBlobStore).destroy();
      await store.close();
    }
  });
});
