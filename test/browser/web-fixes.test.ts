/**
 * The web client's "Broken" list of issue #12, each in Chromium against a real Accord: dialogs that fit a phone
 * (Server Settings at 390 px with roles assigned there, every dialog at 320 px), members sent home with a reason
 * when kicked, banned or sent to a server that is not theirs, embeds drawn (and only http(s) links and images
 * made from them), role mentions with one "@" and the role's colour, the rate-limit wait on log-in and register
 * counted down, the invite card's real online count, keyboard focus (skip link, one Tab stop for the history,
 * arrow keys in menus and messages, focus returned after dialogs and self-disabling buttons), confirmation
 * before deleting channels, categories, roles and overwrites, no Reply where sending is denied, no raw "Failed to
 * fetch", the page title, per-channel scroll positions, and the group DM rename's system line.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token
 * (as group-dm.test.ts does). Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeFriends } from '../integration/fixtures.guilds.ts';

// The functions passed to page.evaluate run in the browser; the test's own tsconfig has no DOM types.
declare const document: any;
declare const window: any;
declare function getComputedStyle(el: unknown): any;
type HTMLElement = any;

const SEND_MESSAGES = 1n << 11n;
const messageWith = (page: Page, text: string) => page.locator('.history .message', { hasText: text });
const header = (page: Page) => page.locator('.chat-header h1');
const active = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName ?? '',
      id: el?.id ?? '',
      label: el?.getAttribute('aria-label') ?? '',
      text: (el?.textContent ?? '').trim().slice(0, 60),
      role: el?.getAttribute('role') ?? '',
      messageId: el?.dataset.messageId ?? el?.closest('.message')?.dataset.messageId ?? '',
      inDialog: Boolean(el?.closest('[role="dialog"]')),
      isBody: el === document.body,
    };
  });

/** Focus as a page has it before the first Tab: on a stand-in at the very top of the document. */
async function focusTop(page: Page) {
  await page.evaluate(() => {
    const top = document.createElement('span');
    top.tabIndex = -1;
    top.id = 'test-top';
    document.body.prepend(top);
    top.focus();
    top.addEventListener('blur', () => top.remove());
  });
}

/** Nothing of any open dialog (nor the page) reaches past the viewport's left or right edge. */
async function assertFits(page: Page, what: string) {
  const bad = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > w) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${w})`);
    const dialogs = document.querySelectorAll('[role="dialog"]');
    if (!dialogs.length) out.push('no dialog open');
    for (const dialog of dialogs) {
      for (const el of [dialog, ...dialog.querySelectorAll('*')]) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.left < -0.5 || r.right > w + 0.5) out.push(`<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}"> "${(el.textContent ?? '').trim().slice(0, 30)}" spans ${Math.round(r.left)}–${Math.round(r.right)} of ${w}`);
      }
    }
    return out;
  });
  assert.deepEqual(bad, [], `${what}: everything within the screen`);
}

