/**
 * What the fan-out and identify optimisations must not change: a RESUME replays byte-identical frames (the
 * deque holds shared encodings, not copies), the guild role's pre-serialised GUILD_CREATE is the same payload
 * as its object form, and the identify queue is bounded (a queued socket still heartbeats; beyond the bound
 * the client gets INVALID_SESSION false).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GuildSubjects, type GuildSnapshotReply, type GuildSnapshotRequest } from '../../src/contracts/guild.ts';
import type { SessionsRole } from '../../src/sessions/index.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { guildFixture, send, type GuildFixture } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

describe('gateway: shared encodings', () => {
  let t: TestServer;
  let f: GuildFixture;
  const clients: GatewayClient[] = [];
  const connect = async (zlib = false) => {
    const c = await GatewayClient.connect(t.url, { zlib });
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
    f = await guildFixture(t);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('RESUME replays byte-identical frames to the ones sent live', async () => {
    const live = await connect();
    const raw: string[] = [];
    live.ws.on('message', (data, isBinary) => {
      if (!isBinary) raw.push((data as Buffer).toString('utf8'));
    });
    const ready = await live.identify(f.member.token);
    await live.waitForDispatch('GUILD_CREATE');
    const seq = live.lastSeq!;
    const from = raw.length;
    for (const m of ['one', 'two ✓', 'three "quoted"']) await send(t, f.owner, f.channel.id, m);
    await live.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'three "quoted"');
    const sentLive = raw.slice(from).filter((r) => r.startsWith('{"op":0'));
    assert.equal(sentLive.length, 3);
    await live.close();

    const again = await connect();
    const replayed: string[] = [];
    again.ws.on('message', (data, isBinary) => {
      if (!isBinary) replayed.push((data as Buffer).toString('utf8'));
    });
    await again.waitForOp(10);
    again.send(6, { token: f.member.token, session_id: ready.session_id, seq });
    await again.waitForDispatch('RESUMED');
    assert.deepEqual(replayed.filter((r) => r.startsWith('{"op":0') && !r.includes('"RESUMED"')), sentLive);
  });

  it('zlib-stream sessions get the same dispatches as plain ones', async () => {
    const plain = await connect();
    const z = await connect(true);
    await plain.identify(f.member.token);
    await z.identify(f.owner.token);
    await plain.waitForDispatch('GUILD_CREATE');
    await z.waitForDispatch('GUILD_CREATE');
    await send(t, f.owner, f.channel.id, 'compressed');
    const a = await plain.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'compressed');
    const b = await z.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'compressed');
    assert.deepEqual(a.d, b.d);
    for (const frame of z.rawFrames) assert.deepEqual([...frame.subarray(-4)], [0, 0, 0xff, 0xff]);
  });

  it("the guild role's serialised GUILD_CREATE is its object form, and repeated snapshots stay current", async () => {
    const ask = () =>
      t.bus.request<GuildSnapshotReply>(GuildSubjects.snapshot, { guildId: f.guild.id, userId: f.member.id, largeThreshold: 50, presences: true } satisfies GuildSnapshotRequest, { timeoutMs: 3000 });
    const first = await ask();
    assert.ok(first.guildPieces);
    assert.deepEqual(JSON.parse(textOf(first)), JSON.parse(JSON.stringify(first.guild)));
    assert.equal((first.member as any).user.id, f.member.id);
    // A renamed channel and a new message show up in the next snapshot (the cached parts are dropped).
    const r = await t.request('PATCH', `/channels/${f.channel.id}`, { auth: f.owner, body: { name: 'renamed' } });
    assert.equal(r.status, 200);
    const msg = await send(t, f.owner, f.channel.id, 'latest');
    await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === f.channel.id);
    const second = await ask();
    const channel = JSON.parse(textOf(second)).channels.find((c: any) => c.id === f.channel.id);
    assert.equal(channel.name, 'renamed');
    assert.equal(channel.last_message_id, msg.id);
    assert.deepEqual(JSON.parse(textOf(second)), JSON.parse(JSON.stringify(second.guild)));
  });
});

/** The payload the pieces of a snapshot reply make up. */
function textOf(reply: GuildSnapshotReply): string {
  return reply.guildPieces!.map((p) => (typeof p === 'string' ? p : p.text)).join('');
}

describe('gateway: identify admission', () => {
  let t: TestServer;
  let f: GuildFixture;
  const clients: GatewayClient[] = [];
  const connect = async () => {
    const c = await GatewayClient.connect(t.url, { heartbeat: false });
    clients.push(c);
    await c.waitForOp(10);
    return c;
  };
  const identify = (c: GatewayClient, token: string) => c.send(2, { token, properties: { os: 'linux', browser: 'test', device: 'test' }, intents: 513 });

  before(async () => {
    // No guild role, and a snapshot responder that never answers: each identify holds its slot for
    // IDENTIFY_SLOT_MAX_MS after READY, which makes the queue observable.
    t = await startTestServer({ roles: ['api', 'sessions', 'presence'], heartbeatIntervalMs: 5000, roleTimeoutMs: 3000, identifyConcurrency: 1, identifyQueueMax: 1 });
    f = await guildFixture(t);
    // Sessions ask the owner of the guild's partition (guild.p.<n>.snapshot).
    t.bus.serve('guild.p.*.snapshot', () => new Promise(() => {}));
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('one identify at a time, one waiting (still heartbeating), the next refused with INVALID_SESSION false', async () => {
    const [a, b, c] = [await connect(), await connect(), await connect()];
    identify(a, f.owner.token);
    await a.waitForDispatch('READY');
    identify(b, f.member.token);
    identify(c, f.member.token);
    const refused = await c.waitForOp(9);
    assert.equal(refused.d, false);
    const stats = (t.server.roles.find((r) => r.name === 'sessions') as SessionsRole).stats();
    assert.equal(stats.identifyQueued, 1);
    assert.equal(stats.identifiesRefused, 1);
    assert.equal(b.dispatches('READY').length, 0, 'b waits for the slot');
    b.send(1, null);
    await b.waitForOp(11);
    await b.waitForDispatch('READY', () => true, 5000);
    // The refused socket may identify again once there is room.
    identify(c, f.member.token);
    await c.waitForDispatch('READY', () => true, 5000);
  });
});
