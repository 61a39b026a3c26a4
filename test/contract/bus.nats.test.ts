import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NatsBus } from '../../src/bus/nats.ts';
import { BusQueueFullError } from '../../src/bus/types.ts';
import { busContract } from './bus.contract.ts';
import { serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';

// Streams of this run live under their own prefix and are deleted at the end.
const streamPrefix = `accordtest-${randomBytes(4).toString('hex')}`;
const connect = (extra: Partial<Parameters<typeof NatsBus.connect>[0]> = {}) =>
  NatsBus.connect({ servers: TEST_NATS_URL, name: 'accord-bus-test', streamPrefix, retryBackoff: { initialMs: 50 }, stopGraceMs: 200, onError: process.env.BUS_DEBUG ? (e, c) => console.error("onError", c, e.message) : undefined, ...extra });

describe('nats bus', { skip: await serviceSkip('nats') }, () => {
  after(async () => {
    const bus = await connect();
    try {
      await bus.destroyQueues();
    } finally {
      await bus.close();
    }
  });

  busContract('nats', async () => {
    const bus = await connect();
    return { bus, cleanup: () => bus.close() };
  });

  it('refuses jobs beyond the queue limit instead of growing', async () => {
    const bus = await connect({ maxQueueJobs: 3 });
    try {
      for (let i = 0; i < 3; i++) await bus.enqueue('capped', i);
      await assert.rejects(bus.enqueue('capped', 3), BusQueueFullError);
      assert.equal(await bus.depth('capped'), 3);
    } finally {
      await bus.close();
    }
  });

  it('recreates a queue whose stream was deleted under it', async () => {
    const errors: string[] = [];
    const bus = await connect({ onError: (_e, ctx) => errors.push(ctx.what) });
    try {
      const got: number[] = [];
      await bus.consume<number>('phoenix', async (n) => void got.push(n), { ackWaitMs: 1000 });
      await bus.enqueue('phoenix', 1);
      await waitFor(() => got.length === 1, { what: 'first job' });
      const jsm = await bus.nc.jetstreamManager();
      await jsm.streams.delete(bus.streamName('phoenix'));
      await bus.enqueue('phoenix', 2);
      await waitFor(() => got.length === 2, { timeoutMs: 10_000, what: 'job after the stream came back' });
      assert.deepEqual(got, [1, 2]);
      assert.ok(errors.includes('pull'), `the lost pull was reported (${errors.join(', ')})`);
    } finally {
      await bus.close();
    }
  });

  it('keeps every subject under its prefix: buses with another prefix on the same server hear nothing of it', async () => {
    const [a, b] = [await connect(), await connect()];
    const other = await connect({ streamPrefix: `${streamPrefix}-other` });
    try {
      const heard: Record<string, string[]> = { b: [], other: [] };
      b.subscribe('room.*', (_m, subject) => void heard.b!.push(subject));
      other.subscribe('room.*', (_m, subject) => void heard.other!.push(subject));
      b.serve('ping', () => 'b');
      other.serve('ping', () => 'other');
      await b.flush();
      await other.flush();
      a.publish('room.1', { hi: true });
      const replies = new Set<unknown>();
      for (let i = 0; i < 20; i++) replies.add(await a.request('ping', {}, { timeoutMs: 2000 }));
      await waitFor(() => heard.b!.length === 1, { what: 'the same prefix hears it' });
      await a.flush();
      assert.deepEqual(heard.b, ['room.1'], 'handlers see the subject without the prefix');
      assert.deepEqual(heard.other, [], 'another prefix hears nothing');
      assert.deepEqual([...replies], ['b'], 'requests reach only responders under the same prefix');
    } finally {
      for (const bus of [a, b, other]) await bus.close();
    }
  });

  it('names one stream per queue under the prefix', async () => {
    const bus = await connect();
    try {
      assert.equal(bus.streamName('search.index'), `${streamPrefix}_search_index`);
      assert.equal(bus.queueSubject('search.index'), `${streamPrefix}.q.search.index`);
    } finally {
      await bus.close();
    }
  });
});
