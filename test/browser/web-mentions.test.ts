/**
 * Mentions in the web client (issue #12, "Missing"), in Chromium against a real Accord with three people: the
 * composer's `@` / `#` / `:` autocomplete (keyboard, listbox roles, Discord's wire syntax inserted, what is offered
 * following permissions: @everyone only with MENTION_EVERYONE in the channel, roles only mentionable ones then,
 * channels only those one can see; the emoji data loaded only once `:` is typed), mentions of you highlighted
 * (user, role you hold, @everyone), the red mention badges on the channel and the server (from READY's read
 * states and live messages, cleared by reading), and the "N new messages since …" bar with "Mark as read" and
 * "Jump to first unread" (which loads older history to get there).
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

// The functions passed to page.evaluate run in the browser; the test's own tsconfig has no DOM types.
declare const document: any;
declare function getComputedStyle(el: unknown, pseudo?: string): any;

const VIEW_CHANNEL = 1n << 10n;
const MENTION_EVERYONE = 1n << 17n;
const messageWith = (page: Page, text: string) => page.locator('.history .message', { hasText: text });
const composer = (page: Page) => page.locator('#composer');
const listbox = (page: Page) => page.getByRole('listbox');

describe('web client: mentions, autocomplete, badges and the new-messages bar', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  const names = { owner: `omar_${stamp}`, bob: `bram_${stamp}`, carol: `cleo_${stamp}` };
  const users = {} as Record<keyof typeof names, TestUser>;
  const GUILD = 'Mention Club';
  let guild: any;
  let general: any;
  let random: any;
  let quiet: any;
  let staff: any;
  let backlog: any;
  let helpers: any;
  let hidden: any;
  let owner: Page;
  let bob: Page;
  let carol: Page;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const post = (user: TestUser, channelId: string, content: string) => api('POST', `/channels/${channelId}/messages`, user, { content });

  const open = (user: TestUser, path: string): Promise<Page> => openAs(browser, user, `${server.url}${path}`);
  const channelPath = (c: any) => `/channels/${guild.id}/${c.id}`;
  const channelLink = (page: Page, c: any) => page.locator(`.sidebar a[href="${channelPath(c)}"]`);
  const railButton = (page: Page) => page.locator(`.rail-button[title="${GUILD}"]`);
  const labelOf = async (loc: ReturnType<Page['locator']>) => (await loc.getAttribute('aria-label')) ?? '';
  async function goTo(page: Page, c: any) {
    await channelLink(page, c).click();
    await page.locator('.chat-header h1').filter({ hasText: c.name }).waitFor();
  }

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    for (const key of Object.keys(names) as Array<keyof typeof names>) users[key] = await server.register(names[key]);
    guild = await server.createGuild(users.owner, GUILD);
    for (const key of ['bob', 'carol'] as const) await server.join(users.owner, guild.id, users[key]);
    const channels = await api('GET', `/guilds/${guild.id}/channels`, users.owner);
    general = channels.find((c: any) => c.type === 0);
    random = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'random', type: 0 });
    // @everyone may not ping everyone here (the guild default allows it elsewhere).
    quiet = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'quiet', type: 0 });
    await api('PUT', `/channels/${quiet.id}/permissions/${guild.id}`, users.owner, { type: 0, allow: '0', deny: MENTION_EVERYONE.toString() });
    // Only the owner sees #staff.
    staff = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'staff', type: 0 });
    await api('PUT', `/channels/${staff.id}/permissions/${guild.id}`, users.owner, { type: 0, allow: '0', deny: VIEW_CHANNEL.toString() });
    backlog = await api('POST', `/guilds/${guild.id}/channels`, users.owner, { name: 'backlog', type: 0 });
    helpers = await api('POST', `/guilds/${guild.id}/roles`, users.owner, { name: 'Helpers', color: 0x3498db, mentionable: true });
    hidden = await api('POST', `/guilds/${guild.id}/roles`, users.owner, { name: 'Hushed', mentionable: false });
    await api('PUT', `/guilds/${guild.id}/members/${users.bob.id}/roles/${helpers.id}`, users.owner);
    await post(users.owner, general.id, 'welcome to the mention club');
    await post(users.owner, backlog.id, 'backlog start');
    owner = await open(users.owner, channelPath(general));
    bob = await open(users.bob, channelPath(general));
    carol = await open(users.carol, channelPath(general));
    for (const p of [owner, bob, carol]) await messageWith(p, 'welcome to the mention club').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('@, # and : autocomplete insert the wire syntax by keyboard; the message renders the mentions', async () => {
    const box = composer(bob);
    const emojiRequests: string[] = [];
    bob.on('request', (req) => /\/assets\/(compact|github|emojibase)-/.test(req.url()) && emojiRequests.push(req.url()));

    await box.click();
    await box.pressSequentially('hi @cle');
    const people = listbox(bob);
    await people.waitFor();
    const carolOption = people.getByRole('option', { name: new RegExp(names.carol) });
    await carolOption.waitFor();
    assert.equal(await carolOption.getAttribute('aria-selected'), 'true', 'the first match is highlighted');
    // The message box keeps focus and points at the highlighted option.
    assert.equal(await box.getAttribute('aria-activedescendant'), await carolOption.getAttribute('id'));
    await box.press('Enter');
    await eventually(async () => assert.equal(await box.inputValue(), `hi <@${users.carol.id}> `), 'the user mention inserted');
    assert.equal(await people.count(), 0, 'the list closed');

    // Escape closes the list without inserting; typing on opens it again; Up/Down move; Tab inserts.
    await box.pressSequentially('and #');
    await listbox(bob).waitFor();
    await box.press('Escape');
    await eventually(async () => assert.equal(await listbox(bob).count(), 0), 'closed by Escape');
    assert.equal(await box.inputValue(), `hi <@${users.carol.id}> and #`);
    await box.pressSequentially('a');
    const channels = listbox(bob);
    await channels.waitFor();
    const offered = await channels.getByRole('option').allInnerTexts();
    for (const name of ['general', 'random', 'backlog']) assert.ok(offered.some((t) => t.includes(name)), `#${name} offered for "a": ${offered}`);
    assert.ok(!offered.some((t) => t.includes('staff')), 'a channel Bob cannot see is not offered');
    const randomOption = channels.getByRole('option', { name: /random/ });
    for (let i = 0; i < offered.length && (await randomOption.getAttribute('aria-selected')) !== 'true'; i++) await box.press('ArrowDown');
    assert.equal(await randomOption.getAttribute('aria-selected'), 'true', 'ArrowDown moves the highlight');
    assert.equal(await box.getAttribute('aria-activedescendant'), await randomOption.getAttribute('id'));
    await box.press('Tab');
    await eventually(async () => assert.equal(await box.inputValue(), `hi <@${users.carol.id}> and <#${random.id}> `), 'the channel mention inserted');

    // Emoji: nothing for one character, then the shortcode list, its data fetched only now.
    await box.pressSequentially(':t');
    assert.equal(await listbox(bob).count(), 0, 'no emoji list after one character');
    assert.deepEqual(emojiRequests, [], 'no emoji data loaded before a shortcode is typed');
    await box.pressSequentially('hu');
    const emoji = listbox(bob);
    await emoji.getByRole('option', { name: /:thumbsup:/ }).waitFor();
    assert.match(await emoji.getByRole('option').first().innerText(), /:thumbsup:/, ':thu offers :thumbsup: first');
    assert.ok(emojiRequests.length > 0, 'the emoji data was loaded on demand');
    await box.press('Enter');
    const content = `hi <@${users.carol.id}> and <#${random.id}> 👍`;
    await eventually(async () => assert.equal(await box.inputValue(), `${content} `), 'the emoji inserted');

    await box.press('Enter');
    const sent = messageWith(carol, 'hi @');
    await sent.waitFor();
    await sent.locator('.mention', { hasText: `@${names.carol}` }).waitFor();
    await sent.locator('.mention', { hasText: '#random' }).waitFor();
    assert.match(await sent.innerText(), /👍/);
    const latest = (await api('GET', `/channels/${general.id}/messages?limit=1`, users.bob))[0];
    assert.equal(latest.content, content, 'the wire syntax reached the server');
    assert.deepEqual(latest.mentions.map((u: any) => u.id), [users.carol.id]);
  });

  test('@everyone and unmentionable roles are offered only with MENTION_EVERYONE in that channel', async () => {
    const offered = async (page: Page, query: string) => {
      const box = composer(page);
      await box.fill('');
      await box.pressSequentially(query);
      await listbox(page).waitFor();
      const texts = await listbox(page).getByRole('option').allInnerTexts();
      await box.press('Escape');
      await box.fill('');
      return texts.join(' | ');
    };
    // #general: the default @everyone permissions include MENTION_EVERYONE.
    let list = await offered(bob, '@');
    assert.match(list, /@everyone/);
    assert.match(list, /@here/);
    assert.match(list, /@Hushed/, 'with MENTION_EVERYONE any role can be mentioned');

    await goTo(bob, quiet);
    list = await offered(bob, '@');
    assert.doesNotMatch(list, /@everyone|@here/, 'no @everyone without the permission');
    assert.match(list, /@Helpers/, 'a mentionable role is offered');
    assert.doesNotMatch(list, /@Hushed/, 'an unmentionable role is not');
    assert.match(list, new RegExp(names.carol), 'members are still offered');

    await goTo(owner, quiet);
    list = await offered(owner, '@ev');
    assert.match(list, /@everyone/, 'the owner may ping everyone anywhere');
    for (const p of [bob, owner]) await goTo(p, general);
  });

  test('mentions of you are highlighted: your user, a role you hold, @everyone', async () => {
    await post(users.owner, general.id, `<@${users.bob.id}> user ping`);
    await post(users.owner, general.id, `<@&${helpers.id}> role ping`);
    await post(users.owner, general.id, '@everyone everyone ping');
    await post(users.owner, general.id, 'no ping at all');
    const mentioned = async (page: Page, text: string) => {
      const msg = messageWith(page, text);
      await msg.waitFor();
      return /\bmentioned\b/.test((await msg.getAttribute('class')) ?? '');
    };
    for (const text of ['user ping', 'role ping', 'everyone ping']) assert.ok(await mentioned(bob, text), `Bob's "${text}" is highlighted`);
    assert.equal(await mentioned(bob, 'no ping at all'), false);
    assert.equal(await mentioned(carol, 'user ping'), false, 'a mention of Bob is not Carol’s');
    assert.equal(await mentioned(carol, 'role ping'), false, 'Carol does not hold the role');
    assert.ok(await mentioned(carol, 'everyone ping'));
    const look = await messageWith(bob, 'user ping').evaluate((el: any) => {
      const bar = getComputedStyle(el, '::before');
      return { background: getComputedStyle(el).backgroundColor, bar: bar.backgroundColor, width: bar.width, label: String(el.getAttribute('aria-label')) };
    });
    assert.notEqual(look.background, 'rgba(0, 0, 0, 0)', 'a tinted background');
    assert.equal(look.width, '2px', 'a bar on the left');
    assert.match(look.label, /mentions you/);
  });

  test('a mention in another channel badges the channel and the server for that user, until read', async () => {
    await post(users.owner, random.id, `<@${users.bob.id}> first ping in random`);
    const link = channelLink(bob, random);
    await eventually(async () => assert.match(await labelOf(link), /unread, 1 mention$/), 'the channel has a mention');
    assert.equal(await link.getByTestId('mention-badge').innerText(), '1');
    await eventually(async () => assert.match(await labelOf(railButton(bob)), /, 1 mention$/), 'the server has a mention');
    assert.equal(await railButton(bob).getByTestId('mention-badge').innerText(), '1');
    // Carol sees the channel unread, with no mention of her.
    await eventually(async () => assert.match(await labelOf(channelLink(carol, random)), /unread$/), 'unread for Carol');
    assert.doesNotMatch(await labelOf(railButton(carol)), /mention/);

    // The count comes back with READY after a reload, and live mentions add to it.
    await bob.reload();
    await messageWith(bob, 'no ping at all').waitFor();
    await eventually(async () => assert.match(await labelOf(channelLink(bob, random)), /1 mention$/), 'the count from READY read_state');
    await post(users.owner, random.id, `<@${users.bob.id}> second ping in random`);
    await eventually(async () => assert.match(await labelOf(channelLink(bob, random)), /2 mentions$/), 'two mentions');
    await eventually(async () => assert.equal(await railButton(bob).getByTestId('mention-badge').innerText(), '2'), 'two on the server');

    // Reading the channel clears both, on the server too.
    await goTo(bob, random);
    await messageWith(bob, 'second ping in random').waitFor();
    await eventually(async () => assert.doesNotMatch(await labelOf(railButton(bob)), /mention/), 'the server badge cleared');
    await goTo(bob, general);
    assert.doesNotMatch(await labelOf(channelLink(bob, random)), /mention|unread/);
    await bob.reload();
    await messageWith(bob, 'no ping at all').waitFor();
    await eventually(async () => assert.equal(await railButton(bob).count(), 1), 'rail drawn');
    assert.doesNotMatch(await labelOf(railButton(bob)), /mention/, 'still cleared after a reload');
    assert.equal(await bob.getByTestId('mention-badge').count(), 0);

    // @everyone counts too, for Bob and Carol alike, live and after a reload (the server counts it the same way).
    await post(users.owner, random.id, '@everyone meeting in random');
    for (const page of [bob, carol]) {
      await eventually(async () => assert.match(await labelOf(channelLink(page, random)), /1 mention$/), '@everyone badges the channel');
    }
    await carol.reload();
    await messageWith(carol, 'no ping at all').waitFor();
    await eventually(async () => assert.match(await labelOf(channelLink(carol, random)), /1 mention$/), 'the @everyone count from READY');
  });

  test('"N new messages since …": Mark as read, and Jump to first unread fetching older history', async () => {
    const bar = bob.getByTestId('new-messages-bar');
    await goTo(bob, backlog);
    await messageWith(bob, 'backlog start').waitFor();
    await goTo(bob, general);
    for (let i = 1; i <= 3; i++) await post(users.owner, backlog.id, `few new ${i}`);
    await eventually(async () => assert.match(await labelOf(channelLink(bob, backlog)), /unread/), 'backlog unread');
    await goTo(bob, backlog);
    await bar.waitFor();
    assert.match(await bar.innerText(), /^3 new messages since \S/);
    await bob.locator('.divider.new').waitFor();
    await bar.getByRole('button', { name: 'Mark as read' }).click();
    await eventually(async () => assert.equal(await bar.count(), 0), 'the bar is put away');
    await goTo(bob, general);

    // Sixty more (two authors, so none are grouped and fifty fill the screen): a fresh page load holds only the
    // newest fifty, so jumping needs older history.
    for (let i = 1; i <= 60; i++) await post(i % 2 ? users.owner : users.carol, backlog.id, `old unread ${i}`);
    await bob.reload();
    await messageWith(bob, 'no ping at all').waitFor();
    await goTo(bob, backlog);
    await messageWith(bob, 'old unread 60').waitFor();
    await bar.waitFor();
    assert.match(await bar.innerText(), /^50\+ new messages since \S/);
    assert.equal(await bob.locator('.history .message-content', { hasText: /^old unread 1$/ }).count(), 0, 'the first unread is not loaded yet');
    await bar.getByRole('button', { name: 'Jump to first unread' }).click();
    const first = bob.locator('.history .message', { has: bob.locator('.message-content', { hasText: /^old unread 1$/ }) });
    await first.waitFor();
    await eventually(async () => {
      const seen = await first.evaluate((el: any) => {
        const box = el.getBoundingClientRect();
        const view = el.closest('.history').getBoundingClientRect();
        return { inView: box.top >= view.top && box.bottom <= view.bottom, focused: document.activeElement === el };
      });
      assert.deepEqual(seen, { inView: true, focused: true });
    }, 'the first unread message in view and focused');
    await bob.locator('.divider.new').waitFor();
    assert.equal(await bar.count(), 0, 'the bar is done');
  });
});
