/**
 * The soundboard in the web client, in Chromium against a real Accord: the owner uploads an MP3 in Server Settings →
 * Soundboard with a volume and an emoji, plays it (the file is fetched from /soundboard-sounds/{id}) and renames it;
 * a member given Create Expressions uploads one of their own and sees no Delete on the owner's; the owner deletes
 * theirs. A sound too long is refused with the server's message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { mp3Of, oggOf } from '../helpers/sounds.ts';

describe('web client: soundboard', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let member: TestUser;
  let guild: any;
  let general: any;

  const openSoundboard = async (page: Page) => {
    await page.getByRole('button', { name: 'Sound Club server menu' }).click();
    await page.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = page.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Soundboard' }).click();
    return settings.getByRole('region', { name: 'Soundboard' });
  };

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`dj_${Date.now().toString(36)}`);
    member = await server.register(`fan_${Date.now().toString(36)}`);
    guild = await server.createGuild(owner, 'Sound Club');
    await server.join(owner, guild.id, member);
    general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('upload with a volume and an emoji, play, rename; a member adds their own; delete', async () => {
    const a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${general.id}`);
    const board = await openSoundboard(a);
    await board.getByText('No sounds yet.').waitFor();
    // Too long first: the server's refusal shows.
    await board.locator('input[type="file"]').setInputFiles({ name: 'speech.mp3', mimeType: 'audio/mpeg', buffer: mp3Of(8) });
    await board.getByRole('button', { name: 'Upload Sound' }).click();
    await board.getByRole('alert').waitFor();
    assert.match(await board.getByRole('alert').innerText(), /Invalid Asset|invalid/i);
    await board.getByLabel('Sound name').fill('');

    await board.locator('input[type="file"]').setInputFiles({ name: 'trumpet_call.mp3', mimeType: 'audio/mpeg', buffer: mp3Of(2) });
    assert.equal(await board.getByLabel('Sound name').inputValue(), 'trumpet call');
    await board.getByLabel('Sound volume').fill('40');
    await board.getByLabel('Sound emoji').fill('🎺');
    await board.getByRole('button', { name: 'Upload Sound' }).click();
    const play = board.getByRole('button', { name: 'Play sound trumpet call' });
    await play.waitFor();
    const [sound] = (await server.request('GET', `/guilds/${guild.id}/soundboard-sounds`, { auth: owner })).body.items;
    assert.deepEqual([sound.name, sound.volume, sound.emoji_name], ['trumpet call', 0.4, '🎺']);
    assert.match(await board.locator('.sound-row').innerText(), /Volume 40%/);
    const fetched = a.waitForRequest((r) => r.url().endsWith(`/soundboard-sounds/${sound.sound_id}`));
    await play.click();
    await fetched;
    // Rename in place.
    const nameBox = board.getByRole('textbox', { name: 'Name of sound trumpet call' });
    await nameBox.fill('fanfare');
    await nameBox.press('Enter');
    await eventually(async () => assert.equal((await server.request('GET', `/guilds/${guild.id}/soundboard-sounds/${sound.sound_id}`, { auth: owner })).body.name, 'fanfare'), 'renamed');

    // A member given Create Expressions adds an Ogg sound; the owner's has no Delete for them.
    const role = (await server.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'creators', permissions: String(1n << 43n) } })).body;
    assert.equal((await server.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${role.id}`, { auth: owner })).status, 204);
    const b = await openAs(browser, member, `${server.url}/channels/${guild.id}/${general.id}`);
    const theirs = await openSoundboard(b);
    await theirs.getByRole('button', { name: 'Play sound fanfare' }).waitFor();
    await theirs.locator('input[type="file"]').setInputFiles({ name: 'bell.ogg', mimeType: 'audio/ogg', buffer: oggOf(1) });
    await theirs.getByRole('button', { name: 'Upload Sound' }).click();
    await theirs.getByRole('button', { name: 'Delete sound bell' }).waitFor();
    assert.equal(await theirs.getByRole('button', { name: 'Delete sound fanfare' }).count(), 0);

    await a.keyboard.press('Escape');
    const again = await openSoundboard(a);
    await again.getByRole('button', { name: 'Delete sound fanfare' }).click();
    await again.getByRole('button', { name: 'Play sound bell' }).waitFor();
    await eventually(async () => assert.equal(await again.getByRole('button', { name: 'Play sound fanfare' }).count(), 0), 'gone from the list');
    const left = (await server.request('GET', `/guilds/${guild.id}/soundboard-sounds`, { auth: owner })).body.items;
    assert.deepEqual(left.map((s: any) => s.name), ['bell']);
  });
});
