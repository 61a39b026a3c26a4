/**
 * A channel's first page and a new message crossing: the page is read before the message is written, and the
 * message's MESSAGE_CREATE reaches the browser before the page does (the client keeps no list for the channel yet,
 * so the event alone cannot show it). The client sees the channel's last_message_id ahead of the page and reads
 * what came after, so the message shows without a reload. The page's answer is held back in the browser
 * (Playwright routing) until the event has arrived, which makes the crossing certain.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: a message crossing the first page of its channel', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let owner: TestUser;
  let member: TestUser;
  let guildId = '';
  let general = '';
  let second = '';

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`race_${stamp}`);
    member = await server.register(`racem_${stamp}`);
    guildId = (await server.createGuild(owner, 'Race')).id;
    await server.join(owner, guildId, member);
    general = (await server.request('GET', `/guilds/${guildId}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    second = (await server.request('POST', `/guilds/${guildId}/channels`, { auth: owner, body: { name: 'second', type: 0 } })).body.id;
    page = await openAs(browser, owner, `${server.url}/channels/${guildId}/${general}`);
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor({ timeout: TIMEOUT });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a MESSAGE_CREATE that beats the first page is shown once the page has come', async () => {
    // The client's gateway dispatches, as the page's store receives them (the socket itself is compressed).
    await page.evaluate(() => {
      const w = window as any;
      const handlers = w.__accordGateway.opts.handlers;
      const dispatch = handlers.dispatch;
      w.__created = [];
      handlers.dispatch = (t: string, d: any, x: unknown) => {
        dispatch(t, d, x);
        if (t === 'MESSAGE_CREATE') w.__created.push(d.id);
      };
    });
    let messageId = '';
    // The page is read now (before the message exists), answered only after the event reached the page's store.
    await page.route(
      (url) => url.pathname.endsWith(`/channels/${second}/messages`) && !url.searchParams.has('after'),
      async (route) => {
        const response = await route.fetch();
        if (!messageId) {
          messageId = (await server.request('POST', `/channels/${second}/messages`, { auth: member, body: { content: 'crossing' } })).body.id;
          await eventually(async () => assert.ok(await page.evaluate((id) => (window as any).__created.includes(id), messageId)), 'MESSAGE_CREATE in the page');
        }
        await route.fulfill({ response });
      },
    );
    await page.locator(`.sidebar [data-channel-id="${second}"]`).first().click();
    await eventually(async () => assert.ok(messageId), 'the page was asked for');
    await page.locator(`.history .message[data-message-id="${messageId}"]`).waitFor({ timeout: TIMEOUT });
  });
});
