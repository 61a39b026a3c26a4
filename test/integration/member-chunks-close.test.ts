/**
 * op 8 for every member of a large guild, and the socket closes while the GUILD_MEMBERS_CHUNKs wait for room
 * (src/sessions/member-requests.ts waits on Outbound.room between chunks). Either close releases the wait, so the
 * request goes on into the session's resume deque instead of hanging: the resumed session gets every chunk, and
 * the node goes on serving op 8. A client that drops the connection is released by its failing writes already;
 * a server-side close (4009 here) leaves the socket open behind it, and only Outbound.close releases the wait.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addFillerMembers } from '../helpers/members.ts';
import type { SessionsRole } from '../../src/sessions/index.ts';
import { MEMBERS_CHUNK } from '../../src/sessions/member-requests.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { GatewayClient } from './gateway-client.ts';

/** Seven chunks of 1.3 MB (each member holds ROLES roles): far more than loopback buffers for a peer that does not read (~4 MB). */
const FILLERS = 6_000;
const ROLES = 40;
const CHUNKS = Math.ceil((FILLERS + 1) / MEMBERS_CHUNK);
/** The default bound: a chunk must fit in it (a larger one overflows the queue, which closes the socket). */
const OUTBOUND_MAX_BYTES = 4 * 1024 * 1024;
/** Short, so a client that stops heartbeating is closed (4009, at 1.5 × this) within the test. */
const HEARTBEAT_MS = 2_000;

const sessionsRole = (t: TestServer) => t.server.roles.find((r) => r.name === 'sessions') as SessionsRole;
const socketOf = (c: GatewayClient) => (c.ws as unknown as { _socket: Socket })._socket;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('op 8 every member, the socket closed mid-stream', () => {
  let t: TestServer;
  let owner: TestUser;
  let guildId: string;
  const clients: GatewayClient[] = [];

  before(async () => {
    t = await startTestServer({ outboundMaxBytes: OUTBOUND_MAX_BYTES, heartbeatIntervalMs: HEARTBEAT_MS, replayMaxBytes: 64 * 1024 * 1024, replayMaxEvents: 100_000 });
    owner = await t.register();
    guildId = (await t.createGuild(owner, 'many members')).id;
    const roles: string[] = [];
    for (let i = 0; i < ROLES; i++) {
      const res = await t.request('POST', `/guilds/${guildId}/roles`, { auth: owner, body: { name: `role ${i}` } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      roles.push(res.body.id);
    }
    await addFillerMembers(t.store, guildId, FILLERS, { roles });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  const online = async (heartbeat = true) => {
    const c = await GatewayClient.connect(t.url, { heartbeat });
    clients.push(c);
    const ready = await c.identify(owner.token);
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guildId);
    return { c, sessionId: ready.session_id as string };
  };

  const memberIds = (chunks: any[]) => chunks.flatMap((d) => d.members.map((m: any) => m.user.id));

  /**
   * The client stops reading and asks for every member: the chunks back up in its socket until the request waits
   * for room, mid-stream. `beat` runs while waiting (a client that heartbeats by hand).
   */
  async function stalledRequest(c: GatewayClient, nonce: string, beat = () => {}): Promise<void> {
    socketOf(c).pause();
    const out0 = sessionsRole(t).stats().eventsOut;
    c.send(8, { guild_id: guildId, query: '', limit: 0, nonce });
    let last = -1;
    await waitFor(async () => {
      beat();
      const s = sessionsRole(t).stats();
      const stalled = s.eventsOut === last && s.eventsOut > out0;
      last = s.eventsOut;
      await sleep(200);
      return stalled && s.outboundBytesNow > OUTBOUND_MAX_BYTES / 4;
    }, { what: 'the chunks to stall behind the unread socket', timeoutMs: 20_000 });
    const dispatched = sessionsRole(t).stats().eventsOut - out0;
    assert.ok(dispatched < CHUNKS, `the request waits mid-stream (${dispatched} of ${CHUNKS} chunks dispatched)`);
  }

  /** RESUMEs the session on a new socket: every chunk of the request arrives, replayed or live, in order. */
  async function resumeGetsEveryChunk(sessionId: string, seq: number | null, nonce: string): Promise<void> {
    const r = await GatewayClient.connect(t.url);
    clients.push(r);
    await r.waitForOp(10);
    r.send(6, { token: owner.token, session_id: sessionId, seq });
    await r.waitForDispatch('RESUMED', () => true, 20_000);
    // A request left waiting on the old socket would never send the rest.
    await r.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === nonce && d.chunk_index === CHUNKS - 1, 20_000);
    const chunks = r.dispatches('GUILD_MEMBERS_CHUNK').map((p) => p.d).filter((d) => d.nonce === nonce);
    assert.deepEqual(chunks.map((d) => d.chunk_index), Array.from({ length: CHUNKS }, (_, i) => i));
    assert.ok(chunks.every((d) => d.chunk_count === CHUNKS));
    const members = memberIds(chunks);
    assert.equal(members.length, FILLERS + 1);
    assert.equal(new Set(members).size, FILLERS + 1);
    assert.equal(r.closed, null);
  }

  it('the client drops the connection: the waiting request goes on and the resumed session gets every chunk', async () => {
    const { c, sessionId } = await online();
    const seq = c.lastSeq;
    await stalledRequest(c, 'dropped');
    await c.close(); // a dropped TCP connection (1006): resumable
    await resumeGetsEveryChunk(sessionId, seq, 'dropped');
  });

  it('the server closes the socket (4009, missed heartbeats) under the waiting request: it goes on and the resumed session gets every chunk', async () => {
    // This close leaves the backed-up socket open behind it (the close frame waits its turn): only the close of
    // the outbound queue can release the request.
    const { c, sessionId } = await online(false);
    const seq = c.lastSeq;
    await stalledRequest(c, 'zombie', () => c.send(1, seq));
    const { connections, slowCloses } = sessionsRole(t).stats();
    await waitFor(() => sessionsRole(t).stats().connections < connections, { what: 'the server to close the silent socket', timeoutMs: HEARTBEAT_MS * 3 });
    assert.equal(sessionsRole(t).stats().slowCloses, slowCloses, 'closed for its heartbeats, not for an overflow');
    await resumeGetsEveryChunk(sessionId, seq, 'zombie');
  });

  it('the node goes on serving: a new session gets every chunk of the same request', async () => {
    const { c } = await online();
    c.send(8, { guild_id: guildId, query: '', limit: 0, nonce: 'again' });
    await c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'again' && d.chunk_index === CHUNKS - 1, 20_000);
    const chunks = c.dispatches('GUILD_MEMBERS_CHUNK').map((p) => p.d).filter((d) => d.nonce === 'again');
    assert.deepEqual(chunks.map((d) => d.chunk_index), Array.from({ length: CHUNKS }, (_, i) => i));
    assert.equal(new Set(memberIds(chunks)).size, FILLERS + 1);
    assert.equal(c.closed, null);
  });
});
