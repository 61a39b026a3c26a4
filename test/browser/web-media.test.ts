/**
 * The web client's media (issue #13), in Chromium against a real Accord: files sent from the composer (the file
 * picker with upload progress, a drop on the channel, a paste), shown to another person as an image preview
 * with the uploaded bytes and an image viewer, a file card with a working download link, a spoiler hidden until
 * clicked, size limits refused before anything is sent and the server's 413 read as a sentence; avatars and
 * server icons changed in settings and seen by the other person without a reload, and default avatars; a voice
 * message (IS_VOICE_MESSAGE) played with its waveform and length.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time. Every assert.ok has a message: without one, a
 * failing check makes Node re-read and re-parse this file to word the message, which under tsx (whose compiled
 * lines do not match the source's) can take minutes — inside a polling wait, the file then never ends.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { oggOpusBytes, waveformBase64 } from '../helpers/voice-message.ts';

// The functions passed to page.evaluate run in the browser; the test's own tsconfig has no DOM types.
declare const document: any;
declare const DataTransfer: any;
declare const File: any;
declare const ClipboardEvent: any;
declare const Event: any;
declare function atob(s: string): string;
declare function btoa(s: string): string;
declare function getComputedStyle(el: unknown): any;

/** The server refuses files above this (ACCORD_ATTACHMENT_MAX_BYTES), below the client's own 10 MiB. */
const SERVER_FILE_LIMIT = 3 * 1024 * 1024;
const MiB = 1024 * 1024;

const messageWith = (page: Page, text: string) => page.locator('.history .message', { hasText: text });

/** A PNG of random colours (incompressible, so its size is about width × height × 3 bytes). */
function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}

/** The bytes behind a URL, fetched by the page (with its origin and cookies-free credentials, as an <img> would). */
async function bytesIn(page: Page, url: string): Promise<{ status: number; type: string; bytes: Buffer }> {
  const got = await page.evaluate(async (src: string) => {
    const res = await fetch(src);
    const buf = new Uint8Array(await res.arrayBuffer());
    let bin = '';
    for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
    return { status: res.status, type: res.headers.get('content-type') ?? '', b64: btoa(bin) };
  }, url);
  return { status: got.status, type: got.type, bytes: Buffer.from(got.b64, 'base64') };
}

/**
 * Picks a file of `size` bytes with the composer's file input, the file made in the page (handing megabytes to
 * setInputFiles would send them through the devtools protocol, slowly).
 */
async function pickInPage(page: Page, name: string, size: number) {
  await page.locator('[data-testid="file-input"]').evaluate(
    (input: any, { name, size }: { name: string; size: number }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(size).fill(7)], name, { type: 'application/octet-stream' }));
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    { name, size },
  );
}

