/**
 * The web client end to end: a real Accord (startTestServer) serving web/dist, two Chromium contexts driven
 * like two people. Covers register, guild + invite, joining through /invite/{code}, real-time chat, typing,
 * presence, reactions, edit, delete, safe markdown, a network drop with no lost or duplicated messages, history
 * paging that keeps the scroll position, and screenshots of the main screens (docs/screenshots).
 *
 * Chromium comes from /usr/bin/chromium (apt). Without it the suite is skipped with one line, except under
 * CI=true where it fails. Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, REPO, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

const SHOTS = path.join(REPO, 'docs', 'screenshots');

// System lines (a join, a pin) are messages too, but not what these tests count.
const messages = (page: Page) => page.locator('.history .message:not(.system)');
const messageWith = (page: Page, text: string) => page.locator('.history .message:not(.system)', { hasText: text });

async function register(page: Page, username: string) {
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Register' }).click();
}

async function send(page: Page, text: string) {
  const box = page.locator('.composer textarea');
  await box.fill(text);
  await box.press('Enter');
}

describe('web client', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: BrowserContext;
  let bob: BrowserContext;
  let a: Page;
  let b: Page;
  const stamp = Date.now().toString(36);
  const aliceName = `alice_${stamp}`;
  const bobName = `bob_${stamp}`;
  let channelUrl = '';

  before(async () => {
    ensureWebBuilt();
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer();
    browser = await launchChromium();
    alice = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    bob = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    for (const ctx of [alice, bob]) ctx.setDefaultTimeout(TIMEOUT);
    a = await alice.newPage();
    b = await bob.newPage();
    for (const [name, page] of [['alice', a], ['bob', b]] as const) {
      page.on('pageerror', (err) => console.log(`# [${name}] page error: ${err.message}`));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('serves the app with cache headers and an SPA fallback', async () => {
    const index = await fetch(`${server.url}/invite/anything`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(js, 'index.html references a hashed bundle');
    const asset = await fetch(`${server.url}${js}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${server.url}/assets/missing-000.js`)).status, 404);
    const api404 = await fetch(`${server.url}/api/v10/nothing-here`);
    assert.equal(api404.status, 404);
    assert.match(api404.headers.get('content-type') ?? '', /json/);
  });

  test('two people register; one creates a guild and an invite, the other joins through /invite/{code}', async () => {
    await a.goto(server.url);
    await a.getByRole('heading', { name: 'Welcome back!' }).waitFor();
    await a.screenshot({ path: path.join(SHOTS, 'login.png') });
    await register(a, aliceName);
    await a.getByRole('heading', { name: 'Direct Messages' }).waitFor();

    await b.goto(server.url);
    await register(b, bobName);
    await b.getByRole('heading', { name: 'Direct Messages' }).waitFor();

    await a.getByRole('button', { name: 'Add a server' }).click();
    await a.getByLabel('Server name').fill('Playwright Club');
    await a.getByRole('button', { name: 'Create server' }).click();
    await a.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    channelUrl = new URL(a.url()).pathname;

    await a.getByRole('button', { name: 'Playwright Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Invite People' }).click();
    const linkBox = a.getByLabel('Invite link');
    const link = await eventually(async () => {
      const v = await linkBox.inputValue();
      assert.match(v, /\/invite\/[A-Za-z0-9]+$/);
      return v;
    }, 'the invite link');
    await a.getByRole('button', { name: 'Close' }).click();
    // Opened again, the dialog shows the same link: the server reuses a similar live invite, as Discord's does.
    await a.getByRole('button', { name: 'Playwright Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Invite People' }).click();
    await eventually(async () => assert.equal(await linkBox.inputValue(), link), 'the same invite link');
    await a.getByRole('button', { name: 'Close' }).click();

    await b.goto(link);
    await b.getByRole('heading', { name: 'Playwright Club' }).waitFor();
    await b.getByRole('button', { name: 'Accept Invite' }).click();
    await b.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    assert.equal(new URL(b.url()).pathname, channelUrl);
    // Discord's join line in the system channel (#general), live for Alice and in Bob's history; the name opens
    // Bob's profile.
    for (const page of [a, b]) await page.locator('.history .message.system.join', { hasText: bobName }).waitFor();
    const join = a.locator('.history .message.system.join', { hasText: bobName });
    assert.match(await join.innerText(), new RegExp(`${bobName}`));
    await join.getByRole('button', { name: bobName }).click();
    await a.getByRole('dialog', { name: `Profile of ${bobName}` }).waitFor();
    await a.keyboard.press('Escape');
  });

  test('they chat in real time, with safe markdown', async () => {
    await send(a, 'hello **bob**, see https://example.com/x and ||secret||');
    const got = messageWith(b, 'hello');
    await got.waitFor();
    assert.equal(await got.locator('strong').innerText(), 'bob');
    const href = got.locator('a.md-link');
    assert.equal(await href.getAttribute('href'), 'https://example.com/x');
    assert.equal(await href.getAttribute('rel'), 'noopener noreferrer');
    await got.getByRole('button', { name: /Spoiler/ }).click();
    await got.locator('.md-spoiler.revealed').waitFor();

    await send(b, 'hi alice <img src=x onerror="window.__pwned=1"> [x](javascript:alert(1)) <script>window.__pwned=2</script>');
    const hostile = messageWith(a, 'hi alice');
    await hostile.waitFor();
    // The text's markup made no elements (the row's one image is the author's avatar, outside the content).
    assert.equal(await hostile.locator('.message-content img, .message-content script').count(), 0);
    assert.equal(await hostile.locator('a').count(), 0);
    assert.match(await hostile.innerText(), /<img src=x/);
    assert.equal(await a.evaluate('window.__pwned'), undefined);
    // Both see both messages exactly once (the sender's optimistic copy was replaced, not duplicated).
    for (const page of [a, b]) {
      await eventually(async () => assert.equal(await messages(page).count(), 2), 'two messages');
    }
  });

  test('typing and presence show up on the other side', async () => {
    await b.locator('.composer textarea').fill('I am typing something');
    await a.getByTestId('typing').filter({ hasText: `${bobName} is typing` }).waitFor();
    await b.locator('.composer textarea').fill('');

    const bobInList = a.locator(`.member-list [data-user-id]`, { hasText: bobName });
    await eventually(async () => assert.equal(await bobInList.getAttribute('data-status'), 'online'), 'bob online');
    await b.getByLabel('Set status').selectOption('dnd');
    await eventually(async () => assert.equal(await bobInList.getAttribute('data-status'), 'dnd'), 'bob dnd');
    await b.getByLabel('Set status').selectOption('online');
    await eventually(async () => assert.equal(await bobInList.getAttribute('data-status'), 'online'), 'bob online again');
  });

  test('react, edit (up arrow) and delete', async () => {
    const target = messageWith(b, 'hello');
    await target.hover();
    await target.getByRole('button', { name: 'Add reaction' }).click();
    await b.getByRole('menuitem', { name: 'React with 👍' }).click();
    const onAlice = messageWith(a, 'hello').getByRole('button', { name: /👍 reaction, 1/ });
    await onAlice.waitFor();
    await onAlice.click(); // Alice adds hers: 2
    await messageWith(b, 'hello').getByRole('button', { name: /👍 reaction, 2/ }).waitFor();
    await messageWith(b, 'hello').getByRole('button', { name: /👍 reaction, 2/ }).click(); // Bob takes his back
    await messageWith(a, 'hello').getByRole('button', { name: /👍 reaction, 1, you reacted/ }).waitFor();

    await a.locator('.composer textarea').click();
    await a.locator('.composer textarea').press('ArrowUp');
    const edit = a.getByRole('textbox', { name: 'Edit message' });
    await edit.waitFor();
    await edit.fill('hello again, edited');
    await edit.press('Enter');
    const edited = messageWith(b, 'hello again, edited');
    await edited.waitFor();
    assert.match(await edited.innerText(), /\(edited\)/);

    await send(a, 'this one will be deleted');
    await messageWith(b, 'this one will be deleted').waitFor();
    const doomed = messageWith(a, 'this one will be deleted');
    await doomed.hover();
    await doomed.getByRole('button', { name: 'Delete message' }).click();
    await a.getByRole('dialog', { name: 'Delete Message' }).getByRole('button', { name: 'Delete' }).click();
    await messageWith(b, 'this one will be deleted').waitFor({ state: 'detached' });
  });

  test('a dropped connection resumes without losing or duplicating messages', async () => {
    // window.__accordGateway is the client's gateway object, exposed for diagnostics.
    const stats = () => b.evaluate('({ ...window.__accordGateway.stats, compressed: window.__accordGateway.compressed })') as Promise<Record<string, number | boolean>>;
    const before = await stats();
    assert.equal(before.compressed, true, 'the gateway runs with zlib-stream transport compression');
    await bob.setOffline(true);
    // setOffline fires the browser's offline event, on which the client drops its socket (as on a real outage).
    await b.getByTestId('reconnecting').waitFor();
    const missed = ['missed one', 'missed two', 'missed three'];
    for (const text of missed) await send(a, text);
    for (const text of missed) await messageWith(a, text).and(a.locator(':not(.pending)')).waitFor();
    await bob.setOffline(false);
    await b.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 20_000 });
    for (const text of missed) {
      await eventually(async () => assert.equal(await messageWith(b, text).count(), 1), `exactly one "${text}"`);
    }
    const afterDrop = await stats();
    assert.equal(afterDrop.identifies, before.identifies, 'no new IDENTIFY: the session was resumed');
    assert.ok(Number(afterDrop.resumed) > Number(before.resumed), 'RESUMED received');
    // And the live stream carries on after the resume.
    await send(a, 'after the storm');
    await messageWith(b, 'after the storm').waitFor();
    assert.equal(await messageWith(b, 'after the storm').count(), 1);
  });

  test('a reload keeps the session', async () => {
    await b.reload();
    await b.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    await messageWith(b, 'after the storm').waitFor();
    await a.screenshot({ path: path.join(SHOTS, 'chat-desktop.png') });
  });

  test('older history loads on scroll without moving what is on screen', async () => {
    const token = (await a.evaluate('localStorage.getItem("accord.token")')) as string | null;
    const channelId = channelUrl.split('/').pop()!;
    for (let i = 1; i <= 120; i++) {
      const res = await server.request('POST', `/channels/${channelId}/messages`, { auth: token!, body: { content: `backlog ${i}` } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    await b.goto(`${server.url}/channels/@me`);
    await b.getByRole('heading', { name: 'Direct Messages' }).waitFor();
    await b.goto(`${server.url}${channelUrl}`);
    await messageWith(b, 'backlog 120').waitFor();
    const history = b.locator('.history');
    // Scroll to the top until the channel's beginning shows; after each page the message that was at the top
    // of the viewport must still be exactly where it was.
    const start = b.getByRole('heading', { name: /Welcome to #general/ });
    for (let round = 0; round < 10 && !(await start.isVisible()); round++) {
      const anchor = await history.evaluate((el: any) => {
        el.scrollTop = 0;
        const first = el.querySelector('.message');
        return { id: first.dataset.messageId as string, top: first.getBoundingClientRect().top as number };
      });
      const moved = await eventually(async () => {
        const now = await history.evaluate((el: any, id: string) => {
          const first = el.querySelector('.message')?.dataset.messageId;
          const same = el.querySelector(`[data-message-id="${id}"]`);
          return { first, top: same.getBoundingClientRect().top as number, atStart: Boolean(el.querySelector('.channel-start')) };
        }, anchor.id);
        assert.ok(now.first !== anchor.id || now.atStart, 'an older page was prepended');
        return now;
      }, 'older messages');
      if (moved.first === anchor.id) break;
      assert.ok(Math.abs(moved.top - anchor.top) < 1, `the anchored message stayed put (${anchor.top} → ${moved.top})`);
    }
    await messageWith(b, 'backlog 1').first().waitFor();
    await b.getByRole('heading', { name: /Welcome to #general/ }).waitFor();
    await b.getByRole('button', { name: /Jump to present/ }).click();
    await eventually(async () => assert.ok(await messageWith(b, 'backlog 120').isVisible()), 'back at the newest message');
  });

  test('guild settings: roles, channels and overwrites; the other side sees the channel appear', async () => {
    await a.getByRole('button', { name: 'Playwright Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    const dialog = a.getByRole('dialog', { name: /Server Settings/ });
    await dialog.getByRole('tab', { name: 'Roles' }).click();
    await dialog.getByRole('button', { name: 'Create Role' }).click();
    await dialog.getByLabel('Role name').fill('Moderators');
    await dialog.getByRole('switch', { name: 'Manage Messages' }).check();
    await dialog.getByLabel('Display role members separately from online members').check();
    await dialog.getByRole('button', { name: 'Save Role' }).click();
    await dialog.getByRole('option', { name: 'Moderators' }).waitFor();
    await a.screenshot({ path: path.join(SHOTS, 'guild-settings.png') });

    // Giving Bob the hoisted role moves him into its own group in everyone's member list.
    await dialog.getByRole('tab', { name: 'Members' }).click();
    await dialog.locator('.member-roles', { hasText: bobName }).getByLabel('Moderators').check();
    await b.locator('.member-group', { hasText: 'Moderators — 1' }).waitFor();
    // Manage Messages no longer lets Bob pin; the role's Pin Messages does.
    const backlog = messageWith(b, 'backlog 120');
    await backlog.hover();
    await backlog.getByRole('button', { name: 'Delete message' }).waitFor();
    assert.equal(await backlog.getByRole('button', { name: 'Pin message' }).count(), 0, 'no Pin action with Manage Messages alone');
    await dialog.getByRole('tab', { name: 'Roles' }).click();
    await dialog.getByRole('option', { name: 'Moderators' }).click();
    await dialog.getByRole('switch', { name: 'Pin Messages' }).check();
    await dialog.getByRole('button', { name: 'Save Role' }).click();
    await backlog.hover();
    await backlog.getByRole('button', { name: 'Pin message' }).waitFor();

    await dialog.getByRole('tab', { name: 'Channels' }).click();
    await dialog.getByLabel('New channel name').fill('announcements');
    await dialog.getByRole('button', { name: 'Create Channel' }).click();
    await b.getByRole('link', { name: /channel announcements/ }).waitFor();

    await dialog.getByRole('tab', { name: 'Channel Permissions' }).click();
    await dialog.getByLabel('Channel', { exact: true }).selectOption({ label: '# announcements' });
    await dialog.getByRole('radio', { name: 'Send Messages: deny' }).check();
    // @everyone may no longer send there: Bob's composer says so.
    await b.getByRole('link', { name: /channel announcements/ }).click();
    await b.getByRole('textbox', { name: /do not have permission/ }).waitFor();
    await dialog.getByRole('button', { name: 'Remove overwrite for @everyone' }).click();
    const confirm = a.getByRole('dialog', { name: 'Remove Overwrite' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await b.getByRole('textbox', { name: 'Message #announcements' }).waitFor();
    // Bob's gateway event can beat Alice's HTTP answer: the confirmation closes only once the DELETE has answered.
    await confirm.waitFor({ state: 'hidden' });
    // Overview: the join message off and members notified of mentions only, saved as Discord's guild fields.
    await dialog.getByRole('tab', { name: 'Overview' }).click();
    assert.equal(await dialog.getByLabel('System messages channel').inputValue(), channelUrl.split('/').pop());
    await dialog.getByLabel('Send a welcome message when someone joins this server').uncheck();
    await dialog.getByLabel('Only @mentions').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    const guildId = channelUrl.split('/')[2]!;
    const token = (await a.evaluate('localStorage.getItem("accord.token")')) as string;
    await eventually(async () => {
      const g = (await server.request('GET', `/guilds/${guildId}`, { auth: token })).body;
      assert.deepEqual([g.system_channel_flags & 1, g.default_message_notifications], [1, 1]);
    }, 'the overview saved');
    await dialog.getByLabel('Send a welcome message when someone joins this server').check();
    await dialog.getByLabel('All messages').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => {
      const g = (await server.request('GET', `/guilds/${guildId}`, { auth: token })).body;
      assert.deepEqual([g.system_channel_flags & 1, g.default_message_notifications], [0, 0]);
    }, 'the overview saved back');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await b.getByRole('link', { name: /channel general/ }).click();
  });

  test('direct messages from the user popout', async () => {
    await a.locator('.member-list [data-user-id]', { hasText: bobName }).click();
    await a.getByRole('dialog', { name: `Profile of ${bobName}` }).getByRole('button', { name: `Message @${bobName}` }).click();
    await a.locator('.chat-header h1').filter({ hasText: bobName }).waitFor();
    await send(a, 'psst, a DM');
    await b.getByRole('button', { name: /Direct Messages/ }).click();
    await b.getByRole('link', { name: new RegExp(`conversation with ${aliceName}`) }).click();
    await messageWith(b, 'psst, a DM').waitFor();
  });

  test('unread markers follow read states across reloads', async () => {
    // Bob is in the DM; Alice posts in the guild.
    await a.locator('.rail-button[title="Playwright Club"]').click();
    await a.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    await send(a, 'unread ping');
    // The rail button (its label gains ", unread"), not the server-menu button that shares the name's start.
    const guildButton = b.locator('.rail-button[title="Playwright Club"]');
    const label = async () => (await guildButton.getAttribute('aria-label')) ?? '';
    await eventually(async () => assert.match(await label(), /unread/), 'guild marked unread');
    try {
      await b.reload();
      await b.getByRole('heading', { name: 'Direct Messages' }).waitFor();
      // Needs GUILD_CREATE's channels to carry the current last_message_id (compared with READY.read_state).
      await eventually(async () => assert.match(await label(), /unread/), 'still unread after a reload (GUILD_CREATE channel.last_message_id vs READY.read_state)');
    } finally {
      await b.goto(`${server.url}${channelUrl}`);
    }
    await messageWith(b, 'unread ping').waitFor();
    await eventually(async () => assert.doesNotMatch(await label(), /unread/), 'read once viewed');
    await b.getByRole('button', { name: 'Direct Messages' }).click();
    await b.reload();
    await b.getByRole('heading', { name: 'Direct Messages' }).waitFor();
    await eventually(async () => assert.doesNotMatch(await label(), /unread/), 'the ack reached the server');
    await guildButton.click();
  });

  test('reply to a message', async () => {
    if (!new URL(b.url()).pathname.startsWith(channelUrl)) await b.goto(`${server.url}${channelUrl}`);
    const original = messageWith(b, 'unread ping');
    await original.hover();
    await original.getByRole('button', { name: 'Reply' }).click();
    await b.getByText(`Replying to ${aliceName}`).waitFor();
    await send(b, 'this is my reply');
    const reply = messageWith(a, 'this is my reply');
    await reply.waitFor();
    assert.match(await reply.locator('.reply-preview').innerText(), /unread ping/);
  });

  test('phone width: navigation collapses behind a button', async () => {
    const phone = await bob.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.emulateMedia({ reducedMotion: 'reduce' }); // no slide-in transition half-way through a screenshot
    await phone.goto(`${server.url}${channelUrl}`);
    await messageWith(phone, 'backlog 120').waitFor();
    assert.equal(await phone.getByRole('navigation', { name: 'Servers' }).isVisible(), false);
    await phone.screenshot({ path: path.join(SHOTS, 'chat-phone.png') });
    await phone.getByRole('button', { name: 'Open navigation' }).click();
    await phone.getByRole('navigation', { name: 'Servers' }).waitFor({ state: 'visible' });
    await phone.screenshot({ path: path.join(SHOTS, 'chat-phone-nav.png') });
    await phone.getByRole('link', { name: /channel general/ }).click();
    await eventually(async () => assert.equal(await phone.getByRole('navigation', { name: 'Servers' }).isVisible(), false), 'drawer closed');
    await phone.close();
  });

  test('change username; leave the guild', async () => {
    await b.getByRole('button', { name: 'User settings' }).click();
    await b.getByLabel('Username').fill(`${bobName}_2`);
    await b.getByLabel('Current password').fill('correct horse battery staple');
    await b.getByRole('button', { name: 'Save Changes' }).click();
    await b.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await b.getByRole('button', { name: 'Close' }).click();
    await b.getByTestId('my-name').filter({ hasText: `${bobName}_2` }).waitFor();

    await b.getByRole('button', { name: 'Playwright Club server menu' }).click();
    await b.getByRole('menuitem', { name: 'Leave Server' }).click();
    await b.getByRole('dialog', { name: /Leave/ }).getByRole('button', { name: 'Leave Server' }).click();
    await b.getByRole('heading', { name: 'Direct Messages' }).waitFor();
    // The rail drops the guild when GUILD_DELETE arrives, which may be after the view switched.
    await eventually(async () => assert.equal(await b.locator('.rail-button[title="Playwright Club"]').count(), 0), 'guild gone from the rail');
    await a.locator('.member-list [data-user-id]', { hasText: bobName }).waitFor({ state: 'detached' });
  });

  test('log out returns to the login screen and forgets the token', async () => {
    await b.getByRole('button', { name: 'User settings' }).click();
    await b.getByRole('button', { name: 'Log Out' }).click();
    await b.getByRole('heading', { name: 'Welcome back!' }).waitFor();
    assert.equal(await b.evaluate('localStorage.getItem("accord.token")'), null);
  });
});
