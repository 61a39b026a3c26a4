/**
 * A put cut short by SIGKILL leaves no blob and nothing that outlives the next open: a child stores a blob, starts
 * three puts that never end (one replacing that blob), and is killed mid-stream. The files store finds the dead
 * writer's temp files at open; the NATS store finds chunks no meta names (opened here with no grace).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { connect } from 'nats';
import { FileBlobStore } from '../../src/blobs/files.ts';
import { NatsBlobStore } from '../../src/blobs/nats.ts';
import type { BlobStore } from '../../src/blobs/types.ts';
import { readAll, sha256 } from '../contract/blobs.contract.ts';
import { serviceSkip, TEST_NATS_URL } from '../helpers/services.ts';

/** Runs the writer until it is streaming, lets `before` look at what it left so far, then kills it; resolves to the stable blob's hash. */
async function killMidPut(args: string[], before: () => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/blob-crash-writer.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let stable = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    const [kind, value] = line.split(' ');
    if (kind === 'stable') stable = value!;
    if (kind === 'streaming') {
      await before();
      child.kill('SIGKILL');
    }
  }
  clearTimeout(timer);
  assert.equal(await exited, 'SIGKILL');
  assert.match(stable, /^[0-9a-f]{64}$/, 'the child stored its stable blob before streaming');
  return stable;
}

async function assertOnlyStable(store: BlobStore, stableSha: string): Promise<void> {
  const got = await store.get('stable');
  assert.ok(got, 'the acknowledged blob is there');
  assert.equal(got.sha256, stableSha, 'the interrupted replacement did not touch it');
  assert.equal(sha256(await readAll(got.stream)), stableSha);
  assert.equal(got.contentType, 'application/octet-stream');
  assert.equal(await store.head('partial'), null, 'the interrupted new blob is not visible');
  assert.deepEqual(await store.usage(), { bytes: 1024 * 1024, count: 1 });
  assert.equal(await store.sweep(), 0);
}

const natsSkip = await serviceSkip('nats');

describe('blob puts cut short by SIGKILL', () => {
  it('files: the dead writer\'s temp files go at the next open', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-blob-crash-'));
    try {
      const stable = await killMidPut(['files', dir], async () => {
        assert.equal(readdirSync(join(dir, 'tmp')).length, 3, 'three temp files in progress');
      });
      assert.equal(readdirSync(join(dir, 'tmp')).length, 3, 'the kill left them behind');
      const store = await FileBlobStore.open({ dir, maxBytes: 1024 ** 3 });
      try {
        assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'opening removed them');
        await assertOnlyStable(store, stable);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('nats', { skip: natsSkip }, () => {
    const bucket = `accordtest-crash-${randomBytes(4).toString('hex')}`;
    const chunkSubjects = async () => {
      const nc = await connect({ servers: TEST_NATS_URL });
      try {
        const si = await (await nc.jetstreamManager()).streams.info(`OBJ_${bucket}`, { subjects_filter: `$O.${bucket}.C.>` });
        return Object.keys(si.state.subjects ?? {}).length;
      } finally {
        await nc.close();
      }
    };
    after(async () => {
      const nc = await connect({ servers: TEST_NATS_URL });
      await (await nc.jetstreamManager()).streams.delete(`OBJ_${bucket}`).catch(() => undefined);
      await nc.close();
    });

    it('chunks no meta names are swept, the stable blob stays whole', { timeout: 90_000 }, async () => {
      const stable = await killMidPut(['nats', TEST_NATS_URL, bucket], async () => {
        assert.equal(await chunkSubjects(), 4, 'the stable blob\'s chunks and three puts\' in progress');
      });
      assert.equal(await chunkSubjects(), 4, 'the kill left the unnamed chunks behind');
      const store = await NatsBlobStore.connect({ servers: TEST_NATS_URL, bucket, maxBytes: 1024 ** 3, orphanGraceMs: 0, sweepIntervalMs: 0 });
      try {
        assert.equal(await chunkSubjects(), 1, 'opening swept the orphans');
        await assertOnlyStable(store, stable);
      } finally {
        await store.close();
      }
    });
  });
});
