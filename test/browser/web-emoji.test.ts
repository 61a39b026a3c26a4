/**
 * The web client's emoji (issue #12, "Missing: Emoji"), in Chromium against a real Accord: the emoji picker from
 * the composer (search, keyboard, insertion at the cursor, Escape back to its button, fits a 320 px phone) and
 * from a message's "Add reaction" (through the quick row's "More emoji"); skin tones applied and remembered;
 * recently used first; only emoji the server accepts, each in the form it stores; the picker and its data out
 * of the first-screen bundle; and emoji drawn, in colour, with the bundled Noto Color Emoji (only the subsets a
 * page draws are fetched, served as fonts with an immutable cache header).
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Request, Response } from 'playwright-core';
import { unicodeEmoji } from '../../src/api/messages/reaction-emoji.ts';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, REPO, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

// The functions passed to page.evaluate run in the browser; the test's own tsconfig has no DOM types.
declare const document: any;
declare const localStorage: any;
declare function getComputedStyle(el: unknown): any;
type HTMLElement = any;

const messageWith = (page: Page, text: string) => page.locator('.history .message', { hasText: text });
const composer = (page: Page) => page.locator('#composer');
const picker = (page: Page, name = 'Emoji picker') => page.getByRole('dialog', { name });
const active = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { id: el?.id ?? '', label: el?.getAttribute('aria-label') ?? '', role: el?.getAttribute('role') ?? '', emoji: el?.dataset.emoji ?? '' };
  });
/** The emoji of the grid's cells, in order. */
const cells = (page: Page) => page.locator('[role="dialog"] [role="gridcell"]').evaluateAll((els: HTMLElement[]) => els.map((e) => e.dataset.emoji as string));
/** Names of the picker's JS chunks and of the emoji data's (vite names a chunk after its module). */
const PICKER_CHUNK = /\/assets\/(EmojiPicker|compact|github|emojibase)-[\w-]+\.js$/;

