import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setPasswordHashCost } from '../../src/lib/passwords.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';

describe('auth routes', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('registers an account: 201 with a token that works, username lowercased, only the token hash stored', async () => {
    const res = await t.request('POST', '/auth/register', { body: { username: 'Alice.Smith_1', password: 'hunter2hunter2', email: 'alice@example.test', global_name: 'Alice', consent: true, date_of_birth: '1990-01-01' } });
    assert.equal(res.status, 201);
    assert.equal(typeof res.body.token, 'string');
    const me = await t.request('GET', '/users/@me', { auth: res.body.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'alice.smith_1');
    assert.equal(me.body.global_name, 'Alice');
    assert.equal(me.body.email, 'alice@example.test');
    // The token starts with base64(user id), as Discord's do.
    assert.equal(Buffer.from(res.body.token.split('.')[0], 'base64url').toString(), me.body.id);
    const stored = await t.store.tokens.listForUser(me.body.id);
    assert.equal(stored.length, 1);
    assert.ok(!res.body.token.includes(stored[0]!.hash));
    const user = await t.store.users.get(me.body.id);
    assert.match(user!.passwordHash!, /^scrypt\$/);
  });

  it('refuses invalid usernames and passwords with 50035 and the field tree', async () => {
    const cases: Array<[unknown, string]> = [
      [{ username: 'a', password: 'longenough' }, 'username'],
      [{ username: 'x'.repeat(33), password: 'longenough' }, 'username'],
      [{ username: 'has space', password: 'longenough' }, 'username'],
      [{ username: 'émile', password: 'longenough' }, 'username'],
      [{ username: 'validname', password: 'short' }, 'password'],
      [{ username: 'validname', password: 'x'.repeat(73) }, 'password'],
      [{ password: 'longenough' }, 'username'],
      [{ username: 'validname', password: 'longenough', email: 'not-an-email' }, 'email'],
    ];
    for (const [body, field] of cases) {
      const res = await t.request('POST', '/auth/register', { body });
      assertError(res, 400, 50035);
      assert.ok(res.body.errors[field]?._errors?.length, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
    }
  });

  it('refuses a taken username, case-insensitively', async () => {
    await t.register('takenname');
    const res = await t.request('POST', '/auth/register', { body: { username: 'TakenName', password: 'longenough' } });
    assertError(res, 400, 50035);
    assert.equal(res.body.errors.username._errors[0].code, 'USERNAME_ALREADY_TAKEN');
  });

  it('logs in by username or email: 200 {token, user_id}', async () => {
    const u = await t.register('loginuser');
    for (const login of ['loginuser', 'LoginUser', 'loginuser@example.test']) {
      const res = await t.request('POST', '/auth/login', { body: { login, password: 'correct horse battery staple' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.user_id, u.id);
      const me = await t.request('GET', '/users/@me', { auth: res.body.token });
      assert.equal(me.body.id, u.id);
    }
  });

  it('upgrades a password hash made at a lower cost on the next successful log-in, and only then', async () => {
    const u = await t.register('rehashuser');
    const before = (await t.store.users.get(u.id))!.passwordHash!;
    assert.match(before, /^scrypt\$4096\$/); // the test server's cost, 12
    setPasswordHashCost(13); // what an operator raising ACCORD_PASSWORD_HASH_COST does
    try {
      assertError(await t.request('POST', '/auth/login', { body: { login: 'rehashuser', password: 'wrong password here' } }), 400, 50035);
      assert.equal((await t.store.users.get(u.id))!.passwordHash, before);
      const ok = await t.request('POST', '/auth/login', { body: { login: 'rehashuser', password: 'correct horse battery staple' } });
      assert.equal(ok.status, 200);
      const after = (await t.store.users.get(u.id))!.passwordHash!;
      assert.match(after, /^scrypt\$8192\$8\$1\$/);
      assert.equal((await t.request('POST', '/auth/login', { body: { login: 'rehashuser', password: 'correct horse battery staple' } })).status, 200);
    } finally {
      setPasswordHashCost(12);
    }
  });

  it('answers a wrong password and an unknown login identically (400 INVALID_LOGIN)', async () => {
    await t.register('pwuser');
    const wrong = await t.request('POST', '/auth/login', { body: { login: 'pwuser', password: 'wrong password' } });
    const unknown = await t.request('POST', '/auth/login', { body: { login: 'nobody-here', password: 'wrong password' } });
    assertError(wrong, 400, 50035);
    assert.deepEqual(unknown.body, wrong.body);
    assert.equal(unknown.status, wrong.status);
    assert.equal(wrong.body.errors.login._errors[0].code, 'INVALID_LOGIN');
    assert.equal(wrong.body.errors.password._errors[0].code, 'INVALID_LOGIN');
    assertError(await t.request('POST', '/auth/login', { body: { login: 'pwuser' } }), 400, 50035);
  });

  it('does not let a bot user log in with a password', async () => {
    const owner = await t.register();
    const { bot } = await makeBot(t, owner, 'Login Bot');
    const res = await t.request('POST', '/auth/login', { body: { login: bot.username, password: 'anything at all' } });
    assertError(res, 400, 50035);
  });

  it('logs out: 204, that token stops working, other tokens keep working', async () => {
    const u = await t.register('logoutuser');
    const second = await t.request('POST', '/auth/login', { body: { login: 'logoutuser', password: 'correct horse battery staple' } });
    const out = await t.request('POST', '/auth/logout', { auth: u, body: {} });
    assert.equal(out.status, 204);
    assert.equal(out.body, undefined);
    assert.equal((await t.request('GET', '/users/@me', { auth: u })).status, 401);
    assert.equal((await t.request('GET', '/users/@me', { auth: second.body.token })).status, 200);
    assert.equal((await t.request('POST', '/auth/logout', {})).status, 401);
  });

  it('a token\'s user is kept in memory between requests, and a log-out is still refused by the very next one', async () => {
    const reads = async () => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const of = (result: string) => Number(new RegExp(`^accord_identity_cache_reads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
      return { hit: of('hit'), miss: of('miss') };
    };
    const u = await t.register('cacheduser');
    assert.equal((await t.request('GET', '/users/@me', { auth: u })).status, 200);
    const before = await reads();
    assert.equal((await t.request('GET', '/users/@me', { auth: u })).status, 200);
    assert.equal((await t.request('GET', '/users/@me', { auth: u })).status, 200);
    const warm = await reads();
    assert.deepEqual([warm.hit - before.hit, warm.miss - before.miss], [2, 0], 'both read memory');
    const renamed = await t.request('PATCH', '/users/@me', { auth: u, body: { global_name: 'Renamed At Once' } });
    assert.equal(renamed.status, 200);
    assert.equal((await t.request('GET', '/users/@me', { auth: u })).body.global_name, 'Renamed At Once');
    assert.equal((await t.request('POST', '/auth/logout', { auth: u, body: {} })).status, 204);
    assert.equal((await t.request('GET', '/users/@me', { auth: u })).status, 401);
  });

  it('carries rate-limit headers on the auth bucket', async () => {
    const res = await t.request('POST', '/auth/login', { body: { login: 'x', password: 'y' } });
    assert.ok(res.headers.get('x-ratelimit-bucket'));
    assert.ok(res.headers.get('x-ratelimit-limit'));
  });
});

describe('auth routes with registration closed', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ registrationOpen: false });
  });
  after(() => t.close());

  it('refuses POST /auth/register with 403', async () => {
    const res = await t.request('POST', '/auth/register', { body: { username: 'closed', password: 'longenough' } });
    assert.equal(res.status, 403);
    assert.equal(typeof res.body.code, 'number');
    assert.equal(await t.store.users.findByLogin('closed'), null);
  });
});

describe('auth rate limit', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ rateLimitScale: 1 });
  });
  after(() => t.close());

  it('limits login attempts per client with 429 and Retry-After', async () => {
    let limited: { status: number; body: any; headers: Headers } | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const res = await t.request('POST', '/auth/login', { body: { login: 'someone', password: 'guess number ' + i } });
      if (res.status === 429) limited = res;
    }
    assert.ok(limited, 'expected a 429 within 10 attempts');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal(typeof limited.body.retry_after, 'number');
  });
});
