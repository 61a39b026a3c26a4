/**
 * Profiles in the web client, in Chromium against a real Accord: the account's banner and About Me (User
 * Settings → Profiles), a per-server profile (the server menu → Edit Server Profile: nickname, banner, About Me),
 * and the card another member opens on the name, which shows the server's banner and About Me over the
 * account's, and the account's again once the server's About Me is cleared.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

const SHOTS = path.resolve('docs/screenshots');
const wide = (r: number, g: number, b: number) => sharp({ create: { width: 600, height: 240, channels: 3, background: { r, g, b } } }).png().toBuffer();

describe('web client: profiles', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let a: Page;
  let b: Page;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    alice = await server.register(`alice_${stamp}`);
    bob = await server.register(`bob_${stamp}`);
    guild = await server.createGuild(alice, 'Profile Club');
    await server.join(alice, guild.id, bob);
    const general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: alice })).body.find((c: any) => c.type === 0);
    a = await openAs(browser, alice, `${server.url}/channels/${guild.id}/${general.id}`);
    b = await openAs(browser, bob, `${server.url}/channels/${guild.id}/${general.id}`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Bob opens Alice's card from the member list; returns it. */
  async function bobOpensAlice(name: string) {
    await b.keyboard.press('Escape');
    await b.locator(`.member-list [data-user-id="${alice.id}"]`).click();
    const card = b.getByRole('dialog', { name: `Profile of ${name}` });
    await card.waitFor();
    return card;
  }

  test("the account's banner and About Me, set in User Settings → Profiles, show on the card others open", async () => {
    await a.getByRole('button', { name: 'User settings' }).click();
    const settings = a.getByRole('dialog', { name: 'User Settings' });
    await settings.getByRole('tab', { name: 'Profiles' }).click();
    await settings.locator('.banner-editor input[type="file"]').setInputFiles({ name: 'banner.png', mimeType: 'image/png', buffer: await wide(40, 90, 200) });
    await eventually(async () => assert.match((await settings.locator('.banner-preview img').getAttribute('src')) ?? '', /^data:image\/png/), 'the banner preview');
    await settings.getByLabel('About Me').fill('Pianist. Ask me about chords.');
    await settings.getByRole('button', { name: 'Save Changes' }).click();
    await settings.getByText('Saved.').waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();
    const me = (await server.request('GET', '/users/@me', { auth: alice })).body;
    assert.equal(me.bio, 'Pianist. Ask me about chords.');
    assert.ok(me.banner, 'the banner was saved');

    const card = await bobOpensAlice(alice.username);
    await eventually(async () => assert.equal(await card.getByTestId('profile-bio').textContent(), 'Pianist. Ask me about chords.'), 'the About Me on the card');
    const banner = card.getByTestId('profile-banner');
    await eventually(async () => assert.equal(await banner.getAttribute('src'), `/banners/${alice.id}/${me.banner}.png?size=600`), 'the banner on the card');
    await eventually(async () => assert.ok(await banner.evaluate((el: any) => el.complete && el.naturalWidth > 0), 'not loaded yet'), 'the banner loaded');
  });

  test('Edit Server Profile: a nickname, banner and About Me for this server only, shown over the account\'s', async () => {
    await a.getByRole('button', { name: 'Profile Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Edit Server Profile' }).click();
    const dialog = a.getByRole('dialog', { name: /Server Profile/ });
    await dialog.waitFor();
    await dialog.getByLabel('Nickname').fill('Ace');
    await dialog.locator('.banner-editor input[type="file"]').setInputFiles({ name: 'club.png', mimeType: 'image/png', buffer: await wide(200, 60, 60) });
    await eventually(async () => assert.match((await dialog.locator('.banner-preview img').getAttribute('src')) ?? '', /^data:image\/png/), 'the banner preview');
    await dialog.getByLabel('About Me').fill('Here for the jazz channel.');
    await a.screenshot({ path: path.join(SHOTS, 'server-profile.png') });
    await dialog.getByRole('button', { name: 'Save Changes' }).click();
    await dialog.getByText('Saved.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    const member = (await server.request('GET', `/guilds/${guild.id}/members/${alice.id}`, { auth: bob })).body;
    assert.equal(member.nick, 'Ace');
    assert.ok(member.banner, 'the server banner was saved');

    // Bob's card for Alice, live (GUILD_MEMBER_UPDATE): the server's nickname, banner and About Me.
    const card = await bobOpensAlice('Ace');
    await eventually(async () => assert.equal(await card.getByTestId('profile-bio').textContent(), 'Here for the jazz channel.'), 'the server About Me');
    await eventually(async () => assert.equal(await card.getByTestId('profile-banner').getAttribute('src'), `/guilds/${guild.id}/users/${alice.id}/banners/${member.banner}.png?size=600`), 'the server banner');
    await eventually(async () => assert.ok(await card.getByTestId('profile-banner').evaluate((el: any) => el.complete && el.naturalWidth > 0), 'not loaded yet'), 'the server banner loaded');
    await b.screenshot({ path: path.join(SHOTS, 'profile-card.png') });

    // Cleared in the server, the account's About Me shows again; the server banner stays.
    await a.getByRole('button', { name: 'Profile Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Edit Server Profile' }).click();
    const again = a.getByRole('dialog', { name: /Server Profile/ });
    await eventually(async () => assert.equal(await again.getByLabel('About Me').inputValue(), 'Here for the jazz channel.'), 'the saved About Me read back');
    await again.getByLabel('About Me').fill('');
    await again.getByRole('button', { name: 'Save Changes' }).click();
    await again.getByText('Saved.').waitFor();
    await again.getByRole('button', { name: 'Close' }).click();
    const reopened = await bobOpensAlice('Ace');
    await eventually(async () => assert.equal(await reopened.getByTestId('profile-bio').textContent(), 'Pianist. Ask me about chords.'), "the account's About Me again");
    assert.match((await reopened.getByTestId('profile-banner').getAttribute('src')) ?? '', /\/guilds\/.*\/banners\//);
  });

  test("a bot's card shows its four-digit tag", async () => {
    const app = (await server.request('POST', '/applications', { auth: alice, body: { name: 'Tag Bot' } })).body;
    const perms = (1n << 10n).toString();
    const added = await server.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=${perms}`, { auth: alice, body: { guild_id: guild.id, permissions: perms, authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.match(app.bot.discriminator, /^\d{4}$/);
    await b.keyboard.press('Escape');
    const row = b.locator(`.member-list [data-user-id="${app.bot.id}"]`);
    await row.click();
    const card = b.getByRole('dialog', { name: /Profile of/ });
    await eventually(async () => assert.equal(await card.getByTestId('profile-username').textContent(), `${app.bot.username}#${app.bot.discriminator}`), 'the tag on the card');
  });

  test('a private note on the card: saved when the box loses focus, there again after a reload, seen by nobody else', async () => {
    const card = await bobOpensAlice('Ace');
    const note = card.getByRole('textbox', { name: 'Note' });
    await note.fill('Met at the jazz night');
    await card.getByRole('heading', { name: 'Ace' }).click(); // focus leaves the box
    await eventually(async () => assert.equal((await server.request('GET', `/users/@me/notes/${alice.id}`, { auth: bob })).body.note, 'Met at the jazz night'), 'the note saved');
    await b.reload();
    const again = await bobOpensAlice('Ace');
    await eventually(async () => assert.equal(await again.getByRole('textbox', { name: 'Note' }).inputValue(), 'Met at the jazz night'), 'the note read back');
    assert.equal((await server.request('GET', `/users/@me/notes/${alice.id}`, { auth: alice })).status, 404, 'Alice has no note on herself');
  });
});

