/**
 * The web client's forum channels, in Chromium against a real Accord: Alice writes a post from the forum view
 * (title, first message, a tag) and lands in the post; Bob, on the forum, sees it arrive live with its tag, filters
 * the list by tag, and opens it; a post whose first message is a file alone, shown in the post; Alice (who may
 * manage the channel) adds a tag. Every wait polls with a timeout.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: forum channels', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let forum: any;
  let a: Page;
  let b: Page;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const open = (user: TestUser): Promise<Page> => openAs(browser, user);

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`forumer_${stamp}`);
    bob = await server.register(`browser_${stamp}`);
    guild = await server.createGuild(alice, 'Forum Club');
    await server.join(alice, guild.id, bob);
    forum = await api('POST', `/guilds/${guild.id}/channels`, alice, { name: 'help', type: 15, available_tags: [{ name: 'bug' }, { name: 'question' }] });
    await api('POST', `/channels/${forum.id}/threads`, bob, { name: 'Older question', message: { content: 'how?' }, applied_tags: [forum.available_tags[1].id] });
    a = await open(alice);
    await a.goto(`${server.url}/channels/${guild.id}/${forum.id}`);
    b = await open(bob);
    await b.goto(`${server.url}/channels/${guild.id}/${forum.id}`);
    for (const p of [a, b]) await p.getByRole('list', { name: 'Posts' }).getByRole('button', { name: 'Older question' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a post with title, first message and a tag; seen live by another user; the tag filter', async () => {
    await a.getByRole('button', { name: 'New Post' }).click();
    const form = a.getByRole('form', { name: 'New post' });
    await form.getByLabel('Post title').fill('App crashes on start');
    await form.getByLabel('Post message').fill('steps: open it');
    await form.getByRole('group', { name: 'Tags' }).getByLabel('bug').check();
    await form.getByRole('button', { name: 'Post' }).click();
    await a.locator('.history .message', { hasText: 'steps: open it' }).waitFor();

    const posts = b.getByRole('list', { name: 'Posts' });
    const item = posts.locator('li', { hasText: 'App crashes on start' });
    await item.waitFor();
    assert.equal((await item.getByTestId('post-tag').innerText()).trim(), 'bug');
    const filter = b.getByRole('group', { name: 'Filter by tag' });
    await filter.getByRole('button', { name: 'question' }).click();
    await eventually(async () => assert.equal(await item.count(), 0), 'filtered out');
    await posts.getByRole('button', { name: 'Older question' }).waitFor();
    await filter.getByRole('button', { name: 'question' }).click();
    await filter.getByRole('button', { name: 'bug' }).click();
    await item.waitFor();
    await eventually(async () => assert.equal(await posts.getByRole('button', { name: 'Older question' }).count(), 0), 'only bugs');
    await item.getByRole('button', { name: 'App crashes on start' }).click();
    await b.locator('.history .message', { hasText: 'steps: open it' }).waitFor();
    await b.locator('#composer').fill('same here');
    await b.locator('#composer').press('Enter');
    await a.locator('.history .message', { hasText: 'same here' }).waitFor();
  });

  test('a post with files: picked in New Post, sent with the first message, shown in the post', async () => {
    await a.goto(`${server.url}/channels/${guild.id}/${forum.id}`);
    await a.getByRole('button', { name: 'New Post' }).click();
    const form = a.getByRole('form', { name: 'New post' });
    await form.getByLabel('Post title').fill('Screenshot of the crash');
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
    await form.getByLabel('Files to attach').setInputFiles([
      { name: 'crash.png', mimeType: 'image/png', buffer: png },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('stack trace here') },
    ]);
    const attached = form.getByRole('list', { name: 'Attached files' });
    await eventually(async () => assert.equal(await attached.getByRole('listitem').count(), 2), 'two files listed');
    await attached.getByRole('button', { name: 'Remove notes.txt' }).click();
    await eventually(async () => assert.equal(await attached.getByRole('listitem').count(), 1), 'one file left');
    // A file alone makes the first message: Post is enabled with no text.
    await form.getByRole('button', { name: 'Post' }).click();
    const image = a.locator('.history .message img[alt="crash.png"], .history .message img[src*="crash.png"]').first();
    await image.waitFor();
    await eventually(async () => assert.ok(await image.evaluate((el: any) => el.complete && el.naturalWidth === 64), 'not loaded yet'), 'the image loaded');
    const post = (await api('GET', `/guilds/${guild.id}/threads/active`, bob)).threads.find((t: any) => t.name === 'Screenshot of the crash');
    const first = await api('GET', `/channels/${post.id}/messages/${post.id}`, bob);
    assert.deepEqual(first.attachments.map((x: any) => x.filename), ['crash.png']);
    assert.equal(first.content, '');
  });

  test('a manager adds a tag to the forum', async () => {
    await a.goto(`${server.url}/channels/${guild.id}/${forum.id}`);
    await a.getByLabel('New tag').fill('solved');
    await a.getByRole('button', { name: 'Add Tag' }).click();
    await a.getByRole('group', { name: 'Filter by tag' }).getByRole('button', { name: 'solved' }).waitFor();
    const got = await api('GET', `/channels/${forum.id}`, alice);
    assert.deepEqual(got.available_tags.map((t: any) => t.name), ['bug', 'question', 'solved']);
    assert.equal(got.available_tags[0].id, forum.available_tags[0].id);
  });
});
