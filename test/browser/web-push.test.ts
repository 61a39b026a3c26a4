/**
 * The web client's desktop notifications (issue #16) in Chromium against a real Accord: the service worker served
 * from the root, the prompt that appears only after the user's first message, the flow behind its Enable button
 * (permission, worker registered and active at scope `/`, the server's VAPID key, the subscription registered
 * as a device), the Notifications tab of User Settings (this browser's state, the account's devices, removing
 * one, the switch that hides message text on this browser), the worker's push and notificationclick handlers, and log-out removing this browser's device.
 *
 * What headless Chromium cannot do here: pushManager.subscribe() needs a push service (Google's, unreachable on
 * this machine) and Playwright's contexts are incognito-like, where Chromium refuses push subscriptions outright
 * ("Registration failed - permission denied"). The test then proves the rest of the path: the app shows the
 * failure as a sentence, and the test registers a subscription it made itself (a real P-256 key and auth secret,
 * an endpoint on a push service that does not exist) through the app's own saveSubscription(), the function the
 * Enable button ends in. Push messages reach the worker through the devtools protocol
 * (ServiceWorker.deliverPushMessage), which needs no push service. Headless Chromium shows no notification to click:
 * the click is a NotificationEvent dispatched inside the worker for the notification it showed.
 *
 * Every assert.ok has a message (see web-media.test.ts for why).
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page, Request } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

// The functions passed to page.evaluate run in the browser; the test's own tsconfig has no DOM types.
declare const navigator: any;
declare const document: any;
declare const localStorage: any;
declare const self: any;

const PASSWORD = 'correct horse battery staple';
const DEVICES = '/api/v10/users/@me/devices';

/** A subscription as PushSubscription.toJSON() gives it, with a real P-256 public key and a 16-byte auth secret. */
function madeUpSubscription(name: string) {
  const ecdh = createECDH('prime256v1');
  return {
    endpoint: `https://push.example.com/wpush/${name}-${randomBytes(8).toString('hex')}`,
    expirationTime: null,
    keys: { p256dh: ecdh.generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

const messageIn = (page: Page, text: string) => page.locator('.history .message', { hasText: text });
const isDevicesPost = (r: Request) => r.method() === 'POST' && new URL(r.url()).pathname === DEVICES;

describe('web client: push notifications', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  let guildId = '';
  let channelId = '';
  let targetId = '';
  /** Whether this Chromium could subscribe for real (a reachable push service); false on this machine. */
  let realSubscription = false;
  let thisDeviceId = '';
  const stamp = Date.now().toString(36);

  const settings = () => page.getByRole('dialog', { name: 'User Settings' });
  async function openNotificationsTab() {
    if (!(await settings().isVisible())) await page.getByRole('button', { name: 'User settings' }).click();
    await settings().getByRole('tab', { name: 'Notifications' }).click();
    await settings().getByTestId('push-state').waitFor();
  }
  const devicesOf = async (user: TestUser | string) => (await server.request('GET', '/users/@me/devices', { auth: user })).body;
  const registration = () =>
    page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration('/');
      return reg ? { scope: reg.scope, active: reg.active?.state ?? null, script: reg.active?.scriptURL ?? null } : null;
    });

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`nia_${stamp}`);
    bob = await server.register(`bo_${stamp}`);
    const guild = await server.createGuild(alice, 'Push Club');
    guildId = guild.id;
    await server.join(alice, guild.id, bob);
    channelId = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: alice })).body.find((c: any) => c.type === 0).id;
    // The message a notification will open, with more than a page of history after it: opening it loads older pages.
    const target = await server.request('POST', `/channels/${channelId}/messages`, { auth: bob, body: { content: 'the message to open' } });
    targetId = target.body.id;
    for (let i = 0; i < 55; i++) await server.request('POST', `/channels/${channelId}/messages`, { auth: bob, body: { content: `filler ${i}` } });

    // Notifications allowed for the origin, as after the user said yes to the browser's prompt.
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['notifications'] });
    ctx.setDefaultTimeout(TIMEOUT);
    await ctx.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), alice.token);
    page = await ctx.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    await page.goto(`${server.url}/channels/${guildId}/${channelId}`);
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  // The tests share one page: a test that fails with User Settings open must not fail the next ones through it
  // (its own failure is reported; seen once on a loaded machine as a cascade of click timeouts).
  beforeEach(async () => {
    if (!page || page.isClosed()) return;
    for (let i = 0; i < 3 && (await page.getByRole('dialog').count()) > 0; i++) {
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').first().waitFor({ state: 'detached', timeout: 2000 }).catch(() => undefined);
    }
  });

  test('the service worker is served from the root as JavaScript, revalidated on every load', async () => {
    const sw = await fetch(`${server.url}/sw.js`);
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    const text = await sw.text();
    assert.match(text, /addEventListener\('push'/);
    assert.match(text, /addEventListener\('notificationclick'/);
    const icon = await fetch(`${server.url}/notification-icon.png`);
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get('content-type'), 'image/png');
  });

  test('nothing is asked on load; after the first message the banner offers notifications, and Enable registers the worker and the device', async () => {
    assert.equal(await page.getByTestId('push-prompt').count(), 0, 'no prompt on load');
    assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0, 'no worker registered on load');

    const sent = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/channels/${channelId}/messages`));
    await page.locator('#composer').fill('hello everyone');
    await page.locator('#composer').press('Enter');
    assert.equal((await sent).status(), 200);
    const prompt = page.getByTestId('push-prompt');
    await prompt.waitFor();

    const vapid = page.waitForResponse((r) => r.url().endsWith('/api/v10/users/@me/push/vapid'));
    const posted: Request[] = [];
    page.on('request', (r) => isDevicesPost(r) && posted.push(r));
    assert.match(await prompt.innerText(), /Enable desktop notifications/);
    await prompt.getByRole('button', { name: 'Enable', exact: true }).click();
    const key = await vapid;
    assert.equal(key.status(), 200);
    const publicKey = (await key.json()).public_key;
    assert.equal(Buffer.from(publicKey, 'base64url').length, 65, 'an uncompressed P-256 key');
    assert.match(publicKey, /^[A-Za-z0-9_-]+$/, 'base64url without padding');

    // The worker: registered by the click, active, controlling the whole origin.
    await eventually(async () => assert.deepEqual(await registration(), { scope: `${server.url}/`, active: 'activated', script: `${server.url}/sw.js` }), 'the worker active at /');

    // Either the device was registered (a real push service) or the banner says why not.
    const outcome = await eventually(async () => {
      if (posted.length) return 'posted';
      const alert = prompt.getByRole('alert');
      if (await alert.count()) return 'failed';
      throw new Error('neither');
    }, 'the subscription registered or refused');
    realSubscription = outcome === 'posted';
    if (realSubscription) {
      const body = posted[0].postDataJSON();
      assert.equal(body.provider, 'webpush');
      assert.match(body.token, /^https:\/\//);
      await prompt.waitFor({ state: 'detached' });
    } else {
      assert.match(await prompt.getByRole('alert').innerText(), /could not subscribe to its push service/);
      // Headless Chromium's refusal: register a made-up subscription through the same function the button ends in.
      const sub = madeUpSubscription('this-browser');
      const request = page.waitForRequest(isDevicesPost);
      const device = await page.evaluate((s) => (globalThis as any).__accordPush.saveSubscription(s), sub);
      const body = (await request).postDataJSON();
      assert.deepEqual(body, { provider: 'webpush', token: sub.endpoint, keys: sub.keys, device_name: 'Chrome on Linux' });
      assert.equal(device.provider, 'webpush');
      assert.equal(device.device_name, 'Chrome on Linux');
      // Registered: the banner has done its job.
      await prompt.waitFor({ state: 'detached' });
    }
    const devices = await devicesOf(alice);
    assert.equal(devices.length, 1);
    thisDeviceId = devices[0].id;
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('accord.push.device')).id), thisDeviceId);
  });

  test("the Notifications tab shows this browser's state and the account's devices; one can be removed", async () => {
    const phone = madeUpSubscription('phone');
    const added = await server.request('POST', '/users/@me/devices', { auth: alice, body: { provider: 'webpush', token: phone.endpoint, keys: phone.keys, device_name: 'Firefox on Android' } });
    assert.equal(added.status, 201, JSON.stringify(added.body));

    await openNotificationsTab();
    const state = settings().getByTestId('push-state');
    // Without a real subscription in the browser, the device registered above does not count as "on".
    await eventually(async () => assert.equal(await state.getAttribute('data-state'), realSubscription ? 'enabled' : 'disabled'), 'the state');
    const list = settings().getByRole('list', { name: 'Push notification devices' });
    await eventually(async () => assert.equal(await list.getByRole('listitem').count(), 2), 'two devices listed');
    const mine = list.locator(`li[data-device-id="${thisDeviceId}"]`);
    assert.match(await mine.innerText(), /Chrome on Linux[\s\S]*This browser/);
    const theirs = list.locator(`li[data-device-id="${added.body.id}"]`);
    assert.match(await theirs.innerText(), /Firefox on Android/);
    assert.doesNotMatch(await theirs.innerText(), /This browser/);

    const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`${DEVICES}/${added.body.id}`));
    await settings().getByRole('button', { name: 'Remove Firefox on Android' }).click();
    assert.equal((await deleted).status(), 204);
    await theirs.waitFor({ state: 'detached' });
    assert.deepEqual((await devicesOf(alice)).map((d: any) => d.id), [thisDeviceId]);

    if (!realSubscription) {
      // The switch goes through the same flow as the banner, and says why it cannot turn on here.
      await settings().getByRole('switch', { name: 'Enable desktop notifications on this browser' }).click();
      await eventually(async () => assert.match(await settings().getByRole('alert').innerText(), /could not subscribe to its push service/), 'the switch explains');
      assert.equal(await settings().getByRole('switch', { name: 'Enable desktop notifications on this browser' }).isChecked(), false);
    }
    await page.keyboard.press('Escape');
    await settings().waitFor({ state: 'detached' });
  });

  test('"Show message text in notifications" sets this browser\'s device to private, and stays so after a reload', async () => {
    await openNotificationsTab();
    const preview = () => settings().getByRole('switch', { name: 'Show message text in notifications' });
    await eventually(async () => assert.equal(await preview().isChecked(), true), 'previews on by default');
    const patched = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith(`${DEVICES}/${thisDeviceId}`));
    await preview().click();
    const res = await patched;
    assert.equal(res.status(), 200);
    assert.deepEqual(res.request().postDataJSON(), { preview: false });
    await eventually(async () => assert.equal(await preview().isChecked(), false), 'the switch off');
    assert.equal((await devicesOf(alice)).find((d: any) => d.id === thisDeviceId)?.preview, false);

    await page.reload();
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    await openNotificationsTab();
    await eventually(async () => assert.equal(await preview().isChecked(), false), 'still off after a reload');
    await preview().click();
    await eventually(async () => assert.equal((await devicesOf(alice)).find((d: any) => d.id === thisDeviceId)?.preview, true), 'on again on the server');
    // Another request can read the change before the PATCH's answer reaches the page.
    await eventually(async () => assert.equal(await preview().isChecked(), true), 'the switch on');
    await page.keyboard.press('Escape');
    await settings().waitFor({ state: 'detached' });
  });

  test('a push message shows a notification per channel; clicking it takes the open tab to the message', async () => {
    const cdp: CDPSession = await ctx.newCDPSession(page);
    const registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: any) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    const reg = await eventually(async () => {
      const r = registrations.find((x) => x.scopeURL === `${server.url}/` && !x.isDeleted);
      assert.ok(r, 'no registration yet');
      return r;
    }, 'the registration seen by the devtools protocol');
    const url = `/channels/${guildId}/${channelId}/${targetId}`;
    const push = (payload: object) => cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId: reg.registrationId, data: JSON.stringify(payload) });
    const shown = () =>
      page.evaluate(async () => {
        const r = await navigator.serviceWorker.getRegistration('/');
        return (await r.getNotifications()).map((n: any) => ({ title: n.title, body: n.body, tag: n.tag, icon: n.icon, url: n.data?.url }));
      });

    // The registration can exist before its worker is active, and a devtools delivery is dropped now and then: a
    // push is delivered again (every 2 s) until the page shows it.
    const pushUntil = async (payload: object, what: string, check: () => Promise<void>) => {
      let lastDelivery = 0;
      await eventually(async () => {
        if (Date.now() - lastDelivery > 2000) {
          lastDelivery = Date.now();
          await push(payload);
        }
        await check();
      }, what);
    };
    await page.evaluate(async () => void (await navigator.serviceWorker.ready));
    const first = { title: `${bob.username} (#general, Push Club)`, body: 'first', url, tag: channelId };
    await pushUntil(first, 'the notification', async () =>
      assert.deepEqual(await shown(), [{ title: `${bob.username} (#general, Push Club)`, body: 'first', tag: channelId, icon: `${server.url}/notification-icon.png`, url }]));
    const alerts = () =>
      page.evaluate(async () => (await (await navigator.serviceWorker.getRegistration('/'))!.getNotifications()).map((n: any) => ({ body: n.body, renotify: n.renotify })));
    // The same push again (Web Push is at least once) replaces it without alerting again.
    await pushUntil(first, 'a repeat replaces silently', async () => assert.deepEqual(await alerts(), [{ body: 'first', renotify: false }]));
    // A newer message in the same channel replaces it rather than piling up, and alerts.
    const newer = { title: `${bob.username} (#general, Push Club)`, body: 'the message to open', url, tag: channelId };
    await pushUntil(newer, 'one notification per channel', async () => assert.deepEqual((await alerts()).map((n: any) => n.body), ['the message to open']));
    assert.deepEqual(await alerts(), [{ body: 'the message to open', renotify: true }], 'a newer message alerts');
    // A payload pointing off the origin is not followed.
    await pushUntil({ title: 'elsewhere', body: 'x', url: 'https://evil.example/phish', tag: 'other' }, 'an outside URL replaced', async () =>
      assert.equal((await shown()).find((n: any) => n.tag === 'other')?.url, '/channels/@me'));

    // The tab is somewhere else when the notification is clicked.
    await page.getByRole('button', { name: /^Direct Messages/ }).click();
    await eventually(async () => assert.notEqual(new URL(page.url()).pathname, `/channels/${guildId}/${channelId}`), 'away from the channel');
    const worker = ctx.serviceWorkers().find((w) => w.url() === `${server.url}/sw.js`);
    assert.ok(worker, 'the worker is running');
    // A click, as the notification centre would send it; outside a real click waitUntil() throws after the
    // handler has started its work, which is what is being tested.
    await worker.evaluate(async (messageUrl: string) => {
      const notes = await self.registration.getNotifications();
      const note = notes.find((n: any) => n.data?.url === messageUrl);
      self.dispatchEvent(new self.NotificationEvent('notificationclick', { notification: note }));
    }, url);
    await eventually(async () => assert.equal(new URL(page.url()).pathname, `/channels/${guildId}/${channelId}`), 'the tab went to the channel');
    await eventually(
      async () => assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-message-id')), targetId),
      'the message found (older pages loaded) and focused',
    );
    assert.ok(await page.locator(`.history .message[data-message-id="${targetId}"]`).isVisible(), 'the message is on screen');
    assert.equal((await shown()).filter((n: any) => n.url === url).length, 0, 'the clicked notification closed');
    await cdp.detach();
  });

  test("a window opened at a message's URL (no Accord tab was open) shows the channel and jumps to the message", async () => {
    const other = await ctx.newPage();
    try {
      await other.goto(`${server.url}/channels/${guildId}/${channelId}/${targetId}`);
      await eventually(async () => assert.equal(new URL(other.url()).pathname, `/channels/${guildId}/${channelId}`), 'the channel URL');
      await other.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
      await eventually(
        async () => assert.equal(await other.evaluate(() => document.activeElement?.getAttribute('data-message-id')), targetId),
        'the message focused',
      );
    } finally {
      await other.close();
    }
  });

  test('"Not now" hides the prompt for good on this browser', async () => {
    const bobCtx = await browser.newContext({ viewport: { width: 320, height: 640 } });
    try {
      await bobCtx.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), bob.token);
      const p = await bobCtx.newPage();
      const say = async (text: string) => {
        const sent = p.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/channels/${channelId}/messages`));
        await p.locator('#composer').fill(text);
        await p.locator('#composer').press('Enter');
        assert.equal((await sent).status(), 200);
      };
      await p.goto(`${server.url}/channels/${guildId}/${channelId}`);
      await p.locator('#composer').waitFor();
      await say('first words');
      const prompt = p.getByTestId('push-prompt');
      await prompt.waitFor();
      // It fits a 320 px phone: nothing scrolls sideways.
      assert.equal(await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'no sideways scroll');
      await prompt.getByRole('button', { name: 'Not now' }).click();
      await prompt.waitFor({ state: 'detached' });
      await p.reload();
      await p.locator('#composer').waitFor();
      await say('more words');
      await messageIn(p, 'more words').waitFor();
      assert.equal(await prompt.count(), 0, 'still dismissed after a reload and another message');
      assert.equal(await p.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0, 'nothing registered');
    } finally {
      await bobCtx.close();
    }
  });

  test("logging out removes this browser's device from the account before the token is revoked", async () => {
    assert.deepEqual((await devicesOf(alice)).map((d: any) => d.id), [thisDeviceId]);
    const order: string[] = [];
    page.on('request', (r) => {
      const p = new URL(r.url()).pathname;
      if (p.startsWith(DEVICES) || p.endsWith('/auth/logout')) order.push(`${r.method()} ${p}`);
    });
    await page.getByRole('button', { name: 'User settings' }).click();
    await settings().getByRole('button', { name: 'Log Out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    assert.deepEqual(order, [`DELETE ${DEVICES}/${thisDeviceId}`, 'POST /api/v10/auth/logout']);
    assert.equal(await page.evaluate(() => localStorage.getItem('accord.push.device')), null);
    const again = await server.request('POST', '/auth/login', { body: { login: alice.username, password: PASSWORD } });
    assert.equal(again.status, 200);
    assert.deepEqual(await devicesOf(again.body.token), []);
  });
});
