/**
 * The web client's community parts, in Chromium against a real Accord: Server Settings → Invites (list, revoke;
 * security actions pausing invites and DMs);
 * Server Settings → Members → Prune (the
 * count preview, then the prune) and Ban Members (several at once); Community → the welcome screen editor, which a
 * new member then sees right after joining through the vanity invite set in the same tab, and the widget toggle
 * (with its image previewed in two styles);
 * the composer's `:` autocomplete offering the server's custom emoji (inserting `<:name:id>`); and the poll result
 * message drawn when a poll ends.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

const DAY = 86_400_000;

describe('web client: prune, bulk ban, welcome screen, widget, vanity URL, emoji autocomplete, poll results', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let guild: any;
  let general: any;
  const stamp = Date.now().toString(36);

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const addMember = (user: TestUser, ageMs: number) => server.store.members.add({
    guildId: guild.id, userId: user.id, nick: null, avatar: null, roles: [], joinedAt: Date.now() - ageMs, deaf: false, mute: false, pending: false,
    communicationDisabledUntil: null, flags: 0,
  });

  const open = (user: TestUser, path: string): Promise<Page> => openAs(browser, user, `${server.url}${path}`);
  async function settings(page: Page, tab: string) {
    await page.getByRole('button', { name: 'Community Club server menu' }).click();
    await page.getByRole('menuitem', { name: 'Server Settings' }).click();
    const dialog = page.getByRole('dialog', { name: /Server Settings/ });
    await dialog.getByRole('tab', { name: tab }).click();
    return dialog;
  }

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`olive_${stamp}`);
    guild = await server.createGuild(owner, 'Community Club');
    general = (await api('GET', `/guilds/${guild.id}/channels`, owner)).find((c: any) => c.type === 0);
    await api('POST', `/channels/${general.id}/messages`, owner, { content: 'welcome all' });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('Members → Prune shows how many would go, then prunes them; Ban Members bans several', async () => {
    const idle = [await server.register(`idle1_${stamp}`), await server.register(`idle2_${stamp}`)];
    for (const u of idle) await addMember(u, 10 * DAY);
    const targets = [await server.register(`spam1_${stamp}`), await server.register(`spam2_${stamp}`)];
    for (const u of targets) await addMember(u, 0);
    const page = await open(owner, `/channels/${guild.id}/${general.id}`);
    await page.locator('.history .message', { hasText: 'welcome all' }).waitFor();
    const dialog = await settings(page, 'Members');

    await dialog.getByRole('button', { name: 'Prune' }).click();
    const prune = page.getByRole('dialog', { name: 'Prune Members' });
    await prune.getByTestId('prune-count').filter({ hasText: '2 members will be removed.' }).waitFor();
    await prune.getByLabel('Last seen').selectOption('30');
    await prune.getByTestId('prune-count').filter({ hasText: '0 members will be removed.' }).waitFor();
    await prune.getByLabel('Last seen').selectOption('7');
    await prune.getByTestId('prune-count').filter({ hasText: '2 members will be removed.' }).waitFor();
    await prune.getByRole('button', { name: 'Prune', exact: true }).click();
    await prune.getByTestId('prune-count').filter({ hasText: 'Pruned 2 members.' }).waitFor();
    for (const u of idle) assert.equal(await server.store.members.get(guild.id, u.id), null);
    await prune.getByRole('button', { name: 'Done' }).click();
    await prune.waitFor({ state: 'detached' });

    await dialog.getByRole('button', { name: 'Ban Members' }).click();
    const ban = page.getByRole('dialog', { name: 'Ban Members' });
    for (const u of targets) await ban.locator(`label[data-user-id="${u.id}"] input`).check();
    await ban.getByRole('button', { name: 'Ban 2' }).click();
    await ban.getByRole('status').filter({ hasText: 'Banned 2 members.' }).waitFor();
    for (const u of targets) assert.ok(await server.store.bans.get(guild.id, u.id));
    await page.context().close();
  });

  test('Invites lists the server\'s invites with their uses; Revoke deletes one', async () => {
    const kept = await api('POST', `/channels/${general.id}/invites`, owner, { max_uses: 7 });
    const doomed = await api('POST', `/channels/${general.id}/invites`, owner, { max_age: 3600 });
    const page = await open(owner, `/channels/${guild.id}/${general.id}`);
    const dialog = await settings(page, 'Invites');
    const list = dialog.getByRole('list', { name: 'Invites' });
    const row = list.locator(`[data-code="${kept.code}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /#general/);
    assert.match(await row.innerText(), /0 of 7 uses/);
    assert.match(await row.innerText(), /never expires|expires/);
    await list.getByRole('button', { name: `Revoke invite ${doomed.code}` }).click();
    await list.locator(`[data-code="${doomed.code}"]`).waitFor({ state: 'detached' });
    const left = (await api('GET', `/guilds/${guild.id}/invites`, owner)).map((i: any) => i.code);
    assert.ok(left.includes(kept.code) && !left.includes(doomed.code), JSON.stringify(left));
    await page.context().close();
  });

  test('Invites → Security Actions pauses invites (a newcomer\'s Accept Invite is refused) and DMs, and resumes them', async () => {
    const code = (await api('POST', `/channels/${general.id}/invites`, owner, {})).code as string;
    const page = await open(owner, `/channels/${guild.id}/${general.id}`);
    const dialog = await settings(page, 'Invites');
    const actions = dialog.getByRole('region', { name: 'Security actions' });
    const invites = actions.locator('[data-action="invites_disabled_until"]');
    await invites.getByLabel('Pause Invites for').selectOption('6');
    await invites.getByRole('button', { name: 'Pause Invites' }).click();
    await invites.getByText('Invites are paused').waitFor();
    const data = (await api('GET', `/guilds/${guild.id}`, owner)).incidents_data;
    const hoursAhead = (Date.parse(data.invites_disabled_until) - Date.now()) / 3_600_000;
    assert.ok(hoursAhead > 5.9 && hoursAhead <= 6, String(hoursAhead));
    assert.equal(data.dms_disabled_until, null);

    const newcomer = await server.register(`late_${stamp}`);
    const visitor = await open(newcomer, `/invite/${code}`);
    await visitor.getByRole('button', { name: 'Accept Invite' }).click();
    await visitor.getByRole('alert').filter({ hasText: /paused/ }).waitFor();
    assert.equal(await server.store.members.get(guild.id, newcomer.id), null);

    // Pausing DMs keeps the invites' pause; resuming invites keeps the DMs'.
    const dms = actions.locator('[data-action="dms_disabled_until"]');
    await dms.getByRole('button', { name: 'Pause DMs' }).click();
    await dms.getByText('DMs are paused').waitFor();
    await invites.getByRole('button', { name: 'Resume Invites' }).click();
    await invites.getByRole('button', { name: 'Pause Invites' }).waitFor();
    const after = (await api('GET', `/guilds/${guild.id}`, owner)).incidents_data;
    assert.equal(after.invites_disabled_until, null);
    assert.ok(Date.parse(after.dms_disabled_until) > Date.now() + 23 * 3_600_000);
    await visitor.getByRole('button', { name: 'Accept Invite' }).click();
    await visitor.waitForURL(new RegExp(`/channels/${guild.id}`));
    assert.ok(await server.store.members.get(guild.id, newcomer.id));
    await dms.getByRole('button', { name: 'Resume DMs' }).click();
    await dms.getByRole('button', { name: 'Pause DMs' }).waitFor();
    assert.equal((await api('GET', `/guilds/${guild.id}`, owner)).incidents_data, null);
    await visitor.context().close();
    await page.context().close();
  });

  test('Community: welcome screen, widget and vanity URL; a new member sees the welcome screen after joining', async () => {
    const page = await open(owner, `/channels/${guild.id}/${general.id}`);
    const dialog = await settings(page, 'Community');
    const welcome = dialog.getByRole('form', { name: 'Welcome screen' });
    await welcome.getByLabel('Show the welcome screen to new members').check();
    await welcome.getByLabel('Server description').fill('A club for testers.');
    await welcome.getByRole('button', { name: 'Add Channel' }).click();
    await welcome.getByLabel('Emoji 1').fill('👋');
    await welcome.getByLabel('Description 1').fill('Say hello here');
    await welcome.getByRole('button', { name: 'Save Welcome Screen' }).click();
    await welcome.getByRole('status').filter({ hasText: 'Welcome screen saved.' }).waitFor();

    const widget = dialog.getByRole('region', { name: 'Server widget' });
    // The switch's save held back a moment: the preview must wait for it, not load the refusal of a widget still off.
    await page.route(/\/widget$/, async (route) => {
      if (route.request().method() === 'PATCH') await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await widget.getByLabel('Enable Server Widget').check();
    await widget.getByLabel('Invite channel').selectOption(general.id);
    await eventually(async () => assert.deepEqual(await api('GET', `/guilds/${guild.id}/widget`, owner), { enabled: true, channel_id: general.id }), 'widget saved');
    // The widget image, drawn by the server, previewed in the style picked.
    const preview = widget.getByRole('img', { name: /Server widget image/ });
    await eventually(async () => assert.ok(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 328), 'banner2 drawn'), 'the widget image loads');
    await widget.getByLabel('Image style').selectOption({ label: 'Banner 4' });
    await eventually(async () => assert.ok(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 400 && img.naturalHeight === 160)), 'banner4 drawn');
    assert.match(await widget.locator('code', { hasText: 'widget.png' }).innerText(), /\/api\/v10\/guilds\/\d+\/widget\.png\?style=banner4$/);
    const code = `club-${stamp}`;
    const vanity = dialog.getByRole('form', { name: 'Vanity URL' });
    await vanity.getByLabel('Invite code').fill(code);
    await vanity.getByRole('button', { name: 'Save Vanity URL' }).click();
    await vanity.getByRole('status').filter({ hasText: 'Vanity URL saved.' }).waitFor();
    assert.equal((await api('GET', `/guilds/${guild.id}/vanity-url`, owner)).code, code);
    await page.context().close();

    const newbie = await server.register(`newbie_${stamp}`);
    const np = await open(newbie, `/invite/${code}`);
    await np.getByRole('button', { name: 'Accept Invite' }).click();
    const screen = np.getByTestId('welcome-screen');
    await screen.waitFor();
    await screen.getByText('A club for testers.').waitFor();
    await screen.getByRole('button', { name: /Say hello here/ }).click();
    await screen.waitFor({ state: 'detached' });
    await eventually(async () => assert.ok(np.url().endsWith(`/channels/${guild.id}/${general.id}`), np.url()), 'navigated to the channel');
    assert.equal((await api('GET', `/guilds/${guild.id}/vanity-url`, owner)).uses, 1);
    await np.context().close();
  });

  test("the composer's : autocomplete offers the server's custom emoji and inserts <:name:id>", async () => {
    const png = await sharp({ create: { width: 32, height: 32, channels: 4, background: '#22aa66' } }).png().toBuffer();
    const emoji = await api('POST', `/guilds/${guild.id}/emojis`, owner, { name: 'green_dot', image: `data:image/png;base64,${png.toString('base64')}` });
    const page = await open(owner, `/channels/${guild.id}/${general.id}`);
    const box = page.locator('#composer');
    await box.click();
    await box.pressSequentially('look :gree');
    const option = page.getByRole('listbox').getByRole('option', { name: /:green_dot:/ });
    await option.waitFor();
    assert.ok((await option.locator('img').getAttribute('src'))!.startsWith(`/emojis/${emoji.id}.png`), 'the option shows the emoji image');
    await box.press('Enter');
    await eventually(async () => assert.equal(await box.inputValue(), `look <:green_dot:${emoji.id}> `), 'the custom emoji inserted');
    await box.press('Enter');
    await page.locator(`.history .message img[src*="/emojis/${emoji.id}"]`).waitFor();
    await page.context().close();
  });

  test('a poll result message is drawn with the winner and a link to the poll', async () => {
    const page = await open(owner, `/channels/${guild.id}/${general.id}`);
    await page.locator('.history .message', { hasText: 'welcome all' }).waitFor();
    const poll = await api('POST', `/channels/${general.id}/messages`, owner, {
      poll: { question: { text: 'Lunch?' }, answers: [{ poll_media: { text: 'Pizza', emoji: { name: '🍕' } } }, { poll_media: { text: 'Soup' } }], duration: 1 },
    });
    await api('PUT', `/channels/${general.id}/polls/${poll.id}/answers/@me`, owner, { answer_ids: [1] });
    await api('POST', `/channels/${general.id}/polls/${poll.id}/expire`, owner);
    const result = page.getByTestId('poll-result');
    await result.waitFor();
    await result.getByText('Lunch?').waitFor();
    await result.getByText(/Pizza won with 100% \(1 of 1 vote\)/).waitFor();
    await result.getByRole('button', { name: 'View poll' }).waitFor();
    await page.context().close();
  });
});
