/** The limits that roles used to hard-code come from settings, and each reaches the part it bounds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBus } from '../../src/bus/index.ts';
import { BusQueueFullError } from '../../src/bus/types.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import pg from 'pg';
import type { SqlStore } from '../../src/store/sql/store.ts';
import { serviceSkip, TEST_DATABASE_URL, TEST_NATS_URL } from '../helpers/services.ts';

describe('settings for the limits roles use', () => {
  it('reads each from its environment variable', () => {
    const c = loadConfig({
      env: {
        ACCORD_DATABASE_POOL_SIZE: '3', ACCORD_GUILD_CACHE_GUILDS: '50', ACCORD_OUTBOX_SWEEP_MS: '700', ACCORD_OUTBOX_STALE_MS: '900',
        ACCORD_BUS_MAX_QUEUE_JOBS: '7', ACCORD_BUS_MAX_PENDING: '11', ACCORD_PRESENCE_TTL_MS: '5000', ACCORD_PRESENCE_MAX_SESSIONS: '13',
        ACCORD_GATEWAY_DEDUPE_IDS: '64',
      },
    });
    assert.deepEqual(
      [c.databasePoolSize, c.guildCacheMaxGuilds, c.outboxSweepIntervalMs, c.outboxStaleAfterMs, c.busMaxQueueJobs, c.busMaxPendingMessages, c.presenceSessionTtlMs, c.presenceMaxSessions, c.gatewayDedupeIds],
      [3, 50, 700, 900, 7, 11, 5000, 13, 64],
    );
    assert.throws(() => loadConfig({ env: { ACCORD_GATEWAY_DEDUPE_IDS: '1' } }), /gatewayDedupeIds/);
  });

  for (const engine of ['in-memory', 'NATS'] as const) {
    it(`bounds the ${engine} bus queue by ACCORD_BUS_MAX_QUEUE_JOBS`, async (t) => {
      const skip = engine === 'NATS' && (await serviceSkip('nats'));
      if (skip) return t.skip(skip);
      const natsUrl = engine === 'NATS' ? TEST_NATS_URL : undefined;
      const bus = await openBus({ nodeId: 't', natsUrl, maxQueueJobs: 2, streamPrefix: `SETTINGS${process.pid}${Date.now()}` });
      try {
        await bus.enqueue('q', { n: 1 });
        await bus.enqueue('q', { n: 2 });
        await assert.rejects(bus.enqueue('q', { n: 3 }), BusQueueFullError);
      } finally {
        if ('destroyQueues' in bus) await (bus as { destroyQueues(): Promise<void> }).destroyQueues();
        await bus.close();
      }
    });
  }

  it('sizes the PostgreSQL pool by ACCORD_DATABASE_POOL_SIZE', async (t) => {
    const skip = await serviceSkip('postgres');
    if (skip) return t.skip(skip);
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, dataDir: '', databasePoolSize: 2 });
    const marker = `pool_probe_${process.pid}_${Date.now()}`;
    const observer = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await observer.connect();
    try {
      // Four slow queries on a pool of two run two at a time: only two backends show the marker at once.
      const driver = (store as SqlStore).driver;
      const slow = Promise.all([1, 2, 3, 4].map(() => driver.all(`SELECT pg_sleep(0.6) /* ${marker} */`, [])));
      let finished = false;
      void slow.then(() => (finished = true));
      let most = 0;
      while (!finished) {
        const { rows } = await observer.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active'`, [`%${marker} */`]);
        most = Math.max(most, rows[0].n as number);
        await new Promise((r) => setTimeout(r, 20));
      }
      await slow;
      assert.equal(most, 2, 'at most two queries ran at once');
    } finally {
      await observer.end();
      await store.close();
    }
  });
});
