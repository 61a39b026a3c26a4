/**
 * Sessions outliving their sockets: RESUME replays missed dispatches in order then RESUMED; an evicted or
 * unknown seq, a client close 1000 or an expired session end in INVALID_SESSION false; a seq from the future
 * closes 4007; a resume takes the session over from a still-open socket; shutdown sends op 7 RECONNECT.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { SessionsRole } from '../../src/sessions/index.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { guildFixture, send, type GuildFixture } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

const sessionsRole = (t: TestServer) => t.server.roles.find((r) => r.name === 'sessions') as SessionsRole;

describe('gateway resume', () => {
  let t: TestServer;
  let f: GuildFixture;
  const clients: GatewayClient[] = [];
  const connect = async () => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    return c;
  };
  const online = async () => {
    const c = await connect();
    const ready = await c.identify(f.member.token);
    await c.waitForDispatch('GUILD_CREATE');
    return { c, sessionId: ready.session_id as string };
  };
  /** The owner's live session: once it has a message, the router has handed it to every session. */
  let observer: GatewayClient;
  const routed = (content: string) => observer.waitForDispatch('MESSAGE_CREATE', (d) => d.content === content);
  const resume = async (sessionId: string, seq: number | null) => {
    const c = await connect();
    await c.waitForOp(10);
    c.send(6, { token: f.member.token, session_id: sessionId, seq });
    return c;
  };

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000, replayMaxEvents: 5 });
    f = await guildFixture(t);
    observer = await connect();
    await observer.identify(f.owner.token);
    await observer.waitForDispatch('GUILD_CREATE');
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('a dropped socket resumes: missed events replayed in order, then RESUMED, then live events', async () => {
    const { c, sessionId } = await online();
    await send(t, f.owner, f.channel.id, 'seen');
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'seen');
    const seq = c.lastSeq!;
    await c.close(); // TCP drop, no close frame: the session stays
    for (const m of ['missed 1', 'missed 2', 'missed 3']) await send(t, f.owner, f.channel.id, m);
    await routed('missed 3');
    const r = await resume(sessionId, seq);
    const resumed = await r.waitForDispatch('RESUMED');
    const replayed = r.dispatches().filter((p) => p.s! < resumed.s!);
    assert.deepEqual(replayed.map((p) => p.d.content), ['missed 1', 'missed 2', 'missed 3']);
    assert.deepEqual(replayed.map((p) => p.s), [seq + 1, seq + 2, seq + 3]);
    assert.equal(resumed.s, seq + 4);
    assert.equal(r.dispatches('READY').length, 0);
    await send(t, f.owner, f.channel.id, 'live');
    const live = await r.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'live');
    assert.equal(live.s, seq + 5);
  });

  it('RESUME with a seq no longer in the deque (evicted) gets INVALID_SESSION false', async () => {
    const { c, sessionId } = await online();
    const seq = c.lastSeq!;
    await c.close();
    for (let i = 0; i < 7; i++) await send(t, f.owner, f.channel.id, `flood ${i}`);
    await routed('flood 6');
    const r = await resume(sessionId, seq);
    const inv = await r.waitForOp(9);
    assert.equal(inv.d, false);
    // The session is gone: the same socket identifies afresh.
    r.send(2, { token: f.member.token, properties: {}, intents: 0 });
    const ready = await r.waitForDispatch('READY');
    assert.notEqual(ready.d.session_id, sessionId);
  });

  it('RESUME with a seq ahead of the session closes 4007', async () => {
    const { c, sessionId } = await online();
    const seq = c.lastSeq!;
    await c.close();
    const r = await resume(sessionId, seq + 100);
    assert.equal((await r.waitForClose()).code, 4007);
  });

  it('RESUME of a session the client closed with 1000 gets INVALID_SESSION false', async () => {
    const { c, sessionId } = await online();
    const seq = c.lastSeq!;
    c.ws.close(1000);
    await c.waitForClose();
    await waitFor(async () => {
      const r = await resume(sessionId, seq);
      const p = await r.waitForOp(9).catch(() => null);
      await r.close();
      return p && p.d === false;
    }, { what: 'invalidated session' });
  });

  it('RESUME while the old socket is still open takes the session over (old socket closed 4000)', async () => {
    const { c, sessionId } = await online();
    const seq = c.lastSeq!;
    const r = await resume(sessionId, seq);
    await r.waitForDispatch('RESUMED');
    assert.equal((await c.waitForClose()).code, 4000);
    await send(t, f.owner, f.channel.id, 'after takeover');
    await r.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'after takeover');
  });

  it('a server-side drop (TCP reset) keeps the session resumable', async () => {
    const sockets: Duplex[] = [];
    const record = (_req: unknown, socket: Duplex) => sockets.push(socket);
    t.server.app.server.on('upgrade', record);
    try {
      const { c, sessionId } = await online();
      const seq = c.lastSeq!;
      sockets.at(-1)!.destroy();
      await c.waitForClose();
      await send(t, f.owner, f.channel.id, 'during drop');
      await routed('during drop');
      const r = await resume(sessionId, seq);
      const resumed = await r.waitForDispatch('RESUMED');
      const replayed = r.dispatches('MESSAGE_CREATE').filter((p) => p.s! < resumed.s!);
      assert.deepEqual(replayed.map((p) => p.d.content), ['during drop']);
    } finally {
      t.server.app.server.off('upgrade', record);
    }
  });
});

describe('gateway session expiry and shutdown', () => {
  it('an expired session (resumeGraceMs) cannot be resumed; shutdown sends op 7 then a resumable close', async () => {
    const t = await startTestServer({ heartbeatIntervalMs: 5000, resumeGraceMs: 100 });
    const clients: GatewayClient[] = [];
    try {
      const f = await guildFixture(t);
      const c = await GatewayClient.connect(t.url);
      clients.push(c);
      const ready = await c.identify(f.member.token);
      await c.close();
      await waitFor(() => sessionsRole(t).stats().sessions === 0, { what: 'session expiry' });
      const r = await GatewayClient.connect(t.url);
      clients.push(r);
      await r.waitForOp(10);
      r.send(6, { token: f.member.token, session_id: ready.session_id, seq: 1 });
      assert.equal((await r.waitForOp(9)).d, false);

      const live = await GatewayClient.connect(t.url);
      clients.push(live);
      await live.identify(f.owner.token);
      await t.close();
      const reconnect = await live.waitForOp(7);
      assert.equal(reconnect.d, null);
      assert.equal((await live.waitForClose()).code, 4000);
    } finally {
      for (const c of clients) await c.close();
      await t.close();
    }
  });
});
