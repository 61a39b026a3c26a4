/** Two-factor set-ups for tests: codes made from a secret as an authenticator app makes them, and 2FA turned on. */
import assert from 'node:assert/strict';
import { base32Decode, newTotpSecret, totpCode, totpStep } from '../../src/lib/totp.ts';
import type { TestServer, TestUser } from './harness.ts';

const PASSWORD = 'correct horse battery staple';

/** The code for `secret` now, or `steps` 30-second steps later (each step's code is accepted once). */
export const totpFor = (secret: string, steps = 0) => totpCode(base32Decode(secret)!, totpStep(Date.now()) + steps);

/** Turns 2FA on for `user` (registered with the harness's password); its token is replaced by the answer's. */
export async function enableTwoFactor(t: TestServer, user: TestUser): Promise<TestUser & { secret: string }> {
  const secret = newTotpSecret();
  const res = await t.request('POST', '/users/@me/mfa/totp/enable', { auth: user, body: { secret, code: totpFor(secret), password: PASSWORD } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { ...user, token: res.body.token, auth: res.body.token, secret };
}

/** Turns 2FA off with the next step's code; the token is replaced again. */
export async function disableTwoFactor(t: TestServer, user: TestUser & { secret: string }): Promise<TestUser & { secret: string }> {
  const res = await t.request('POST', '/users/@me/mfa/totp/disable', { auth: user, body: { code: totpFor(user.secret, 1) } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { ...user, token: res.body.token, auth: res.body.token };
}
