/**
 * Custom emoji in the web client, in Chromium against a real Accord: the owner uploads an emoji in Server Settings
 * → Emoji (it shows in the list with its image from the CDN), picks it from the server section of the composer's
 * emoji picker and sends it; the message shows it as an image from /emojis/{id}.png, and the server stored
 * `<:name:id>`; then they react with it from the full reaction picker and the reaction shows its image.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: custom emoji manager and picker', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let guild: any;
  let general: any;
  const stamp = Date.now().toString(36);

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
    owner = await server.register(`olga_${stamp}`);
    guild = await server.createGuild(owner, 'Emoji Works');
    general = (await api('GET', `/guilds/${guild.id}/channels`, owner)).find((c: any) => c.type === 0);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('upload in Server Settings, pick in the picker, send, see it rendered; react with it', async () => {
    const page = await open(owner, `/channels/${guild.id}/${general.id}`);
    await page.getByRole('button', { name: 'Emoji Works server menu' }).click();
    await page.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = page.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Emoji' }).click();
    const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#22aa66' } }).png().toBuffer();
    await settings.locator('input[type="file"]').setInputFiles({ name: 'green_dot.png', mimeType: 'image/png', buffer: png });
    assert.equal(await settings.getByLabel('Emoji name').inputValue(), 'green_dot');
    await settings.getByRole('button', { name: 'Upload Emoji' }).click();
    const row = settings.locator('.emoji-row');
    await row.waitFor();
    const [emoji] = await api('GET', `/guilds/${guild.id}/emojis`, owner);
    assert.equal(emoji.name, 'green_dot');
    const rowImage = row.locator('img');
    assert.equal(await rowImage.getAttribute('src'), `/emojis/${emoji.id}.png?size=64`);
    await eventually(async () => assert.ok(await rowImage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)), 'emoji image loaded');
    // Rename in place.
    await settings.getByRole('textbox', { name: 'Name of :green_dot:' }).fill('leaf');
    await settings.getByRole('textbox', { name: 'Name of :green_dot:' }).press('Enter');
    await eventually(async () => assert.equal((await api('GET', `/guilds/${guild.id}/emojis/${emoji.id}`, owner)).name, 'leaf'), 'renamed');
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });

    // The composer's picker has the server's emoji; picking one writes <:leaf:id>.
    await page.getByRole('button', { name: 'Select emoji' }).click();
    const pickerDialog = page.getByRole('dialog', { name: 'Emoji picker' });
    await pickerDialog.getByRole('group', { name: 'Server emoji' }).getByRole('button', { name: ':leaf:' }).click();
    await eventually(async () => assert.equal(await page.locator('#composer').inputValue(), `<:leaf:${emoji.id}>`), 'markup in the composer');
    await page.locator('#composer').press('Enter');
    const image = page.locator(`img.md-emoji-custom[data-emoji-id="${emoji.id}"]`);
    await image.first().waitFor();
    assert.equal(await image.first().getAttribute('alt'), ':leaf:');
    await eventually(async () => assert.ok(await image.first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)), 'rendered image loaded');
    const stored = await api('GET', `/channels/${general.id}/messages?limit=1`, owner);
    assert.equal(stored[0].content, `<:leaf:${emoji.id}>`);

    // React with it from the full reaction picker: the reaction shows the image, the server has it.
    const message = page.locator('.history .message').filter({ has: image.first() }).first();
    await message.hover();
    await message.getByRole('button', { name: 'Add reaction' }).click();
    await page.getByRole('menuitem', { name: 'More emoji' }).click();
    const reactions = page.getByRole('dialog', { name: 'Pick a reaction' });
    await reactions.getByRole('group', { name: 'Server emoji' }).getByRole('button', { name: ':leaf:' }).click();
    const reaction = page.getByRole('button', { name: /leaf reaction, 1, you reacted/ });
    await reaction.waitFor();
    assert.equal(await reaction.locator('img').getAttribute('src'), `/emojis/${emoji.id}.png?size=32`);
    const after = await api('GET', `/channels/${general.id}/messages/${stored[0].id}`, owner);
    assert.deepEqual(after.reactions[0].emoji, { id: emoji.id, name: 'leaf' });
    await page.context().close();
  });
});
