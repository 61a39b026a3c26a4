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
import { messageCreateRebuilder } from '../../src/shapes/message.ts';
import { guildWithChannel, message } from '../contract/store.fixtures.ts';
import { waitFor } from '../helpers/services.ts';

const media = { attachmentUrl: (c: string, a: string, f: string) => `http://cdn.test/${c}/${a}/${f}` };

async function setup(bus: MemoryBus, opts: { rebuild?: boolean } = {}) {
  const store = await openSqliteStore({ path: ':memory:' });
  await store.migrate();
  const { channel, owner, guild } = await guildWithChannel(store);
  const ids = new SnowflakeGenerator({ workerId: 3 });
  const relay = new OutboxRelay({
    store, bus, ids, log: silentLogger, sweepIntervalMs: 30, staleAfterMs: 60, ...(opts.rebuild === false ? {} : { rebuild: messageCreateRebuilder(store, () => media) }),
  });
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

  it('an event recorded by reference stores no data; its writer publishes what it holds, a sweep renders the stored message with the nonce', async () => {
    const bus = new MemoryBus();
    const s = await setup(bus);
    try {
      const seen: DispatchEnvelope[] = [];
      subscribeEvent(bus, GatewaySubjects.allGuildDispatches, (env) => seen.push(env));
      const subject = GatewaySubjects.guildDispatch(s.guild.id);
      // The writer's own record: published from the object it holds, whatever the row says.
      const own = message(s.channel.id, s.owner.id, { content: 'held' });
      const ownRecord = s.relay.eventByReference(subject, { t: 'MESSAGE_CREATE', d: { id: own.id, content: 'as the writer rendered it' }, guildId: s.guild.id, channelId: s.channel.id }, { of: 'message', channelId: own.channelId, messageId: own.id });
      await s.store.messages.create(own, { outbox: [ownRecord] });
      await s.relay.published([ownRecord]);
      assert.equal(seen.find((e) => e.id === ownRecord.id)?.d.content, 'as the writer rendered it');

      // Another writer's record, left behind: the row holds the envelope and the reference only.
      const left = message(s.channel.id, s.owner.id, { content: 'left behind', guildId: s.guild.id });
      const record = s.relay.eventByReference(subject, { t: 'MESSAGE_CREATE', d: { id: left.id, content: 'x'.repeat(500) }, guildId: s.guild.id, channelId: s.channel.id }, { of: 'message', channelId: left.channelId, messageId: left.id, nonce: 'n-1' });
      const stored = JSON.parse(record.payload);
      assert.equal(stored.d, undefined, 'no data in the row');
      assert.deepEqual(stored.dRef, { of: 'message', channelId: left.channelId, messageId: left.id, nonce: 'n-1' });
      assert.ok(record.payload.length < 300, `a short row (${record.payload.length} characters)`);
      await s.store.messages.create(left, { outbox: [record] });
      s.relay.start();
      const env = await waitFor(() => seen.find((e) => e.id === record.id), { what: 'the orphan rebuilt and republished' });
      assert.equal(env.t, 'MESSAGE_CREATE');
      assert.equal(env.guildId, s.guild.id);
      assert.equal(env.channelId, s.channel.id);
      assert.equal(env.d.id, left.id);
      assert.equal(env.d.content, 'left behind', 'the message as stored');
      assert.equal(env.d.nonce, 'n-1', 'the nonce the writer echoed');
      assert.equal(env.d.guild_id, s.guild.id);
      assert.equal((env.d.author as { id: string }).id, s.owner.id);
      assert.ok(env.d.member, "the author's member, as a guild MESSAGE_CREATE has");
      await waitFor(async () => (await s.store.outbox.pending({ limit: 10 })).length === 0, { what: 'marked done' });
    } finally {
      await s.close();
    }
  });

  it('a message deleted before the sweep is not announced, and its record is done', async () => {
    const bus = new MemoryBus();
    const s = await setup(bus);
    try {
      const seen: DispatchEnvelope[] = [];
      subscribeEvent(bus, GatewaySubjects.allGuildDispatches, (env) => seen.push(env));
      const gone = message(s.channel.id, s.owner.id);
      const record = s.relay.eventByReference(GatewaySubjects.guildDispatch(s.guild.id), { t: 'MESSAGE_CREATE', d: { id: gone.id }, guildId: s.guild.id, channelId: s.channel.id }, { of: 'message', channelId: gone.channelId, messageId: gone.id });
      await s.store.messages.create(gone, { outbox: [record] });
      await s.store.messages.delete(gone.channelId, gone.id);
      s.relay.start();
      await waitFor(async () => (await s.store.outbox.pending({ limit: 10 })).length === 0, { what: 'marked done' });
      assert.equal(seen.filter((e) => e.id === record.id).length, 0, 'nothing announced');
    } finally {
      await s.close();
    }
  });

  it('a relay that cannot rebuild leaves a referenced record pending for one that can', async () => {
    const bus = new MemoryBus();
    const s = await setup(bus, { rebuild: false });
    try {
      const m = message(s.channel.id, s.owner.id);
      const record = s.relay.eventByReference(GatewaySubjects.guildDispatch(s.guild.id), { t: 'MESSAGE_CREATE', d: { id: m.id }, guildId: s.guild.id, channelId: s.channel.id }, { of: 'message', channelId: m.channelId, messageId: m.id });
      await s.store.messages.create(m, { outbox: [record] });
      s.relay.start();
      await waitFor(() => s.relay.counts.failures > 0, { what: 'a sweep tried it' });
      assert.deepEqual((await s.store.outbox.pending({ limit: 10 })).map((r) => r.id), [record.id], 'still pending');
      assert.equal(s.relay.counts.republished, 0);
    } finally {
      await s.close();
    }
  });
});
