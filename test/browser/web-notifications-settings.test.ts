/**
 * Notification settings in the web client (issue #16), in Chromium against a real Accord: muting a server from its
 * menu's "Notification Settings" dialog silences its unread indicators (rail and channel list) until unmuted, and
 * a channel muted from the bell in the chat header is greyed and shows no unread dot; its level override is saved.
 *
 * Every wait polls with a timeout; nothing sleeps a fixed time. "No unread" is asserted only after a later message
 * of the same guild (same event stream, so delivered after it) has shown up on screen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: notification settings', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  const GUILD = 'Quiet Club';
  let owner: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;
  let side: any;
  let page: Page;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const post = (channelId: string, content: string) => api('POST', `/channels/${channelId}/messages`, owner, { content });
  const channelPath = (c: any) => `/channels/${guild.id}/${c.id}`;
  const channelLink = (c: any) => page.locator(`.sidebar a[href="${channelPath(c)}"]`);
  const railButton = () => page.locator(`.rail-button[title="${GUILD}"]`);
  const labelOf = async (loc: ReturnType<Page['locator']>) => (await loc.getAttribute('aria-label')) ?? '';
  const messageWith = (text: string) => page.locator('.history .message', { hasText: text });

  async function openServerNotifications() {
    await page.getByRole('button', { name: `${GUILD} server menu` }).click();
    await page.getByRole('menuitem', { name: 'Notification Settings' }).click();
    return page.getByRole('dialog', { name: 'Notification Settings' });
  }

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`olga_${stamp}`);
    bob = await server.register(`boris_${stamp}`);
    guild = await server.createGuild(owner, GUILD);
    await server.join(owner, guild.id, bob);
    general = (await api('GET', `/guilds/${guild.id}/channels`, owner)).find((c: any) => c.type === 0);
    side = await api('POST', `/guilds/${guild.id}/channels`, owner, { name: 'side', type: 0 });
    await post(general.id, 'hello quiet club');
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), bob.token);
    page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    await page.goto(`${server.url}${channelPath(general)}`);
    await messageWith('hello quiet club').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a muted server shows no unread indicator for a new message; unmuting brings it back', async () => {
    const dialog = await openServerNotifications();
    await dialog.getByRole('group', { name: `Mute ${GUILD}` }).getByRole('button', { name: 'For 1 Hour' }).click();
    await dialog.getByRole('button', { name: 'Unmute' }).waitFor();
    assert.match(await dialog.innerText(), /muted until/);
    await page.keyboard.press('Escape');
    await eventually(async () => assert.match(await labelOf(channelLink(side)), /, muted/), 'the channels shown muted');
    const stored = await server.store.userGuildSettings.get(bob.id, guild.id);
    assert.equal(stored.muted, true);
    assert.ok(stored.muteEndTime !== null && stored.muteEndTime > Date.now());

    await post(side.id, 'nobody hears this');
    await post(general.id, 'after the quiet one');
    await messageWith('after the quiet one').waitFor();
    assert.doesNotMatch(await labelOf(railButton()), /unread/);
    assert.doesNotMatch(await labelOf(channelLink(side)), /unread/);
    assert.equal(await channelLink(side).locator('.unread-dot').count(), 0);
    assert.match((await channelLink(side).getAttribute('class')) ?? '', /muted-channel/);

    const again = await openServerNotifications();
    await again.getByRole('button', { name: 'Unmute' }).click();
    await again.getByRole('button', { name: 'For 1 Hour' }).waitFor();
    await page.keyboard.press('Escape');
    await eventually(async () => assert.match(await labelOf(channelLink(side)), /, unread/), 'side unread again');
    await eventually(async () => assert.match(await labelOf(railButton()), /unread messages/), 'the rail shows unread again');
    await channelLink(side).locator('.unread-dot').waitFor();
  });

  test('server level and suppress options are saved from the dialog', async () => {
    const dialog = await openServerNotifications();
    await dialog.getByRole('radio', { name: 'Only @mentions' }).check();
    await dialog.getByRole('checkbox', { name: 'Suppress @everyone and @here' }).check();
    await eventually(async () => {
      const s = await server.store.userGuildSettings.get(bob.id, guild.id);
      assert.equal(s.messageNotifications, 1);
      assert.equal(s.suppressEveryone, true);
    }, 'the settings stored');
    assert.equal(await dialog.getByRole('radio', { name: 'Only @mentions' }).isChecked(), true);
    await page.keyboard.press('Escape');
  });

  test('a channel muted from the header bell is greyed, shows no unread, and stays muted after a reload', async () => {
    await channelLink(side).click();
    await messageWith('nobody hears this').waitFor();
    await channelLink(general).click();
    await messageWith('after the quiet one').waitFor();
    await page.getByRole('button', { name: 'Notification settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Notifications for #${general.name}` });
    await dialog.getByRole('radio', { name: 'Nothing' }).check();
    await dialog.getByRole('button', { name: 'Until I turn it back on' }).click();
    await dialog.getByRole('button', { name: 'Unmute' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Notification settings (channel muted)' }).waitFor();
    const stored = await server.store.userGuildSettings.get(bob.id, guild.id);
    const override = stored.channelOverrides.find((o) => o.channelId === general.id);
    assert.deepEqual([override?.muted, override?.muteEndTime, override?.messageNotifications], [true, null, 2]);

    await channelLink(side).click();
    await post(general.id, 'muted channel chatter');
    await post(side.id, 'side chatter');
    await messageWith('side chatter').waitFor();
    assert.match(await labelOf(channelLink(general)), /, muted/);
    assert.doesNotMatch(await labelOf(channelLink(general)), /unread/);
    assert.doesNotMatch(await labelOf(railButton()), /unread/);
    assert.match((await channelLink(general).getAttribute('class')) ?? '', /muted-channel/);

    // READY brings the settings back.
    await page.reload();
    await messageWith('side chatter').waitFor();
    await eventually(async () => assert.match(await labelOf(channelLink(general)), /, muted/), 'still muted after a reload');
    assert.doesNotMatch(await labelOf(channelLink(general)), /unread/);
  });
});
