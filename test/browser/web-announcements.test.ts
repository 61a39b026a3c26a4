/**
 * Announcement channels in the web client, in Chromium against a real Accord: the megaphone icon in the channel
 * list; a member of the announcement server follows the channel into a channel of their own server with the
 * header's Follow button (server and channel picked in the dialog); the author publishes a message with "Publish"
 * in its actions; the copy appears in the following channel, by "Server #channel", marked as followed.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { message } from '../contract/store.fixtures.ts';

describe('web client: announcement channels', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let herald: any;
  let readers: any;
  let news: any;
  let lounge: any;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const open = (user: TestUser, path: string): Promise<Page> => openAs(browser, user, `${server.url}${path}`);

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`herald_${stamp}`);
    bob = await server.register(`reader_${stamp}`);
    herald = await server.createGuild(alice, 'Herald');
    readers = await server.createGuild(bob, 'Readers');
    await server.join(alice, herald.id, bob);
    news = await api('POST', `/guilds/${herald.id}/channels`, alice, { name: 'news', type: 5 });
    lounge = await api('POST', `/guilds/${readers.id}/channels`, bob, { name: 'lounge', type: 0 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('follow from the header, publish from the message actions, the copy shows in the following channel', async () => {
    // Bob follows #news into Readers' #lounge.
    const b = await open(bob, `/channels/${herald.id}/${news.id}`);
    const item = b.getByRole('link', { name: /^announcement channel news/ });
    await item.waitFor();
    assert.equal(await item.locator('.channel-hash svg').count(), 1);
    await b.getByRole('button', { name: 'Follow #news' }).click();
    const dialog = b.getByRole('dialog', { name: 'Follow #news' });
    await dialog.getByLabel('Server').selectOption({ label: 'Readers' });
    await dialog.getByLabel('Channel').selectOption({ label: '#lounge' });
    await dialog.getByRole('button', { name: 'Follow', exact: true }).click();
    await dialog.getByRole('status').waitFor();
    assert.match(await dialog.getByRole('status').innerText(), /Following #news in #lounge/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    const hooks = await api('GET', `/channels/${lounge.id}/webhooks`, bob);
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0].source_channel.id, news.id);
    await b.goto(`${server.url}/channels/${readers.id}/${lounge.id}`);
    await b.getByRole('main', { name: 'Chat in #lounge' }).waitFor();
    await b.locator('.history .message.system', { hasText: 'has added Herald #news to this channel' }).waitFor();

    // Alice posts in #news and publishes it.
    const a = await open(alice, `/channels/${herald.id}/${news.id}`);
    await a.locator('#composer').fill('Version 2 ships today');
    await a.locator('#composer').press('Enter');
    const message = a.locator('.history .message', { hasText: 'Version 2 ships today' });
    await message.waitFor();
    await eventually(async () => assert.equal(await message.getAttribute('aria-busy'), null), 'sent');
    await message.hover();
    await message.getByRole('button', { name: 'Publish' }).click();
    await message.locator('.crosspost-tag', { hasText: 'PUBLISHED' }).waitFor();
    assert.equal(await message.getByRole('button', { name: 'Publish' }).count(), 0);

    // Bob sees the copy in #lounge, by "Herald #news", marked as followed.
    const copy = b.locator('.history .message', { hasText: 'Version 2 ships today' });
    await copy.waitFor();
    assert.equal(await copy.locator('.author').first().innerText(), 'Herald #news');
    await copy.locator('.crosspost-tag', { hasText: 'FOLLOWED' }).waitFor();
    const [stored] = await api('GET', `/channels/${lounge.id}/messages?limit=1`, bob);
    assert.equal(stored.flags, 2);
    assert.equal(stored.webhook_id, hooks[0].id);
    await a.context().close();
    await b.context().close();
  });

  test('over the publish limit (10 an hour per channel), Publish says when to try again instead of waiting', async () => {
    const limited = await startTestServer({ rateLimitScale: 1 });
    try {
      const owner = await limited.register(`limits_${stamp}`);
      const guild = await limited.createGuild(owner, 'Limits');
      const channel = (await limited.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'bulletins', type: 5 } })).body;
      // Stored directly (the send limit does not count); ten published over REST spend the channel's hour.
      const stored = [];
      for (let i = 0; i < 11; i++) stored.push(await limited.store.messages.create(message(channel.id, owner.id, { guildId: guild.id, content: `bulletin ${i}` })));
      for (const m of stored.slice(0, 10)) assert.equal((await limited.request('POST', `/channels/${channel.id}/messages/${m.id}/crosspost`, { auth: owner })).status, 200);
      const page = await openAs(browser, owner, `${limited.url}/channels/${guild.id}/${channel.id}`);
      const last = page.locator('.history .message', { hasText: 'bulletin 10' });
      await last.waitFor();
      await last.hover();
      const clicked = Date.now();
      await last.getByRole('button', { name: 'Publish' }).click();
      const alert = last.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /Try again in \d+ minutes/);
      assert.ok(Date.now() - clicked < 5000, 'answered at once, not after waiting out the hour');
      assert.equal(await last.locator('.crosspost-tag').count(), 0);
      await page.context().close();
    } finally {
      await limited.close();
    }
  });
});
