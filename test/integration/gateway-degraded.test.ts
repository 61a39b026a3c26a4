/**
 * The gateway when things go wrong: the guild role is down (READY with the guild unavailable, GUILD_CREATE
 * once it is back; op 8 answered with an empty chunk), and a client that stops reading (bounded memory,
 * presences dropped then PRESENCES_REPLACE, or a resumable close when the queue still fills up).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGuildRole } from '../../src/guild/index.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import type { RunningRole } from '../../src/contracts/role.ts';
import type { SessionsRole } from '../../src/sessions/index.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { guildFixture, send, type GuildFixture } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

const sessionsRole = (t: TestServer) => t.server.roles.find((r) => r.name === 'sessions') as SessionsRole;

describe('gateway with the guild role down', () => {
  let t: TestServer;
  let guildRole: RunningRole | undefined;
  const clients: GatewayClient[] = [];
  before(async () => {
    t = await startTestServer({ roles: ['api', 'sessions', 'presence'], heartbeatIntervalMs: 5000, roleTimeoutMs: 100 });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await guildRole?.close();
    await t.close();
  });

  it('READY marks the guild unavailable; GUILD_CREATE follows once a guild role starts; op 8 degrades to an empty chunk', async () => {
    const f = await guildFixture(t);
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    const ready = await c.identify(f.member.token);
    assert.deepEqual(ready.guilds, [{ id: f.guild.id, unavailable: true }]);
    await waitFor(() => sessionsRole(t).stats().guildRetries >= 2, { what: 'background retries' });
    assert.equal(c.dispatches('GUILD_CREATE').length, 0);
    assert.equal(c.closed, null, 'the session does not crash');
    // Events of a guild whose GUILD_CREATE was not sent yet are not delivered.
    await send(t, f.owner, f.channel.id, 'too early');

    const { config, store, bus, blobs, log } = t.server;
    guildRole = await startGuildRole({ config, store, bus, blobs, links: t.server.links, log, ids: new SnowflakeGenerator({ workerId: 1 }), now: Date.now });
    const gc = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === f.guild.id, 15_000);
    assert.ok(Array.isArray(gc.d.channels));
    assert.equal(c.dispatches('MESSAGE_CREATE').length, 0);
    await send(t, f.owner, f.channel.id, 'now');
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'now');

    await guildRole.close();
    guildRole = undefined;
    c.send(8, { guild_id: f.guild.id, query: '', limit: 10, nonce: 'down' });
    const chunk = await c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'down');
    assert.deepEqual({ ...chunk.d, members: chunk.d.members.length }, { guild_id: f.guild.id, members: 0, chunk_index: 0, chunk_count: 1, nonce: 'down' });
  });
});

describe('gateway backpressure', () => {
  const MAX = 256 * 1024;
  let t: TestServer;
  let f: GuildFixture;
  const clients: GatewayClient[] = [];
  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 60_000, outboundMaxBytes: MAX, replayMaxBytes: 64 * 1024 * 1024, replayMaxEvents: 100_000 });
    f = await guildFixture(t);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  const big = 'x'.repeat(16 * 1024);
  let n = 0;
  const publishMessage = () =>
    t.bus.publish(`gateway.guild.${f.guild.id}`, {
      t: 'MESSAGE_CREATE',
      guildId: f.guild.id,
      channelId: f.channel.id,
      d: { id: String(++n), channel_id: f.channel.id, guild_id: f.guild.id, author: { id: f.owner.id }, content: big, mentions: [], embeds: [], attachments: [], components: [] },
    });
  const publishPresence = () =>
    t.bus.publish(`gateway.guild.${f.guild.id}`, {
      t: 'PRESENCE_UPDATE',
      guildId: f.guild.id,
      d: { user: { id: f.owner.id }, guild_id: f.guild.id, status: n % 2 ? 'online' : 'idle', activities: [], client_status: { desktop: 'online' } },
    });
  const tick = () => new Promise((r) => setImmediate(r));

  const pausedClient = async () => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identify(f.member.token);
    await c.waitForDispatch('GUILD_CREATE');
    const socket = (c.ws as any)._socket;
    socket.pause();
    return { c, socket };
  };

  it('a client that stops reading: presences are dropped, memory stays bounded, one PRESENCES_REPLACE once it reads again', async () => {
    const { c, socket } = await pausedClient();
    const dropped0 = sessionsRole(t).stats().presencesDropped;
    // Messages until the connection lags (presences start being dropped), in small batches so the bound is not hit.
    for (let i = 0; i < 5000 && sessionsRole(t).stats().presencesDropped === dropped0; i++) {
      publishMessage();
      publishPresence();
      await tick();
    }
    assert.ok(sessionsRole(t).stats().presencesDropped > dropped0, 'presences dropped while lagging');
    for (let i = 0; i < 200; i++) publishPresence();
    await tick();
    const stats = sessionsRole(t).stats();
    assert.ok(stats.outboundBytesPeak <= MAX, `peak ${stats.outboundBytesPeak} ≤ ${MAX}`);
    assert.equal(stats.slowCloses, 0);
    socket.resume();
    const replace = await c.waitForDispatch('PRESENCES_REPLACE', () => true, 20_000);
    assert.ok(Array.isArray(replace.d));
    assert.equal(c.closed, null);
    // Sequence numbers still increase (presences purged from the queue leave gaps, which clients tolerate).
    const seqs = c.dispatches().map((p) => p.s!);
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!));
  });

  it('a client that keeps not reading is closed with 4000 (resumable) and its session resumes', async () => {
    const { c, socket } = await pausedClient();
    const slow0 = sessionsRole(t).stats().slowCloses;
    for (let i = 0; i < 20_000 && sessionsRole(t).stats().slowCloses === slow0; i++) {
      publishMessage();
      publishPresence();
      if (i % 8 === 0) await tick();
    }
    const stats = sessionsRole(t).stats();
    assert.equal(stats.slowCloses, slow0 + 1);
    assert.ok(stats.outboundBytesPeak <= MAX, `peak ${stats.outboundBytesPeak} ≤ ${MAX}`);
    socket.resume();
    assert.equal((await c.waitForClose(20_000)).code, 4000);
    const sessionId = c.dispatches('READY')[0]!.d.session_id;
    const r = await GatewayClient.connect(t.url);
    clients.push(r);
    await r.waitForOp(10);
    r.send(6, { token: f.member.token, session_id: sessionId, seq: c.lastSeq });
    await r.waitForDispatch('RESUMED', () => true, 20_000);
  });
});