describe('web client: emoji picker, skin tones, recents, reactions and the emoji font', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;
  let a: Page;
  let b: Page;
  const requests: string[] = [];
  const responses: Response[] = [];

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const channelPath = () => `/channels/${guild.id}/${general.id}`;

  async function open(user: TestUser, viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(TIMEOUT);
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), user.token);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# [${user.username}] page error: ${err.message}`));
    return page;
  }

  /** Opens the composer's picker by keyboard and waits for its search box to have focus. */
  async function openComposerPicker(page: Page) {
    await page.getByRole('button', { name: 'Select emoji' }).focus();
    await page.keyboard.press('Enter');
    await picker(page).getByRole('searchbox', { name: 'Search emoji' }).waitFor();
    await eventually(async () => assert.equal((await active(page)).label, 'Search emoji'), 'focus in the search box');
  }

  /** Sends what the composer holds (Enter) and returns the message as the server stored it. */
  async function sendFromComposer(page: Page, text: string) {
    // The message shows at once (pending): wait for the POST's answer before reading it back over REST.
    const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/channels/${general.id}/messages`), { timeout: 30_000 });
    await composer(page).press('Enter');
    await messageWith(page, text).waitFor();
    assert.equal((await created).status(), 200);
    const list = await api('GET', `/channels/${general.id}/messages?limit=5`, alice);
    return list.find((m: any) => m.content === text);
  }

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`amelie_${stamp}`);
    bob = await server.register(`bruno_${stamp}`);
    guild = await server.createGuild(alice, 'Emoji Club');
    await server.join(alice, guild.id, bob);
    general = (await api('GET', `/guilds/${guild.id}/channels`, alice)).find((c: any) => c.type === 0);
    await api('POST', `/channels/${general.id}/messages`, bob, { content: 'react to me' });
    a = await open(alice);
    a.on('request', (r: Request) => requests.push(r.url()));
    a.on('response', (r: Response) => responses.push(r));
    await a.goto(`${server.url}${channelPath()}`);
    b = await open(bob);
    await b.goto(`${server.url}${channelPath()}`);
    for (const p of [a, b]) await messageWith(p, 'react to me').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the first screen carries no picker and no emoji data; opening the picker fetches them', async () => {
    await a.waitForLoadState('networkidle');
    assert.deepEqual(requests.filter((u) => PICKER_CHUNK.test(u)), [], 'nothing of the picker before it is opened');
    // A screen without emoji fetches none of the emoji font's subsets (the @font-face rules are only CSS).
    assert.deepEqual(requests.filter((u) => /\.woff2?$/.test(u)), [], 'no font file for a screen without emoji');
    // Nor is the data folded into what did load: no script of the first screen holds emojibase's names.
    const scripts = responses.filter((r) => r.request().resourceType() === 'script');
    assert.ok(scripts.length > 0);
    for (const r of scripts) assert.ok(!(await r.text()).includes('regional indicator A'), `${r.url()} holds no emoji data`);

    await openComposerPicker(a);
    for (const chunk of ['EmojiPicker', 'compact']) assert.ok(requests.some((u) => new RegExp(`/assets/${chunk}-[\\w-]+\\.js$`).test(u)), `${chunk} chunk fetched on opening`);
    await a.keyboard.press('Escape');
  });

  test('composer: search "thumbs", pick with the keyboard, the emoji goes in at the cursor and is sent', async () => {
    await composer(a).fill('nice  one');
    await composer(a).evaluate((el: HTMLElement) => el.setSelectionRange(5, 5));
    await openComposerPicker(a);
    await a.keyboard.type('thumbs');
    await eventually(async () => assert.deepEqual((await cells(a)).slice(0, 2), ['👍', '👎']), 'thumbs up, then thumbs down');
    await a.keyboard.press('ArrowDown');
    assert.deepEqual(await active(a), { id: '', label: 'thumbs up', role: 'gridcell', emoji: '👍' });
    await a.keyboard.press('ArrowRight');
    assert.equal((await active(a)).label, 'thumbs down');
    await a.keyboard.press('ArrowLeft');
    await a.keyboard.press('Enter');
    await picker(a).waitFor({ state: 'detached' });
    // emojibase writes thumbs up with a stray U+FE0F; what goes in is the form the server stores.
    assert.equal(await composer(a).inputValue(), 'nice 👍 one');
    await eventually(async () => assert.equal((await active(a)).id, 'composer'), 'back to typing');
    assert.equal(await composer(a).evaluate((el: HTMLElement) => el.selectionStart), 'nice 👍'.length, 'caret after the emoji');

    const stored = await sendFromComposer(a, 'nice 👍 one');
    assert.ok(stored, 'the message as typed');
    await messageWith(b, 'nice 👍 one').waitFor();

    // Enter in the search box picks the first match.
    await openComposerPicker(a);
    await a.keyboard.type(':tada:');
    await eventually(async () => assert.equal((await cells(a))[0], '🎉'), 'tada first');
    await a.keyboard.press('Enter');
    assert.equal(await composer(a).inputValue(), '🎉');
    await sendFromComposer(a, '🎉');
  });

  test('Escape closes the picker and returns focus to its button; the picker fits a 320 px phone', async () => {
    await openComposerPicker(a);
    await a.keyboard.press('Tab'); // the skin tone button
    await a.keyboard.press('Tab'); // the selected category tab
    assert.equal((await active(a)).role, 'tab');
    await a.keyboard.press('Escape');
    await picker(a).waitFor({ state: 'detached' });
    assert.equal((await active(a)).label, 'Select emoji');

    const phone = await open(alice, { width: 320, height: 640 });
    await phone.goto(`${server.url}${channelPath()}`);
    await messageWith(phone, 'react to me').waitFor();
    await phone.getByRole('button', { name: 'Select emoji' }).click();
    await picker(phone).getByRole('gridcell').first().waitFor();
    const box = (await picker(phone).boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= 320 && box.y >= 0 && box.y + box.height <= 640, `on screen: ${JSON.stringify(box)}`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'nothing scrolls sideways');
    await phone.context().close();
  });

  test('skin tone: chosen with the keyboard, applied to emoji that take one, remembered', async () => {
    await openComposerPicker(a);
    const toneButton = picker(a).getByRole('button', { name: /^Skin tone/ });
    assert.equal(await toneButton.getAttribute('aria-label'), 'Skin tone: Default skin tone');
    await toneButton.click();
    await eventually(async () => assert.equal((await active(a)).label, 'Default skin tone'), 'focus on the current tone');
    for (let i = 0; i < 4; i++) await a.keyboard.press('ArrowRight');
    assert.equal((await active(a)).label, 'Medium-dark skin tone');
    await a.keyboard.press('Enter');
    assert.equal(await toneButton.getAttribute('aria-label'), 'Skin tone: Medium-dark skin tone');
    assert.equal((await active(a)).label, 'Skin tone: Medium-dark skin tone', 'focus back on the tone button');

    await picker(a).getByRole('tab', { name: 'People & Body' }).click();
    const people = await cells(a);
    assert.ok(people.includes('👋🏾') && !people.includes('👋'), 'waving hand in the tone');
    assert.ok(people.includes('🧑🏾‍🤝‍🧑🏾') && !people.includes('🧑🏻‍🤝‍🧑🏾'), 'a two-person emoji takes the tone on both');
    await picker(a).getByRole('tab', { name: 'Smileys & Emotion' }).click();
    assert.ok((await cells(a)).includes('😂'), 'faces take no tone');

    await picker(a).getByRole('searchbox').fill('thumbs up');
    await eventually(async () => assert.equal((await cells(a))[0], '👍🏾'), 'thumbs up in the tone');
    assert.equal(await picker(a).getByRole('gridcell').first().getAttribute('aria-label'), 'thumbs up: medium-dark skin tone');
    await a.keyboard.press('Escape');

    // A new page: the tone is remembered.
    await a.reload();
    await messageWith(a, 'react to me').waitFor();
    assert.equal(await a.evaluate(() => localStorage.getItem('accord.emoji.skinTone')), '4');
    await openComposerPicker(a);
    assert.equal(await picker(a).getByRole('button', { name: /^Skin tone/ }).getAttribute('aria-label'), 'Skin tone: Medium-dark skin tone');
    await a.keyboard.type('wave');
    await eventually(async () => assert.equal((await cells(a))[0], '👋🏾'), 'wave in the remembered tone');
    await a.keyboard.press('Enter');
    assert.equal(await composer(a).inputValue(), '👋🏾');
    await sendFromComposer(a, '👋🏾');
  });

  test('recently used: shown first, the last pick first', async () => {
    await openComposerPicker(a);
    const recentTab = picker(a).getByRole('tab', { name: 'Recently used' });
    assert.equal(await recentTab.getAttribute('aria-selected'), 'true', 'opens on the recently used');
    assert.equal(await picker(a).getByRole('tab').first().getAttribute('aria-label'), 'Recently used', 'the first tab');
    assert.deepEqual((await cells(a)).slice(0, 3), ['👋🏾', '🎉', '👍']);

    await a.keyboard.type('rocket');
    await eventually(async () => assert.equal((await cells(a))[0], '🚀'), 'rocket');
    await a.keyboard.press('Enter');
    await composer(a).fill('');
    await openComposerPicker(a);
    assert.deepEqual((await cells(a)).slice(0, 4), ['🚀', '👋🏾', '🎉', '👍']);
    await a.keyboard.press('Escape');
  });

  test('react through the picker: the reaction appears, in the form the server stores', async () => {
    // By keyboard: the message, its actions, "Add reaction", the quick row's "More emoji".
    const target = messageWith(a, 'react to me');
    await target.focus();
    await a.keyboard.press('Enter');
    assert.equal((await active(a)).label, 'Add reaction');
    await a.keyboard.press('Enter');
    assert.equal((await active(a)).label, 'React with 👍', 'the quick row first');
    await a.keyboard.press('End');
    assert.equal((await active(a)).label, 'More emoji');
    await a.keyboard.press('Enter');
    const dialog = picker(a, 'Pick a reaction');
    await dialog.getByRole('searchbox').waitFor();
    await eventually(async () => assert.equal((await active(a)).label, 'Search emoji'), 'focus in the search box');
    // emojibase writes the dog with a stray U+FE0F (🐕️), which the server would refuse as a reaction.
    await a.keyboard.type(':dog2:');
    await eventually(async () => assert.equal(await dialog.getByRole('gridcell').first().getAttribute('aria-label'), 'dog'), 'dog');
    await a.keyboard.press('ArrowDown');
    await a.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await active(a)).label, 'Add reaction', 'focus back on the button');

    for (const p of [a, b]) await messageWith(p, 'react to me').getByRole('button', { name: /^🐕 reaction, 1/ }).waitFor();
    const id = await target.getAttribute('data-message-id');
    const stored = await api('GET', `/channels/${general.id}/messages/${id}`, alice);
    assert.deepEqual(stored.reactions.map((r: any) => r.emoji.name), ['🐕']);
    assert.equal(unicodeEmoji('🐕️'), null, "the server refuses emojibase's own form: the picker's normalising matters");

    // With the mouse, and Escape from the full picker returns to "Add reaction".
    await target.hover();
    await target.getByRole('button', { name: 'Add reaction' }).click();
    await a.getByRole('menuitem', { name: 'More emoji' }).click();
    await dialog.getByRole('tab', { name: 'Smileys & Emotion' }).click();
    await dialog.getByRole('gridcell', { name: 'red heart', exact: true }).click();
    await messageWith(b, 'react to me').getByRole('button', { name: /^❤️ reaction, 1/ }).waitFor();
    const after = await api('GET', `/channels/${general.id}/messages/${id}`, alice);
    assert.deepEqual(after.reactions.map((r: any) => r.emoji.name), ['🐕', '❤️']);
    await target.hover();
    await target.getByRole('button', { name: 'Add reaction' }).click();
    await a.getByRole('menuitem', { name: 'More emoji' }).click();
    await dialog.getByRole('searchbox').waitFor();
    await a.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await active(a)).label, 'Add reaction');
  });

  test('every emoji the picker offers, in every skin tone, is one the server accepts in the form it stores', async () => {
    await openComposerPicker(a);
    const dialog = picker(a);
    const toneButton = dialog.getByRole('button', { name: /^Skin tone/ });
    const offered = new Set<string>();
    const tones = ['Default skin tone', 'Light skin tone', 'Medium-light skin tone', 'Medium skin tone', 'Medium-dark skin tone', 'Dark skin tone'];
    for (const tone of tones) {
      await toneButton.click();
      await dialog.getByRole('option', { name: tone, exact: true }).click();
      for (const group of ['Smileys & Emotion', 'People & Body', 'Animals & Nature', 'Food & Drink', 'Travel & Places', 'Activities', 'Objects', 'Symbols', 'Flags']) {
        await dialog.getByRole('tab', { name: group }).click();
        await eventually(async () => assert.equal(await dialog.getByRole('tabpanel').getAttribute('aria-label'), group), group);
        for (const e of await cells(a)) offered.add(e);
      }
    }
    assert.ok(offered.size > 3000, `the whole set in every tone (${offered.size})`);
    const refused = [...offered].filter((e) => unicodeEmoji(e) !== e);
    assert.deepEqual(refused, [], 'accepted as they are, fully qualified');
    // Back to the default tone for whatever runs next.
    await toneButton.click();
    await dialog.getByRole('option', { name: 'Default skin tone', exact: true }).click();
    await a.keyboard.press('Escape');
  });

  test('emoji are drawn in colour with the bundled Noto Color Emoji, whose subsets are served as fonts', async () => {
    await api('POST', `/channels/${general.id}/messages`, bob, { content: 'thumbs 👍 here' });
    const hearts = await api('POST', `/channels/${general.id}/messages`, bob, { content: 'hearts ❤️ and ☺️ and ✈️ 123' });
    await api('PUT', `/channels/${general.id}/messages/${hearts.id}/reactions/${encodeURIComponent('🎉')}/@me`, bob);
    // A new browser context: nothing of the font is loaded or cached, so the messages are drawn before it arrives.
    const fresh = await open(alice);
    const fonts: Response[] = [];
    fresh.on('response', (r: Response) => /\/assets\/noto-color-emoji-[\w-]+\.woff2?$/.test(r.url()) && fonts.push(r));
    await fresh.goto(`${server.url}${channelPath()}`);
    await messageWith(fresh, 'hearts').getByRole('button', { name: /^🎉 reaction, 1/ }).waitFor();

    // What Chromium actually drew each emoji with: the web font, not a system one, once it has arrived.
    const cdp = await fresh.context().newCDPSession(fresh);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const fontsOf = async (selector: string) => {
      const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
      assert.ok(nodeId, `${selector} is on the page`);
      return (await cdp.send('CSS.getPlatformFontsForNode', { nodeId })).fonts as { familyName: string; isCustomFont: boolean; glyphCount: number }[];
    };
    // The element whose own text holds each message's emoji, marked for a selector.
    await fresh.evaluate(() => {
      for (const [text, mark] of [['👍', 'data-test-thumbs'], ['❤', 'data-test-hearts']])
        for (const el of document.querySelectorAll('.message-content, .message-content *'))
          if ([...el.childNodes].some((n: any) => n.nodeType === 3 && n.textContent.includes(text))) el.setAttribute(mark, '');
      // The last of the marked (the messages of this test are the newest).
      for (const mark of ['data-test-thumbs', 'data-test-hearts']) {
        const all = document.querySelectorAll(`[${mark}]`);
        for (let i = 0; i < all.length - 1; i++) all[i].removeAttribute(mark);
      }
    });
    const noto = (fonts: { familyName: string; isCustomFont: boolean; glyphCount: number }[]) => fonts.find((f) => f.familyName === 'Noto Color Emoji' && f.isCustomFont)?.glyphCount ?? 0;
    await eventually(async () => {
      const thumbs = await fontsOf('[data-test-thumbs]');
      assert.equal(noto(thumbs), 1, `👍 in message text: ${JSON.stringify(thumbs)}`);
      assert.ok(thumbs.some((f) => f.familyName !== 'Noto Color Emoji'), `letters keep a text font: ${JSON.stringify(thumbs)}`);
      // ❤ ☺ ✈ have monochrome glyphs in common system fonts (DejaVu Sans here); as emoji (U+FE0F) they are Noto's.
      const hearts = await fontsOf('[data-test-hearts]');
      assert.equal(noto(hearts), 3, `emoji with text-default characters: ${JSON.stringify(hearts)}`);
    }, 'message emoji drawn with Noto Color Emoji');
    await eventually(async () => {
      const reaction = await fontsOf('.messages > .message:last-child .reaction > span[aria-hidden="true"]');
      assert.deepEqual(reaction.map((f) => f.familyName), ['Noto Color Emoji'], 'the reaction');
    }, 'the reaction drawn with Noto Color Emoji');

    // Drawn in colour, not blank: the package's subset .woff2 files hold only SVG glyphs, which Chromium leaves
    // empty; the .woff files used hold COLRv1 ones. Black ink, so only the font's own colours count.
    const coloured = await fresh.evaluate(async () => {
      const family = getComputedStyle(document.querySelector('.reaction > span[aria-hidden="true"]')).fontFamily;
      await document.fonts.load(`48px ${family}`, '👍');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 64;
      const ctx = canvas.getContext('2d');
      ctx.font = `48px ${family}`;
      ctx.textBaseline = 'top';
      ctx.fillStyle = '#000';
      ctx.fillText('👍', 4, 4);
      const px = ctx.getImageData(0, 0, 64, 64).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 64) n++;
      return n;
    });
    assert.ok(coloured > 200, `👍 drawn in colour (${coloured} coloured pixels)`);

    // The subsets are the package's own, range for range.
    const norm = (r: string) => r.toUpperCase().replace(/\s+/g, '');
    const packaged = [...readFileSync(path.join(REPO, 'node_modules/@fontsource/noto-color-emoji/400.css'), 'utf8').matchAll(/unicode-range:\s*([^;]+);/g)].map((m) => norm(m[1]!)).sort();
    const declared = (await fresh.evaluate(() => [...document.fonts].filter((f: any) => f.family.replace(/"/g, '') === 'Noto Color Emoji').map((f: any) => f.unicodeRange as string))).map(norm).sort();
    assert.deepEqual(declared, packaged);

    assert.ok(fonts.length > 0, 'font subsets fetched');
    for (const r of fonts) {
      assert.equal(r.status(), 200);
      assert.equal(r.headers()['content-type'], r.url().endsWith('.woff2') ? 'font/woff2' : 'font/woff');
      assert.equal(r.headers()['cache-control'], 'public, max-age=31536000, immutable');
    }
    await fresh.context().close();
  });
});
