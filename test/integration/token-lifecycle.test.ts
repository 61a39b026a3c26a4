/**
 * Issue 11, findings 2 and 3: a revoked token loses its gateway sessions on every sessions node (close 4004, not
 * resumable), a password change revokes every other token and answers with a fresh one, the sessions list and
 * its log-out, idle expiry of user tokens and the cap on live tokens per user. Time is a test clock handed to
 * the server (deps.now), so nothing waits for days or minutes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AccountSubjects, publishEvent } from '../../src/contracts/index.ts';
import { parseToken, tokenPublicId } from '../../src/lib/secrets.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400_000;

const idOf = (token: string) => tokenPublicId(parseToken(token)!.hash);

async function login(t: TestServer, user: TestUser, password = PASSWORD, headers: Record<string, string> = {}): Promise<TestUser> {
  const res = await t.request('POST', '/auth/login', { body: { login: user.username, password }, headers });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { ...user, token: res.body.token, auth: res.body.token };
}

const status = async (t: TestServer, auth: string) => (await t.request('GET', '/users/@me', { auth })).status;

describe('token revocation closes gateway sessions (issue 11 #2)', () => {
  let t: TestServer;
  let nodeB: TestServer;
  const clients: GatewayClient[] = [];
  const connect = async (server: TestServer) => {
    const c = await GatewayClient.connect(server.url);
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
    // A second, sessions-only node on the same bus and store: revocations reach it over the bus.
    nodeB = await startTestServer({ roles: ['sessions'], nodeId: 'sessions-b', heartbeatIntervalMs: 5000 }, { store: t.store, bus: t.bus });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await nodeB?.close();
    await t?.close();
  });

  it('POST /auth/logout closes the sessions of that token with 4004 on every node; a RESUME of them fails; other tokens keep theirs', async () => {
    const u = await t.register();
    const other = await login(t, u);
    const onA = await connect(t);
    const onB = await connect(nodeB);
    const keeps = await connect(nodeB);
    const ready = await onA.identify(u.token);
    await onB.identify(u.token);
    await keeps.identify(other.token);

    assert.equal((await t.request('POST', '/auth/logout', { auth: u, body: {} })).status, 204);
    assert.equal((await onA.waitForClose()).code, 4004);
    assert.equal((await onB.waitForClose()).code, 4004);

    // Not resumable, whatever token the RESUME carries.
    const again = await connect(t);
    await again.waitForOp(10);
    again.send(6, { token: other.token, session_id: ready.session_id, seq: 1 });
    const invalid = await again.waitForOp(9);
    assert.equal(invalid.d, false);

    const from = keeps.payloads.length;
    const patched = await t.request('PATCH', '/users/@me', { auth: other, body: { global_name: 'still here' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await keeps.waitForDispatch('USER_UPDATE', (d) => d.global_name === 'still here', 5000, from);
    assert.equal(keeps.closed, null);
  });

  it('a bot token reset closes the bot’s sessions opened with the old token (4004), on another node too', async () => {
    const owner = await t.register();
    const { app, bot } = await makeBot(t, owner, 'Reset Bot');
    const gw = await connect(nodeB);
    await gw.identify(bot.token);
    const reset = await t.request('POST', `/applications/${app.id}/bot/reset`, { auth: owner });
    assert.equal(reset.status, 200);
    assert.equal((await gw.waitForClose()).code, 4004);
    const fresh = await connect(nodeB);
    await fresh.identify(reset.body.token);
    assert.equal(fresh.closed, null);
  });

  it('a session that finishes identifying after the revocation arrived is closed too', async () => {
    // As if the IDENTIFY had resolved the token just before the revocation committed: the event comes first
    // (the token itself is left in the store so that the IDENTIFY still succeeds).
    const u = await t.register();
    const other = await login(t, u);
    publishEvent(t.bus, AccountSubjects.tokensRevoked, { userId: u.id, tokenIds: [idOf(u.token)] });
    const late = await connect(nodeB);
    await late.identify(u.token);
    const unaffected = await connect(nodeB);
    await unaffected.identify(other.token);
    assert.equal((await late.waitForClose()).code, 4004);
    assert.equal(unaffected.closed, null);
  });

  it('READY names the token a user session identified with (auth_session_id_hash)', async () => {
    const u = await t.register();
    const gw = await connect(t);
    const ready = await gw.identify(u.token);
    assert.equal(ready.auth_session_id_hash, idOf(u.token));
    const bot = await makeBot(t, u, 'No Hash Bot');
    const botGw = await connect(t);
    assert.equal((await botGw.identify(bot.bot.token)).auth_session_id_hash, undefined);
  });
});

describe('password change, sessions list (issue 11 #3)', () => {
  let t: TestServer;
  const clients: GatewayClient[] = [];

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t?.close();
  });

  it('refuses without the current password or with a wrong one, changing nothing', async () => {
    const u = await t.register();
    const missing = await t.request('PATCH', '/users/@me', { auth: u, body: { new_password: 'a brand new password' } });
    assertError(missing, 400, 50035);
    assert.equal(missing.body.errors.password._errors[0].code, 'BASE_TYPE_REQUIRED');
    const wrong = await t.request('PATCH', '/users/@me', { auth: u, body: { password: 'not my password', new_password: 'a brand new password' } });
    assertError(wrong, 400, 50035);
    assert.deepEqual(wrong.body.errors.password._errors, [{ code: 'PASSWORD_DOES_NOT_MATCH', message: 'Password does not match.' }]);
    const short = await t.request('PATCH', '/users/@me', { auth: u, body: { password: PASSWORD, new_password: 'short' } });
    assertError(short, 400, 50035);
    assert.ok(short.body.errors.new_password);
    assert.equal(await status(t, u.auth), 200);
    await login(t, u, PASSWORD);
  });

  it('changes the password, answers with a fresh token and revokes every other token, closing their sessions', async () => {
    const u = await t.register();
    const phone = await login(t, u);
    const gw = await GatewayClient.connect(t.url);
    clients.push(gw);
    await gw.identify(phone.token);

    const res = await t.request('PATCH', '/users/@me', { auth: u, body: { password: PASSWORD, new_password: 'a brand new password' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.id, u.id);
    assert.equal(typeof res.body.token, 'string');
    assert.equal((await gw.waitForClose()).code, 4004);
    assert.equal(await status(t, u.auth), 401);
    assert.equal(await status(t, phone.auth), 401);
    assert.equal(await status(t, res.body.token), 200);
    assert.deepEqual((await t.store.tokens.listForUser(u.id)).map((x) => tokenPublicId(x.hash)), [idOf(res.body.token)]);
    assertError(await t.request('POST', '/auth/login', { body: { login: u.username, password: PASSWORD } }), 400, 50035);
    await login(t, u, 'a brand new password');
  });

  it('asks for the current password to change the username or the email too', async () => {
    const u = await t.register();
    const name = `${u.username}x`;
    assertError(await t.request('PATCH', '/users/@me', { auth: u, body: { username: name } }), 400, 50035);
    assertError(await t.request('PATCH', '/users/@me', { auth: u, body: { email: `${name}@example.test`, password: 'wrong password' } }), 400, 50035);
    const ok = await t.request('PATCH', '/users/@me', { auth: u, body: { username: name, email: `${name}@example.test`, password: PASSWORD } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.username, name);
    assert.equal(ok.body.email, `${name}@example.test`);
    assert.equal('token' in ok.body, false);
    // Unchanged values and other fields need no password.
    assert.equal((await t.request('PATCH', '/users/@me', { auth: u, body: { username: name, bio: 'hi' } })).status, 200);
  });

  it('GET /auth/sessions lists each log-in with Discord’s shape; POST /auth/sessions/logout revokes the named ones', async () => {
    const u = await t.register();
    const firefox = await login(t, u, PASSWORD, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0' });
    const superProps = Buffer.from(JSON.stringify({ os: 'Windows', browser: 'Discord Client' })).toString('base64');
    const app = await login(t, u, PASSWORD, { 'x-super-properties': superProps });
    const gw = await GatewayClient.connect(t.url);
    clients.push(gw);
    await gw.identify(firefox.token);

    const list = await t.request('GET', '/auth/sessions', { auth: u });
    assert.equal(list.status, 200);
    const byId = new Map(list.body.user_sessions.map((s: any) => [s.id_hash, s]));
    assert.equal(byId.size, 3);
    assert.deepEqual((byId.get(idOf(firefox.token)) as any).client_info, { os: 'Linux', platform: 'Firefox', location: null });
    assert.deepEqual((byId.get(idOf(app.token)) as any).client_info, { os: 'Windows', platform: 'Discord Client', location: null });
    for (const s of list.body.user_sessions) {
      assert.deepEqual(Object.keys(s).sort(), ['approx_last_used_time', 'client_info', 'id_hash']);
      assert.ok(!Number.isNaN(Date.parse(s.approx_last_used_time)));
    }
    // The stored hash is not what the list shows.
    const stored = await t.store.tokens.listForUser(u.id);
    assert.ok(stored.every((x) => !byId.has(x.hash)));

    const out = await t.request('POST', '/auth/sessions/logout', { auth: u, body: { session_id_hashes: [idOf(firefox.token), 'not-a-session'] } });
    assert.equal(out.status, 204);
    assert.equal((await gw.waitForClose()).code, 4004);
    assert.equal(await status(t, firefox.auth), 401);
    assert.equal(await status(t, app.auth), 200);
    assert.equal(await status(t, u.auth), 200);
    assert.equal((await t.request('GET', '/auth/sessions', { auth: u })).body.user_sessions.length, 2);
    assertError(await t.request('POST', '/auth/sessions/logout', { auth: u, body: {} }), 400, 50035);
    const bot = await makeBot(t, u, 'Sessions Bot');
    assertError(await t.request('GET', '/auth/sessions', { auth: bot.bot }), 403, 20001);
  });
});

describe('token idle expiry and the per-user cap (issue 11 #3)', () => {
  let t: TestServer;
  let clock = Date.now();
  const clients: GatewayClient[] = [];

  before(async () => {
    t = await startTestServer({ tokenIdleDays: 1, maxTokensPerUser: 3, heartbeatIntervalMs: 5000 }, { now: () => clock });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t?.close();
  });

  it('a user token unused for tokenIdleDays is refused and deleted, at REST and IDENTIFY; use keeps it alive; bot tokens never expire', async () => {
    const idle = await t.register();
    const used = await login(t, idle);
    const viaGateway = await login(t, idle);
    const { bot } = await makeBot(t, idle, 'Ageless Bot');
    clock += DAY / 2;
    assert.equal(await status(t, used.auth), 200);
    clock += DAY / 2 + 60_000;
    assert.equal(await status(t, idle.auth), 401);
    assert.equal(await status(t, used.auth), 200);
    const gw = await GatewayClient.connect(t.url);
    clients.push(gw);
    await gw.waitForOp(10);
    gw.send(2, { token: viaGateway.token, properties: {}, intents: 0 });
    assert.equal((await gw.waitForClose()).code, 4004);
    const left = await t.store.tokens.listForUser(idle.id);
    assert.deepEqual(left.map((x) => tokenPublicId(x.hash)), [idOf(used.token)]);
    clock += 400 * DAY;
    assert.equal(await status(t, bot.auth), 200);
  });

  it('records a use at most once a minute', async () => {
    const u = await t.register();
    const issuedAt = clock;
    const lastUsed = async () => (await t.store.tokens.listForUser(u.id))[0]!.lastUsedAt;
    clock += 30_000;
    assert.equal(await status(t, u.auth), 200);
    assert.equal(await lastUsed(), issuedAt);
    clock += 31_000;
    assert.equal(await status(t, u.auth), 200);
    assert.equal(await lastUsed(), clock);
  });

  it('a log-in beyond maxTokensPerUser revokes the least recently used token, closing its sessions', async () => {
    const first = await t.register();
    clock += 120_000;
    const second = await login(t, first);
    clock += 120_000;
    const third = await login(t, first);
    const gw = await GatewayClient.connect(t.url);
    clients.push(gw);
    await gw.identify(second.token);
    clock += 120_000;
    // second was used last by the IDENTIFY; first is now the least recently used.
    const fourth = await login(t, first);
    assert.equal(await status(t, first.auth), 401);
    for (const u of [second, third, fourth]) assert.equal(await status(t, u.auth), 200);
    assert.equal((await t.store.tokens.listForUser(first.id)).length, 3);
    clock += 120_000;
    await status(t, third.auth);
    await status(t, fourth.auth);
    clock += 120_000;
    await login(t, first);
    assert.equal(await status(t, second.auth), 401);
    assert.equal((await gw.waitForClose()).code, 4004);
  });
});
