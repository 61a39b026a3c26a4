/**
 * The presence role over a real (in-memory) bus: sessions' updates in, PRESENCE_UPDATE dispatches out.
 * Expiry tests use short TTLs and poll; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { DispatchEnvelope } from '../../src/contracts/index.ts';
import { MemoryBroker, MemoryBus } from '../../src/bus/memory.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { PresenceSubjects, type PresenceQuery, type PresenceQueryReply, type PresenceResync, type PresenceSessionUpdate } from '../../src/contracts/presence.ts';
import { startPresenceRole, type PresenceRoleOptions } from '../../src/presence/index.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import type { BlobStore } from '../../src/blobs/types.ts';
import type { RoleDeps, RunningRole } from '../../src/contracts/role.ts';
import type { Store } from '../../src/store/types.ts';
import { waitFor } from '../helpers/services.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startNode(nodeId: string, broker: MemoryBroker, opts: PresenceRoleOptions = {}, overrides: Record<string, unknown> = {}): Promise<{ bus: MemoryBus; role: RunningRole }> {
  const bus = new MemoryBus({ broker });
  const config = loadConfig({ env: {}, overrides: { nodeId, logLevel: 'silent', presenceWarmupMs: 0, ...overrides } });
  // The presence role never touches the store.
  const deps: RoleDeps = { config, store: {} as Store, bus, log: silentLogger, ids: new SnowflakeGenerator(), now: Date.now, blobs: {} as BlobStore, links: { cdnBase: () => '', signingKey: Buffer.alloc(32) } };
  const role = await startPresenceRole(deps, { sweepIntervalMs: 20, peerIntervalMs: 50, ...opts });
  cleanups.push(async () => {
    await role.close();
    await bus.close();
  });
  return { bus, role };
}

async function setup(opts: PresenceRoleOptions = {}, overrides: Record<string, unknown> = {}) {
  const broker = new MemoryBroker();
  const node = await startNode('presence-a', broker, opts, overrides);
  const client = new MemoryBus({ broker });
  cleanups.push(() => client.close());
  const seen: DispatchEnvelope[] = [];
  client.subscribe<DispatchEnvelope>('gateway.guild.*', (e) => {
    if (e.t === 'PRESENCE_UPDATE') seen.push(e);
  });
  const update = (over: Partial<PresenceSessionUpdate>) =>
    client.publish(PresenceSubjects.update, {
      nodeId: 'sessions-1', sessionId: 's1', userId: 'u1', guildIds: ['g1'], status: 'online', activities: [], platform: 'desktop', since: null, afk: false, ...over,
    } satisfies PresenceSessionUpdate);
  const query = (q: PresenceQuery) => client.request<PresenceQueryReply>(PresenceSubjects.query, q, { timeoutMs: 1000 });
  const updatesFor = (userId: string, guildId = 'g1') => seen.filter((e) => e.guildId === guildId && (e.d.user as any).id === userId);
  return { broker, node, client, seen, update, query, updatesFor };
}

describe('presence role', () => {
  it('merges two sessions on two platforms into one presence with client_status', async () => {
    const p = await setup();
    p.update({ sessionId: 'desk', platform: 'desktop', status: 'online', activities: [{ name: 'Editor', type: 0 }], guildIds: ['g1', 'g2'] });
    await waitFor(() => p.updatesFor('u1').length === 1 && p.updatesFor('u1', 'g2').length === 1, { what: 'first update in both guilds' });
    assert.deepEqual(p.updatesFor('u1')[0], {
      t: 'PRESENCE_UPDATE',
      guildId: 'g1',
      d: { user: { id: 'u1' }, guild_id: 'g1', status: 'online', activities: [{ name: 'Editor', type: 0 }], client_status: { desktop: 'online' } },
    });
    p.update({ nodeId: 'sessions-2', sessionId: 'phone', platform: 'mobile', status: 'idle', guildIds: ['g1', 'g2'] });
    const merged = await waitFor(() => p.updatesFor('u1')[1], { what: 'merged update' });
    assert.deepEqual(merged.d, { user: { id: 'u1' }, guild_id: 'g1', status: 'idle', activities: [], client_status: { desktop: 'online', mobile: 'idle' } });
    const { presences } = await p.query({ userIds: ['u1', 'nobody'] });
    assert.deepEqual(presences, [{ user: { id: 'u1' }, status: 'idle', activities: [], client_status: { desktop: 'online', mobile: 'idle' } }]);
  });

  it('shows an invisible user as offline', async () => {
    const p = await setup();
    p.update({ userId: 'ghost', status: 'invisible' });
    p.update({ userId: 'marker', sessionId: 'm' });
    await waitFor(() => p.updatesFor('marker').length === 1, { what: 'marker' });
    assert.equal(p.updatesFor('ghost').length, 0);
    assert.deepEqual((await p.query({ userIds: ['ghost'] })).presences, []);
    // Online, then invisible: the guild sees the user go offline.
    p.update({ userId: 'ghost', status: 'online' });
    p.update({ userId: 'ghost', status: 'invisible' });
    p.update({ userId: 'ghost', sessionId: 'ghost-2', status: 'dnd' });
    await waitFor(() => p.updatesFor('ghost').length === 1, { what: 'ghost visible' });
    p.update({ userId: 'ghost', sessionId: 'ghost-2', status: 'invisible' });
    const off = await waitFor(() => p.updatesFor('ghost')[1], { what: 'ghost offline' });
    assert.deepEqual(off.d, { user: { id: 'ghost' }, guild_id: 'g1', status: 'offline', activities: [], client_status: {} });
  });

  it('connected: says which asked users have a live session, invisible ones included, and only when asked', async () => {
    const p = await setup();
    p.update({ userId: 'seen', sessionId: 'a' });
    p.update({ userId: 'hidden', sessionId: 'b', status: 'invisible' });
    p.update({ userId: 'leaving', sessionId: 'c' });
    await waitFor(() => p.updatesFor('leaving').length === 1, { what: 'leaving online' });
    p.client.publish(PresenceSubjects.gone, { nodeId: 'sessions-1', sessionId: 'c', userId: 'leaving' });
    await waitFor(() => p.updatesFor('leaving').length === 2, { what: 'leaving offline' });
    const reply = await p.query({ userIds: ['seen', 'hidden', 'leaving', 'nobody'], connected: true });
    assert.deepEqual(reply.connected, ['seen', 'hidden']);
    assert.deepEqual(reply.presences.map((x) => x.user.id), ['seen'], 'the invisible one still shows offline');
    assert.equal((await p.query({ userIds: ['seen'] })).connected, undefined);
  });

  it('a node that just started does not say who is connected until its warm-up has passed', async () => {
    const p = await setup({}, { presenceWarmupMs: 400 });
    p.update({ userId: 'early', sessionId: 'e' });
    await waitFor(() => p.updatesFor('early').length === 1, { what: 'early online' });
    assert.equal((await p.query({ userIds: ['early'], connected: true })).connected, undefined, 'not yet: it may not have heard of every session');
    await waitFor(async () => (await p.query({ userIds: ['early'], connected: true })).connected !== undefined, { what: 'the warm-up over' });
    assert.deepEqual((await p.query({ userIds: ['early', 'late'], connected: true })).connected, ['early']);
  });

  it('coalesces updates of one user within one tick', async () => {
    const p = await setup();
    for (const status of ['online', 'idle', 'dnd', 'online', 'idle'] as const) p.update({ userId: 'busy', status });
    p.update({ userId: 'marker', sessionId: 'm' });
    await waitFor(() => p.updatesFor('marker').length === 1, { what: 'marker' });
    await waitFor(() => p.updatesFor('busy').length >= 1, { what: 'busy' });
    assert.deepEqual(p.updatesFor('busy').map((e) => e.d.status), ['idle']);
  });

  it('a gone session takes the user offline at once', async () => {
    const p = await setup();
    p.update({ userId: 'leaver', sessionId: 'l1' });
    await waitFor(() => p.updatesFor('leaver').length === 1, { what: 'online' });
    p.client.publish(PresenceSubjects.gone, { nodeId: 'sessions-1', sessionId: 'l1', userId: 'leaver' });
    const off = await waitFor(() => p.updatesFor('leaver')[1], { what: 'offline' });
    assert.equal(off.d.status, 'offline');
    assert.deepEqual(off.d.client_status, {});
    assert.deepEqual((await p.query({ userIds: ['leaver'] })).presences, []);
  });

  it('asks every sessions node for their presences when it starts, and a node for the sessions its heartbeat lists that it does not know', async () => {
    const broker = new MemoryBroker();
    const client = new MemoryBus({ broker });
    cleanups.push(() => client.close());
    const asked: PresenceResync[] = [];
    client.subscribe<PresenceResync>(PresenceSubjects.resync, (r) => void asked.push(r));
    const node = await startNode('presence-a', broker);
    await waitFor(() => asked.length === 1, { what: 'the start-up request' });
    assert.deepEqual(asked[0], {}, 'every sessions node, every session');

    client.publish(PresenceSubjects.update, { nodeId: 'sessions-1', sessionId: 'known', userId: 'u1', guildIds: ['g1'], status: 'online', activities: [], platform: 'desktop', since: null, afk: false });
    client.publish(PresenceSubjects.heartbeat, { nodeId: 'sessions-1', sessionIds: ['known', 'lost'], ttlMs: 60_000 });
    await waitFor(() => asked.length === 2, { what: 'the request for the unknown session' });
    assert.deepEqual(asked[1], { nodeId: 'sessions-1', sessionIds: ['lost'] });
    // Asked once per heartbeat TTL: the next heartbeats do not ask again meanwhile.
    client.publish(PresenceSubjects.heartbeat, { nodeId: 'sessions-1', sessionIds: ['known', 'lost'], ttlMs: 60_000 });
    client.publish(PresenceSubjects.heartbeat, { nodeId: 'sessions-2', sessionIds: ['other'], ttlMs: 60_000 });
    await waitFor(() => asked.length === 3, { what: 'the request to the other node' });
    assert.deepEqual(asked.slice(2), [{ nodeId: 'sessions-2', sessionIds: ['other'] }]);
    const metric = node.role.metrics!().find((m) => m.name === 'presence_resyncs_total');
    assert.equal(metric?.value, 2);
  });

  it('expires sessions whose node stops heartbeating, keeps those it lists', async () => {
    const p = await setup();
    p.client.publish(PresenceSubjects.heartbeat, { nodeId: 'dying', sessionIds: [], ttlMs: 150 });
    p.client.publish(PresenceSubjects.heartbeat, { nodeId: 'alive', sessionIds: [], ttlMs: 150 });
    p.update({ nodeId: 'dying', userId: 'u-dying', sessionId: 'd1' });
    p.update({ nodeId: 'alive', userId: 'u-alive', sessionId: 'a1' });
    await waitFor(() => p.updatesFor('u-dying').length === 1 && p.updatesFor('u-alive').length === 1, { what: 'both online' });
    const beat = setInterval(() => p.client.publish(PresenceSubjects.heartbeat, { nodeId: 'alive', sessionIds: ['a1'], ttlMs: 150 }), 30);
    try {
      const started = Date.now();
      const off = await waitFor(() => p.updatesFor('u-dying')[1], { what: 'expiry', timeoutMs: 3000 });
      assert.equal(off.d.status, 'offline');
      assert.ok(Date.now() - started >= 100, 'not before the TTL');
      // Outlive the TTL several times over while heartbeating: the listed session stays.
      await waitFor(() => Date.now() - started > 500, { what: 'time to pass' });
      assert.deepEqual((await p.query({ userIds: ['u-alive'] })).presences.map((x) => x.status), ['online']);
      assert.equal(p.updatesFor('u-alive').length, 1);
    } finally {
      clearInterval(beat);
    }
  });

  it('answers a query by guild and follows membership events', async () => {
    const p = await setup();
    p.update({ userId: 'm1', sessionId: 'x1', guildIds: ['g1'] });
    p.update({ userId: 'm2', sessionId: 'x2', guildIds: ['g1', 'g3'], status: 'dnd' });
    await waitFor(() => p.updatesFor('m2', 'g3').length === 1, { what: 'online' });
    assert.deepEqual((await p.query({ guildId: 'g1' })).presences.map((x) => x.user.id).sort(), ['m1', 'm2']);
    // m1 joins g3: the guild learns m1's presence.
    p.client.publish('gateway.guild.g3', { t: 'GUILD_MEMBER_ADD', guildId: 'g3', d: { guild_id: 'g3', user: { id: 'm1' }, roles: [] } });
    await waitFor(() => p.updatesFor('m1', 'g3').length === 1, { what: 'presence in the joined guild' });
    assert.deepEqual((await p.query({ guildId: 'g3' })).presences.map((x) => x.user.id).sort(), ['m1', 'm2']);
    p.client.publish('gateway.guild.g3', { t: 'GUILD_MEMBER_REMOVE', guildId: 'g3', d: { guild_id: 'g3', user: { id: 'm1' } } });
    await waitFor(async () => (await p.query({ guildId: 'g3' })).presences.length === 1, { what: 'removed from g3' });
    p.update({ userId: 'm1', sessionId: 'x1', guildIds: undefined as unknown as string[], status: 'idle' });
    await waitFor(() => p.updatesFor('m1').length === 2, { what: 'idle in g1' });
    assert.equal(p.updatesFor('m1', 'g3').length, 1, 'no longer announced in g3');
  });

  it('with two presence nodes only one publishes; the other takes over when it stops', async () => {
    const p = await setup();
    const announces: string[] = [];
    p.client.subscribe<{ nodeId: string }>(PresenceSubjects.peer, (a) => announces.push(a.nodeId));
    const second = await startNode('presence-b', p.broker);
    // presence-a answers a newcomer's announcement at once; once that is out, presence-b knows it is not first.
    await waitFor(() => announces.includes('presence-a'), { what: 'presence-a announcement' });
    p.update({ userId: 'pair', sessionId: 'p1' });
    await waitFor(() => p.updatesFor('pair').length >= 1, { what: 'first' });
    p.update({ userId: 'marker', sessionId: 'm' });
    await waitFor(() => p.updatesFor('marker').length >= 1, { what: 'marker' });
    assert.equal(p.updatesFor('pair').length, 1, 'published once');
    // Both answer queries from the full state.
    assert.equal((await p.query({ userIds: ['pair'] })).presences.length, 1);

    await p.node.role.close();
    // presence-b takes over once presence-a's announcement runs out (3 × 50 ms).
    await waitFor(async () => {
      p.update({ userId: 'pair', sessionId: 'p1', status: Math.random() < 0.5 ? 'idle' : 'dnd' });
      return p.updatesFor('pair').length > 1;
    }, { what: 'takeover', timeoutMs: 3000, intervalMs: 60 });
    assert.ok(second.role.ready());
  });
});
