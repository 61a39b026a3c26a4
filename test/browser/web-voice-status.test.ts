/**
 * Voice channel status in the web client, in Chromium against a real Accord: the owner sets a voice channel's status
 * from its chat header (Set Channel Status); it shows there and under the channel's name, for a member's open tab
 * at once (VOICE_CHANNEL_STATUS_UPDATE) and for a tab opened later (op 43's CHANNEL_INFO); a member without the
 * permissions has no button; clearing it removes it everywhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { addMember } from '../integration/fixtures.guilds.ts';

describe('web client: voice channel status', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let member: TestUser;
  let guild: any;
  let voice: any;
  let general: any;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`host_${stamp}`);
    member = await server.register(`guest_${stamp}`);
    guild = await server.createGuild(owner, 'Hangout');
    await addMember(server, guild.id, member);
    voice = (await server.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Lounge', type: 2 } })).body;
    general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const sidebarStatus = (page: Page) => page.getByTestId(`voice-status-${voice.id}`);

  test('set from the chat header, seen live and on a later visit, cleared everywhere', async () => {
    const watcher = await openAs(browser, member, `${server.url}/channels/${guild.id}/${general.id}`);
    await watcher.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    const a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${voice.id}`);
    await a.locator('.chat-header h1').filter({ hasText: 'Lounge' }).waitFor();
    await a.getByRole('button', { name: 'Set Channel Status' }).click();
    const dialog = a.getByRole('dialog', { name: 'Set a channel status' });
    await dialog.getByLabel("What's happening in Lounge?").fill('Movie night 🍿');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => assert.equal(await a.getByTestId('voice-status').innerText(), 'Movie night 🍿'), 'the header status');
    await eventually(async () => assert.equal(await sidebarStatus(a).innerText(), 'Movie night 🍿'), 'the sidebar status');
    assert.equal((await server.store.channels.get(voice.id))?.voiceStatus, 'Movie night 🍿');

    // The member's open tab hears of it; a tab opened now asks for it (op 43).
    await eventually(async () => assert.equal(await sidebarStatus(watcher).innerText(), 'Movie night 🍿'), 'the live update');
    const later = await openAs(browser, member, `${server.url}/channels/${guild.id}/${voice.id}`);
    await eventually(async () => assert.equal(await sidebarStatus(later).innerText(), 'Movie night 🍿'), 'the status on a later visit');
    assert.equal(await later.getByTestId('voice-status').innerText(), 'Movie night 🍿');
    assert.equal(await later.getByRole('button', { name: 'Set Channel Status' }).count(), 0, 'no button without the permissions');

    await a.getByRole('button', { name: 'Set Channel Status' }).click();
    await a.getByRole('dialog', { name: 'Set a channel status' }).getByRole('button', { name: 'Clear Status' }).click();
    await sidebarStatus(a).waitFor({ state: 'detached' });
    await sidebarStatus(watcher).waitFor({ state: 'detached' });
    await later.getByTestId('voice-status').waitFor({ state: 'detached' });
    assert.equal((await server.store.channels.get(voice.id))?.voiceStatus ?? null, null);
  });
});
