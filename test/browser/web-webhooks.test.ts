/**
 * Webhooks in the web client, in Chromium against a real Accord: Server Settings → Integrations → New Webhook makes
 * one in a text channel under Discord's default name; it is renamed and moved to another channel; its URL (shown
 * and copyable) posts a message that appears in that channel under the webhook's name; Delete Webhook removes it
 * after a confirmation, and its URL stops working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: webhooks', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let guild: any;
  let general: any;
  let releases: any;
  let a: Page;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`hooker_${Date.now().toString(36)}`);
    guild = await server.createGuild(owner, 'Hook Club');
    general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    releases = (await server.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'releases', type: 0 } })).body;
    a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${releases.id}`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('New Webhook, rename and move it, post through its URL, delete it', async () => {
    await a.getByRole('button', { name: 'Hook Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    const dialog = a.getByRole('dialog', { name: /Server Settings/ });
    await dialog.getByRole('tab', { name: 'Integrations' }).click();
    const section = dialog.getByRole('region', { name: 'Webhooks' });
    await section.getByRole('button', { name: 'New Webhook' }).click();
    const name = section.getByLabel('Name of Captain Hook');
    await name.waitFor();
    const [hook] = (await server.request('GET', `/guilds/${guild.id}/webhooks`, { auth: owner })).body;
    assert.equal(hook.channel_id, general.id, 'made in the first text channel');

    await name.fill('Deploys');
    await section.getByLabel('Channel of Captain Hook').selectOption({ label: '#releases' });
    await section.getByRole('button', { name: 'Save Changes' }).click();
    await eventually(async () => {
      const saved = (await server.request('GET', `/webhooks/${hook.id}`, { auth: owner })).body;
      assert.deepEqual([saved.name, saved.channel_id], ['Deploys', releases.id]);
    }, 'renamed and moved');

    // The URL shown posts into #releases, where the message appears under the webhook's name.
    const url = await section.getByLabel('URL of Deploys').inputValue();
    assert.equal(url, `${server.url}/api/webhooks/${hook.id}/${hook.token}`);
    const posted = await fetch(`${url}?wait=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'v1.2 is out' }) });
    assert.equal(posted.status, 200);
    await dialog.getByRole('button', { name: 'Close' }).click();
    const message = a.locator('.history .message', { hasText: 'v1.2 is out' });
    await message.waitFor();
    assert.match(await message.innerText(), /Deploys/);

    await a.getByRole('button', { name: 'Hook Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    await dialog.getByRole('tab', { name: 'Integrations' }).click();
    await section.getByRole('button', { name: 'Delete Webhook' }).click();
    await a.getByRole('dialog', { name: 'Delete Deploys' }).getByRole('button', { name: 'Delete' }).click();
    await section.getByText('No webhooks yet.').waitFor();
    assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'gone?' }) })).status, 404);
  });

  test('a member who may only manage webhooks gets Server Settings with Integrations, and gives a webhook an avatar', async () => {
    const hooker = await server.register(`only_hooks_${Date.now().toString(36)}`);
    await server.join(owner, guild.id, hooker);
    const role = (await server.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'hooks', permissions: String(1n << 29n) } })).body;
    assert.equal((await server.request('PUT', `/guilds/${guild.id}/members/${hooker.id}/roles/${role.id}`, { auth: owner })).status, 204);
    const made = (await server.request('POST', `/channels/${general.id}/webhooks`, { auth: owner, body: { name: 'Alerts' } })).body;
    const b = await openAs(browser, hooker, `${server.url}/channels/${guild.id}/${general.id}`);
    await b.getByRole('button', { name: 'Hook Club server menu' }).click();
    await b.getByRole('menuitem', { name: 'Server Settings' }).click();
    const dialog = b.getByRole('dialog', { name: /Server Settings/ });
    await dialog.getByRole('tab', { name: 'Integrations' }).click();
    const section = dialog.getByRole('region', { name: 'Webhooks' });
    await section.getByLabel('Name of Alerts').waitFor();
    assert.equal(await dialog.getByRole('list', { name: 'Bots' }).count(), 0, 'no bot management without Manage Server');
    const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#2196f3' } }).png().toBuffer();
    await section.locator('input[type="file"][aria-label="Change avatar of Alerts"]').setInputFiles({ name: 'alerts.png', mimeType: 'image/png', buffer: png });
    await section.getByRole('button', { name: 'Save Changes' }).click();
    await eventually(async () => {
      const saved = (await server.request('GET', `/webhooks/${made.id}`, { auth: owner })).body;
      assert.match(saved.avatar ?? '', /^[0-9a-f]{32}$/);
    }, 'the avatar saved');
    const saved = (await server.request('GET', `/webhooks/${made.id}`, { auth: owner })).body;
    await eventually(async () => assert.match((await section.locator('img').first().getAttribute('src')) ?? '', new RegExp(`/avatars/${made.id}/${saved.avatar}`)), 'the new avatar shown');
  });
});
