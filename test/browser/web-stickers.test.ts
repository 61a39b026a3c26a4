/**
 * Guild stickers in the web client, in Chromium against a real Accord: the owner uploads a sticker in Server
 * Settings → Stickers and renames it; a member sends it with the composer's sticker button; both see it drawn in
 * the message list (the image loaded from /stickers/{id}.png); the owner deletes it in the settings.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { stickerPng } from '../helpers/sticker-files.ts';

describe('web client: stickers', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let owner: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;

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
    owner = await server.register(`stella_${stamp}`);
    bob = await server.register(`bob_${stamp}`);
    guild = await server.createGuild(owner, 'Sticker Shop');
    await server.join(owner, guild.id, bob);
    general = (await api('GET', `/guilds/${guild.id}/channels`, owner)).find((c: any) => c.type === 0);
    await api('POST', `/channels/${general.id}/messages`, owner, { content: 'welcome to the shop' });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('upload in Server Settings, send with the sticker button, seen by both; delete', async () => {
    const a = await open(owner, `/channels/${guild.id}/${general.id}`);
    await a.getByRole('button', { name: 'Sticker Shop server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = a.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Stickers' }).click();
    const png = await stickerPng('#dd8822', 160);
    await settings.locator('input[type="file"]').setInputFiles({ name: 'orange_blob.png', mimeType: 'image/png', buffer: png });
    assert.equal(await settings.getByLabel('Sticker name').inputValue(), 'orange blob');
    await settings.getByLabel('Sticker tag').fill('orange');
    await settings.getByRole('button', { name: 'Upload Sticker' }).click();
    const row = settings.locator('.sticker-row');
    await row.waitFor();
    const [sticker] = await api('GET', `/guilds/${guild.id}/stickers`, owner);
    assert.equal(sticker.name, 'orange blob');
    assert.equal(sticker.tags, 'orange');
    await eventually(async () => assert.ok(await row.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)), 'sticker image loaded');
    // Rename in place.
    const nameBox = settings.getByRole('textbox', { name: 'Name of sticker orange blob' });
    await nameBox.fill('Orange Blob');
    await nameBox.press('Enter');
    await eventually(async () => assert.equal((await api('GET', `/guilds/${guild.id}/stickers/${sticker.id}`, owner)).name, 'Orange Blob'), 'renamed');
    await a.keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });

    // Bob sends it from the composer's sticker button.
    const b = await open(bob, `/channels/${guild.id}/${general.id}`);
    await b.locator('.history .message', { hasText: 'welcome to the shop' }).waitFor();
    await b.getByRole('button', { name: 'Send a sticker' }).click();
    const picker = b.getByRole('dialog', { name: 'Stickers' });
    await picker.getByRole('button', { name: 'Send sticker Orange Blob' }).click();
    await picker.waitFor({ state: 'detached' });
    for (const page of [a, b]) {
      const image = page.locator(`.history .message-sticker[data-sticker-id="${sticker.id}"] img`);
      await image.waitFor();
      assert.equal(await image.getAttribute('src'), `/stickers/${sticker.id}.png`);
      assert.equal(await image.getAttribute('alt'), 'Sticker Orange Blob');
      await eventually(async () => assert.ok(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)), 'sticker drawn');
    }
    const [last] = await api('GET', `/channels/${general.id}/messages?limit=1`, owner);
    assert.equal(last.author.id, bob.id);
    assert.deepEqual(last.sticker_items, [{ id: sticker.id, name: 'Orange Blob', format_type: 1 }]);

    // The owner deletes it.
    await a.getByRole('button', { name: 'Sticker Shop server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    await settings.getByRole('tab', { name: 'Stickers' }).click();
    await settings.getByRole('button', { name: 'Delete sticker Orange Blob' }).click();
    await settings.getByText('No stickers yet.').waitFor();
    assert.deepEqual(await api('GET', `/guilds/${guild.id}/stickers`, owner), []);
    await a.context().close();
    await b.context().close();
  });
});
