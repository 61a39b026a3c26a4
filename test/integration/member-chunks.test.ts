/**
 * op 8 for every member of a guild whose member list is larger than one socket's outbound queue: the
 * GUILD_MEMBERS_CHUNKs are paced by the socket (src/sessions/member-requests.ts), so every chunk arrives and the
 * socket stays open. (Sent all at once, they overflowed the queue, which closes the socket with 4000.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addFillerMembers } from '../helpers/members.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';

/** Three chunks of ~330 KB each: more than the 512 KiB queue, while one chunk fits. */
const FILLERS = 2_400;
const OUTBOUND_MAX_BYTES = 512 * 1024;

describe('op 8 every member, more than the outbound queue holds', () => {
  let t: TestServer;
  let owner: TestUser;
  let guildId: string;
  const clients: GatewayClient[] = [];

  before(async () => {
    t = await startTestServer({ outboundMaxBytes: OUTBOUND_MAX_BYTES });
    owner = await t.register();
    guildId = (await t.createGuild(owner, 'many members')).id;
    await addFillerMembers(t.store, guildId, FILLERS);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('sends every chunk in order and keeps the socket open', async () => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identify(owner.token);
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guildId);
    c.send(8, { guild_id: guildId, query: '', limit: 0, presences: true, nonce: 'all' });
    const last = await c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'all' && d.chunk_index === d.chunk_count - 1, 10_000).catch((err) => {
      assert.equal(c.closed, null, 'the socket closed before the last chunk');
      throw err;
    });
    const chunks = c.dispatches('GUILD_MEMBERS_CHUNK').map((p) => p.d).filter((d) => d.nonce === 'all');
    assert.equal(last.d.chunk_count, 3);
    assert.deepEqual(chunks.map((d) => d.chunk_index), [0, 1, 2]);
    const members = chunks.flatMap((d) => d.members.map((m: any) => m.user.id));
    assert.equal(members.length, FILLERS + 1);
    assert.equal(new Set(members).size, FILLERS + 1);
    assert.ok(members.includes(owner.id));
    // The requester is online: its presence comes with the chunk that lists it.
    assert.ok(chunks.some((d) => d.presences.some((p: any) => p.user.id === owner.id)));
    const total = chunks.reduce((n, d) => n + JSON.stringify(d).length, 0);
    assert.ok(total > OUTBOUND_MAX_BYTES, `the answer (${total} bytes) must be larger than the queue for this test to mean anything`);
    assert.equal(c.closed, null);
  });

  it('a limit above 1000 pages on up to that many members (1000 per chunk), each once', async () => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identifyAndLoad(owner.token);
    c.send(8, { guild_id: guildId, query: '', limit: 1500, nonce: 'limited' });
    await c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'limited' && d.chunk_index === d.chunk_count - 1, 10_000);
    const chunks = c.dispatches('GUILD_MEMBERS_CHUNK').map((p) => p.d).filter((d) => d.nonce === 'limited');
    assert.deepEqual(chunks.map((d) => [d.chunk_index, d.chunk_count, d.members.length]), [[0, 2, 1000], [1, 2, 500]]);
    assert.equal(new Set(chunks.flatMap((d) => d.members.map((m: any) => m.user.id))).size, 1500);
  });
});
