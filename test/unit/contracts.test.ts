import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../../src/bus/memory.ts';
import {
  consumeJobs,
  deadQueue,
  enqueueJob,
  publishEvent,
  Queues,
  requestRpc,
  serveRpc,
  subscribeEvent,
  GatewaySubjects,
  type DispatchEnvelope,
} from '../../src/contracts/index.ts';
import { waitFor } from '../helpers/services.ts';

describe('bus event map', () => {
  it('builds subjects', () => {
    assert.equal(GatewaySubjects.guildDispatch('42'), 'gateway.guild.42');
    assert.equal(GatewaySubjects.userDispatch('7'), 'gateway.user.7');
    assert.equal(deadQueue(Queues.searchIndex), 'search.index.dead');
  });

  it('rejects mismatched subjects and payloads at compile time', () => {
    // Never called: tsc checks that each line below is an error (the @ts-expect-error would fail otherwise).
    const typeChecks = (bus: MemoryBus) => {
      // @ts-expect-error a dispatch needs `d`
      publishEvent(bus, GatewaySubjects.guildDispatch('42'), { t: 'X' });
      // @ts-expect-error push jobs carry recipientIds
      void enqueueJob(bus, 'push', { messageId: '1', channelId: '2' });
      // @ts-expect-error presence.update is an event, not a request subject
      void requestRpc(bus, 'presence.update', {}, { timeoutMs: 1 });
      // @ts-expect-error no such queue
      void enqueueJob(bus, 'nope', {});
    };
    assert.equal(typeof typeChecks, 'function');
  });

  it('types publish/subscribe, request/serve and queues end to end', async () => {
    const bus = new MemoryBus();
    try {
      const got: DispatchEnvelope[] = [];
      subscribeEvent(bus, GatewaySubjects.allGuildDispatches, (env) => got.push(env));
      publishEvent(bus, GatewaySubjects.guildDispatch('42'), { t: 'MESSAGE_CREATE', d: { id: '1' }, guildId: '42', channelId: '9' });
      await waitFor(() => got.length >= 1, { what: 'dispatch' });
      assert.equal(got[0].t, 'MESSAGE_CREATE');

      serveRpc(bus, 'presence.query', ({ userIds = [] }) => ({
        presences: userIds.map((id) => ({ user: { id }, status: 'online' as const, activities: [], client_status: { web: 'online' as const } })),
      }));
      const reply = await requestRpc(bus, 'presence.query', { userIds: ['5'] }, { timeoutMs: 1000 });
      assert.equal(reply.presences[0].user.id, '5');

      const jobs: string[][] = [];
      await consumeJobs(bus, 'embed', async (job) => void jobs.push(job.urls));
      await enqueueJob(bus, 'embed', { messageId: '1', channelId: '2', urls: ['https://example.com'] });
      await waitFor(() => jobs.length === 1, { what: 'embed job' });
      assert.deepEqual(jobs, [['https://example.com']]);
    } finally {
      await bus.close();
    }
  });
});
