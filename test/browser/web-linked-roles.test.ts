/**
 * Linked roles in the web client, in Chromium against a real Accord: a developer writes an application's role
 * connection metadata in My Applications → the application → Linked Roles (two records, saved whole); a user who
 * authorized the app with `role_connections.write` sees, under User Settings → Authorized Apps, the connection the
 * app reported for them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

const REDIRECT = 'https://chess.example/callback';

describe('web client: linked roles', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let dev: TestUser;
  let player: TestUser;
  let app: any;
  let secret: string;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    dev = await server.register(`dev_${Date.now().toString(36)}`);
    player = await server.register(`player_${Date.now().toString(36)}`);
    app = (await server.request('POST', '/applications', { auth: dev, body: { name: 'Chess Club' } })).body;
    assert.equal((await server.request('PATCH', `/applications/${app.id}`, { auth: dev, body: { redirect_uris: [REDIRECT] } })).status, 200);
    secret = (await server.request('POST', `/applications/${app.id}/reset`, { auth: dev })).body.secret;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the developer saves two metadata records; the player sees the connection the app reported', async () => {
    const a = await openAs(browser, dev, `${server.url}/channels/@me`);
    await a.getByRole('button', { name: 'User settings' }).click();
    const settings = a.getByRole('dialog', { name: 'User Settings' });
    await settings.getByRole('tab', { name: 'My Applications' }).click();
    await settings.getByRole('list', { name: 'My applications' }).getByRole('button', { name: /Chess Club/ }).click();
    const section = settings.getByRole('region', { name: 'Linked Roles' });
    await section.getByRole('button', { name: 'Add Record' }).click();
    await section.getByLabel('Key of record 1').fill('rating');
    await section.getByLabel('Name of record 1').fill('Rating');
    await section.getByLabel('Description of record 1').fill('Rating at least');
    await section.getByLabel('Type of record 1').selectOption({ label: 'Number at least' });
    await section.getByRole('button', { name: 'Add Record' }).click();
    await section.getByLabel('Key of record 2').fill('titled');
    await section.getByLabel('Name of record 2').fill('Titled');
    await section.getByLabel('Description of record 2').fill('Holds a title');
    await section.getByLabel('Type of record 2').selectOption({ label: 'Boolean is true' });
    await section.getByRole('button', { name: 'Save Linked Roles' }).click();
    await section.getByText('Linked roles saved.').waitFor();
    const records = (await server.request('GET', `/applications/${app.id}/role-connections/metadata`, { auth: dev })).body;
    assert.deepEqual(records.map((r: any) => [r.key, r.type, r.name]), [['rating', 2, 'Rating'], ['titled', 7, 'Titled']]);

    // The player authorizes the app (over REST: the consent page has its own browser test), which reports the connection.
    const consent = await server.request('POST', `/oauth2/authorize?response_type=code&client_id=${app.id}&scope=${encodeURIComponent('identify role_connections.write')}&redirect_uri=${encodeURIComponent(REDIRECT)}`, { auth: player, body: { authorize: true } });
    const code = new URL(consent.body.location).searchParams.get('code')!;
    const tokenRes = await fetch(`${server.url}/api/v10/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.id}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }).toString(),
    });
    const { access_token: token } = (await tokenRes.json()) as any;
    const put = await server.request('PUT', `/users/@me/applications/${app.id}/role-connection`, { auth: `Bearer ${token}`, body: { platform_name: 'Chess Club', platform_username: 'knight42', metadata: { rating: '2150', titled: '1' } } });
    assert.equal(put.status, 200, JSON.stringify(put.body));

    const b = await openAs(browser, player, `${server.url}/channels/@me`);
    await b.getByRole('button', { name: 'User settings' }).click();
    const mine = b.getByRole('dialog', { name: 'User Settings' });
    await mine.getByRole('tab', { name: 'Authorized Apps' }).click();
    const row = mine.getByRole('list', { name: 'Authorized apps' }).locator(`[data-application-id="${app.id}"]`);
    await row.waitFor();
    await eventually(async () => assert.match(await row.innerText(), /Connected as knight42 on Chess Club/), 'the connection shown');
    assert.match(await row.innerText(), /Update your connection and metadata for this app/);
  });
});
