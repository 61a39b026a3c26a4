/**
 * Takeovers counted when a guild node dies between rewriting its node entry and its leases (a kill -9 mid-round):
 * its leases then expire before its entry, and a live node's listing in between sees the partitions free while
 * the dead node still counts as alive, so it claims nothing yet. The claim at a later listing is still a takeover
 * (guild_partition_takeovers_total). Real NATS KV (src/guild/partition-leases.ts), in a bucket of this run's own.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { NatsBus } from '../../src/bus/nats.ts';
import { KvLeaseStore } from '../../src/guild/partition-leases.ts';
import { PartitionOwnership } from '../../src/guild/partitions.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';

const TTL_MS = 1_500;

describe('guild partition takeover after a node died mid-round', { skip: await serviceSkip('nats') }, () => {
  const bucket = `accord_test_takeover_${randomBytes(4).toString('hex')}`;
  let bus: NatsBus;
  let leases: KvLeaseStore;
  let ownership: PartitionOwnership | undefined;

  before(async () => {
    const { NatsBus } = await import('../../src/bus/nats.ts');
    bus = await NatsBus.connect({ servers: TEST_NATS_URL, name: 'accord-test-takeover', streamPrefix: `T${randomBytes(4).toString('hex')}` });
    leases = await KvLeaseStore.open(bus, bucket, TTL_MS);
  });

  after(async () => {
    await ownership?.stop().catch(() => {});
    await bus.nc.jetstreamManager().then((jsm) => jsm.streams.delete(`KV_${bucket}`)).catch(() => {});
    await bus.close().catch(() => {});
  });

  it('partitions whose leases expired before their dead holder\'s node entry count as taken over', async () => {
    // Node B holds partitions 0 and 1; its last round rewrote its node entry but not its leases.
    assert.ok(await leases.create('p.0', 'B'));
    assert.ok(await leases.create('p.1', 'B'));
    await leases.put('node.B', 'B');
    const leasesWrittenAt = Date.now();

    const gained: number[] = [];
    ownership = new PartitionOwnership({
      leases, partitions: 4, ttlMs: TTL_MS, nodeId: 'A', log: silentLogger,
      gained: (n) => gained.push(n),
      lost: () => {},
    });
    await ownership.start();
    // Two live nodes: A aims at half and takes the two free partitions.
    assert.deepEqual(ownership.ownedPartitions(), [2, 3]);

    // B dies mid-round, after writing its node entry a TTL's two-thirds later than its leases: the leases expire
    // about 1 s before the entry, over two of A's rounds.
    await new Promise((r) => setTimeout(r, leasesWrittenAt + 1_000 - Date.now()));
    await leases.put('node.B', 'B');

    await waitFor(() => ownership!.ownedPartitions().length === 4, { what: 'A owns every partition', timeoutMs: 15_000, intervalMs: 20 });
    assert.deepEqual(gained.sort(), [0, 1, 2, 3]);
    assert.equal(ownership.stats.claims, 4);
    assert.equal(ownership.stats.takeovers, 2, 'the two expired leases were taken over');
  });
});
