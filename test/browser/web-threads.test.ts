/**
 * The web client's threads, in Chromium against a real Accord: Alice starts a thread from a message (its "Create
 * Thread" action), the thread opens in the chat view and she replies with its composer; Bob opens it from the
 * channel header's Threads panel and sees the reply, and his own reply reaches Alice live. Alice (the owner) archives
 * it from the thread header; a thread made from the header's panel opens at once and again after a reload. Every
 * wait polls with a timeout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: threads', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;
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
    alice = await server.register(`threader_${stamp}`);
    bob = await server.register(`reader_${stamp}`);
    guild = await server.createGuild(alice, 'Thread Club');
    await server.join(alice, guild.id, bob);
    general = (await api('GET', `/guilds/${guild.id}/channels`, alice)).find((c: any) => c.type === 0);
    await api('POST', `/channels/${general.id}/messages`, alice, { content: 'what about lunch' });
    a = await open(alice);
    await a.goto(`${server.url}/channels/${guild.id}/${general.id}`);
    b = await open(bob);
    await b.goto(`${server.url}/channels/${guild.id}/${general.id}`);
    for (const p of [a, b]) await p.locator('.history .message', { hasText: 'what about lunch' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('create a thread from a message, reply in it; the other user opens it and sees the reply', async () => {
    const message = a.locator('.history .message', { hasText: 'what about lunch' });
    await message.hover();
    a.once('dialog', (d) => void d.accept('Lunch plans'));
    await message.getByRole('button', { name: 'Create Thread' }).click();
    await a.getByRole('button', { name: 'Leave Thread' }).waitFor();
    await a.locator('#composer').fill('pizza at noon');
    await a.locator('#composer').press('Enter');
    await a.locator('.history .message', { hasText: 'pizza at noon' }).waitFor();

    await b.getByRole('button', { name: 'Threads' }).click();
    await b.getByRole('dialog', { name: 'Threads' }).getByRole('button', { name: 'Lunch plans' }).click();
    await b.locator('.history .message', { hasText: 'pizza at noon' }).waitFor();
    await b.locator('#composer').fill('count me in');
    await b.locator('#composer').press('Enter');
    await a.locator('.history .message', { hasText: 'count me in' }).waitFor();

    await a.getByRole('button', { name: 'Archive' }).click();
    await a.getByRole('button', { name: 'Unarchive' }).waitFor();
    await eventually(async () => {
      const archived = await api('GET', `/channels/${general.id}/threads/archived/public`, alice);
      assert.equal(archived.threads[0]?.name, 'Lunch plans');
    }, 'archived');
  });

  test('create a thread from the channel header', async () => {
    await a.goto(`${server.url}/channels/${guild.id}/${general.id}`);
    await a.getByRole('button', { name: 'Threads' }).click();
    const panel = a.getByRole('dialog', { name: 'Threads' });
    await panel.getByLabel('New thread name').fill('Planning');
    await panel.getByRole('button', { name: 'Create Thread' }).click();
    await a.getByRole('button', { name: 'Leave Thread' }).waitFor();
    await a.locator('#composer').fill('first steps');
    await a.locator('#composer').press('Enter');
    await a.locator('.history .message', { hasText: 'first steps' }).waitFor();
    // The thread's own URL works after a reload (GUILD_CREATE carries the active threads).
    await a.reload();
    await a.locator('.history .message', { hasText: 'first steps' }).waitFor();
    await a.getByRole('button', { name: 'Leave Thread' }).waitFor();
  });
});
