/**
 * Group DMs in the web client, end to end: three people who share a guild (registered over REST, logged in by
 * a saved token as bench/web.ts does), one creates a group DM with the other two from the DM list's "new group"
 * dialog; all three see it appear live, chat in real time, the owner renames it, one member leaves and the
 * others' member lists drop them.
 *
 * Chromium comes from /usr/bin/chromium (apt). Without it the suite is skipped with one line, except under
 * CI=true where it fails. Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';


const messageWith = (page: Page, text: string) => page.locator('.history .message', { hasText: text });
const header = (page: Page) => page.locator('.chat-header h1');
const memberRows = (page: Page) => page.locator('.member-list [data-user-id]');

async function send(page: Page, text: string) {
  const box = page.locator('.composer textarea');
  await box.fill(text);
  await box.press('Enter');
}

describe('web client: group DMs', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  const people: Array<{ user: TestUser; page: Page }> = [];
  let groupUrl = '';
  // Owner, and the two they add.
  const [oName, pName, qName] = [`owen_${stamp}`, `pia_${stamp}`, `quinn_${stamp}`];
  const page = (i: number) => people[i]!.page;
  const groupName = 'Weekend plans';

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const users = [await server.register(oName), await server.register(pName), await server.register(qName)];
    const guild = await server.createGuild(users[0]!, 'Group DM Club');
    await server.join(users[0]!, guild.id, users[1]!);
    await server.join(users[0]!, guild.id, users[2]!);
    // Only the owner's friends may be put in a group DM (api/routes/users.ts), as on Discord: both become friends.
    for (const user of [users[1]!, users[2]!]) {
      const asked = await server.request('PUT', `/users/@me/relationships/${users[0]!.id}`, { auth: user, body: {} });
      assert.equal(asked.status, 204, JSON.stringify(asked.body));
      const accepted = await server.request('PUT', `/users/@me/relationships/${user.id}`, { auth: users[0]!, body: {} });
      assert.equal(accepted.status, 204, JSON.stringify(accepted.body));
    }
    for (const user of users) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      context.setDefaultTimeout(TIMEOUT);
      // Runs in the page before the app: the app reads its saved token from localStorage.
      await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), user.token);
      const p = await context.newPage();
      p.on('pageerror', (err) => console.log(`# [${user.username}] page error: ${err.message}`));
      people.push({ user, page: p });
    }
    for (const { page: p } of people) {
      await p.goto(`${server.url}/channels/@me`);
      await p.getByRole('heading', { name: 'Direct Messages' }).waitFor();
    }
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the owner creates a group DM from the DM list; all three see it appear live', async () => {
    const o = page(0);
    await o.getByRole('button', { name: 'Create a group DM' }).click();
    const dialog = o.getByRole('dialog', { name: 'Select friends' });
    for (const name of [pName, qName]) {
      // The candidates are the people the owner shares a guild with (from GUILD_CREATE's members).
      await dialog.getByPlaceholder('Type a username').fill(name);
      await dialog.getByRole('checkbox', { name: new RegExp(name) }).check();
    }
    await dialog.getByRole('button', { name: 'Create Group DM' }).click();
    await header(o).filter({ hasText: `${pName}, ${qName}` }).waitFor();
    groupUrl = new URL(o.url()).pathname;
    assert.match(groupUrl, /^\/channels\/@me\/\d+$/);

    // The others learn of it through CHANNEL_CREATE, without a reload.
    for (const [i, others] of [[1, `${oName}, ${qName}`], [2, `${oName}, ${pName}`]] as const) {
      const link = page(i).getByRole('link', { name: `group conversation with ${others}` });
      await link.click();
      await header(page(i)).filter({ hasText: others }).waitFor();
      assert.equal(new URL(page(i).url()).pathname, groupUrl);
    }
    // Everyone's member list shows the three, the owner marked.
    for (let i = 0; i < 3; i++) {
      await eventually(async () => assert.equal(await memberRows(page(i)).count(), 3), `three members for ${people[i]!.user.username}`);
      await memberRows(page(i)).filter({ hasText: oName }).getByText('owner').waitFor();
    }
  });

  test('they chat in real time', async () => {
    const lines = ['hello group, from owen', 'pia here', 'quinn too'];
    for (const [i, text] of lines.entries()) {
      await send(page(i), text);
      for (let j = 0; j < 3; j++) await messageWith(page(j), text).waitFor();
    }
    for (let j = 0; j < 3; j++) {
      for (const text of lines) {
        await eventually(async () => assert.equal(await messageWith(page(j), text).count(), 1), `exactly one "${text}" for ${people[j]!.user.username}`);
      }
    }
  });

  test('the owner renames the group; everyone sees the new name', async () => {
    const o = page(0);
    await o.getByRole('button', { name: 'Rename group' }).click();
    const dialog = o.getByRole('dialog', { name: 'Rename group' });
    await dialog.getByLabel('Group name').fill(groupName);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    for (let i = 0; i < 3; i++) {
      await header(page(i)).filter({ hasText: groupName }).waitFor();
      await page(i).getByRole('link', { name: `group conversation with ${groupName}` }).waitFor();
    }
  });

  test('a member leaves; the others see the member list update and carry on', async () => {
    const p = page(1);
    await p.getByRole('button', { name: 'Leave group' }).click();
    await p.getByRole('dialog', { name: `Leave '${groupName}'` }).getByRole('button', { name: 'Leave Group' }).click();
    await eventually(async () => assert.equal(new URL(p.url()).pathname, '/channels/@me'), 'back to the DM home');
    await p.getByRole('link', { name: /group conversation/ }).waitFor({ state: 'detached' });

    for (const i of [0, 2]) {
      await memberRows(page(i)).filter({ hasText: pName }).waitFor({ state: 'detached' });
      assert.equal(await memberRows(page(i)).count(), 2);
    }
    await send(page(2), 'pia left, just us now');
    await messageWith(page(0), 'pia left, just us now').waitFor();
    // The one who left gets nothing more: the group is not back in their list.
    await send(page(0), 'indeed');
    await messageWith(page(2), 'indeed').waitFor();
    assert.equal(await p.getByRole('link', { name: /group conversation/ }).count(), 0);
  });
});
