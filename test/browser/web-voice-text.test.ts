/**
 * Text chat in voice channels in the web client, in Chromium against a real Accord: a voice channel opens its chat
 * from the sidebar, messages go both ways live, the channel shows unread for someone elsewhere, and its settings
 * set a slowmode that the other member's composer then lives with.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: text in voice channels', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let member: TestUser;
  let guild: any;
  let general: any;
  let voice: any;
  let a: Page;
  let b: Page;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`host_${stamp}`);
    member = await server.register(`guest_${stamp}`);
    guild = await server.createGuild(owner, 'Voice Club');
    await server.join(owner, guild.id, member);
    const channels = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body;
    general = channels.find((c: any) => c.type === 0);
    voice = channels.find((c: any) => c.type === 2);
    a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${general.id}`);
    b = await openAs(browser, member, `${server.url}/channels/${guild.id}/${general.id}`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const voiceLink = (page: Page) => page.locator(`.sidebar a[href$="/${voice.id}"]`);

  test("a voice channel's chat: opened from the sidebar, live both ways, unread for someone elsewhere", async () => {
    await voiceLink(a).click();
    await a.locator('.chat-header h1', { hasText: voice.name }).waitFor();
    const composer = a.getByRole('textbox', { name: `Message #${voice.name}` });
    await composer.fill('mic check');
    await composer.press('Enter');
    // Bob is in #general: the voice channel turns unread for him.
    await eventually(async () => assert.match((await voiceLink(b).getAttribute('aria-label')) ?? '', /voice channel .*, unread/), 'unread voice channel');
    await voiceLink(b).click();
    await b.locator('.history .message', { hasText: 'mic check' }).waitFor();
    await b.getByRole('textbox', { name: `Message #${voice.name}` }).fill('loud and clear');
    await b.getByRole('textbox', { name: `Message #${voice.name}` }).press('Enter');
    await a.locator('.history .message', { hasText: 'loud and clear' }).waitFor();
    const history = (await server.request('GET', `/channels/${voice.id}/messages`, { auth: owner })).body;
    assert.deepEqual(history.map((m: any) => m.content), ['loud and clear', 'mic check']);
  });

  test("the voice channel's settings set a slowmode", async () => {
    await voiceLink(a).hover();
    await a.getByRole('button', { name: `Edit channel ${voice.name}`, exact: true }).click();
    const dialog = a.getByRole('dialog', { name: /Channel Settings/ });
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('Channel topic').count(), 0, 'no topic for a voice channel');
    await dialog.getByLabel(/^Slowmode/).selectOption({ label: '30s' });
    await dialog.getByRole('button', { name: 'Save Changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(async () => assert.equal((await server.request('GET', `/channels/${voice.id}`, { auth: owner })).body.rate_limit_per_user, 30), 'slowmode saved');
  });
});
