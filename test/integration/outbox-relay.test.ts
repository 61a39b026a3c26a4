/**
 * The outbox relay beyond the crash test: a record another writer left behind is republished by a later sweep of
 * a relay that is already running, and a publish that fails right after commit stays pending until a sweep
 * succeeds. Real SQLite store, real in-memory bus.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker, MemoryBus } from '../../src/bus/memory.ts';
import { consumeJobs, GatewaySubjects, subscribeEvent, type DispatchEnvelope, type PushJob } from '../../src/contracts/index.ts';
import { OutboxRelay } from '../../src/contracts/outbox.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { guildWithChannel, message } from '../contract/store.fixtures.ts';
import { waitFor } from '../helpers/services.ts';

async function setup(bus: MemoryBus) {
  const store = await openSqliteStore({ path: ':memory:' });
  await store.migrate();
  const { channel, owner, guild } = await guildWithChannel(store);
  const ids = new SnowflakeGenerator({ workerId: 3 });
  const relay = new OutboxRelay({ store, bus, ids, log: silentLogger, sweepIntervalMs: 30, staleAfterMs: 60 });
  return { store, channel, owner, guild, relay, async close() { await relay.close(); await store.close(); await bus.close(); } };
}

describe('outbox relay', () => {
  it('a running relay republishes a record its writer never published, once it is stale', async () => {
    const bus = new MemoryBus();
    const s = await setup(bus);
    try {
      const seen: DispatchEnvelope[] = [];
      subscribeEvent(bus, GatewaySubjects.allGuildDispatches, (env) => seen.push(env));
      s.relay.start();
      // Another writer's record: committed with its message, never handed to `published`.
      const record = s.relay.event(GatewaySubjects.guildDispatch(s.guild.id), { t: 'MESSAGE_CREATE', d: { id: 'x' }, guildId: s.guild.id });
      await s.store.messages.create(message(s.channel.id, s.owner.id), { outbox: [record] });
      const env = await waitFor(() => seen.find((e) => e.id === record.id), { what: 'the orphan republished by a sweep' });
      assert.equal(env.t, 'MESSAGE_CREATE');
      await waitFor(async () => (await s.store.outbox.pending({ limit: 10 })).length === 0, { what: 'marked done' });
      assert.equal(s.relay.counts.republished, 1);
      assert.equal(s.relay.counts.published, 0);
    } finally {
      await s.close();
    }
  });

  it('a publish that fails after commit stays pending, and a sweep delivers it once the bus takes it', async () => {
    const broker = new MemoryBroker({ maxQueueJobs: 1 });
    const bus = new MemoryBus({ broker });
    const s = await setup(bus);
    try {
      const job = (n: string): PushJob => ({ messageId: n, channelId: s.channel.id, recipientIds: [s.owner.id] });
      await bus.enqueue('push', job('filler')); // the queue is full
      const record = s.relay.job('push', job('real'));
      await s.store.messages.create(message(s.channel.id, s.owner.id), { outbox: [record] });
      await s.relay.published([record]);
      assert.equal(s.relay.counts.failures, 1, 'the full queue refused it');
      assert.deepEqual((await s.store.outbox.pending({ limit: 10 })).map((r) => r.id), [record.id], 'still pending');

      const got: PushJob[] = [];
      await consumeJobs(bus, 'push', async (j) => void got.push(j));
      s.relay.start();
      await waitFor(() => got.some((j) => j.messageId === 'real'), { what: 'the job delivered by a sweep' });
      assert.equal(got.find((j) => j.messageId === 'real')!.outboxId, record.id, 'the job carries its outbox id');
      await waitFor(async () => (await s.store.outbox.pending({ limit: 10 })).length === 0, { what: 'marked done' });
    } finally {
      await s.close();
    }
  });
});
