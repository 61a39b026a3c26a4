/**
 * Two-factor log-in in the web client, in Chromium against a real Accord: the user turns it on in User Settings →
 * Password & Security (the key shown, a code made from it and the password; ten backup codes shown once), logs out,
 * and logs back in with the password and then a code; a wrong code is refused with the server's message; new
 * backup codes replace the first ones, and one of them turns it off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { base32Decode, totpCode, totpStep } from '../../src/lib/totp.ts';
import { browserSkipReason, ensureWebBuilt, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery staple';
const codeAt = (secret: string, ms: number) => totpCode(base32Decode(secret)!, totpStep(ms));

describe('web client: two-factor log-in', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let user: TestUser;
  let guild: any;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    user = await server.register(`careful_${Date.now().toString(36)}`);
    guild = await server.createGuild(user, 'Vault');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('enable with a code and the password, log in again with a code, remove with a backup code', async () => {
    const page = await openAs(browser, user, `${server.url}/channels/${guild.id}`);
    await page.getByRole('button', { name: 'User settings' }).click();
    await page.getByRole('tab', { name: 'Password & Security' }).click();
    const section = page.getByRole('region', { name: 'Two-factor authentication' });
    await section.getByRole('button', { name: 'Enable Two-Factor Auth' }).click();
    const secret = (await section.getByLabel('Secret key').innerText()).replace(/\s/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.match(await section.getByRole('link', { name: 'Open in an authenticator app' }).getAttribute('href') ?? '', new RegExp(`^otpauth://totp/.+\\?secret=${secret}&`));
    await section.getByLabel('6-digit code').fill(codeAt(secret, Date.now()));
    await section.getByLabel('Password').fill(PASSWORD);
    await section.getByRole('button', { name: 'Activate' }).click();
    const codes = section.getByRole('list', { name: 'Backup codes' }).getByRole('listitem');
    await codes.first().waitFor();
    assert.equal(await codes.count(), 10);
    const backup = await codes.nth(2).innerText();
    assert.equal((await server.request('GET', '/users/@me', { auth: user })).status, 401, 'the old token was replaced');
    await section.getByRole('button', { name: 'Done' }).click();
    await section.getByRole('button', { name: 'Remove 2FA' }).waitFor();
    assert.ok(await server.store.users.getMfa(user.id));

    // Log out, then in: the password, then a code.
    await page.getByRole('button', { name: 'Close' }).click();
    await page.evaluate(() => localStorage.removeItem('accord.token'));
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log In' }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    await page.getByLabel('Authentication code').fill('000000' === codeAt(secret, Date.now() + 30_000) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Log In' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid two-factor code' }).waitFor();
    await page.getByLabel('Authentication code').fill(codeAt(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Log In' }).click();
    await page.getByRole('button', { name: 'User settings' }).waitFor();

    // New backup codes with the password; then off with one of them (the first ones no longer work).
    await page.getByRole('button', { name: 'User settings' }).click();
    await page.getByRole('tab', { name: 'Password & Security' }).click();
    const regenerate = section.getByRole('form', { name: 'New backup codes' });
    await regenerate.getByLabel('Password').fill(PASSWORD);
    await regenerate.getByRole('button', { name: 'Regenerate Backup Codes' }).click();
    await section.getByRole('status').filter({ hasText: 'the old ones no longer work' }).waitFor();
    assert.equal(await codes.count(), 10);
    const fresh = await codes.nth(4).innerText();
    assert.notEqual(fresh, backup);
    await section.getByRole('button', { name: 'Done' }).click();
    await section.getByLabel('Code or backup code').fill(backup);
    await section.getByRole('button', { name: 'Remove 2FA' }).click();
    await section.getByRole('alert').filter({ hasText: 'Invalid two-factor code' }).waitFor();
    await section.getByLabel('Code or backup code').fill(fresh);
    await section.getByRole('button', { name: 'Remove 2FA' }).click();
    await section.getByRole('button', { name: 'Enable Two-Factor Auth' }).waitFor();
    assert.equal(await server.store.users.getMfa(user.id), null);
    const plain = await server.request('POST', '/auth/login', { body: { login: user.username, password: PASSWORD } });
    assert.equal(typeof plain.body.token, 'string');
  });
});
