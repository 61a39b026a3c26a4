/**
 * The web client's developer portal (User Settings → My Applications) in Chromium against a real Accord: an
 * application created in the UI, its token reset behind a confirmation and then used over REST as a Bot (and the
 * previous one refused), its global commands listed, the bot added to a server through the OAuth2 consent and seen
 * in the member list, its name, icon, privileged intents and Public Bot switch edited and read back over REST,
 * the Interactions Endpoint URL verified by a PING (a refusal shown under its field, a working endpoint kept), and
 * the page fitting a 320 px phone.
 *
 * One server and one browser for the file; the steps build on each other (as web-media.test.ts does). Every wait
 * polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { verifyKey } from 'discord-interactions';
import sharp from 'sharp';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { ApplicationFlags } from '../../src/protocol/intents.ts';
import { Permissions } from '../../src/protocol/permissions.ts';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

// The functions passed to page.evaluate run in the browser; the test's own tsconfig has no DOM types.
declare const document: any;
declare const navigator: any;

const BASIC = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.READ_MESSAGE_HISTORY | Permissions.EMBED_LINKS |
  Permissions.ATTACH_FILES | Permissions.ADD_REACTIONS | Permissions.USE_APPLICATION_COMMANDS;

/** Nothing of any open dialog (nor the page) reaches past the viewport's left or right edge. */
async function assertFits(page: Page, what: string) {
  const bad = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > w) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${w})`);
    for (const dialog of document.querySelectorAll('[role="dialog"]')) {
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

describe('web client: the developer portal', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let owner: TestUser;
  let mia: TestUser;
  let guild: any;
  let miasGuild: any;
  let app: any;
  let token = '';
  const endpoints: http.Server[] = [];

  const api = async (method: string, route: string, auth: TestUser | string, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  /** User Settings → My Applications; with `appName`, that application's page. */
  async function openPortal(p: Page, appName?: string): Promise<Locator> {
    // A step that failed may have left the dialog open: start from the channel either way.
    while (await p.getByRole('dialog').count()) {
      await p.keyboard.press('Escape');
      await p.getByRole('dialog').last().waitFor({ state: 'detached' }).catch(() => {});
    }
    await p.getByRole('button', { name: 'User settings' }).click();
    const settings = p.getByRole('dialog', { name: 'User Settings' });
    await settings.getByRole('tab', { name: 'My Applications' }).click();
    if (appName) await settings.getByRole('list', { name: 'My applications' }).getByRole('button', { name: new RegExp(appName) }).click();
    return settings;
  }

  before(async () => {
    ensureWebBuilt();
    // The endpoint below listens on loopback, which the SSRF guard refuses unless allowed.
    server = await startTestServer({ interactionsAllowHosts: ['127.0.0.1'] });
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`devon_${stamp}`);
    mia = await server.register(`mia_${stamp}`);
    guild = await server.createGuild(owner, 'Bot Lab');
    // A server the owner is only a member of: no Manage Server there, so it is not offered for the bot.
    miasGuild = await server.createGuild(mia, 'Mia Place');
    await server.join(mia, miasGuild.id, owner);
    const general = (await api('GET', `/guilds/${guild.id}/channels`, owner)).find((c: any) => c.type === 0);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await context.addInitScript((t) => (globalThis as any).localStorage.setItem('accord.token', t), owner.token);
    page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    await page.goto(`${server.url}/channels/${guild.id}/${general.id}`);
    await page.locator('.chat-header h1').waitFor();
  });

  /** An application's interactions endpoint: 401 for a bad signature, PONG for a PING; its base URL. */
  async function listenAsEndpoint(publicKey: string): Promise<string> {
    const endpoint = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      const ok = await verifyKey(raw, String(req.headers['x-signature-ed25519'] ?? ''), String(req.headers['x-signature-timestamp'] ?? ''), publicKey);
      if (!ok) return void res.writeHead(401).end('invalid request signature');
      const body = JSON.parse(raw.toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body.type === 1 ? { type: 1 } : {}));
    });
    endpoints.push(endpoint);
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  }

  after(async () => {
    for (const e of endpoints) {
      e.closeAllConnections();
      await new Promise((r) => e.close(r));
    }
    await browser?.close();
    await server?.close();
  });

  test('"New Application" creates one and opens it, with its Application ID and Public Key to copy', async () => {
    const settings = await openPortal(page);
    await settings.getByText('You have no applications yet.').waitFor();
    await settings.getByLabel('New application name').fill('Helper Bot');
    await settings.getByRole('button', { name: 'New Application' }).click();
    const heading = settings.getByRole('heading', { name: 'Helper Bot' });
    await heading.waitFor();
    assert.ok(await heading.evaluate((el: any) => el === document.activeElement), 'focus moved to the opened application');

    const mine = await api('GET', '/applications', owner);
    assert.equal(mine.length, 1);
    app = mine[0];
    assert.equal(app.name, 'Helper Bot');
    assert.equal(await settings.getByLabel('Application ID', { exact: true }).inputValue(), app.id);
    assert.equal(await settings.getByLabel('Public Key', { exact: true }).inputValue(), app.verify_key);
    await settings.getByRole('button', { name: 'Copy Public Key' }).click();
    await settings.getByRole('button', { name: 'Copy Public Key' }).getByText('Copied').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), app.verify_key);
  });

  test('"Reset Token" asks first, shows the token once, and that token works as the bot over REST', async () => {
    const settings = page.getByRole('dialog', { name: 'User Settings' });
    const tokenField = settings.getByLabel('Bot token', { exact: true });
    assert.equal(await tokenField.count(), 0, 'no token before a reset');

    // Cancelling the confirmation resets nothing.
    await settings.getByRole('button', { name: 'Reset Token' }).click();
    let confirm = page.getByRole('dialog', { name: 'Reset bot token?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await tokenField.count(), 0);

    await settings.getByRole('button', { name: 'Reset Token' }).click();
    confirm = page.getByRole('dialog', { name: 'Reset bot token?' });
    await confirm.getByRole('button', { name: 'Yes, reset it' }).click();
    await confirm.waitFor({ state: 'detached' });
    await settings.getByText('it will not be shown again').waitFor();
    const first = await tokenField.inputValue();
    assert.ok(first.length > 20, 'a token is shown');
    const me = await api('GET', '/users/@me', `Bot ${first}`);
    assert.equal(me.id, app.id);
    assert.equal(me.bot, true);
    await settings.getByText('No global commands registered.').waitFor();

    // The bot registers a command; a second reset lists it, and the first token stops working.
    await api('POST', `/applications/${app.id}/commands`, `Bot ${first}`, { name: 'ping', description: 'Replies with pong', type: 1 });
    await settings.getByRole('button', { name: 'Reset Token' }).click();
    await page.getByRole('dialog', { name: 'Reset bot token?' }).getByRole('button', { name: 'Yes, reset it' }).click();
    await eventually(async () => assert.notEqual(await tokenField.inputValue(), first), 'the new token');
    token = await tokenField.inputValue();
    assert.equal((await server.request('GET', '/users/@me', { auth: `Bot ${first}` })).status, 401, 'the old token is refused');
    assert.equal((await api('GET', '/users/@me', `Bot ${token}`)).id, app.id);
    const commands = settings.getByRole('list', { name: 'Global commands' });
    await commands.getByText('/ping').waitFor();
    assert.match(await commands.innerText(), /Replies with pong/);

    await settings.getByRole('button', { name: 'Copy Bot token' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  });

  test('"Add to Server" offers the servers I manage, adds the bot with its role, and it shows in the member list', async () => {
    const settings = page.getByRole('dialog', { name: 'User Settings' });
    const server_ = settings.getByRole('combobox', { name: 'Server' });
    await server_.locator('option').first().waitFor({ state: 'attached' });
    assert.deepEqual(await server_.locator('option').allInnerTexts(), ['Bot Lab'], 'only the server with Manage Server');
    await server_.selectOption({ label: 'Bot Lab' });
    await settings.getByRole('combobox', { name: 'Permissions' }).selectOption({ label: 'Read and send messages' });
    await settings.getByRole('button', { name: 'Add to Server' }).click();
    await settings.getByRole('status').filter({ hasText: 'was added to Bot Lab' }).waitFor();

    const member = await api('GET', `/guilds/${guild.id}/members/${app.id}`, owner);
    assert.equal(member.user.bot, true);
    const roles = await api('GET', `/guilds/${guild.id}/roles`, owner);
    const managed = roles.find((r: any) => member.roles.includes(r.id));
    assert.ok(managed?.managed, 'the bot got its managed role');
    assert.equal(BigInt(managed.permissions), BASIC);

    await settings.getByRole('button', { name: 'Close' }).click();
    await settings.waitFor({ state: 'detached' });
    await page.locator(`.member-list [data-user-id="${app.id}"]`).waitFor();
  });

  test('name, icon, privileged intents and Public Bot are saved and read back over REST', async () => {
    const settings = await openPortal(page, 'Helper Bot');
    await settings.getByLabel('Name', { exact: true }).fill('Renamed Bot');
    await settings.getByLabel('Description', { exact: true }).fill('Says hello.');
    const icon = await sharp({ create: { width: 128, height: 128, channels: 3, background: { r: 30, g: 160, b: 90 } } }).png().toBuffer();
    await settings.getByRole('form', { name: 'General information' }).locator('input[type="file"]').setInputFiles({ name: 'icon.png', mimeType: 'image/png', buffer: icon });
    await settings.getByText('New icon: save to use it.').waitFor();
    await settings.getByRole('button', { name: 'Save Changes' }).click();
    await settings.getByText('Saved.', { exact: true }).waitFor();

    const members = settings.getByRole('switch', { name: /Server Members Intent/ });
    await members.check();
    await settings.getByText('Server Members Intent saved.').waitFor();
    await settings.getByRole('switch', { name: /Message Content Intent/ }).check();
    await settings.getByText('Message Content Intent saved.').waitFor();
    await settings.getByRole('switch', { name: /Public Bot/ }).uncheck();
    await settings.getByText('Public Bot saved.').waitFor();

    const got = await api('GET', `/applications/${app.id}`, owner);
    assert.equal(got.name, 'Renamed Bot');
    assert.equal(got.description, 'Says hello.');
    assert.ok(got.icon, 'the icon was stored');
    assert.equal(got.flags & ApplicationFlags.GATEWAY_GUILD_MEMBERS, ApplicationFlags.GATEWAY_GUILD_MEMBERS);
    assert.equal(got.flags & ApplicationFlags.GATEWAY_MESSAGE_CONTENT, ApplicationFlags.GATEWAY_MESSAGE_CONTENT);
    assert.equal(got.flags & ApplicationFlags.GATEWAY_PRESENCE, 0);
    assert.equal(got.bot_public, false);
    // The bot itself reads the same flags.
    assert.equal((await api('GET', '/applications/@me', `Bot ${token}`)).flags, got.flags);

    // Switching one off clears it again.
    await members.uncheck();
    await eventually(async () => assert.equal((await api('GET', `/applications/${app.id}`, owner)).flags & ApplicationFlags.GATEWAY_GUILD_MEMBERS, 0), 'intent off');

    // Back in the list: the new name and the stored icon (served by the CDN), focus on the row left.
    await settings.getByRole('button', { name: 'Back to My Applications' }).click();
    const row = settings.locator(`[data-application-id="${app.id}"]`);
    await row.getByText('Renamed Bot').waitFor();
    assert.ok(await row.evaluate((el: any) => el === document.activeElement), 'focus back on the application');
    const img = row.locator('img');
    const src = (await img.getAttribute('src')) ?? '';
    const size = Number(new RegExp(`^/app-icons/${app.id}/${got.icon}\\.png\\?size=(\\d+)$`).exec(src)?.[1]);
    assert.ok(size > 0, `the stored icon's CDN address: ${src}`);
    // Served at the size asked for (the 128 px upload scaled by the CDN).
    await eventually(async () => assert.ok(await img.evaluate((el: any, px: number) => el.complete && el.naturalWidth === px, size)), 'the icon loaded');
    await settings.getByRole('button', { name: 'Close' }).click();
  });

  test('the Interactions Endpoint URL is verified by a PING: a refusal shows under the field, a working one is kept', async () => {
    const settings = await openPortal(page, 'Renamed Bot');
    const form = settings.getByRole('form', { name: 'Interactions endpoint' });
    const field = form.getByLabel('Interactions Endpoint URL');
    // Nothing listens on the discard port: the verification PING cannot be answered.
    await field.fill('http://127.0.0.1:9/interactions');
    await form.getByRole('button', { name: 'Save Endpoint' }).click();
    await form.getByRole('alert').filter({ hasText: 'could not be verified' }).waitFor();
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal((await api('GET', `/applications/${app.id}`, owner)).interactions_endpoint_url, null, 'nothing was kept');

    // An endpoint that checks the signature against the Public Key and answers PONG.
    const url = `${await listenAsEndpoint(app.verify_key)}/interactions`;
    await field.fill(url);
    await form.getByRole('button', { name: 'Save Endpoint' }).click();
    await form.getByRole('status').filter({ hasText: 'answered the verification PING' }).waitFor();
    assert.equal(await form.getByRole('alert').count(), 0, 'the old error is gone');
    assert.equal((await api('GET', `/applications/${app.id}`, owner)).interactions_endpoint_url, url);

    await field.fill('');
    await form.getByRole('button', { name: 'Save Endpoint' }).click();
    await form.getByRole('status').filter({ hasText: 'Endpoint removed' }).waitFor();
    assert.equal((await api('GET', `/applications/${app.id}`, owner)).interactions_endpoint_url, null);
    await settings.getByRole('button', { name: 'Close' }).click();
  });

  test('the application page fits a 320 px screen and is reachable by keyboard', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.reload();
    await page.locator('.chat-header h1').waitFor();
    // On a phone the settings button sits in the navigation drawer.
    if (!(await page.getByRole('navigation', { name: 'Servers' }).isVisible())) await page.getByRole('button', { name: 'Open navigation' }).first().click();
    const settings = await openPortal(page);
    await assertFits(page, 'the application list');
    const row = settings.locator(`[data-application-id="${app.id}"]`);
    await row.focus();
    await page.keyboard.press('Enter');
    await settings.getByRole('heading', { name: 'Renamed Bot' }).waitFor();
    await assertFits(page, 'the application page');
    await settings.getByRole('button', { name: 'Reset Token' }).scrollIntoViewIfNeeded();
    await assertFits(page, 'the bot section');
  });

  test('Server Settings → Integrations lists the bot; Remove (after a confirmation) takes it out with its role', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.reload();
    await page.locator('.chat-header h1').waitFor();
    await page.locator(`.member-list [data-user-id="${app.id}"]`).waitFor();
    await page.getByRole('button', { name: 'Bot Lab server menu' }).click();
    await page.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = page.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Integrations' }).click();
    const row = settings.getByRole('list', { name: 'Bots' }).locator(`[data-integration-id="${app.id}"]`);
    await row.waitFor();
    const name = (await api('GET', `/guilds/${guild.id}/integrations`, owner))[0].name as string;
    assert.match(await row.innerText(), new RegExp(name));
    await row.getByRole('button', { name: `Remove ${name}` }).click();
    const confirm = page.getByRole('dialog', { name: `Remove ${name}` });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached' });
    await settings.getByText('No bots in this server.', { exact: false }).waitFor();
    const gone = await server.request('GET', `/guilds/${guild.id}/members/${app.id}`, { auth: owner });
    assert.equal(gone.status, 404);
    const roles = await api('GET', `/guilds/${guild.id}/roles`, owner);
    assert.deepEqual(roles.filter((r: any) => r.managed), [], 'its managed role went with it');
    await settings.getByRole('button', { name: 'Close' }).click();
    await page.locator(`.member-list [data-user-id="${app.id}"]`).waitFor({ state: 'detached' });
  });
});
