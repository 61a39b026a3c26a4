/**
 * Pins and moderation in the web client (issue #12 "Missing"), in Chromium against a real Accord: pin from a
 * message's actions (the "pinned a message" system line, the pins popout, live unpin), kick, ban with a message
 * deletion window and the Bans tab (search, revoke), timeout (the icon, a composer that says so, removal),
 * nicknames (someone else's and one's own), channel reorder by keyboard and by drag (saved, so a reload keeps
 * it), channel topic and slowmode, deleting a server, and what is not offered: nothing to a member without the
 * permissions, nothing on members at or above one's top role.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

declare const document: any;

const KICK_MEMBERS = 1n << 1n;
const BAN_MEMBERS = 1n << 2n;
const MANAGE_NICKNAMES = 1n << 27n;
const MODERATE_MEMBERS = 1n << 40n;

const messageWith = (page: Page, text: string) => page.locator('.history .message', { hasText: text });
const memberRow = (page: Page, user: TestUser) => page.locator(`.member-list [data-user-id="${user.id}"]`);
const channelLink = (page: Page, channel: any) => page.locator(`.sidebar a[href$="/${channel.id}"]`);
const menuItems = async (page: Page) => {
  await page.getByRole('menu').waitFor();
  return page.getByRole('menu').getByRole('menuitem').allTextContents();
};

/** The sidebar as drawn: each group's category name and its channels' names, in order. */
const sidebarOrder = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('.sidebar .channel-group')].map((s: any) => ({
      category: s.querySelector('.category')?.textContent.trim() ?? '',
      channels: [...s.querySelectorAll('a.channel-link .ellipsis')].map((e: any) => e.textContent),
    })),
  );

