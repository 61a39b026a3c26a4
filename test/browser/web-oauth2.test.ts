/**
 * OAuth2 in the web client, in Chromium against a real Accord: a developer resets the client secret (shown once)
 * and registers a redirect URI in My Applications; a user opens the application's authorize link, sees what it
 * asks for, and Authorize sends the browser to the redirect URI with a code and the state (the code then buys a
 * token that reads the user, until the user deauthorizes the app in User Settings → Authorized Apps); Cancel sends
 * access_denied; a bot's invite link lets a server manager pick a server
 * and adds the bot.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: OAuth2', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let dev: TestUser;
  let user: TestUser;
  let app: any;
  let redirect: string;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    dev = await server.register(`dev_${stamp}`);
    user = await server.register(`fan_${stamp}`);
    app = (await server.request('POST', '/applications', { auth: dev, body: { name: 'Stats Site' } })).body;
    // A page of this server, so that the browser can land on it: the SPA answers any path.
    redirect = `${server.url}/callback-from-oauth`;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the developer resets the secret and adds a redirect; a user authorizes and the code buys a token', async () => {
    const d = await openAs(browser, dev, `${server.url}/channels/@me`);
    await d.getByRole('button', { name: 'User settings' }).click();
    const settings = d.getByRole('dialog', { name: 'User Settings' });
    await settings.getByRole('tab', { name: 'My Applications' }).click();
    await settings.getByRole('list', { name: 'My applications' }).getByRole('button', { name: /Stats Site/ }).click();
    const oauth = settings.getByRole('region', { name: 'OAuth2' });
    assert.equal(await oauth.getByRole('textbox', { name: 'Client ID' }).inputValue(), app.id);
    await oauth.getByRole('button', { name: 'Reset Secret' }).click();
    const secretBox = oauth.getByRole('textbox', { name: 'Client Secret' });
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    assert.match(secret, /^[A-Za-z0-9_-]{32}$/);
    await oauth.getByLabel('Redirect URI').fill(redirect);
    await oauth.getByRole('button', { name: 'Add Redirect' }).click();
    await oauth.getByRole('list', { name: 'Redirects' }).getByText(redirect).waitFor();
    assert.deepEqual((await server.request('GET', `/applications/${app.id}`, { auth: dev })).body.redirect_uris, [redirect]);

    const u = await openAs(browser, user, `${server.url}/channels/@me`);
    const link = `${server.url}/oauth2/authorize?response_type=code&client_id=${app.id}&scope=identify%20guilds%20gdm.join&redirect_uri=${encodeURIComponent(redirect)}&state=s-123`;
    await u.goto(link);
    const consent = u.getByRole('region', { name: 'Authorize application' });
    await consent.getByRole('heading', { name: 'Stats Site' }).waitFor();
    const asked = await consent.getByRole('list', { name: 'Permissions asked for' }).innerText();
    assert.match(asked, /Access your username, avatar, and banner/);
    assert.match(asked, /Know what servers you're in/);
    assert.match(asked, /Join you to group DMs with the app/);
    // The request the browser makes to the redirect URI (the page there moves on by itself: the SPA answers it).
    const landing = u.waitForRequest((r) => r.url().startsWith(redirect));
    await consent.getByRole('button', { name: 'Authorize' }).click();
    const back = new URL((await landing).url());
    assert.equal(back.searchParams.get('state'), 's-123');
    const code = back.searchParams.get('code')!;
    const token = await fetch(`${server.url}/api/v10/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.id}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect }).toString(),
    }).then((r) => r.json() as Promise<any>);
    assert.equal(token.scope, 'identify guilds gdm.join');
    assert.equal((await server.request('GET', '/users/@me', { auth: `Bearer ${token.access_token}` })).body.id, user.id);

    // The user sees the app under Authorized Apps and deauthorizes it: the token stops working. (The redirect URI is
    // a page of this server, so the app is loaded there already.)
    await u.getByRole('button', { name: 'User settings' }).click();
    const userSettings = u.getByRole('dialog', { name: 'User Settings' });
    await userSettings.getByRole('tab', { name: 'Authorized Apps' }).click();
    const row = userSettings.getByRole('list', { name: 'Authorized apps' }).locator(`[data-application-id="${app.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Know what servers you're in/);
    await row.getByRole('button', { name: 'Deauthorize Stats Site' }).click();
    await userSettings.getByText('No apps have access to your account.').waitFor();
    assert.equal((await server.request('GET', '/users/@me', { auth: `Bearer ${token.access_token}` })).status, 401);

    // Cancel: back with access_denied and no code.
    await u.goto(link.replace('s-123', 's-456'));
    const refused = u.waitForRequest((r) => r.url().startsWith(redirect));
    await consent.getByRole('button', { name: 'Cancel' }).click();
    const refusal = new URL((await refused).url());
    assert.deepEqual([refusal.searchParams.get('error'), refusal.searchParams.get('state'), refusal.searchParams.get('code')], ['access_denied', 's-456', null]);
    await d.context().close();
    await u.context().close();
  });

  test('a bot invite link: pick a server, and the bot joins it', async () => {
    await server.request('POST', `/applications/${app.id}/bot/reset`, { auth: dev });
    const guild = await server.createGuild(user, 'Fan Club');
    const u = await openAs(browser, user, `${server.url}/channels/@me`);
    await u.goto(`${server.url}/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=0`);
    const consent = u.getByRole('region', { name: 'Authorize application' });
    await consent.getByRole('heading', { name: 'Stats Site' }).waitFor();
    await consent.getByLabel('Add to server').selectOption(guild.id);
    await consent.getByRole('button', { name: 'Authorize' }).click();
    await eventually(async () => assert.ok(u.url().includes(`/channels/${guild.id}`), u.url()), 'opened the server');
    assert.equal((await server.request('GET', `/guilds/${guild.id}/members/${app.id}`, { auth: user })).status, 200);
    await u.context().close();
  });
});
