/**
 * Message search in the web client, in Chromium against a real Accord: the channel header's search box sends
 * Search Guild Messages (waiting out the first 202 while the server's history is indexed), shows the results
 * grouped by channel with the filter chips it understood (`in:`, `from:`, `has:` …; an unknown one struck out),
 * and Jump opens the message in its channel, loading older history to reach it.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: message search', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let owner: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;
  let random: any;
  let old: any;
  let page: Page;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const post = (user: TestUser, channelId: string, content: string) => api('POST', `/channels/${channelId}/messages`, user, { content });
  const searchFor = async (text: string) => {
    const input = page.getByRole('searchbox', { name: 'Search messages' });
    await input.fill(text);
    await input.press('Enter');
  };
  const results = () => page.getByRole('dialog', { name: 'Search results' });

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`olga_${stamp}`);
    bob = await server.register(`boris_${stamp}`);
    guild = await server.createGuild(owner, 'Search Club');
    await server.join(owner, guild.id, bob);
    const channels = await api('GET', `/guilds/${guild.id}/channels`, owner);
    general = channels.find((c: any) => c.type === 0);
    random = await api('POST', `/guilds/${guild.id}/channels`, owner, { name: 'random', type: 0 });
    old = await post(owner, general.id, 'the ancient treasure map');
    // More than a page of history after it: Jump has to load older messages to reach it.
    for (let i = 0; i < 60; i++) await post(owner, general.id, `filler ${i}`);
    await post(bob, random.id, 'a treasure chest with a link https://example.test/chest');

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), bob.token);
    page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    await page.goto(`${server.url}/channels/${guild.id}/${random.id}`);
    await page.locator('.chat-header h1').filter({ hasText: 'random' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('results from the whole server, grouped by channel, after the first indexing', async () => {
    await searchFor('treasure');
    await results().getByRole('heading', { name: '2 Results' }).waitFor({ timeout: 30_000 });
    const groups = results().locator('.search-group');
    assert.equal(await groups.count(), 2);
    assert.deepEqual(
      (await results().locator('.search-group-title').allTextContents()).map((t) => t.trim().replace(/^#\s*/, '')).sort(),
      ['general', 'random'],
    );
    await results().locator('.search-hit', { hasText: 'ancient treasure map' }).waitFor();
  });

  test('filter chips narrow the search; an unknown one is shown struck out', async () => {
    await searchFor('treasure in:random has:link');
    await results().getByRole('heading', { name: '1 Result' }).waitFor();
    const chips = results().getByRole('list', { name: 'Filters' }).locator('li');
    assert.deepEqual(await chips.allInnerTexts(), ['in: random', 'has: link']);
    await results().locator('.search-hit', { hasText: 'treasure chest' }).waitFor();

    await searchFor(`treasure from:olga_${stamp}`);
    await results().getByRole('heading', { name: '1 Result' }).waitFor();
    await results().locator('.search-hit', { hasText: 'ancient treasure map' }).waitFor();

    await searchFor('treasure in:nowhere');
    await eventually(async () => assert.equal(await results().locator('.search-chip.unknown').innerText(), 'in: nowhere'), 'the unknown chip');
    await results().getByRole('heading', { name: '2 Results' }).waitFor();
  });

  test('Jump opens the message in its channel, loading older history to reach it', async () => {
    await searchFor('ancient');
    await results().getByRole('heading', { name: '1 Result' }).waitFor();
    await results().getByRole('button', { name: /Jump to message/ }).click();
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    const row = page.locator(`.history .message[data-message-id="${old.id}"]`);
    await row.waitFor();
    await eventually(async () => assert.ok(await row.isVisible()), 'the old message on screen');
    assert.equal(await results().count(), 0, 'the results closed');
  });
});
