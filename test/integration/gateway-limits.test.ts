/**
 * Bounds on what one client can hold: a socket that never identifies is closed with 4003 after
 * ACCORD_IDENTIFY_TIMEOUT_MS, and a user at ACCORD_MAX_SESSIONS_PER_USER first loses its oldest disconnected
 * session, then gets 4015 for a new one while every session is live.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';

describe('gateway limits', () => {
  let t: TestServer;
  const clients: GatewayClient[] = [];
  const connect = async () => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000, identifyTimeoutMs: 1000, maxSessionsPerUser: 2, resumeGraceMs: 60_000 });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('closes a heartbeating socket that never identifies with 4003, and again after op 9', async () => {
    const idle = await connect();
    await idle.waitForOp(10);
    const started = Date.now();
    const closed = await idle.waitForClose(5000);
    assert.equal(closed.code, 4003);
    assert.ok(Date.now() - started >= 900, 'not before the deadline');

    // After INVALID_SESSION the socket is back in `hello` and the deadline starts again.
    const c = await connect();
    await c.waitForOp(10);
    c.send(6, { token: 'nope', session_id: 'unknown', seq: 1 });
    const invalid = await c.waitForOp(9);
    assert.equal(invalid.d, false);
    assert.equal((await c.waitForClose(5000)).code, 4003);
  });

  it('keeps a user under the session cap: evicts a disconnected session, then refuses with 4015', async () => {
    const user = await t.register();
    const a = await connect();
    const readyA = await a.identify(user.token);
    await a.close(); // dropped without a close frame: the session waits for a RESUME
    const b = await connect();
    await b.identify(user.token);
    const c = await connect();
    await c.identify(user.token); // at the cap of 2: A's detached session makes room

    const resume = await connect();
    await resume.waitForOp(10);
    resume.send(6, { token: user.token, session_id: readyA.session_id, seq: 1 });
    assert.equal((await resume.waitForOp(9)).d, false, 'the evicted session cannot be resumed');

    const d = await connect();
    await d.waitForOp(10);
    d.send(2, { token: user.token, properties: { os: 'linux', browser: 'test', device: 'test' }, intents: 1 });
    assert.equal((await d.waitForClose(5000)).code, 4015);
    assert.equal(b.closed, null, 'live sessions are untouched');
    assert.equal(c.closed, null);
  });
});
