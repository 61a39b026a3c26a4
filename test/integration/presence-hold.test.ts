/**
 * ACCORD_PRESENCE_HOLD_MS through the gateway (src/sessions/presence-hold.ts): a PRESENCE_UPDATE to a quiet
 * session waits for the hold; the next other dispatch takes it along, ahead of itself, with consecutive sequence
 * numbers, on plain JSON and on zlib-stream. With the hold at 0 it arrives at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { guildFixture, send } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('presence hold through the gateway', () => {
  const servers: TestServer[] = [];
  const clients: GatewayClient[] = [];
  const online = async (t: TestServer, token: string, zlib = false) => {
    const c = await GatewayClient.connect(t.url, { zlib });
    clients.push(c);
    await c.identifyAndLoad(token);
    return c;
  };
  let immediate: TestServer;

  before(async () => {
    immediate = await startTestServer({ presenceHoldMs: 0 });
    servers.push(immediate);
  });
  after(async () => {
    for (const c of clients) await c.close();
    for (const s of servers) await s.close();
  });

  for (const zlib of [false, true]) {
    it(`a held presence leaves with the next message, ahead of it, seqs in order (${zlib ? 'zlib-stream' : 'plain JSON'})`, async () => {
      // A hold far longer than the test, and one of its own: the process keeps one timer per hold length, and a
      // timer another case started could end this case's hold early.
      const held = await startTestServer({ presenceHoldMs: zlib ? 9_999 : 10_000 });
      servers.push(held);
      const f = await guildFixture(held);
      const member = await online(held, f.member.token, zlib);
      const owner = await online(held, f.owner.token);
      const before = member.dispatches().length;
      owner.send(3, { since: null, activities: [], status: 'dnd', afk: false });
      await sleep(400);
      assert.equal(member.dispatches('PRESENCE_UPDATE').filter((p) => p.d.user.id === f.owner.id && p.d.status === 'dnd').length, 0, 'held');
      await send(held, f.owner, f.channel.id, 'carrier');
      const msg = await member.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'carrier');
      const after = member.dispatches().slice(before);
      const presence = after.find((p) => p.t === 'PRESENCE_UPDATE' && p.d.user.id === f.owner.id && p.d.status === 'dnd');
      assert.ok(presence, `the presence arrived with the message: ${after.map((p) => p.t).join(', ')}`);
      assert.ok(after.indexOf(presence) < after.indexOf(msg), 'ahead of the message');
      const seqs = after.map((p) => p.s as number);
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i), 'consecutive sequence numbers in arrival order');
    });
  }

  it('with the hold at 0 the presence arrives without another event', async () => {
    const f = await guildFixture(immediate);
    const member = await online(immediate, f.member.token);
    const owner = await online(immediate, f.owner.token);
    owner.send(3, { since: null, activities: [], status: 'idle', afk: false });
    await member.waitForDispatch('PRESENCE_UPDATE', (d) => d.user.id === f.owner.id && d.status === 'idle', 3000);
  });
});