describe('web client: the broken list of issue #12', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  const names = { owner: `olga_${stamp}`, bob: `bert_${stamp}`, carol: `cleo_${stamp}`, dave: `dirk_${stamp}`, erin: `erin_${stamp}` };
  const users = {} as Record<keyof typeof names, TestUser>;
  let guild: any;
  let general: any;
  let backlog: any;
  let readOnly: any;
  let owner: Page;
  let bob: Page;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const post = (user: TestUser, channelId: string, body: Record<string, unknown> | string) =>
    api('POST', `/channels/${channelId}/messages`, user, typeof body === 'string' ? { content: body } : body);

  /** A page logged in as `user` (the app reads its saved token), at `path`. */
  async function open(user: TestUser, path: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(TIMEOUT);
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), user.token);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# [${user.username}] page error: ${err.message}`));
    await page.goto(`${server.url}${path}`);
    return page;
  }
  const channelPath = (c: any) => `/channels/${guild.id}/${c.id}`;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    for (const key of Object.keys(names) as Array<keyof typeof names>) users[key] = await server.register(names[key]);
    guild = await server.createGuild(users.owner, 'Fixes Club');
    for (const key of ['bob', 'carol', 'dave'] as const) await server.join(users.owner, guild.id, users[key]);
    const channels = await api('GET', `/guilds/${guild.id}/channels`, users.owner);
    general = channels.find((c: any) => c.type === 0);
    backlog = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'backlog', type: 0 });
    readOnly = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'read-only', type: 0 });
    await api('PUT', `/channels/${readOnly.id}/permissions/${guild.id}`, users.owner, { type: 0, allow: '0', deny: SEND_MESSAGES.toString() });
    await post(users.owner, readOnly.id, 'announcements only here');
    for (let i = 1; i <= 80; i++) await post(i % 2 ? users.owner : users.bob, backlog.id, `backlog line ${i}`);
    await post(users.owner, general.id, 'welcome to the club');
    owner = await open(users.owner, channelPath(general));
    bob = await open(users.bob, channelPath(general));
    for (const p of [owner, bob]) await messageWith(p, 'welcome to the club').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('Server Settings fits a phone: close button and Members tab on screen, roles assigned there', async () => {
    const role = await api('POST', `/guilds/${guild.id}/roles`, users.owner, { name: 'Phone Role', color: 0x2ecc71 });
    const phone = await open(users.owner, channelPath(general), { width: 390, height: 844 });
    await phone.emulateMedia({ reducedMotion: 'reduce' });
    await messageWith(phone, 'welcome to the club').waitFor();
    await phone.getByRole('button', { name: 'Open navigation' }).click();
    await phone.getByRole('button', { name: 'Fixes Club server menu' }).click();
    await phone.getByRole('menuitem', { name: 'Server Settings' }).click();
    const dialog = phone.getByRole('dialog', { name: /Server Settings/ });
    await dialog.waitFor();
    await assertFits(phone, 'Server Settings at 390 px');
    // Reachable means on screen, without scrolling anything sideways.
    for (const target of [dialog.getByRole('button', { name: 'Close' }), dialog.getByRole('tab', { name: 'Members' })]) {
      const box = (await target.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.y >= 0 && box.y + box.height <= 844, `${await target.textContent()} is on screen: ${JSON.stringify(box)}`);
    }
    for (const tab of ['Roles', 'Channels', 'Channel Permissions', 'Members']) {
      await dialog.getByRole('tab', { name: tab }).click();
      await assertFits(phone, `Server Settings, ${tab}, at 390 px`);
    }
    await dialog.locator('.member-roles', { hasText: names.bob }).getByRole('checkbox', { name: 'Phone Role' }).check();
    await eventually(async () => {
      const member = await api('GET', `/guilds/${guild.id}/members/${users.bob.id}`, users.owner);
      assert.ok(member.roles.includes(role.id));
    }, 'the role assigned from the phone');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await phone.close();
  });

  test('every dialog fits at 320 px', async () => {
    const narrow = await open(users.owner, channelPath(general), { width: 320, height: 640 });
    await narrow.emulateMedia({ reducedMotion: 'reduce' });
    await messageWith(narrow, 'welcome to the club').waitFor();
    const nav = async () => {
      if (!(await narrow.getByRole('navigation', { name: 'Servers' }).isVisible())) await narrow.getByRole('button', { name: 'Open navigation' }).click();
    };
    const close = async () => {
      await narrow.keyboard.press('Escape');
      await narrow.getByRole('dialog').first().waitFor({ state: 'detached' });
    };
    await nav();
    await narrow.getByRole('button', { name: 'Add a server' }).click();
    // The dialog's code loads on first use.
    await narrow.getByRole('dialog').waitFor();
    await assertFits(narrow, 'Add a server');
    await close();
    await nav();
    await narrow.getByRole('button', { name: 'Fixes Club server menu' }).click();
    await narrow.getByRole('menuitem', { name: 'Invite People' }).click();
    await eventually(async () => assert.match(await narrow.getByLabel('Invite link').inputValue(), /\/invite\//), 'the invite link');
    await assertFits(narrow, 'Invite People');
    await close();
    await nav();
    await narrow.getByRole('button', { name: 'User settings' }).click();
    await narrow.getByRole('dialog').waitFor();
    await assertFits(narrow, 'User settings');
    await close();
    await nav();
    await narrow.getByRole('button', { name: 'Fixes Club server menu' }).click();
    await narrow.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = narrow.getByRole('dialog', { name: /Server Settings/ });
    for (const tab of ['Overview', 'Roles', 'Channels', 'Channel Permissions', 'Members']) {
      await settings.getByRole('tab', { name: tab }).click();
      await assertFits(narrow, `Server Settings, ${tab}`);
    }
    await settings.getByRole('tab', { name: 'Channels' }).click();
    await settings.getByRole('button', { name: 'Delete backlog' }).click();
    await narrow.getByRole('dialog', { name: 'Delete Channel' }).waitFor();
    await assertFits(narrow, 'a confirmation over Server Settings');
    await narrow.getByRole('dialog', { name: 'Delete Channel' }).getByRole('button', { name: 'Cancel' }).click();
    await settings.getByRole('button', { name: 'Close' }).click();
    await narrow.close();
  });

  test('kicked, banned, or at a server that is not theirs: sent home with a sentence saying so', async () => {
    const carol = await open(users.carol, channelPath(general));
    const dave = await open(users.dave, channelPath(general));
    for (const p of [carol, dave]) await messageWith(p, 'welcome to the club').waitFor();

    await api('DELETE', `/guilds/${guild.id}/members/${users.carol.id}`, users.owner);
    await api('PUT', `/guilds/${guild.id}/bans/${users.dave.id}`, users.owner, {});
    for (const p of [carol, dave]) {
      await eventually(async () => assert.equal(new URL(p.url()).pathname, '/channels/@me'), 'sent home');
      await p.getByTestId('notice').filter({ hasText: /no longer a member of Fixes Club: you were kicked or banned/ }).waitFor();
      await p.getByRole('heading', { name: 'Direct Messages' }).waitFor();
      assert.equal(await p.getByText('Loading server…').count(), 0);
    }
    await dave.close();

    // A reload of the old URL, and a made-up one: the same, with the reason it cannot be opened.
    await carol.getByRole('button', { name: 'Dismiss' }).click();
    for (const path of [channelPath(general), '/channels/123456789012345678/123456789012345679']) {
      await carol.goto(`${server.url}${path}`);
      await carol.getByTestId('notice').filter({ hasText: "That server doesn't exist, or you're not a member of it." }).waitFor();
      assert.equal(new URL(carol.url()).pathname, '/channels/@me');
    }
    // A channel that is not there, in a server that is: to the server, saying so.
    await bob.goto(`${server.url}/channels/${guild.id}/123456789012345670`);
    await bob.getByTestId('notice').filter({ hasText: "That channel doesn't exist, or you can't see it." }).waitFor();
    await eventually(async () => assert.match(new URL(bob.url()).pathname, new RegExp(`^/channels/${guild.id}/\\d+$`)), 'at a channel of the server');
    await bob.getByRole('button', { name: 'Dismiss' }).click();
    await carol.close();
  });

  test('embeds render in full, an embed-only message is not an empty row, and only http(s) becomes a link or image', async () => {
    const img = `${server.url}/assets/embed-image.png`;
    await post(users.owner, general.id, {
      content: '',
      embeds: [{
        title: 'Release 2.0',
        url: 'https://example.com/release',
        description: 'The **big** one, see https://example.com/notes',
        color: 0xff5500,
        author: { name: 'Build Bot', url: 'https://example.com/bot', icon_url: img },
        fields: [
          { name: 'Version', value: '2.0.0', inline: true },
          { name: 'Size', value: '12 MB', inline: true },
          { name: 'Tests', value: '1,204', inline: true },
          { name: 'Notes', value: 'Everything *else* is a wide field' },
        ],
        image: { url: img },
        thumbnail: { url: img },
        footer: { text: 'ci pipeline', icon_url: img },
        timestamp: '2024-05-01T12:00:00.000Z',
      }],
    });
    await post(users.owner, general.id, {
      content: 'hostile embed below',
      embeds: [{
        title: '<img src=x onerror="window.__pwned=1">',
        url: 'attachment://evil.png',
        description: 'javascript:alert(1) and <script>window.__pwned=2</script>',
        image: { url: 'attachment://evil.png' },
        author: { name: 'Mallory', url: 'attachment://x' },
      }],
    });
    const message = bob.locator('.history .message', { has: bob.locator('.embed', { hasText: 'Release 2.0' }) });
    await message.waitFor();
    const embed = message.locator('.embed');
    assert.equal(await message.locator('.message-content').count(), 0, 'no empty content row above the embed');
    assert.equal(await embed.evaluate((el) => getComputedStyle(el).borderLeftColor), 'rgb(255, 85, 0)');
    const title = embed.locator('.embed-title a');
    assert.equal(await title.innerText(), 'Release 2.0');
    assert.equal(await title.getAttribute('href'), 'https://example.com/release');
    assert.equal(await title.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await embed.locator('.embed-author a').getAttribute('href'), 'https://example.com/bot');
    assert.match(await embed.locator('.embed-author').innerText(), /Build Bot/);
    assert.equal(await embed.locator('.embed-description strong').innerText(), 'big');
    assert.equal(await embed.locator('.embed-description a.md-link').getAttribute('href'), 'https://example.com/notes');
    // Three inline fields share a row; the wide one has a row of its own, as wide as the three together.
    const boxes = await embed.locator('.embed-field').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON()));
    assert.equal(boxes.length, 4);
    assert.ok(boxes[0].top === boxes[1].top && boxes[1].top === boxes[2].top, 'inline fields side by side');
    assert.ok(boxes[3].top > boxes[0].bottom - 1 && boxes[3].width > boxes[0].width * 2.5, 'the non-inline field spans the row');
    assert.match(await embed.locator('.embed-field').nth(3).innerText(), /Notes\s+Everything else is a wide field/);
    assert.equal(await embed.locator('.embed-field').nth(3).locator('em').innerText(), 'else');
    assert.equal(await embed.locator('img.embed-image').getAttribute('src'), img);
    assert.equal(await embed.locator('img.embed-thumbnail').getAttribute('src'), img);
    assert.match(await embed.locator('.embed-footer').innerText(), /ci pipeline/);
    assert.equal(await embed.locator('.embed-footer time').getAttribute('datetime'), '2024-05-01T12:00:00.000Z');

    const hostile = messageWith(bob, 'hostile embed below').locator('.embed');
    await hostile.waitFor();
    assert.equal(await hostile.locator('a').count(), 0, 'no link from an attachment: URL or javascript: text');
    assert.equal(await hostile.locator('img, script').count(), 0, 'no image from an attachment: URL, no markup from text');
    assert.match(await hostile.innerText(), /<img src=x onerror/);
    assert.equal(await bob.evaluate('window.__pwned'), undefined);
  });

  test('role mentions show one "@" and the role\'s colour', async () => {
    const role = await api('POST', `/guilds/${guild.id}/roles`, users.owner, { name: 'Mods', color: 0x3498db });
    await post(users.owner, general.id, `paging <@&${role.id}> and <@&${guild.id}>`);
    const msg = messageWith(bob, 'paging');
    await msg.waitFor();
    const mentions = msg.locator('.role-mention');
    assert.deepEqual(await mentions.allInnerTexts(), ['@Mods', '@everyone']);
    assert.equal(await mentions.first().evaluate((el) => getComputedStyle(el).color), 'rgb(52, 152, 219)');
    assert.doesNotMatch(await msg.innerText(), /@@/);
  });

  test('log-in and register show the rate-limit wait, counting down', async () => {
    // Real per-route limits (auth: 5 a minute per address), on a server of its own.
    const limited = await startTestServer({ rateLimitScale: 1 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    try {
      const page = await context.newPage();
      await page.goto(`${limited.url}/login`);
      await page.getByLabel('Username or email').fill('nobody_here');
      await page.getByLabel('Password').fill('not the password');
      const limitedNote = page.getByTestId('rate-limited');
      for (let i = 0; i < 10 && !(await limitedNote.isVisible()); i++) {
        await page.getByRole('button', { name: 'Log In' }).click();
        await page.locator('[role="alert"]').first().waitFor();
        await eventually(async () => assert.notEqual(await page.getByRole('button', { name: /Please wait/ }).count(), 1), 'the attempt answered');
      }
      await limitedNote.waitFor();
      const seconds = async () => Number(/try again in (\d+) second/.exec(await limitedNote.innerText())?.[1]);
      const first = await seconds();
      assert.ok(first > 0 && first <= 60, `a wait in seconds (${first})`);
      await eventually(async () => assert.ok((await seconds()) < first), 'the countdown ticks', 5000);
      const button = page.getByRole('button', { name: /Try again in \d+s/ });
      assert.equal(await button.getAttribute('aria-disabled'), 'true');
      await button.click({ force: true }); // does nothing while waiting
      await limitedNote.waitFor();

      await page.getByRole('button', { name: 'Register' }).click();
      await page.getByLabel('Username', { exact: true }).fill('someone_new');
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.getByTestId('rate-limited').waitFor();
      assert.doesNotMatch(await page.locator('.auth-card').innerText(), /Please wait/);
    } finally {
      await context.close();
      await limited.close();
    }
  });

  test('the invite card counts who is online', async () => {
    const invite = await api('POST', `/channels/${general.id}/invites`, users.owner, {});
    const erin = await open(users.erin, `/invite/${invite.code}`);
    const counts = erin.locator('.invite-card .small', { hasText: 'Online' });
    await counts.waitFor();
    // The owner and bob have pages open: online. Not the hard-coded 0 of before.
    assert.match(await counts.innerText(), /\b2 Online\b/);
    await erin.close();
  });

  test('keyboard: skip link, one Tab stop for the history, arrows through messages and menus', async () => {
    await owner.goto(`${server.url}${channelPath(backlog)}`);
    await messageWith(owner, 'backlog line 80').waitFor();
    await focusTop(owner);
    await owner.keyboard.press('Tab');
    assert.equal((await active(owner)).text, 'Skip to message box');
    await owner.keyboard.press('Enter');
    assert.equal((await active(owner)).id, 'composer');

    // From the top of the page to the message box by Tab alone, past 80 messages full of buttons.
    await focusTop(owner);
    let presses = 0;
    while ((await active(owner)).id !== 'composer' && presses < 60) {
      await owner.keyboard.press('Tab');
      presses++;
    }
    assert.equal((await active(owner)).id, 'composer', `reached the message box in ${presses} presses`);
    assert.ok(presses < 40, `${presses} Tab presses`);

    // Shift+Tab from the composer lands on the history (not the last button of the last message).
    await owner.keyboard.press('Shift+Tab');
    assert.equal((await active(owner)).label, 'Messages');
    await owner.keyboard.press('ArrowUp');
    const last = await active(owner);
    assert.match(last.label, new RegExp(names.bob));
    assert.equal(last.messageId, await messageWith(owner, 'backlog line 80').getAttribute('data-message-id'));
    await owner.keyboard.press('ArrowUp');
    assert.equal((await active(owner)).messageId, await messageWith(owner, 'backlog line 79').getAttribute('data-message-id'));
    await owner.keyboard.press('Enter');
    const firstAction = await active(owner);
    assert.equal(firstAction.label, 'Add reaction');
    await owner.keyboard.press('ArrowRight');
    assert.equal((await active(owner)).label, 'Reply');
    await owner.keyboard.press('Escape');
    assert.equal((await active(owner)).id, 'composer');

    // The server menu: Down opens it on its first item, arrows move, Escape closes it back onto its button.
    const menuButton = owner.getByRole('button', { name: 'Fixes Club server menu' });
    await menuButton.focus();
    await owner.keyboard.press('ArrowDown');
    assert.equal((await active(owner)).text, 'Invite People');
    await owner.keyboard.press('ArrowDown');
    assert.equal((await active(owner)).text, 'Server Settings');
    await owner.keyboard.press('End');
    await owner.keyboard.press('ArrowDown');
    assert.equal((await active(owner)).text, 'Invite People', 'wraps around');
    await owner.keyboard.press('Escape');
    assert.equal(await owner.getByRole('menu').count(), 0);
    assert.equal((await active(owner)).label, 'Fixes Club server menu');

    // The reaction picker is a grid: arrows move, Escape returns to the button that opened it.
    await owner.getByRole('textbox', { name: /Message #backlog/ }).focus();
    await owner.keyboard.press('Shift+Tab');
    await owner.keyboard.press('ArrowUp');
    await owner.keyboard.press('Enter');
    await owner.keyboard.press('Enter'); // Add reaction
    assert.equal((await active(owner)).label, 'React with 👍');
    await owner.keyboard.press('ArrowRight');
    assert.equal((await active(owner)).label, 'React with ❤️');
    await owner.keyboard.press('ArrowDown');
    assert.equal((await active(owner)).label, 'React with 🎉');
    await owner.keyboard.press('Escape');
    assert.equal((await active(owner)).label, 'Add reaction');
  });

  test('focus returns after a dialog closes and after a button disables itself', async () => {
    await owner.goto(`${server.url}${channelPath(general)}`);
    await messageWith(owner, 'welcome to the club').waitFor();
    const menuButton = owner.getByRole('button', { name: 'Fixes Club server menu' });
    await menuButton.focus();
    await owner.keyboard.press('ArrowDown');
    await owner.keyboard.press('ArrowDown');
    await owner.keyboard.press('Enter'); // Server Settings
    const dialog = owner.getByRole('dialog', { name: /Server Settings/ });
    await dialog.waitFor();
    await dialog.getByLabel('Server name').fill('Fixes Club!');
    await dialog.getByRole('button', { name: 'Save' }).focus();
    await owner.keyboard.press('Enter');
    // Saved: the button disables itself; focus stays in the dialog rather than falling to <body>.
    await eventually(async () => assert.equal(await dialog.getByRole('button', { name: 'Save' }).isDisabled(), true), 'saved');
    await eventually(async () => {
      const now = await active(owner);
      assert.ok(now.inDialog && !now.isBody, JSON.stringify(now));
    }, 'focus kept in the dialog');
    await owner.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await active(owner)).label, 'Fixes Club! server menu', 'back on the button that opened it');

    // Escape closes a dialog even when focus has gone nowhere (a click on its blank space).
    await owner.keyboard.press('ArrowDown');
    await owner.keyboard.press('Enter'); // Invite People
    const invite = owner.getByRole('dialog', { name: /Invite friends/ });
    await invite.waitFor();
    await owner.evaluate(() => document.activeElement?.blur());
    assert.equal((await active(owner)).isBody, true);
    await owner.keyboard.press('Escape');
    await invite.waitFor({ state: 'detached' });
    assert.equal((await active(owner)).label, 'Fixes Club! server menu');
    await api('PATCH', `/guilds/${guild.id}`, users.owner, { name: 'Fixes Club' });
    await owner.getByRole('button', { name: 'Fixes Club server menu' }).waitFor();

    // A message deleted from the keyboard: focus moves to the history, not <body>.
    await post(users.owner, general.id, 'delete me by keyboard');
    const doomed = messageWith(owner, 'delete me by keyboard');
    await doomed.waitFor();
    await owner.getByRole('textbox', { name: /Message #general/ }).focus();
    await owner.keyboard.press('Shift+Tab');
    await owner.keyboard.press('ArrowUp');
    assert.equal((await active(owner)).messageId, await doomed.getAttribute('data-message-id'));
    await owner.keyboard.press('Delete');
    await owner.getByRole('dialog', { name: 'Delete Message' }).getByRole('button', { name: 'Delete' }).click();
    await doomed.waitFor({ state: 'detached' });
    await eventually(async () => assert.equal((await active(owner)).isBody, false), 'focus not on <body>');
  });

  test('deleting a channel, a category, a role or an overwrite asks first', async () => {
    const category = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'Old Stuff', type: 4 });
    const scratch = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'scratch', type: 0 });
    const role = await api('POST', `/guilds/${guild.id}/roles`, users.owner, { name: 'Temporary' });
    await api('PUT', `/channels/${scratch.id}/permissions/${role.id}`, users.owner, { type: 0, allow: '0', deny: SEND_MESSAGES.toString() });
    const exists = async (route: string) => (await server.request('GET', route, { auth: users.owner })).status === 200;

    await owner.getByRole('button', { name: 'Fixes Club server menu' }).click();
    await owner.getByRole('menuitem', { name: 'Server Settings' }).click();
    const dialog = owner.getByRole('dialog', { name: /Server Settings/ });
    await dialog.getByRole('tab', { name: 'Channels' }).click();
    for (const [button, confirmTitle, confirmLabel, id] of [
      ['Delete scratch', 'Delete Channel', 'Delete Channel', scratch.id],
      ['Delete Old Stuff', 'Delete Category', 'Delete Category', category.id],
    ] as const) {
      await dialog.getByRole('button', { name: button }).click();
      const confirm = owner.getByRole('dialog', { name: confirmTitle });
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      assert.ok(await exists(`/channels/${id}`), `${button}: nothing deleted without a yes`);
      if (id === scratch.id) continue; // its overwrite is removed below, then it goes
      await dialog.getByRole('button', { name: button }).click();
      await confirm.getByRole('button', { name: confirmLabel }).click();
      await eventually(async () => assert.equal(await exists(`/channels/${id}`), false), `${button} confirmed`);
    }

    await dialog.getByRole('tab', { name: 'Channel Permissions' }).click();
    await dialog.getByLabel('Channel', { exact: true }).selectOption({ label: '# scratch' });
    await dialog.getByLabel('Role', { exact: true }).selectOption({ label: 'Temporary •' });
    await dialog.getByRole('button', { name: 'Remove overwrite for Temporary' }).click();
    const removeOverwrite = owner.getByRole('dialog', { name: 'Remove Overwrite' });
    await removeOverwrite.getByRole('button', { name: 'Cancel' }).click();
    const overwrites = async () => (await api('GET', `/channels/${scratch.id}`, users.owner)).permission_overwrites.filter((o: any) => o.id === role.id).length;
    assert.equal(await overwrites(), 1);
    await dialog.getByRole('button', { name: 'Remove overwrite for Temporary' }).click();
    await removeOverwrite.getByRole('button', { name: 'Remove' }).click();
    await eventually(async () => assert.equal(await overwrites(), 0), 'overwrite removed once confirmed');

    await dialog.getByRole('tab', { name: 'Roles' }).click();
    await dialog.getByRole('option', { name: 'Temporary' }).click();
    await dialog.getByRole('button', { name: 'Delete Role' }).click();
    const confirmRole = owner.getByRole('dialog', { name: 'Delete Role' });
    await confirmRole.getByRole('button', { name: 'Cancel' }).click();
    const roleIds = async () => (await api('GET', `/guilds/${guild.id}/roles`, users.owner)).map((r: any) => r.id);
    assert.ok((await roleIds()).includes(role.id));
    await dialog.getByRole('button', { name: 'Delete Role' }).click();
    await confirmRole.getByRole('button', { name: 'Delete' }).click();
    await eventually(async () => assert.equal((await roleIds()).includes(role.id), false), 'role deleted once confirmed');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  test('no Reply where sending is denied; no raw "Failed to fetch"', async () => {
    await bob.goto(`${server.url}${channelPath(readOnly)}`);
    const announcement = messageWith(bob, 'announcements only here');
    await announcement.hover();
    await announcement.getByRole('toolbar', { name: 'Message actions' }).waitFor();
    assert.equal(await announcement.getByRole('button', { name: 'Reply' }).count(), 0);
    await bob.getByRole('link', { name: /channel general/ }).click();
    const welcome = messageWith(bob, 'welcome to the club');
    await welcome.hover();
    await welcome.getByRole('button', { name: 'Reply' }).waitFor();

    await bob.context().setOffline(true);
    try {
      await bob.getByTestId('reconnecting').waitFor();
      const box = bob.locator('#composer');
      await box.fill('sent into the void');
      await box.press('Enter');
      const error = bob.locator('.composer-error');
      await error.waitFor();
      assert.match(await error.innerText(), /Can't reach Accord right now/);
      assert.doesNotMatch(await bob.locator('body').innerText(), /Failed to fetch/);
    } finally {
      await bob.context().setOffline(false);
    }
    await bob.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 20_000 });
    await messageWith(bob, 'sent into the void').getByRole('button', { name: 'Discard' }).click();
  });

  test('page title: "Accord" at home, the channel and server otherwise, the unread count in front', async () => {
    await bob.goto(`${server.url}${channelPath(general)}`);
    await messageWith(bob, 'welcome to the club').waitFor();
    await eventually(async () => assert.match(await bob.title(), /^(\(\d+\) )?#general \| Fixes Club$/), 'channel title');
    await bob.getByRole('button', { name: 'Direct Messages' }).click();
    await bob.getByRole('heading', { name: 'Direct Messages' }).waitFor();
    const count = async () => {
      const title = await bob.title();
      assert.match(title, /^(\(\d+\) )?Accord$/);
      return Number(/^\((\d+)\)/.exec(title)?.[1] ?? 0);
    };
    const before = await count();
    await post(users.owner, general.id, 'something new in general');
    await eventually(async () => assert.equal(await count(), before + 1), 'one more unread conversation in the title');
    assert.notEqual(await bob.title(), 'Accord | Accord');
  });

  test('switching channels keeps each channel\'s scroll position', async () => {
    await bob.goto(`${server.url}${channelPath(backlog)}`);
    await messageWith(bob, 'backlog line 80').waitFor();
    const history = bob.locator('.history');
    // Scroll so that "backlog line 40" sits 10 px below the top of the history.
    const place = await history.evaluate((el) => {
      const target = Array.from(el.querySelectorAll<HTMLElement>('.message')).find((m) => m.textContent?.includes('backlog line 40'))!;
      el.scrollTop += target.getBoundingClientRect().top - el.getBoundingClientRect().top - 10;
      return { id: target.dataset.messageId!, top: target.getBoundingClientRect().top - el.getBoundingClientRect().top };
    });
    await eventually(async () => assert.ok(await bob.getByRole('button', { name: /Jump to present/ }).isVisible()), 'scrolled up');
    await bob.getByRole('link', { name: /channel general/ }).click();
    await messageWith(bob, 'welcome to the club').waitFor();
    const atBottom = () => bob.locator('.history').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 48);
    assert.equal(await atBottom(), true, 'general opens at its newest message');
    await bob.getByRole('link', { name: /channel backlog/ }).click();
    await messageWith(bob, 'backlog line 40').waitFor();
    const back = await bob.locator('.history').evaluate((el, id) => {
      const target = el.querySelector<HTMLElement>(`[data-message-id="${id}"]`)!;
      return target.getBoundingClientRect().top - el.getBoundingClientRect().top;
    }, place.id);
    assert.ok(Math.abs(back - place.top) < 1, `backlog line 40 is back where it was (${place.top} → ${back})`);
    await bob.getByRole('link', { name: /channel general/ }).click();
    await messageWith(bob, 'welcome to the club').waitFor();
    assert.equal(await atBottom(), true, 'and general is still at its bottom');
  });

  test('renaming a group DM shows Discord\'s system line', async () => {
    // A person puts friends in a group DM.
    for (const u of [users.bob, users.erin]) await makeFriends(server, u, users.owner);
    const group = await api('POST', '/users/@me/channels', users.owner, { recipients: [users.bob.id, users.erin.id] });
    await bob.getByRole('button', { name: 'Direct Messages' }).click();
    await bob.getByRole('link', { name: /group conversation with/ }).click();
    await header(bob).filter({ hasText: names.owner }).waitFor();
    await api('PATCH', `/channels/${group.id}`, users.owner, { name: 'Trip planning' });
    await header(bob).filter({ hasText: 'Trip planning' }).waitFor();
    const line = bob.locator('.history .message.system');
    await line.waitFor();
    assert.match(await line.innerText(), new RegExp(`${names.owner} changed the channel name: Trip planning`));
    assert.equal(await line.locator('.message-actions').count(), 0, 'a system line has no actions');
  });
});