describe('web client: media', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let aliceCtx: BrowserContext;
  let a: Page;
  let b: Page;
  let alice: TestUser;
  let bob: TestUser;
  let guildId = '';
  let channelId = '';
  const stamp = Date.now().toString(36);

  async function openAs(user: TestUser, origin = server.url): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ctx.setDefaultTimeout(TIMEOUT);
    await ctx.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), user.token);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.log(`# [${user.username}] page error: ${err.message}`));
    await page.goto(`${origin}/channels/${guildId}/${channelId}`);
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    return { ctx, page };
  }

  /** Sends what is in A's composer (files and text) and returns the message as the server stored it. */
  async function sendFromComposer(page: Page, text: string): Promise<any> {
    const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/channels/${channelId}/messages`), { timeout: 30_000 });
    const box = page.locator('#composer');
    if (text) await box.fill(text);
    await box.press('Enter');
    const res = await created;
    assert.equal(res.status(), 200, await res.text());
    return res.json();
  }

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ attachmentMaxBytes: SERVER_FILE_LIMIT });
    browser = await launchChromium();
    alice = await server.register(`mia_${stamp}`);
    bob = await server.register(`ben_${stamp}`);
    const guild = await server.createGuild(alice, 'Media Club');
    guildId = guild.id;
    await server.join(alice, guild.id, bob);
    channelId = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: alice })).body.find((c: any) => c.type === 0).id;
    ({ ctx: aliceCtx, page: a } = await openAs(alice));
    ({ page: b } = await openAs(bob));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('an image sent through the file picker, with upload progress, reaches the other person byte for byte', async () => {
    const png = await noisePng(480, 360);
    // A slow uplink for Alice (the upload takes about two seconds), so the progress bar is there to be seen.
    const cdp = await aliceCtx.newCDPSession(a);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: Math.round(png.length / 2) });
    try {
      await a.locator('[data-testid="file-input"]').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: png });
      const card = a.locator('.pending-file[data-filename="noise.png"]');
      await card.waitFor();
      assert.match(await card.innerText(), /noise\.png/);
      await card.locator('.pending-file-preview img').waitFor(); // the thumbnail, drawn locally
      await a.getByLabel('Description (alt text) of noise.png').fill('random colours');
      const sent = sendFromComposer(a, 'look at this');
      const bar = a.getByRole('progressbar', { name: 'Upload progress' });
      await bar.waitFor();
      await eventually(async () => {
        const pct = Number(await bar.getAttribute('aria-valuenow'));
        assert.ok(pct > 0 && pct <= 100, `progress ${pct}`);
      }, 'upload progress moving');
      assert.match(await a.locator('.upload-progress').innerText(), /Uploading noise\.png… \d+%/);
      const msg = await sent;
      await bar.waitFor({ state: 'detached' });
      assert.equal(await card.count(), 0, 'the sent file left the composer');
      assert.equal(msg.attachments.length, 1);
      assert.equal(msg.attachments[0].filename, 'noise.png');
      assert.equal(msg.attachments[0].description, 'random colours');
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    }

    const row = messageWith(b, 'look at this');
    const img = row.locator('.attachment.image img');
    await img.waitFor();
    assert.equal(await img.getAttribute('alt'), 'random colours');
    // Sized from the attachment's width and height before it loads: 480 × 360 within 400 × 300.
    assert.equal(await img.getAttribute('width'), '400');
    assert.equal(await img.getAttribute('height'), '300');
    await eventually(async () => assert.ok(await img.evaluate((el: any) => el.complete && el.naturalWidth === 480), 'not loaded yet'), 'the preview loaded');
    const src = (await img.getAttribute('src'))!;
    const fetched = await bytesIn(b, src);
    assert.equal(fetched.status, 200);
    assert.ok(fetched.bytes.equals(png), 'the preview shows the uploaded bytes');

    // The image viewer: opened by a click, named after the file, with the original; Escape closes it.
    const preview = row.getByRole('button', { name: 'Open image noise.png' });
    await preview.click();
    const viewer = b.getByRole('dialog', { name: 'Image viewer: noise.png' });
    await viewer.waitFor();
    const original = viewer.getByRole('link', { name: 'Open original' });
    assert.ok((await bytesIn(b, (await original.getAttribute('href'))!)).bytes.equals(png), 'the original is the uploaded file');
    assert.equal(await viewer.locator('img').getAttribute('alt'), 'random colours');
    // Focus is inside, and Tab stays inside.
    for (let i = 0; i < 3; i++) {
      await b.keyboard.press('Tab');
      assert.ok(await b.evaluate(() => Boolean(document.activeElement?.closest('.lightbox'))), 'focus stays in the viewer');
    }
    await b.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    assert.ok(await preview.evaluate((el: any) => el === document.activeElement), 'focus back on the preview');
  });

  test('files dropped on the channel and pasted into the composer are sent together', async () => {
    const pastedPng = await noisePng(60, 40);
    const chat = a.locator('main.chat');
    const drag = await a.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped text\n'], 'dropped.txt', { type: 'text/plain' }));
      return dt;
    });
    await chat.dispatchEvent('dragenter', { dataTransfer: drag });
    const overlay = a.getByTestId('drop-overlay');
    await overlay.waitFor();
    assert.match(await overlay.innerText(), /Upload to #general/);
    await chat.dispatchEvent('drop', { dataTransfer: drag });
    await overlay.waitFor({ state: 'detached' });
    await a.locator('.pending-file[data-filename="dropped.txt"]').waitFor();

    await a.locator('#composer').evaluate((el: any, b64: string) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, pastedPng.toString('base64'));
    await a.locator('.pending-file[data-filename="pasted.png"]').waitFor();

    const msg = await sendFromComposer(a, 'dropped and pasted');
    assert.deepEqual(msg.attachments.map((x: any) => x.filename).sort(), ['dropped.txt', 'pasted.png']);
    const row = messageWith(b, 'dropped and pasted');
    await row.locator('.attachment.image img').waitFor();
    await row.locator('.attachment.file', { hasText: 'dropped.txt' }).waitFor();
    const src = (await row.locator('.attachment.image img').getAttribute('src'))!;
    assert.ok((await bytesIn(b, src)).bytes.equals(pastedPng), 'the pasted image arrived');
  });

  test('editing a message can drop one of its files', async () => {
    const mine = messageWith(a, 'dropped and pasted');
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit message' }).click();
    await mine.getByRole('button', { name: 'Remove attachment dropped.txt' }).click();
    const saved = a.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes(`/channels/${channelId}/messages/`));
    await mine.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    const res = await saved;
    assert.equal(res.status(), 200);
    assert.deepEqual((await res.json()).attachments.map((x: any) => x.filename), ['pasted.png']);
    const row = messageWith(b, 'dropped and pasted');
    await row.locator('.attachment.file').waitFor({ state: 'detached' });
    assert.equal(await row.locator('.attachment.image').count(), 1);
  });

  test('a file that is not an image is a card with a working download link', async () => {
    const bytes = randomBytes(3000);
    await a.locator('[data-testid="file-input"]').setInputFiles({ name: 'notes.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await a.locator('.pending-file[data-filename="notes.bin"]').waitFor();
    // Text is optional when files go with the message.
    const msg = await sendFromComposer(a, '');
    assert.equal(msg.content, '');
    const row = b.locator(`.history .message[data-message-id="${msg.id}"]`);
    const card = row.locator('.attachment.file');
    await card.waitFor();
    assert.match(await card.innerText(), /notes\.bin/);
    assert.match(await card.innerText(), /2\.93 KB/);
    const download = card.getByRole('link', { name: 'Download notes.bin' });
    assert.equal(await download.getAttribute('download'), 'notes.bin');
    const got = await bytesIn(b, (await download.getAttribute('href'))!);
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(bytes), 'the download is the uploaded file');
    assert.equal(await row.locator('.attachment.image').count(), 0);
  });

  test('a spoiler stays hidden until clicked', async () => {
    const png = await noisePng(120, 90);
    await a.locator('[data-testid="file-input"]').setInputFiles({ name: 'secret.png', mimeType: 'image/png', buffer: png });
    const toggle = a.getByRole('button', { name: 'Mark secret.png as spoiler' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    const msg = await sendFromComposer(a, 'guess what');
    assert.equal(msg.attachments[0].filename, 'SPOILER_secret.png');

    const row = messageWith(b, 'guess what');
    const reveal = row.getByRole('button', { name: 'Spoiler: reveal SPOILER_secret.png' });
    await reveal.waitFor();
    // Hidden: blurred, out of the accessibility tree, and not clickable through the cover.
    assert.equal(await row.getByRole('button', { name: /^Open image/ }).count(), 0);
    assert.match(await row.locator('.attachment-spoiler-content').evaluate((el: any) => getComputedStyle(el).filter), /blur/);
    await reveal.click();
    await reveal.waitFor({ state: 'detached' });
    const preview = row.getByRole('button', { name: 'Open image SPOILER_secret.png' });
    await preview.waitFor();
    await preview.click();
    await b.getByRole('dialog', { name: 'Image viewer: SPOILER_secret.png' }).waitFor();
    await b.keyboard.press('Escape');
    await b.getByRole('dialog', { name: /Image viewer/ }).waitFor({ state: 'detached' });
  });

  test('a voice message shows its waveform, its length and a player; a plain audio file does not', async () => {
    const post = async (payload: Record<string, unknown>) => {
      const body = new FormData();
      body.append('files[0]', new Blob([Uint8Array.from(oggOpusBytes())]), 'voice-message.ogg');
      body.append('payload_json', JSON.stringify(payload));
      const res = await fetch(`${server.api}/channels/${channelId}/messages`, { method: 'POST', headers: { authorization: alice.auth }, body });
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    };
    const voiceId = await post({ flags: 1 << 13, attachments: [{ id: 0, duration_secs: 67.4, waveform: waveformBase64(120) }] });
    const plainId = await post({ content: 'just a sound file' });

    const group = b.locator(`.history .message[data-message-id="${voiceId}"]`).getByRole('group', { name: 'Voice message, 1:07' });
    await group.waitFor();
    assert.equal(await group.locator('.voice-waveform span').count(), 48, 'the 120 samples drawn as 48 bars');
    const heights = await group.locator('.voice-waveform span').evaluateAll((bars) => bars.map((bar: any) => bar.getBoundingClientRect().height as number));
    assert.ok(Math.max(...heights) > Math.min(...heights) * 2, `the bars follow the waveform (${heights.join(', ')})`);
    assert.equal(await group.locator('.voice-duration').innerText(), '1:07');
    assert.match((await group.getByLabel('Play voice message').getAttribute('src')) ?? '', /\/attachments\/\d+\/\d+\/voice-message\.ogg\?/);

    const plain = b.locator(`.history .message[data-message-id="${plainId}"]`);
    await plain.locator('.attachment-audio audio').waitFor();
    assert.equal(await plain.getByRole('group', { name: /Voice message/ }).count(), 0, 'a plain audio file is not a voice message');
  });

  test('files over the limits are refused before sending; the server’s 413 is read as a sentence', async () => {
    const posts: string[] = [];
    const onRequest = (r: any) => r.method() === 'POST' && r.url().includes('/messages') && posts.push(r.url());
    a.on('request', onRequest);
    try {
      // Over the client's 10 MiB per file: refused when picked, never uploaded.
      await pickInPage(a, 'huge.bin', 10 * MiB + 1);
      const error = a.getByTestId('composer-error');
      await error.waitFor();
      assert.match(await error.innerText(), /huge\.bin is too large \(10 MB\): a file can be at most 10 MB/);
      assert.equal(await a.locator('.pending-file').count(), 0);
      assert.equal(await a.getByRole('button', { name: 'Send message' }).isDisabled(), true);

      // Eleven files: the eleventh is left out.
      const small = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`file ${i}`) }));
      await a.locator('[data-testid="file-input"]').setInputFiles(small);
      await eventually(async () => assert.match(await error.innerText(), /at most 10 files/), 'the ten-file error');
      assert.equal(await a.locator('.pending-file').count(), 10);
      for (let i = 0; i < 10; i++) await a.getByRole('button', { name: `Remove f${i}.txt` }).click();
      assert.equal(await a.locator('.pending-file').count(), 0);
      assert.deepEqual(posts, [], 'nothing was sent');
    } finally {
      a.off('request', onRequest);
    }

    // Under the client's limit but over this server's (3 MiB): the server answers 413 / 40005.
    await pickInPage(a, 'big.bin', 4 * MiB);
    await a.locator('.pending-file[data-filename="big.bin"]').waitFor();
    await a.locator('#composer').fill('too big for the server');
    await a.locator('#composer').press('Enter');
    const error = a.getByTestId('composer-error');
    await eventually(async () => assert.match(await error.innerText(), /too large for this server/), 'the 413 sentence', 30_000);
    // Nothing is lost: the file and the text stay for another try.
    assert.equal(await a.locator('.pending-file[data-filename="big.bin"]').count(), 1);
    assert.equal(await a.locator('#composer').inputValue(), 'too big for the server');
    await a.getByRole('button', { name: 'Remove big.bin' }).click();
    await a.locator('#composer').fill('');
    assert.equal(await messageWith(b, 'too big for the server').count(), 0);
  });

  test('a new server icon shows for the other person without a reload', async () => {
    // Server Settings → Change Icon → a preview → Save.
    await a.getByRole('button', { name: 'Media Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    const guildSettings = a.getByRole('dialog', { name: /Server Settings/ });
    await guildSettings.waitFor();
    const iconPng = await sharp({ create: { width: 128, height: 128, channels: 3, background: { r: 30, g: 160, b: 90 } } }).png().toBuffer();
    await guildSettings.locator('input[type="file"]').setInputFiles({ name: 'icon.png', mimeType: 'image/png', buffer: iconPng });
    await eventually(async () => assert.match((await guildSettings.locator('.avatar-editor img').getAttribute('src')) ?? '', /^data:image\/png/), 'the icon preview');
    await guildSettings.getByRole('button', { name: 'Save', exact: true }).click();
    const guild = await eventually(async () => {
      const g = (await server.request('GET', `/guilds/${guildId}`, { auth: alice })).body;
      assert.ok(g.icon, 'no icon yet');
      return g;
    }, 'the icon saved');
    await guildSettings.getByRole('button', { name: 'Close' }).click();
    // GUILD_UPDATE: Bob's server rail shows it, sized for HiDPI (48 px drawn, 96 asked for), and it loads.
    const railIcon = b.getByRole('navigation', { name: 'Servers' }).locator('.rail-button[title="Media Club"] img');
    await eventually(async () => assert.equal(await railIcon.getAttribute('src'), `/icons/${guildId}/${guild.icon}.png?size=96`), 'the icon in the rail');
    await eventually(async () => assert.ok(await railIcon.evaluate((el: any) => el.complete && el.naturalWidth > 0), 'not loaded yet'), 'the icon loaded');
  });

  test('a new avatar shows at once for its owner and for the other person without a reload', async () => {
    // After someone else's message, so Alice's starts a group (with her avatar) rather than continuing one.
    await server.request('POST', `/channels/${channelId}/messages`, { auth: bob, body: { content: 'over to you' } });
    await server.request('POST', `/channels/${channelId}/messages`, { auth: alice, body: { content: 'avatar check' } });
    await messageWith(b, 'avatar check').waitFor();

    // Alice: User Settings → Change Avatar → a preview → Save Changes.
    await a.getByRole('button', { name: 'User settings' }).click();
    const settings = a.getByRole('dialog', { name: 'User Settings' });
    await settings.waitFor();
    const avatarPng = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 220, g: 40, b: 90 } } }).png().toBuffer();
    await settings.locator('input[type="file"]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: avatarPng });
    await eventually(async () => assert.match((await settings.locator('.avatar-editor img').getAttribute('src')) ?? '', /^data:image\/png;base64,/), 'the preview');
    await settings.getByRole('button', { name: 'Save Changes' }).click();
    await settings.getByText('Saved.').waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();
    const me = (await server.request('GET', '/users/@me', { auth: alice })).body;
    assert.ok(me.avatar, 'the avatar was set');

    // Alice's own panel and her message, sized for HiDPI (32 px → 64, 40 px → 80); the CDN serves it.
    const url = (px: number) => `/avatars/${alice.id}/${me.avatar}.png?size=${px}`;
    await eventually(async () => assert.equal(await a.locator('.user-panel .avatar img').getAttribute('src'), url(64)), 'her own panel');
    await eventually(async () => assert.equal(await messageWith(a, 'avatar check').locator('.avatar-button img').getAttribute('src'), url(80)), 'her message');
    const served = await bytesIn(b, url(80));
    assert.equal(served.status, 200);
    assert.match(served.type, /image\/png/);

    // Bob, without a reload: on Alice's message and in the member list.
    await eventually(async () => assert.equal(await messageWith(b, 'avatar check').locator('.avatar-button img').getAttribute('src'), url(80)), 'the new avatar on the message');
    await eventually(async () => assert.equal(await b.locator(`.member[data-user-id="${alice.id}"] .avatar img`).getAttribute('src'), url(64)), 'the new avatar in the member list');
  });

  test('a removed avatar goes back to the default one', async () => {
    await a.getByRole('button', { name: 'User settings' }).click();
    const settings = a.getByRole('dialog', { name: 'User Settings' });
    await settings.getByRole('button', { name: 'Remove Avatar' }).click();
    await settings.getByRole('button', { name: 'Save Changes' }).click();
    await settings.getByText('Saved.').waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();
    assert.equal((await server.request('GET', '/users/@me', { auth: alice })).body.avatar, null);
    const n = Number((BigInt(alice.id) >> 22n) % 6n);
    for (const page of [a, b]) {
      await eventually(async () => assert.equal(await messageWith(page, 'avatar check').locator('.avatar-button img').getAttribute('src'), `/embed/avatars/${n}.png`), 'the default avatar again');
    }
  });

  test('someone without an avatar has the default one', async () => {
    const n = Number((BigInt(bob.id) >> 22n) % 6n);
    const img = a.locator(`.member[data-user-id="${bob.id}"] .avatar img`);
    await eventually(async () => assert.equal(await img.getAttribute('src'), `/embed/avatars/${n}.png`), 'the default avatar');
    await eventually(async () => assert.ok(await img.evaluate((el: any) => el.complete && el.naturalWidth > 0), 'not loaded yet'), 'the default avatar loaded');
    await server.request('POST', `/channels/${channelId}/messages`, { auth: bob, body: { content: 'no avatar here' } });
    const mine = messageWith(a, 'no avatar here').locator('.avatar-button img');
    await eventually(async () => assert.equal(await mine.getAttribute('src'), `/embed/avatars/${n}.png`), 'on the message too');
  });

  test('a page reached by another host name loads attachments from its own origin', async () => {
    // The server builds attachment URLs on http://127.0.0.1:PORT; this page is http://localhost:PORT.
    const { ctx, page } = await openAs(bob, server.url.replace('127.0.0.1', 'localhost'));
    try {
      const img = messageWith(page, 'look at this').locator('.attachment.image img');
      await img.waitFor();
      const src = (await img.getAttribute('src'))!;
      assert.ok(src.startsWith(server.url.replace('127.0.0.1', 'localhost')), src);
      await eventually(async () => assert.ok(await img.evaluate((el: any) => el.complete && el.naturalWidth === 480), 'not loaded yet'), 'the preview loaded');
    } finally {
      await ctx.close();
    }
  });
});
