/**
 * Two-factor log-in (src/api/routes/mfa.ts) on SQLite and PostgreSQL: enabling with a code from the secret and
 * the password (other log-ins end, backup codes given once), the log-in ticket exchanged with a code, a code
 * accepted once, a backup code once, a forged or stale ticket refused (also by the server's clock past its five
 * minutes), disabling with a code; USER_UPDATE and mfa_enabled follow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { base32Decode, base32Encode, newTotpSecret, totpCode, totpStep } from '../../src/lib/totp.ts';
import { startTestServer, startTestServerOn, type TestServer } from '../helpers/harness.ts';
import { serviceSkip } from '../helpers/services.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';

const postgresSkip = await serviceSkip('postgres');
const PASSWORD = 'correct horse battery staple';
const codeAt = (secret: string, ms: number) => totpCode(base32Decode(secret)!, totpStep(ms));

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`two-factor log-in (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServerOn(backend);
    });
    after(async () => {
      await t.close();
    });
    const login = (login: string, password = PASSWORD) => t.request('POST', '/auth/login', { body: { login, password } });

    it('enable, log in with a ticket and a code (each code once), a backup code once, then disable', async () => {
      const u = await t.register();
      const elsewhere = (await login(u.username)).body.token;
      const secret = newTotpSecret();
      const enable = (body: Record<string, unknown>) => t.request('POST', '/users/@me/mfa/totp/enable', { auth: u, body: { secret, password: PASSWORD, code: codeAt(secret, Date.now()), ...body } });
      assertError(await enable({ password: 'wrong password' }), 400, 50035);
      assertError(await enable({ code: '000000' === codeAt(secret, Date.now()) ? '111111' : '000000' }), 400, 60008);
      assertError(await enable({ secret: 'short' }), 400, 50035);
      const from = t.events.length;
      const on = await enable({});
      assert.equal(on.status, 200, JSON.stringify(on.body));
      assert.equal(on.body.backup_codes.length, 10);
      assert.deepEqual(Object.keys(on.body.backup_codes[0]).sort(), ['code', 'consumed', 'user_id']);
      assert.match(on.body.backup_codes[0].code, /^[a-z0-9]{8}$/);
      await t.waitForEvent('USER_UPDATE', (e) => e.d.id === u.id && e.d.mfa_enabled === true, from);
      // The other log-in ended; the answer's token carries on.
      assert.equal((await t.request('GET', '/users/@me', { auth: elsewhere })).status, 401);
      assert.equal((await t.request('GET', '/users/@me', { auth: u })).status, 401, "the caller's old token too: it moves to the new one");
      const token = on.body.token;
      assert.equal((await t.request('GET', '/users/@me', { auth: token })).body.mfa_enabled, true);
      assertError(await t.request('POST', '/users/@me/mfa/totp/enable', { auth: token, body: { secret, password: PASSWORD, code: '123456' } }), 400, 0);

      // The password alone gives a ticket, not a token.
      const first = await login(u.username);
      assert.equal(first.status, 200);
      assert.deepEqual({ ...first.body, ticket: 'x' }, { user_id: u.id, mfa: true, sms: false, totp: true, backup: true, webauthn: null, ticket: 'x', token: null });
      const ticket = first.body.ticket;
      const mfa = (body: Record<string, unknown>) => t.request('POST', '/auth/mfa/totp', { body: { ticket, ...body } });
      // The code that enabled it was used: the next step's works, once.
      const next = codeAt(secret, Date.now() + 30_000);
      const ok = await mfa({ code: next });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((await t.request('GET', '/users/@me', { auth: ok.body.token })).body.id, u.id);
      assertError(await mfa({ code: next }), 400, 60008);
      // A backup code, once; with spaces and capitals as typed.
      const backup = on.body.backup_codes[3].code;
      assert.equal((await mfa({ code: ` ${backup.toUpperCase().slice(0, 4)}-${backup.slice(4)} ` })).status, 200);
      assertError(await mfa({ code: backup }), 400, 60008);
      // Forged or foreign tickets.
      const [payload, mac] = ticket.split('.');
      const other = await t.register();
      const forged = `${Buffer.from(`${other.id}:${Date.now() + 60_000}`).toString('base64url')}.${mac}`;
      // With a good backup code, so that only the ticket is wrong; the code stays unused.
      const spare = on.body.backup_codes[7].code;
      assertError(await t.request('POST', '/auth/mfa/totp', { body: { ticket: forged, code: spare } }), 400, 60008);
      assertError(await t.request('POST', '/auth/mfa/totp', { body: { ticket: `${payload}.AAAA`, code: spare } }), 400, 60008);
      assert.equal((await mfa({ code: spare })).status, 200);

      // New backup codes with the password (never the old ones again): the old stop working, the new work.
      const codes = (body: Record<string, unknown>) => t.request('POST', '/users/@me/mfa/codes', { auth: ok.body.token, body });
      assertError(await codes({ password: 'wrong password', regenerate: true }), 400, 50035);
      assertError(await codes({ password: PASSWORD }), 400, 50035);
      const fresh = await codes({ password: PASSWORD, regenerate: true });
      assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      assert.equal(fresh.body.backup_codes.length, 10);
      const again = async (code: string) => t.request('POST', '/auth/mfa/totp', { body: { ticket: (await login(u.username)).body.ticket, code } });
      assertError(await again(on.body.backup_codes[8].code), 400, 60008);
      assert.equal((await again(fresh.body.backup_codes[0].code)).status, 200);
      on.body.backup_codes[5] = fresh.body.backup_codes[5];

      // Off with a code; then the password logs in alone again.
      assertError(await t.request('POST', '/users/@me/mfa/totp/disable', { auth: ok.body.token, body: { code: '12345678' } }), 400, 60008);
      const off = await t.request('POST', '/users/@me/mfa/totp/disable', { auth: ok.body.token, body: { code: on.body.backup_codes[5].code } });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      assert.equal((await t.request('GET', '/users/@me', { auth: off.body.token })).body.mfa_enabled, false);
      const plain = await login(u.username);
      assert.equal(typeof plain.body.token, 'string');
      assert.equal(plain.body.mfa, undefined);
      assertError(await t.request('POST', '/users/@me/mfa/totp/disable', { auth: off.body.token, body: { code: '123456' } }), 400, 0);
    });

    it('bots have no second factor to turn on', async () => {
      const { bot } = await makeBot(t, await t.register());
      const refused = await t.request('POST', '/users/@me/mfa/totp/enable', { auth: bot.auth, body: { secret: newTotpSecret(), code: '123456', password: PASSWORD } });
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 20001);
    });

    it('a ticket outlives neither its five minutes nor the second factor', async () => {
      const u = await t.register();
      const secret = base32Encode(Buffer.from('0123456789abcdefghij'));
      const on = await t.request('POST', '/users/@me/mfa/totp/enable', { auth: u, body: { secret, password: PASSWORD, code: codeAt(secret, Date.now()) } });
      assert.equal(on.status, 200, JSON.stringify(on.body));
      const ticket = (await login(u.username)).body.ticket;
      const [payload] = ticket.split('.');
      const [, expiresAt] = Buffer.from(payload, 'base64url').toString().split(':');
      assert.ok(Number(expiresAt) - Date.now() <= 5 * 60_000 && Number(expiresAt) - Date.now() > 4 * 60_000);
      await t.request('POST', '/users/@me/mfa/totp/disable', { auth: on.body.token, body: { code: on.body.backup_codes[0].code } });
      assertError(await t.request('POST', '/auth/mfa/totp', { body: { ticket, code: on.body.backup_codes[1].code } }), 400, 60008);
    });
  });
}

describe('two-factor log-in: a ticket after its five minutes', () => {
  /** Added to the server's clock: moves the ticket past its end without waiting. */
  let skew = 0;
  let t: TestServer;
  before(async () => {
    t = await startTestServer({}, { now: () => Date.now() + skew });
  });
  after(async () => {
    await t.close();
  });

  it('is refused with a good code once the server clock passes its end, and taken just before', async () => {
    const u = await t.register();
    const secret = newTotpSecret();
    const on = await t.request('POST', '/users/@me/mfa/totp/enable', { auth: u, body: { secret, password: PASSWORD, code: codeAt(secret, Date.now()) } });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    const ticketNow = async () => (await t.request('POST', '/auth/login', { body: { login: u.username, password: PASSWORD } })).body.ticket as string;
    const early = await ticketNow();
    const late = await ticketNow();
    // A backup code is independent of the clock: only the ticket's age decides.
    skew = 5 * 60_000 - 5_000;
    const taken = await t.request('POST', '/auth/mfa/totp', { body: { ticket: early, code: on.body.backup_codes[0].code } });
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    skew = 5 * 60_000 + 1_000;
    assertError(await t.request('POST', '/auth/mfa/totp', { body: { ticket: late, code: on.body.backup_codes[1].code } }), 400, 60008);
    // The refusal spent nothing: the same backup code works with a fresh ticket.
    const fresh = await t.request('POST', '/auth/mfa/totp', { body: { ticket: await ticketNow(), code: on.body.backup_codes[1].code } });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  });
});
