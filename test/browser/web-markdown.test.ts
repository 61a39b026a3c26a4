/**
 * Markdown as Discord renders it today (issue #12, "Missing"), in Chromium against a real Accord: headings,
 * lists, subtext, timestamps, masked links behind the "Leaving Accord" dialog, and syntax-highlighted code
 * blocks whose highlighter chunk is fetched only once a block with a language is shown — plus the guarantee
 * that hostile content stays text (no javascript: link, no <img onerror>, no escape out of a code block).
 *
 * One server, one browser and one page for the file; messages are posted over REST and arrive over the gateway.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

// The functions passed to page.evaluate run in the browser; the test's own tsconfig has no DOM types.
declare const document: any;
declare const window: any;
declare function getComputedStyle(el: unknown): any;

const messageWith = (page: Page, text: string) => page.locator('.history .message', { hasText: text });
const HIGHLIGHTER_CHUNK = /\/assets\/highlight-[\w-]+\.js$/;
const JS_GRAMMAR_CHUNK = /\/assets\/javascript-[\w-]+\.js$/;

describe('web client: markdown as Discord renders it', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let owner: TestUser;
  let channelId = '';
  /** Every script the page has fetched, to tell when the highlighter was loaded. */
  const scripts: string[] = [];

  const post = async (content: string) => {
    const res = await server.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  /** Posts, then returns the message row once the page shows it. */
  const show = async (content: string, marker: string) => {
    const msg = await post(content);
    const row = page.locator(`.history .message[data-message-id="${msg.id}"]`);
    await row.waitFor();
    await messageWith(page, marker).waitFor();
    return row;
  };

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`mark_${Date.now().toString(36)}`);
    const guild = await server.createGuild(owner, 'Markdown Club');
    const channels = await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
    channelId = channels.body.find((c: any) => c.type === 0).id;
    await post('welcome, plain text only');
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    // Masked links point at example.com: answer them here (the machine has no outside network).
    await context.route('https://example.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>example</title>ok' }));
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), owner.token);
    page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    page.on('request', (req) => req.resourceType() === 'script' && scripts.push(req.url()));
    await page.goto(`${server.url}/channels/${guild.id}/${channelId}`);
    await messageWith(page, 'welcome, plain text only').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('headings, subtext, lists and timestamps', async () => {
    const row = await show(
      ['# Big title', '## Smaller **bold**', '### Smallest', '#### not a heading', '-# the fine print', 'a # mid-line hash', '- one', '- two', '  - nested', 'after the list <t:0:D>'].join('\n'),
      'after the list',
    );
    const content = row.locator('.message-content');
    assert.equal(await content.locator('h1').innerText(), 'Big title');
    assert.equal(await content.locator('h2').innerText(), 'Smaller bold');
    assert.equal(await content.locator('h2 strong').innerText(), 'bold');
    assert.equal(await content.locator('h3').innerText(), 'Smallest');
    assert.equal(await content.locator('h4, h5, h6').count(), 0);
    assert.match(await content.innerText(), /#### not a heading/);
    assert.match(await content.innerText(), /a # mid-line hash/);
    const sizes = await content.evaluate((el: any) => ({
      h1: parseFloat(getComputedStyle(el.querySelector('h1')).fontSize),
      body: parseFloat(getComputedStyle(el).fontSize),
      sub: parseFloat(getComputedStyle(el.querySelector('.md-subtext')).fontSize),
    }));
    assert.ok(sizes.h1 > sizes.body && sizes.sub < sizes.body, `heading larger and subtext smaller than text: ${JSON.stringify(sizes)}`);
    assert.equal(await content.locator('.md-subtext').innerText(), 'the fine print');

    const list = content.locator('ul.md-list').first();
    assert.deepEqual(await list.locator(':scope > li').allInnerTexts(), ['one', 'two\nnested']);
    assert.equal(await list.locator(':scope > li:nth-child(2) > ul > li').innerText(), 'nested');
    assert.equal(await content.locator('li', { hasText: 'after the list' }).count(), 0, 'an unindented line ends the list');
    assert.equal(await content.locator('time.md-timestamp').getAttribute('datetime'), '1970-01-01T00:00:00.000Z');

    const ordered = await show('3. three\n4. four', 'three');
    assert.equal(await ordered.locator('ol.md-list').getAttribute('start'), '3');
    assert.deepEqual(await ordered.locator('ol.md-list > li').allInnerTexts(), ['three', 'four']);
  });

  test('a masked link shows its text and opens only through the "Leaving Accord" dialog', async () => {
    const row = await show('read [the docs](https://example.com/docs?a=1 "Docs") first', 'read');
    const link = row.getByRole('link', { name: 'the docs' });
    assert.equal(await link.getAttribute('href'), 'https://example.com/docs?a=1');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await link.getAttribute('target'), '_blank');

    // Go Back: nothing opens, focus returns to the link.
    await link.click();
    const dialog = page.getByRole('dialog', { name: 'Leaving Accord' });
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('Destination').innerText(), 'https://example.com/docs?a=1');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Go Back');
    await dialog.getByRole('button', { name: 'Go Back' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'the docs');
    assert.equal(context.pages().length, 1, 'no tab was opened');

    // Escape closes it too; Visit Site opens the URL in a new tab with no opener and no referrer.
    await link.click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await link.click();
    const visit = dialog.getByRole('link', { name: 'Visit Site' });
    assert.equal(await visit.getAttribute('rel'), 'noopener noreferrer');
    const [tab] = await Promise.all([context.waitForEvent('page'), visit.click()]);
    await tab.waitForLoadState();
    assert.equal(tab.url(), 'https://example.com/docs?a=1');
    assert.deepEqual(await tab.evaluate(() => ({ opener: window.opener, referrer: document.referrer })), { opener: null, referrer: '' });
    await tab.close();
    await dialog.waitFor({ state: 'detached' });
  });

  test('code blocks: highlighted with highlight.js spans, its chunk fetched only for a block with a language', async () => {
    const plain = await show('```\nplain block, no language\n```', 'plain block');
    await show('```notalanguage\nunknown language\n```', 'unknown language');
    assert.equal(await plain.locator('pre.md-codeblock code').innerText(), 'plain block, no language');
    assert.deepEqual(scripts.filter((u) => HIGHLIGHTER_CHUNK.test(u) || JS_GRAMMAR_CHUNK.test(u)), [], 'no highlighter before a block in a known language');

    const row = await show('```js\nconst answer = 42; // why\n```', 'const answer');
    const code = row.locator('pre.md-codeblock[data-lang="js"] code.hljs');
    await code.waitFor();
    assert.equal(await code.locator('span.hljs-keyword').first().innerText(), 'const');
    assert.equal(await code.locator('span.hljs-number').innerText(), '42');
    assert.equal(await code.locator('span.hljs-comment').innerText(), '// why');
    assert.equal(await code.innerText(), 'const answer = 42; // why');
    await eventually(async () => {
      assert.equal(scripts.filter((u) => HIGHLIGHTER_CHUNK.test(u)).length, 1);
      assert.equal(scripts.filter((u) => JS_GRAMMAR_CHUNK.test(u)).length, 1);
    }, 'the highlighter and the JavaScript grammar fetched once');
  });

  test('hostile markdown stays text', async () => {
    const link = await show('[click](javascript:alert(1)) and [data](data:text/html,<script>window.__pwned=4</script>)', 'click');
    assert.equal(await link.locator('.message-content a').count(), 0, 'no link to a javascript: or data: URL');
    assert.match(await link.innerText(), /\[click\]\(javascript:alert\(1\)\)/);

    const img = await show('look <img src=x onerror="window.__pwned=1"> here', 'look');
    assert.equal(await img.locator('.message-content img').count(), 0);
    assert.match(await img.innerText(), /<img src=x onerror="window.__pwned=1">/);

    const escape = await show('```\n</code></pre><script>window.__pwned=2</script><img src=x onerror="window.__pwned=3">\n```', '</code></pre>');
    assert.equal(await escape.locator('pre.md-codeblock code').innerText(), '</code></pre><script>window.__pwned=2</script><img src=x onerror="window.__pwned=3">');
    const highlighted = await show('```html\n</code><script>window.__pwned=5</script>\n```', '__pwned=5');
    await highlighted.locator('code.hljs span').first().waitFor();
    assert.equal(await highlighted.locator('code.hljs').innerText(), '</code><script>window.__pwned=5</script>');
    for (const row of [link, img, escape, highlighted]) assert.equal(await row.locator('.message-content :is(script, img, iframe, object)').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });
});
