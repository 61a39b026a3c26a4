/**
 * Link embeds in the web client: the owner posts a link to a page served on 127.0.0.1 (allow-listed for the
 * embed role); the other user's open page shows the message, then its embed when the partial MESSAGE_UPDATE
 * arrives, with the text still there. An embed whose image is one of the message's files (`attachment://`) shows
 * that picture and does not list the file again.
 *
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { browserSkipReason, ensureWebBuilt, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: link embeds', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let site: http.Server;
  let browser: Browser;
  let page: Page;
  let owner: TestUser;
  let channelId = '';

  before(async () => {
    ensureWebBuilt();
    site = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><meta property="og:title" content="A page worth a preview"><meta property="og:description" content="Its description"><meta property="og:site_name" content="Local"></head></html>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    server = await startTestServer({ embedAllowHosts: ['127.0.0.1'] });
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`embo_${stamp}`);
    const reader = await server.register(`embr_${stamp}`);
    const guild = await server.createGuild(owner, 'Embeds');
    await server.join(owner, guild.id, reader);
    channelId = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), reader.token);
    page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    await page.goto(`${server.url}/channels/${guild.id}/${channelId}`);
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await new Promise<void>((r) => site?.close(() => r()));
  });

  test('a link gets an embed for the other user', async () => {
    const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/preview`;
    const res = await server.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: `have a look ${url}` } });
    assert.equal(res.status, 200);
    const row = page.locator(`.history .message[data-message-id="${res.body.id}"]`);
    await row.locator('.embed .embed-title', { hasText: 'A page worth a preview' }).waitFor();
    assert.equal(await row.locator('.embed .embed-description').innerText(), 'Its description');
    assert.match(await row.locator('.message-content').innerText(), /have a look/);
  });

  test('an embed image sent as attachment:// shows the uploaded picture in the embed, and the file is not listed again below', async () => {
    const png = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#e0a020' } }).png().toBuffer();
    const body = new FormData();
    body.append('files[0]', new Blob([Uint8Array.from(png)]), 'chart.png');
    body.append('files[1]', new Blob([Buffer.from('a,b\n1,2\n')]), 'data.csv');
    // With a link in the text: the link's embed arrives later in a MESSAGE_UPDATE, which must keep the picture.
    const link = `http://127.0.0.1:${(site.address() as AddressInfo).port}/preview`;
    body.append('payload_json', JSON.stringify({ content: `chart and ${link}`, embeds: [{ title: 'Weekly chart', image: { url: 'attachment://chart.png' } }] }));
    const res = await fetch(`${server.api}/channels/${channelId}/messages`, { method: 'POST', headers: { authorization: owner.auth }, body });
    assert.equal(res.status, 200);
    const sent = (await res.json()) as { id: string };
    const row = page.locator(`.history .message[data-message-id="${sent.id}"]`);
    await row.locator('.embed .embed-title', { hasText: 'A page worth a preview' }).waitFor();
    const image = row.locator('.embed img.embed-image');
    await image.waitFor();
    await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await image.elementHandle(), { timeout: TIMEOUT });
    assert.equal(await image.evaluate((el) => (el as HTMLImageElement).naturalWidth), 60, 'the uploaded picture itself');
    assert.deepEqual(await row.locator('.attachment').evaluateAll((els) => els.map((e) => e.getAttribute('data-filename'))), ['data.csv']);
  });
});
