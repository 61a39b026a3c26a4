/**
 * An application's emoji in the web client, in Chromium against a real Accord: the developer opens My
 * Applications → the application → Emojis, uploads an image (its name filled in from the file), sees it listed
 * with its image and the markup its bot sends, renames it in place and deletes it; the server holds exactly
 * that at each step. A message of the bot with the emoji shows it as an image to a member of the server.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { addMember, makeBot } from '../integration/fixtures.guilds.ts';

describe('web client: application emojis', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let dev: TestUser;
  let app: any;
  let bot: TestUser;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    dev = await server.register(`dev_${stamp}`);
    ({ app, bot } = await makeBot(server, dev, 'Badge Bot'));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const emojisOnServer = async () => (await server.request('GET', `/applications/${app.id}/emojis`, { auth: dev })).body.items as any[];

  test('the developer uploads, renames and deletes an emoji of the application; its bot\'s message shows it', async () => {
    const page = await openAs(browser, dev, `${server.url}/channels/@me`);
    await page.getByRole('button', { name: 'User settings' }).click();
    const settings = page.getByRole('dialog', { name: 'User Settings' });
    await settings.getByRole('tab', { name: 'My Applications' }).click();
    await settings.getByRole('list', { name: 'My applications' }).getByRole('button', { name: /Badge Bot/ }).click();
    const section = settings.getByRole('region', { name: 'Emojis' });
    await section.getByText('No emoji yet.').waitFor();

    const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#ff9800' } }).png().toBuffer();
    await section.locator('input[type="file"]').setInputFiles({ name: 'gold_badge.png', mimeType: 'image/png', buffer: png });
    assert.equal(await section.getByLabel('Emoji name').inputValue(), 'gold_badge');
    await section.getByRole('button', { name: 'Upload Emoji' }).click();
    const nameBox = section.getByRole('textbox', { name: 'Name of :gold_badge:' });
    await nameBox.waitFor();
    const [emoji] = await emojisOnServer();
    assert.equal(emoji.name, 'gold_badge');
    assert.equal(emoji.user.id, dev.id);
    const row = section.locator(`[data-emoji-id="${emoji.id}"]`);
    assert.equal(await row.locator('img').getAttribute('src'), `/emojis/${emoji.id}.png?size=64`);
    assert.equal(await row.locator('code').innerText(), `<:gold_badge:${emoji.id}>`);

    // A name the application already has is refused, and said so.
    await section.locator('input[type="file"]').setInputFiles({ name: 'gold_badge.png', mimeType: 'image/png', buffer: png });
    await section.getByRole('button', { name: 'Upload Emoji' }).click();
    await section.getByRole('alert').filter({ hasText: /already exists/ }).waitFor();
    assert.equal((await emojisOnServer()).length, 1);

    await nameBox.fill('gold_star');
    await nameBox.press('Enter');
    await section.getByRole('textbox', { name: 'Name of :gold_star:' }).waitFor();
    await eventually(async () => assert.deepEqual((await emojisOnServer()).map((e) => e.name), ['gold_star']), 'the rename on the server');

    // The bot uses it in a server; a member sees the image.
    const guild = await server.createGuild(dev, `Badges ${stamp}`);
    await addMember(server, guild.id, bot);
    const channel = ((await server.request('GET', `/guilds/${guild.id}/channels`, { auth: dev })).body as any[]).find((c) => c.type === 0);
    const sent = await server.request('POST', `/channels/${channel.id}/messages`, { auth: bot.auth, body: { content: `earned <:gold_star:${emoji.id}>` } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const chat = await openAs(browser, dev, `${server.url}/channels/${guild.id}/${channel.id}`);
    const shown = chat.locator(`[data-message-id="${sent.body.id}"] img[src*="/emojis/${emoji.id}."]`);
    await shown.waitFor();
    assert.equal(await shown.getAttribute('alt'), ':gold_star:');

    await section.getByRole('button', { name: 'Delete :gold_star:' }).click();
    await section.getByText('No emoji yet.').waitFor();
    assert.deepEqual(await emojisOnServer(), []);
  });
});