describe('web client: pins and moderation', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  const names = { owner: `olga_${stamp}`, mod: `moe_${stamp}`, senior: `sam_${stamp}`, pat: `pat_${stamp}`, kevin: `kev_${stamp}`, bert: `bert_${stamp}`, tim: `tim_${stamp}` };
  const users = {} as Record<keyof typeof names, TestUser>;
  let guild: any;
  let general: any;
  let textCategory: any;
  let voiceCategory: any;
  let alpha: any;
  let beta: any;
  let owner: Page;
  let pat: Page;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const post = (user: TestUser, channelId: string, content: string) => api('POST', `/channels/${channelId}/messages`, user, { content });
  const channelsNow = async () => new Map<string, any>((await api('GET', `/guilds/${guild.id}/channels`, users.owner)).map((c: any) => [c.id, c]));

  const open = (user: TestUser, path: string): Promise<Page> => openAs(browser, user, `${server.url}${path}`);
  const generalPath = () => `/channels/${guild.id}/${general.id}`;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    for (const key of Object.keys(names) as Array<keyof typeof names>) users[key] = await server.register(names[key]);
    guild = await server.createGuild(users.owner, 'Mod Squad');
    for (const key of ['mod', 'senior', 'pat', 'kevin', 'bert', 'tim'] as const) await server.join(users.owner, guild.id, users[key]);
    // New roles go in at position 1: Senior first, then Mod below it.
    const senior = await api('POST', `/guilds/${guild.id}/roles`, users.owner, { name: 'Senior', permissions: '0' });
    const mod = await api('POST', `/guilds/${guild.id}/roles`, users.owner, { name: 'Mod', permissions: (KICK_MEMBERS | BAN_MEMBERS | MODERATE_MEMBERS | MANAGE_NICKNAMES).toString() });
    await api('PATCH', `/guilds/${guild.id}/roles`, users.owner, [{ id: mod.id, position: 1 }, { id: senior.id, position: 2 }]);
    await api('PUT', `/guilds/${guild.id}/members/${users.mod.id}/roles/${mod.id}`, users.owner);
    await api('PUT', `/guilds/${guild.id}/members/${users.senior.id}/roles/${senior.id}`, users.owner);
    const channels = await api('GET', `/guilds/${guild.id}/channels`, users.owner);
    general = channels.find((c: any) => c.type === 0);
    textCategory = channels.find((c: any) => c.id === general.parent_id);
    voiceCategory = channels.find((c: any) => c.type === 4 && c.id !== textCategory.id);
    alpha = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'alpha', type: 0, parent_id: textCategory.id });
    beta = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'beta', type: 0, parent_id: textCategory.id });
    await post(users.owner, general.id, 'welcome, moderators');
    owner = await open(users.owner, generalPath());
    pat = await open(users.pat, generalPath());
    for (const p of [owner, pat]) await messageWith(p, 'welcome, moderators').waitFor();
    await memberRow(owner, users.tim).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('pin from the message actions: system line, popout, jump, live unpin', async () => {
    const target = await post(users.pat, general.id, 'pin this please');
    const row = messageWith(owner, 'pin this please');
    await row.hover();
    await row.getByRole('button', { name: 'Pin message' }).click();

    // Everyone sees "olga pinned a message to this channel." with its links.
    for (const p of [owner, pat]) {
      const line = p.locator('.history .message.pinned-line', { hasText: `${names.owner} pinned a message to this channel.` });
      await line.waitFor();
      await line.getByRole('button', { name: 'See all pinned messages' }).waitFor();
    }
    const pins = await api('GET', `/channels/${general.id}/pins`, users.owner);
    assert.deepEqual(pins.map((m: any) => m.id), [target.id]);
    await row.hover();
    await row.getByRole('button', { name: 'Unpin message' }).waitFor();

    // "a message" jumps to the pinned one.
    await pat.locator('.message.pinned-line').getByRole('button', { name: 'a message', exact: true }).click();
    await eventually(async () => assert.equal(await pat.evaluate(() => document.activeElement?.dataset.messageId), target.id), 'focus on the pinned message');

    // Pat opens the popout from the system line; the owner from the header, and unpins there.
    await pat.locator('.message.pinned-line').getByRole('button', { name: 'See all pinned messages' }).click();
    const patPopout = pat.getByRole('dialog', { name: 'Pinned messages' });
    await patPopout.locator('.pin-item', { hasText: 'pin this please' }).waitFor();
    assert.equal(await patPopout.getByRole('button', { name: /^Unpin/ }).count(), 0, 'no Unpin without the permission');

    await owner.getByRole('button', { name: 'Pinned messages', exact: true }).click();
    const ownerPopout = owner.getByRole('dialog', { name: 'Pinned messages' });
    await ownerPopout.locator('.pin-item', { hasText: 'pin this please' }).waitFor();
    await ownerPopout.getByRole('button', { name: `Unpin message by ${names.pat}` }).click();
    for (const popout of [ownerPopout, patPopout]) await popout.getByText("This channel doesn't have any pinned messages").waitFor();
    assert.deepEqual(await api('GET', `/channels/${general.id}/pins`, users.owner), []);

    // Escape closes the popout and gives focus back to the header button.
    await owner.keyboard.press('Escape');
    await ownerPopout.waitFor({ state: 'detached' });
    assert.equal(await owner.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Pinned messages');
    await pat.keyboard.press('Escape');
    await row.hover();
    await row.getByRole('button', { name: 'Pin message' }).waitFor();
    // Unpinning posted nothing: the newest message is still the pin's system line.
    const [newest] = await api('GET', `/channels/${general.id}/messages?limit=1`, users.owner);
    assert.equal(newest.type, 6);
  });

  test('kick from the member list menu removes the member for everyone', async () => {
    const kevin = await open(users.kevin, generalPath());
    await messageWith(kevin, 'welcome, moderators').waitFor();
    await memberRow(pat, users.kevin).waitFor();

    await memberRow(owner, users.kevin).click({ button: 'right' });
    await owner.getByRole('menuitem', { name: `Kick ${names.kevin}` }).click();
    const dialog = owner.getByRole('dialog', { name: `Kick '${names.kevin}' from Server` });
    await dialog.getByLabel('Reason for kick').fill('testing kicks');
    await dialog.getByRole('button', { name: 'Kick', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    for (const p of [owner, pat]) await memberRow(p, users.kevin).waitFor({ state: 'detached' });
    await eventually(async () => assert.equal(new URL(kevin.url()).pathname, '/channels/@me'), 'the kicked member sent home');
    await kevin.getByTestId('notice').filter({ hasText: /no longer a member of Mod Squad/ }).waitFor();
    assert.equal((await server.request('GET', `/guilds/${guild.id}/members/${users.kevin.id}`, { auth: users.owner })).status, 404);
    // Focus went back to where the menu was opened from (the row is gone: its list, then), not to <body>.
    await eventually(async () => assert.equal(await owner.evaluate(() => document.activeElement === document.body), false), 'focus kept');
    await kevin.context().close();
  });

  test('ban with a deletion window from the profile popout; the Bans tab lists it, searches it, revokes it', async () => {
    await post(users.bert, general.id, 'bert spam one');
    await post(users.bert, general.id, 'bert spam two');
    await messageWith(pat, 'bert spam two').waitFor();

    await memberRow(owner, users.bert).click();
    const popout = owner.getByRole('dialog', { name: `Profile of ${names.bert}` });
    await popout.getByRole('group', { name: `Moderate ${names.bert}` }).getByRole('button', { name: 'Ban', exact: true }).click();
    await popout.waitFor({ state: 'detached' });
    const dialog = owner.getByRole('dialog', { name: `Ban '${names.bert}'` });
    await dialog.getByLabel('Delete message history').selectOption({ label: 'Previous hour' });
    await dialog.getByLabel('Reason for ban').fill('spamming');
    await dialog.getByRole('button', { name: 'Ban', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    // The last hour of bert's messages goes for everyone, and bert leaves the list.
    for (const p of [owner, pat]) {
      await messageWith(p, 'bert spam one').waitFor({ state: 'detached' });
      await messageWith(p, 'bert spam two').waitFor({ state: 'detached' });
      await memberRow(p, users.bert).waitFor({ state: 'detached' });
    }
    const ban = await api('GET', `/guilds/${guild.id}/bans/${users.bert.id}`, users.owner);
    assert.equal(ban.reason, 'spamming');

    await owner.getByRole('button', { name: 'Mod Squad server menu' }).click();
    await owner.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = owner.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Bans' }).click();
    const bans = settings.getByRole('list', { name: 'Bans' });
    await bans.locator('.ban-row', { hasText: names.bert }).filter({ hasText: 'Reason: spamming' }).waitFor();
    await settings.getByLabel('Search bans').fill('nobody-like-this');
    await settings.getByText('No bans match your search.').waitFor();
    await settings.getByLabel('Search bans').fill(names.bert.slice(0, 6));
    await settings.getByRole('button', { name: `Revoke ban of ${names.bert}` }).click();
    await owner.getByRole('dialog', { name: `'${names.bert}'` }).getByRole('button', { name: 'Revoke Ban' }).click();
    await settings.getByText('No bans.').waitFor();
    assert.deepEqual(await api('GET', `/guilds/${guild.id}/bans`, users.owner), []);
    await settings.getByRole('button', { name: 'Close' }).click();
    await settings.waitFor({ state: 'detached' });
  });

  test('timeout: the icon on the member, a composer that says so, and removal', async () => {
    const tim = await open(users.tim, generalPath());
    const box = tim.locator('#composer');
    await box.waitFor();
    assert.equal(await box.isEnabled(), true);

    await memberRow(owner, users.tim).click({ button: 'right' });
    await owner.getByRole('menuitem', { name: `Timeout ${names.tim}` }).click();
    const dialog = owner.getByRole('dialog', { name: `Timeout ${names.tim}` });
    await dialog.waitFor();
    // Discord's lengths, none picked for you.
    assert.deepEqual(await dialog.getByRole('radio').evaluateAll((els: any[]) => els.map((e) => e.parentElement.textContent.trim())), ['60 seconds', '5 minutes', '10 minutes', '1 hour', '1 day', '1 week']);
    await dialog.getByRole('button', { name: 'Timeout', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Pick how long the timeout lasts.' }).waitFor();
    await dialog.getByLabel('5 minutes').check();
    await dialog.getByRole('button', { name: 'Timeout', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    for (const p of [owner, pat, tim]) await memberRow(p, users.tim).locator('.timeout-badge').waitFor();
    await eventually(async () => assert.equal(await box.isEnabled(), false), 'the composer closed');
    assert.match((await box.getAttribute('placeholder')) ?? '', /timed out until .*can't send messages/);
    const member = await api('GET', `/guilds/${guild.id}/members/${users.tim.id}`, users.owner);
    const minutes = (Date.parse(member.communication_disabled_until) - Date.now()) / 60_000;
    assert.ok(minutes > 3 && minutes <= 5, `about five minutes: ${minutes}`);
    assert.equal((await server.request('POST', `/channels/${general.id}/messages`, { auth: users.tim, body: { content: 'let me talk' } })).status, 403);

    // Opened from the keyboard this time: the context-menu key on the focused row.
    await memberRow(owner, users.tim).focus();
    await owner.keyboard.press('Shift+F10');
    await owner.getByRole('menuitem', { name: 'Remove Timeout' }).click();
    await owner.getByRole('dialog', { name: `Remove timeout for ${names.tim}` }).getByRole('button', { name: 'Remove Timeout' }).click();
    for (const p of [owner, pat]) await memberRow(p, users.tim).locator('.timeout-badge').waitFor({ state: 'detached' });
    await eventually(async () => assert.equal(await box.isEnabled(), true), 'the composer open again');
    await tim.context().close();
  });

  test("nicknames: a moderator changes someone's, a member their own", async () => {
    await memberRow(owner, users.pat).click();
    await owner.getByRole('dialog', { name: `Profile of ${names.pat}` }).getByRole('button', { name: 'Change Nickname' }).click();
    let dialog = owner.getByRole('dialog', { name: 'Change Nickname' });
    await dialog.getByLabel('Nickname').fill('Patty');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    for (const p of [owner, pat]) await memberRow(p, users.pat).filter({ hasText: 'Patty' }).waitFor();

    // One's own: CHANGE_NICKNAME (@everyone has it), through /members/@me. Nothing else is offered.
    await memberRow(pat, users.pat).click();
    const own = pat.getByRole('dialog', { name: 'Profile of Patty' });
    const group = own.getByRole('group', { name: 'Moderate Patty' });
    assert.deepEqual(await group.getByRole('button').allTextContents(), ['Change Nickname']);
    await group.getByRole('button', { name: 'Change Nickname' }).click();
    dialog = pat.getByRole('dialog', { name: 'Change Nickname' });
    assert.equal(await dialog.getByLabel('Nickname').inputValue(), 'Patty');
    await dialog.getByLabel('Nickname').fill('Pat Self');
    await dialog.getByRole('button', { name: 'Save' }).click();
    for (const p of [owner, pat]) await memberRow(p, users.pat).filter({ hasText: 'Pat Self' }).waitFor();
    assert.equal((await api('GET', `/guilds/${guild.id}/members/${users.pat.id}`, users.owner)).nick, 'Pat Self');
  });

  test('channel reorder by keyboard (within and out of a category) and by drag is saved: a reload keeps it', async () => {
    const link = (c: any) => channelLink(owner, c);
    await link(beta).focus();
    await owner.keyboard.press('Alt+Shift+ArrowUp');
    await owner.getByRole('status').filter({ hasText: `Moved #beta to position 2 of 3 in ${textCategory.name}.` }).waitFor();
    await owner.keyboard.press('Alt+Shift+ArrowUp');
    // Focus stays on the moved channel.
    await eventually(async () => assert.equal(await owner.evaluate(() => document.activeElement?.dataset.channelId), beta.id), 'focus on beta');
    await owner.keyboard.press('Alt+Shift+ArrowUp');
    await owner.getByRole('status').filter({ hasText: 'Moved #beta to position 1 of 1 in no category.' }).waitFor();
    await eventually(async () => {
      const now = await channelsNow();
      assert.equal(now.get(beta.id).parent_id, null);
      assert.ok(now.get(general.id).position < now.get(alpha.id).position, 'general before alpha');
    }, 'the keyboard moves saved');

    // Drag alpha onto the voice category: it lands there, above the voice channel.
    await link(alpha).dragTo(owner.locator(`.sidebar .category[data-channel-id="${voiceCategory.id}"]`));
    await eventually(async () => assert.equal((await channelsNow()).get(alpha.id).parent_id, voiceCategory.id), 'the drag saved');

    const expected = [
      { category: '', channels: ['beta'] },
      { category: textCategory.name, channels: ['general'] },
      { category: voiceCategory.name, channels: ['alpha', 'General'] },
    ];
    await eventually(async () => assert.deepEqual(await sidebarOrder(pat), expected), "pat's sidebar follows live");
    await owner.reload();
    await messageWith(owner, 'welcome, moderators').waitFor();
    await eventually(async () => assert.deepEqual(await sidebarOrder(owner), expected), 'the order after a reload');
  });

  test('channel topic and slowmode from the channel settings', async () => {
    await channelLink(owner, general).hover();
    await owner.getByRole('button', { name: 'Edit channel general', exact: true }).click();
    const dialog = owner.getByRole('dialog', { name: '#general — Channel Settings' });
    await dialog.waitFor();
    assert.deepEqual(
      await dialog.getByLabel(/^Slowmode/).locator('option').allTextContents(),
      ['Off', '5s', '10s', '15s', '30s', '1m', '2m', '5m', '10m', '15m', '30m', '1h', '2h', '6h'],
    );
    await dialog.getByLabel('Channel topic').fill('Be excellent to each other');
    await dialog.getByLabel(/^Slowmode/).selectOption({ label: '10s' });
    await dialog.getByRole('button', { name: 'Save Changes' }).click();
    await dialog.waitFor({ state: 'detached' });

    await pat.locator('.chat-header .topic', { hasText: 'Be excellent to each other' }).waitFor();
    const channel = await api('GET', `/channels/${general.id}`, users.owner);
    assert.equal(channel.topic, 'Be excellent to each other');
    assert.equal(channel.rate_limit_per_user, 10);
    // Reopened, the dialog shows what is saved; Off turns slowmode off again.
    await owner.getByRole('button', { name: 'Edit channel general', exact: true }).click();
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel(/^Slowmode/).inputValue(), '10');
    await dialog.getByLabel(/^Slowmode/).selectOption({ label: 'Off' });
    await dialog.getByRole('button', { name: 'Save Changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await api('GET', `/channels/${general.id}`, users.owner)).rate_limit_per_user, 0);
  });

  test("what new threads start with, and a forum's required tags, from the channel settings", async () => {
    await channelLink(owner, general).hover();
    await owner.getByRole('button', { name: 'Edit channel general', exact: true }).click();
    const dialog = owner.getByRole('dialog', { name: '#general — Channel Settings' });
    await dialog.waitFor();
    assert.deepEqual(await dialog.getByLabel('Hide After Inactivity').locator('option').allTextContents(), ['1 Hour', '24 Hours', '3 Days', '1 Week']);
    assert.equal(await dialog.getByLabel('Hide After Inactivity').inputValue(), '4320');
    await dialog.getByLabel('Hide After Inactivity').selectOption({ label: '1 Week' });
    await dialog.getByLabel('Default thread slowmode').selectOption({ label: '30s' });
    await dialog.getByRole('button', { name: 'Save Changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    const saved = await api('GET', `/channels/${general.id}`, users.owner);
    assert.equal(saved.default_auto_archive_duration, 10080);
    assert.equal(saved.default_thread_rate_limit_per_user, 30);
    // A new thread starts with them.
    const thread = await api('POST', `/channels/${general.id}/threads`, users.owner, { name: 'starts hidden late', type: 11 });
    assert.equal(thread.thread_metadata.auto_archive_duration, 10080);
    assert.equal(thread.rate_limit_per_user, 30);

    const forum = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'ideas', type: 15, available_tags: [{ name: 'bug' }] });
    await channelLink(owner, forum).waitFor();
    await channelLink(owner, forum).hover();
    await owner.getByRole('button', { name: 'Edit channel ideas', exact: true }).click();
    const forumDialog = owner.getByRole('dialog', { name: '#ideas — Channel Settings' });
    await forumDialog.waitFor();
    const requireTag = forumDialog.getByLabel('Require people to select tags when posting');
    assert.equal(await requireTag.isChecked(), false);
    await requireTag.check();
    await forumDialog.getByRole('button', { name: 'Save Changes' }).click();
    await forumDialog.waitFor({ state: 'detached' });
    assert.equal((await api('GET', `/channels/${forum.id}`, users.owner)).flags & 16, 16);
    const untagged = await server.request('POST', `/channels/${forum.id}/threads`, { auth: users.owner, body: { name: 'no tag', message: { content: 'hi' } } });
    assert.equal(untagged.body.code, 40067, 'a post without a tag is refused now');
    // Reopened, the box shows what is saved.
    await owner.getByRole('button', { name: 'Edit channel ideas', exact: true }).click();
    await forumDialog.waitFor();
    assert.equal(await forumDialog.getByLabel('Require people to select tags when posting').isChecked(), true);
    await forumDialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('without the permissions nothing is offered; a moderator gets nothing on members at or above them', async () => {
    // Pat, a plain member.
    const row = messageWith(pat, 'welcome, moderators');
    await row.hover();
    await row.getByRole('toolbar', { name: 'Message actions' }).waitFor();
    assert.equal(await row.getByRole('button', { name: 'Pin message' }).count(), 0);
    await memberRow(pat, users.tim).click({ button: 'right' });
    assert.deepEqual(await menuItems(pat), ['Profile']);
    await pat.keyboard.press('Escape');
    await pat.getByRole('menu').waitFor({ state: 'detached' });
    await memberRow(pat, users.tim).click();
    const popout = pat.getByRole('dialog', { name: `Profile of ${names.tim}` });
    await popout.waitFor();
    assert.equal(await popout.getByRole('group').count(), 0, 'no moderation buttons');
    await pat.keyboard.press('Escape');
    await pat.getByRole('button', { name: 'Mod Squad server menu' }).click();
    assert.equal(await pat.getByRole('menuitem', { name: 'Server Settings' }).count(), 0);
    await pat.keyboard.press('Escape');
    assert.equal(await pat.locator('.channel-settings-button').count(), 0, 'no channel settings');
    assert.equal(await pat.locator('.sidebar [draggable="true"]').count(), 0, 'nothing to drag');
    const before = await sidebarOrder(pat);
    await channelLink(pat, general).focus();
    await pat.keyboard.press('Alt+Shift+ArrowUp');
    assert.deepEqual(await sidebarOrder(pat), before, 'no keyboard reorder');

    // Moe holds Mod (kick, ban, timeout, nicknames) below Senior.
    const moe = await open(users.mod, generalPath());
    await memberRow(moe, users.pat).waitFor();
    await memberRow(moe, users.pat).click({ button: 'right' });
    assert.deepEqual(await menuItems(moe), ['Profile', 'Change Nickname', 'Timeout Pat Self', 'Kick Pat Self', 'Ban Pat Self']);
    await moe.keyboard.press('Escape');
    for (const above of [users.senior, users.owner]) {
      await memberRow(moe, above).click({ button: 'right' });
      assert.deepEqual(await menuItems(moe), ['Profile'], `nothing on ${above.username}`);
      await moe.keyboard.press('Escape');
      await moe.getByRole('menu').waitFor({ state: 'detached' });
    }
    await memberRow(moe, users.senior).click();
    await moe.getByRole('dialog', { name: `Profile of ${names.senior}` }).waitFor();
    assert.equal(await moe.getByRole('dialog', { name: `Profile of ${names.senior}` }).getByRole('group').count(), 0);
    await moe.context().close();
  });

  test('the owner deletes a server after typing its name; it goes for everyone', async () => {
    const doomed = await server.createGuild(users.owner, 'Doomed Place');
    await server.join(users.owner, doomed.id, users.pat);
    const rail = (p: Page) => p.getByRole('navigation', { name: 'Servers' }).getByRole('button', { name: /^Doomed Place/ });
    for (const p of [owner, pat]) await rail(p).waitFor();
    await rail(owner).click();
    await owner.getByRole('button', { name: 'Doomed Place server menu' }).click();
    await owner.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = owner.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('button', { name: 'Delete Server' }).click();
    const confirm = owner.getByRole('dialog', { name: "Delete 'Doomed Place'" });
    const submit = confirm.getByRole('button', { name: 'Delete Server' });
    assert.equal(await submit.isDisabled(), true);
    await confirm.getByLabel('Enter server name').fill('Doomed');
    assert.equal(await submit.isDisabled(), true, 'only the exact name');
    await confirm.getByLabel('Enter server name').fill('Doomed Place');
    await submit.click();

    await eventually(async () => assert.equal(new URL(owner.url()).pathname, '/channels/@me'), 'the owner home');
    for (const p of [owner, pat]) await rail(p).waitFor({ state: 'detached' });
    assert.equal((await server.request('GET', `/guilds/${doomed.id}`, { auth: users.owner })).status, 404);
    // The owner asked for it: no "you were removed" notice for them.
    assert.equal(await owner.getByTestId('notice').count(), 0);
  });
});
