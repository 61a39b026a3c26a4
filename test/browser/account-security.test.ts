/**
 * The web client's account security settings, end to end (issue 11, findings 2 and 3): the Devices tab lists
 * every log-in of the account and logs out one device (whose open tab drops to the login screen: its gateway
 * closes with 4004) or all the others; the Password tab refuses a wrong current password, and a right one keeps
 * this tab working on a fresh token while every other device is logged out. And (finding 11) a group DM takes
 * only its creator's friends, which the "new group" dialog explains when it refuses.
 *
 * Chromium comes from /usr/bin/chromium (apt). Without it the suite is skipped with one line, except under
 * CI=true where it fails. Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery staple';
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

describe('web client: password, devices, group DM consent', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let fred: TestUser;
  let gina: TestUser;
  let channelPath = '';
  let a: Page;
  let phone: Page;
  const stamp = Date.now().toString(36);

  const login = async (headers: Record<string, string> = {}) => {
    const res = await server.request('POST', '/auth/login', { body: { login: alice.username, password: PASSWORD }, headers });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.token as string;
  };
  const statusOf = async (token: string) => (await server.request('GET', '/users/@me', { auth: token })).status;

  async function openPage(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    // Runs in the page before the app: the app reads its saved token from localStorage.
    await context.addInitScript((t) => (globalThis as any).localStorage.setItem('accord.token', t), token);
    const p = await context.newPage();
    p.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    await p.goto(`${server.url}${channelPath}`);
    await p.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    return p;
  }

  async function openTab(page: Page, tab: 'My Account' | 'Password' | 'Devices') {
    if (!(await page.getByRole('dialog', { name: 'User Settings' }).isVisible())) await page.getByRole('button', { name: 'User settings' }).click();
    await page.getByRole('tab', { name: tab }).click();
  }

  const devices = (page: Page) => page.getByRole('list', { name: 'Logged-in devices' }).getByRole('listitem');

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`alice_${stamp}`);
    fred = await server.register(`fred_${stamp}`);
    gina = await server.register(`gina_${stamp}`);
    const guild = await server.createGuild(alice, 'Security Club');
    await server.join(alice, guild.id, fred);
    await server.join(alice, guild.id, gina);
    const channels = await server.request('GET', `/guilds/${guild.id}/channels`, { auth: alice });
    channelPath = `/channels/${guild.id}/${channels.body.find((c: any) => c.type === 0).id}`;
    a = await openPage(alice.token);
    phone = await openPage(await login({ 'user-agent': FIREFOX_UA }));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('Devices lists every log-in and marks this one; logging out another device sends its tab to the login screen', async () => {
    await openTab(a, 'Devices');
    await eventually(async () => assert.equal(await devices(a).count(), 2), 'two devices');
    await devices(a).filter({ hasText: 'This device' }).waitFor();
    const firefox = devices(a).filter({ hasText: 'Firefox on Linux' });
    await firefox.waitFor();
    assert.equal(await firefox.getByText('This device').count(), 0);

    await a.getByRole('button', { name: 'Log out Firefox on Linux' }).click();
    await a.getByRole('status').filter({ hasText: 'Device logged out.' }).waitFor();
    await phone.getByRole('heading', { name: 'Welcome back!' }).waitFor();
    assert.equal(await phone.evaluate('localStorage.getItem("accord.token")'), null);
    await eventually(async () => assert.equal(await devices(a).count(), 1), 'only this device left');
  });

  test('"Log out all other devices" leaves only this one', async () => {
    const others = [await login(), await login({ 'user-agent': FIREFOX_UA })];
    await openTab(a, 'Password');
    await openTab(a, 'Devices');
    await eventually(async () => assert.equal(await devices(a).count(), 3), 'three devices');
    await a.getByRole('button', { name: 'Log out all other devices' }).click();
    await a.getByRole('status').filter({ hasText: 'Every other device was logged out.' }).waitFor();
    await eventually(async () => assert.equal(await devices(a).count(), 1), 'only this device left');
    for (const token of others) assert.equal(await statusOf(token), 401);
    assert.equal(await statusOf(alice.token), 200);
  });

  test('Change email: the current password is asked for, a wrong one refused, the right one saves it', async () => {
    await openTab(a, 'My Account');
    const address = `alice.${Date.now().toString(36)}@example.test`;
    await a.getByLabel('Email').fill(address);
    await a.getByLabel('Current password').fill('not my password');
    await a.getByRole('button', { name: 'Save Changes' }).click();
    await a.getByRole('alert').filter({ hasText: 'Password does not match.' }).waitFor();
    await a.getByLabel('Current password').fill(PASSWORD);
    await a.getByRole('button', { name: 'Save Changes' }).click();
    await a.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal((await server.request('GET', '/users/@me', { auth: alice })).body.email, address);
    await a.getByRole('button', { name: 'Close' }).click();
  });

  test('Change password: a wrong current password is refused; the right one keeps this tab going on a fresh token and logs out the rest', async () => {
    const elsewhere = await login();
    await openTab(a, 'Password');
    await a.getByLabel('Current password').fill('not my password');
    await a.getByLabel('New password').fill('a whole new password');
    await a.getByRole('button', { name: 'Change Password' }).click();
    await a.getByRole('alert').filter({ hasText: 'Password does not match.' }).waitFor();
    assert.equal(await statusOf(elsewhere), 200);

    await a.getByLabel('Current password').fill(PASSWORD);
    await a.getByLabel('New password').fill('a whole new password');
    await a.getByRole('button', { name: 'Change Password' }).click();
    await a.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
    const fresh = (await a.evaluate('localStorage.getItem("accord.token")')) as string;
    assert.ok(fresh && fresh !== alice.token);
    assert.equal(await statusOf(alice.token), 401);
    assert.equal(await statusOf(elsewhere), 401);
    assert.equal(await statusOf(fresh), 200);

    // Still logged in and live: a message from someone else arrives over the new gateway session.
    await a.getByRole('button', { name: 'Close' }).click();
    await a.getByTestId('reconnecting').waitFor({ state: 'detached' });
    const channelId = channelPath.split('/').pop()!;
    const sent = await server.request('POST', `/channels/${channelId}/messages`, { auth: fred, body: { content: 'still with us?' } });
    assert.equal(sent.status, 200);
    await a.locator('.history .message', { hasText: 'still with us?' }).waitFor();
    assert.equal(await a.getByRole('heading', { name: 'Welcome back!' }).count(), 0);
  });

  test('a group DM with people who are not our friends is refused with an explanation; once they are, it is made', async () => {
    const pick = async () => {
      await a.getByRole('button', { name: 'Create a group DM' }).click();
      const dialog = a.getByRole('dialog', { name: 'Select friends' });
      for (const name of [fred.username, gina.username]) {
        await dialog.getByPlaceholder('Type a username').fill(name);
        await dialog.getByRole('checkbox', { name: new RegExp(name) }).check();
      }
      await dialog.getByRole('button', { name: 'Create Group DM' }).click();
      return dialog;
    };
    // In-app navigation: a reload would run the init script again, which saves the token from before the password change.
    await a.getByRole('button', { name: 'Direct Messages' }).click();
    await a.getByRole('heading', { name: 'Direct Messages' }).waitFor();
    const dialog = await pick();
    await dialog.getByRole('alert').filter({ hasText: 'You can only add your friends to a group DM.' }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Friends: each asks, Alice accepts with the token her tab holds now (the password change replaced the first).
    const aliceToken = (await a.evaluate('localStorage.getItem("accord.token")')) as string;
    for (const user of [fred, gina]) {
      assert.equal((await server.request('PUT', `/users/@me/relationships/${alice.id}`, { auth: user, body: {} })).status, 204);
      assert.equal((await server.request('PUT', `/users/@me/relationships/${user.id}`, { auth: aliceToken, body: {} })).status, 204);
    }
    await pick();
    await a.locator('.chat-header h1').filter({ hasText: `${fred.username}, ${gina.username}` }).waitFor();
  });
});
