/**
 * Server templates in the web client, in Chromium against a real Accord: the owner generates a template in Server
 * Settings → Server Template and copies its link; another person pastes the link into "Add a server", sees what the
 * template holds on its page, names the server and creates it (with the source's channels and roles); the owner
 * changes the server, sees "unsynced changes", syncs, then deletes the template, after which the link's page says
 * it is invalid.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: server templates', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`maker_${stamp}`);
    bob = await server.register(`copier_${stamp}`);
    guild = await server.createGuild(alice, 'Book Club');
    general = ((await server.request('GET', `/guilds/${guild.id}/channels`, { auth: alice })).body as any[]).find((c) => c.type === 0);
    await server.request('POST', `/guilds/${guild.id}/channels`, { auth: alice, body: { name: 'reviews', type: 0 } });
    await server.request('POST', `/guilds/${guild.id}/roles`, { auth: alice, body: { name: 'Librarian' } });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const openTemplateTab = async (page: Page) => {
    await page.getByRole('button', { name: 'Book Club server menu' }).click();
    await page.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = page.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Server Template' }).click();
    return settings;
  };

  test('generate a template; someone makes a server from its link; sync after a change; delete', async () => {
    const a = await openAs(browser, alice, `${server.url}/channels/${guild.id}/${general.id}`);
    let settings = await openTemplateTab(a);
    const form = settings.getByRole('form', { name: 'Server template' });
    await form.getByLabel('Template title').fill('Reading group');
    await form.getByLabel('Template description').fill('Channels for a book club');
    await form.getByRole('button', { name: 'Generate Template' }).click();
    const link = settings.getByRole('textbox', { name: 'Template link' });
    await link.waitFor();
    const url = await link.inputValue();
    const [tpl] = (await server.request('GET', `/guilds/${guild.id}/templates`, { auth: alice })).body as any[];
    assert.equal(url, `${server.url}/template/${tpl.code}`);
    assert.deepEqual([tpl.name, tpl.description], ['Reading group', 'Channels for a book club']);
    assert.match(await settings.getByTestId('template-usage').innerText(), /Used 0 times · 3 channels, 1 role/);

    // Bob pastes the link into Add a server and creates his copy.
    const b = await openAs(browser, bob, `${server.url}/channels/@me`);
    await b.getByRole('button', { name: 'Add a server' }).click();
    const add = b.getByRole('dialog', { name: 'Add a server' });
    await add.getByLabel('Template link or code').fill(url);
    await add.getByRole('button', { name: 'Use template' }).click();
    const page = b.getByRole('region', { name: 'Server template' });
    await page.getByRole('heading', { name: 'Reading group' }).waitFor();
    assert.match(await page.innerText(), /Channels for a book club/);
    assert.match(await page.innerText(), /3 channels, 1 role/);
    assert.equal(await page.getByLabel('Server name').inputValue(), 'Book Club');
    await page.getByLabel('Server name').fill("Bob's Readers");
    await page.getByRole('button', { name: 'Create Server' }).click();
    await b.locator('.chat-header h1').waitFor();
    const bobsGuilds = (await server.request('GET', '/users/@me/guilds', { auth: bob })).body as any[];
    const copy = bobsGuilds.find((g) => g.name === "Bob's Readers");
    assert.ok(copy, 'the new server is Bob\'s');
    await eventually(async () => assert.match(b.url(), new RegExp(`/channels/${copy.id}`)), 'opened the new server');
    const copied = ((await server.request('GET', `/guilds/${copy.id}/channels`, { auth: bob })).body as any[]).map((c) => c.name).sort();
    assert.deepEqual(copied, ['General', 'Text Channels', 'Voice Channels', 'general', 'reviews']);
    assert.ok(((await server.request('GET', `/guilds/${copy.id}/roles`, { auth: bob })).body as any[]).some((r) => r.name === 'Librarian'));

    // Alice changes her server: the template shows unsynced changes until she syncs it.
    await server.request('POST', `/guilds/${guild.id}/channels`, { auth: alice, body: { name: 'quotes', type: 0 } });
    await settings.getByRole('button', { name: 'Close' }).click();
    settings = await openTemplateTab(a);
    await settings.getByText('This template has unsynced changes.').waitFor();
    // What the template holds is the snapshot's until it is synced.
    assert.match(await settings.getByTestId('template-usage').innerText(), /Used 1 time · 3 channels/);
    await settings.getByRole('button', { name: 'Sync Template' }).click();
    await settings.getByText('The template matches the server.').waitFor();
    assert.match(await settings.getByTestId('template-usage').innerText(), /Used 1 time · 4 channels/);
    const synced = (await server.request('GET', `/guilds/templates/${tpl.code}`, { auth: bob })).body;
    assert.ok(synced.serialized_source_guild.channels.some((c: any) => c.name === 'quotes'));

    await settings.getByRole('button', { name: 'Delete Template' }).click();
    await a.getByRole('dialog', { name: 'Delete Template' }).getByRole('button', { name: 'Delete Template' }).click();
    await settings.getByRole('button', { name: 'Generate Template' }).waitFor();
    assert.equal((await server.request('GET', `/guilds/templates/${tpl.code}`, { auth: bob })).status, 404);
    await b.goto(url);
    await b.getByRole('heading', { name: 'Template invalid' }).waitFor();
    await a.context().close();
    await b.context().close();
  });
});
