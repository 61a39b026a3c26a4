/**
 * Gateway payloads the fuzz suite (test/fuzz) found fatal: values whose conversion to a string throws
 * (`{"toString": 1}`) in op 8 and in IDENTIFY's properties. op 8 threw inside the socket's message listener,
 * which nothing catches: the whole process went down. Each must now be answered like any odd value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

const POISON = { toString: 1, valueOf: 1 };

/** Sends a heartbeat and waits for its ACK: the frames before it were read and the socket kept. */
async function stillServing(c: GatewayClient): Promise<void> {
  const acks = c.payloads.filter((p) => p.op === 11).length;
  c.send(1, null);
  await c.waitFor(() => c.payloads.filter((p) => p.op === 11).length > acks || c.closed !== null, 'heartbeat ACK');
  assert.equal(c.closed, null);
}

describe('hostile values in gateway payloads', () => {
  test('op 8 with an object for guild_id or inside user_ids is answered, not fatal', async () => {
    const user = await t.register();
    const guild = await t.createGuild(user);
    const c = await GatewayClient.connect(t.url, { heartbeat: false });
    try {
      await c.identify(user.token);
      await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
      c.send(8, { guild_id: POISON, query: '', limit: 0 });
      c.send(8, { guild_id: [POISON], query: '', limit: 0 });
      await stillServing(c);

      c.send(8, { guild_id: guild.id, user_ids: [[POISON], POISON], nonce: 'poison' });
      const chunk = await c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'poison');
      assert.deepEqual(chunk.d.members, []);
      await stillServing(c);
    } finally {
      await c.close();
    }
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
  });

  test('IDENTIFY whose properties are objects gets READY', async () => {
    const user = await t.register();
    const c = await GatewayClient.connect(t.url, { heartbeat: false });
    try {
      await c.waitForOp(10);
      c.send(2, { token: user.token, properties: { os: POISON, browser: [POISON], device: POISON } });
      const ready = await c.waitFor((p) => (p.op === 0 && p.t === 'READY') || c.closed !== null, 'READY');
      assert.equal(c.closed, null, `closed ${JSON.stringify(c.closed)}`);
      assert.equal(ready.d.user.id, user.id);
    } finally {
      await c.close();
    }
  });
});
