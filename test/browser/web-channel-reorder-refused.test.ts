/**
 * A channel move refused while the next one waits to be saved (web/src/channelOrder.ts). Moves are saved one at a
 * time, each computed from where the one before put the channels. The first save is held in the browser
 * (Playwright routing) while a second move is made, then answered 403: the second move, made on top of one that
 * did not happen, must not reach the server, and the sidebar must show the server's order again. A move after
 * that starts from the server's order and is saved. And a move made while the one before waits to be saved
 * compares against the positions that move gave, so every channel whose position changed is saved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Route } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

declare const document: any;

describe('web client: a refused channel move with another queued behind it', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let owner: TestUser;
  let guildId = '';
  let category: any;
  const channels: any[] = [];
  let chain: any;
  const chainChannels: any[] = [];

  const serverOrder = async () => {
    const all = (await server.request('GET', `/guilds/${guildId}/channels`, { auth: owner })).body as any[];
    return all
      .filter((c) => c.parent_id === category.id)
      .sort((a, b) => a.position - b.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
      .map((c) => c.name);
  };
  const sidebarOrder = () =>
    page.evaluate((categoryId: string) => {
      const group = document.querySelector(`.sidebar .category[data-channel-id="${categoryId}"]`)?.closest('.channel-group');
      return [...(group?.querySelectorAll('a.channel-link .ellipsis') ?? [])].map((e: any) => e.textContent);
    }, category.id);
  const announced = (text: string) => page.getByRole('status').filter({ hasText: text }).waitFor({ timeout: TIMEOUT });

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`order_${Date.now().toString(36)}`);
    guildId = (await server.createGuild(owner, 'Order')).id;
    category = (await server.request('POST', `/guilds/${guildId}/channels`, { auth: owner, body: { name: 'Queue', type: 4 } })).body;
    for (const name of ['one', 'two', 'three', 'four']) {
      channels.push((await server.request('POST', `/guilds/${guildId}/channels`, { auth: owner, body: { name, type: 0, parent_id: category.id } })).body);
    }
    chain = (await server.request('POST', `/guilds/${guildId}/channels`, { auth: owner, body: { name: 'Chain', type: 4 } })).body;
    for (const name of ['gen', 'alp', 'bet']) {
      chainChannels.push((await server.request('POST', `/guilds/${guildId}/channels`, { auth: owner, body: { name, type: 0, parent_id: chain.id } })).body);
    }
    const general = (await server.request('GET', `/guilds/${guildId}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    page = await openAs(browser, owner, `${server.url}/channels/${guildId}/${general}`);
    await eventually(async () => assert.deepEqual(await sidebarOrder(), ['one', 'two', 'three', 'four']), 'the category drawn');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the queued move is dropped, the sidebar shows the server order, and the next move is saved', async () => {
    const saves: Array<{ body: unknown; route: Route }> = [];
    const isPositions = (url: URL) => url.pathname.endsWith(`/guilds/${guildId}/channels`);
    await page.route(isPositions, async (route) => {
      if (route.request().method() !== 'PATCH') return route.continue();
      saves.push({ body: route.request().postDataJSON(), route });
    });
    const four = page.locator(`.sidebar a[data-channel-id="${channels[3].id}"]`);
    await four.focus();
    await page.keyboard.press('Alt+Shift+ArrowUp');
    await announced('Moved #four to position 3 of 4 in Queue.');
    await page.keyboard.press('Alt+Shift+ArrowUp');
    await announced('Moved #four to position 2 of 4 in Queue.');
    await eventually(async () => assert.equal(saves.length, 1, 'the first save is in flight, the second waits for it'), 'first save');

    await saves[0]!.route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ code: 50013, message: 'Missing Permissions' }) });
    await announced('Could not move it');
    await eventually(async () => assert.deepEqual(await sidebarOrder(), ['one', 'two', 'three', 'four']), 'the server order shown again');
    assert.deepEqual(await serverOrder(), ['one', 'two', 'three', 'four']);
    assert.equal(saves.length, 1, 'the move made on top of the refused one was never sent');

    // The next move starts from the server's order and is saved.
    await page.unroute(isPositions);
    await four.focus();
    await page.keyboard.press('Alt+Shift+ArrowUp');
    await announced('Moved #four to position 3 of 4 in Queue.');
    await eventually(async () => assert.deepEqual(await serverOrder(), ['one', 'two', 'four', 'three']), 'the new move saved');
    await eventually(async () => assert.deepEqual(await sidebarOrder(), ['one', 'two', 'four', 'three']), 'and shown');
  });

  test('a move made while the previous one waits to be saved saves every channel it moved', async () => {
    const [gen, alp, bet] = chainChannels;
    const positions = async () => new Map<string, any>(((await server.request('GET', `/guilds/${guildId}/channels`, { auth: owner })).body as any[]).map((c) => [c.id, c]));
    const betLink = page.locator(`.sidebar a[data-channel-id="${bet.id}"]`);
    await betLink.focus();
    await page.keyboard.press('Alt+Shift+ArrowUp');
    await announced('Moved #bet to position 2 of 3 in Chain.');
    await eventually(async () => assert.ok((await positions()).get(bet.id).position < (await positions()).get(alp.id).position), 'the first move saved');

    // The next save is held: the move after it is made while it waits.
    let held: Route | null = null;
    const isPositions = (url: URL) => url.pathname.endsWith(`/guilds/${guildId}/channels`);
    await page.route(isPositions, async (route) => {
      if (route.request().method() === 'PATCH' && !held) held = route;
      else await route.continue();
    });
    await betLink.focus();
    await page.keyboard.press('Alt+Shift+ArrowUp');
    await announced('Moved #bet to position 1 of 3 in Chain.');
    await eventually(async () => assert.ok(held, 'the second save is held'), 'second save');
    await page.keyboard.press('Alt+Shift+ArrowUp');
    await announced('Moved #bet to position 5 of 5 in Queue.');
    await held!.continue();
    await eventually(async () => {
      const now = await positions();
      assert.equal(now.get(bet.id).parent_id, category.id);
      assert.ok(now.get(gen.id).position < now.get(alp.id).position, `gen (${now.get(gen.id).position}) before alp (${now.get(alp.id).position})`);
    }, 'every moved channel saved');
    await page.unroute(isPositions);
  });
});
