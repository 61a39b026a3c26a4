import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBroker, MemoryBus } from '../../src/bus/memory.ts';
import { BusQueueFullError } from '../../src/bus/types.ts';
import { busContract } from './bus.contract.ts';
import { waitFor } from '../helpers/services.ts';

// One broker for the whole file: every bus the factory returns is another "process" on the same server.
const broker = new MemoryBroker();

describe('memory bus', () => {
  busContract('memory', async () => {
    const bus = new MemoryBus({ broker, retryBackoff: { initialMs: 50 }, stopGraceMs: 200 });
    return { bus, cleanup: () => bus.close() };
  });

  it('refuses jobs beyond the queue limit instead of growing', async () => {
    const bus = new MemoryBus({ broker: new MemoryBroker({ maxQueueJobs: 3 }) });
    for (let i = 0; i < 3; i++) await bus.enqueue('capped', i);
    await assert.rejects(bus.enqueue('capped', 3), BusQueueFullError);
    assert.equal(bus.broker.depth('capped'), 3);
    await bus.close();
  });

  it('drops messages for a subscriber that falls behind, and says so', async () => {
    const errors: string[] = [];
    const bus = new MemoryBus({ broker: new MemoryBroker({ maxPendingMessages: 5 }), onError: (err, ctx) => errors.push(`${ctx.what}: ${err.message}`) });
    const got: number[] = [];
    bus.subscribe<number>('burst', (n) => got.push(n));
    for (let i = 0; i < 8; i++) bus.publish('burst', i);
    await waitFor(() => got.length === 5, { what: 'the first five' });
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
    assert.equal(errors.length, 3);
    assert.match(errors[0], /slow-consumer: slow subscriber on burst/);
    await bus.close();
  });

  it('reports subscriber errors and dead letters through onError', async () => {
    const seen: string[] = [];
    const bus = new MemoryBus({ onError: (_err, ctx) => seen.push(ctx.what), retryBackoff: { initialMs: 1 } });
    bus.subscribe('boom', () => {
      throw new Error('bug');
    });
    bus.publish('boom', 1);
    await bus.consume('fails', async () => {
      throw new Error('no');
    }, { maxDeliveries: 2 });
    await bus.enqueue('fails', 1);
    await waitFor(() => seen.includes('subscriber') && seen.includes('dead-letter'), { what: 'both reports' });
    assert.equal(bus.broker.depth('fails.dead'), 1);
    await bus.close();
  });
});
