/**
 * AutoMod in the web client, in Chromium against a real Accord: the owner opens Server Settings → AutoMod and
 * creates a keyword rule that blocks with an explanation and alerts #mod-log; a member's message with the word is
 * refused (the explanation shows, the text comes back to the box, nothing is posted) while other text goes
 * through; the owner sees the alert in #mod-log, switches the rule off (the word then passes), edits it and
 * deletes it. A member without Manage Server has no AutoMod tab.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: AutoMod', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;
  let modLog: any;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`owner_${stamp}`);
    bob = await server.register(`member_${stamp}`);
    guild = await server.createGuild(alice, 'Tidy Place');
    await server.join(alice, guild.id, bob);
    general = ((await server.request('GET', `/guilds/${guild.id}/channels`, { auth: alice })).body as any[]).find((c) => c.type === 0);
    modLog = (await server.request('POST', `/guilds/${guild.id}/channels`, { auth: alice, body: { name: 'mod-log', type: 0 } })).body;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const openAutoMod = async (page: Page) => {
    await page.getByRole('button', { name: 'Tidy Place server menu' }).click();
    await page.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = page.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'AutoMod' }).click();
    return settings;
  };
  const send = async (page: Page, text: string) => {
    const box = page.locator('.composer textarea');
    await box.fill(text);
    await box.press('Enter');
  };

  test('create a blocking rule; a member is refused with its explanation; the alert shows in #mod-log', async () => {
    const a = await openAs(browser, alice, `${server.url}/channels/${guild.id}/${general.id}`);
    const settings = await openAutoMod(a);
    await settings.getByText('No rules yet.').waitFor();
    await settings.getByRole('button', { name: 'Create Rule' }).click();
    const form = settings.getByRole('form', { name: 'Create Rule' });
    await form.getByLabel('Rule name').fill('No spoilers');
    await form.getByLabel(/Words to block/).fill('spoiler*, *ending');
    await form.getByLabel(/Allowed words/).fill('spoilers-free');
    await form.getByLabel('Custom response (shown to the member)').fill('Please keep the ending a secret');
    await form.getByLabel('Send alert').check();
    await form.getByLabel('Alert channel').selectOption(modLog.id);
    await form.getByRole('button', { name: 'Create Rule' }).click();
    const row = settings.getByRole('list', { name: 'AutoMod rules' }).locator('.automod-rule').filter({ hasText: 'No spoilers' });
    await row.waitFor();
    assert.match(await row.innerText(), /Block message, Alert #mod-log/);
    const [rule] = (await server.request('GET', `/guilds/${guild.id}/auto-moderation/rules`, { auth: alice })).body as any[];
    assert.deepEqual(
      [rule.trigger_type, rule.enabled, rule.trigger_metadata.keyword_filter, rule.trigger_metadata.allow_list, rule.actions],
      [1, true, ['spoiler*', '*ending'], ['spoilers-free'], [{ type: 1, metadata: { custom_message: 'Please keep the ending a secret' } }, { type: 2, metadata: { channel_id: modLog.id } }]],
    );

    // Bob has no AutoMod tab (no Manage Server), and his message with the word is refused.
    const b = await openAs(browser, bob, `${server.url}/channels/${guild.id}/${general.id}`);
    await b.getByRole('button', { name: 'Tidy Place server menu' }).click();
    assert.equal(await b.getByRole('menuitem', { name: 'Server Settings' }).count(), 0, 'no server settings for a plain member');
    await b.keyboard.press('Escape');
    await send(b, 'huge SPOILERS ahead');
    await b.getByRole('alert').filter({ hasText: "Your message was blocked by this server's AutoMod. Please keep the ending a secret" }).waitFor();
    await eventually(async () => assert.equal(await b.locator('.composer textarea').inputValue(), 'huge SPOILERS ahead'), 'the text comes back');
    assert.equal(await b.locator('.message.pending').count(), 0, 'no pending or failed copy stays');
    const history = (await server.request('GET', `/channels/${general.id}/messages`, { auth: alice })).body as any[];
    assert.ok(!history.some((m) => /SPOILERS/.test(m.content)), 'nothing was posted');
    await send(b, 'a happy ending');
    await b.getByRole('alert').filter({ hasText: 'AutoMod' }).waitFor();
    await send(b, 'no secrets here');
    await b.locator('.message').filter({ hasText: 'no secrets here' }).waitFor();

    // Alice sees the alerts in #mod-log.
    await a.getByRole('dialog', { name: /Server Settings/ }).getByRole('button', { name: 'Close' }).click();
    await a.goto(`${server.url}/channels/${guild.id}/${modLog.id}`);
    const alert = a.locator('.automod-alert-line').filter({ hasText: 'huge SPOILERS ahead' });
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /AutoMod has blocked a message from/);
    assert.match(text, new RegExp(bob.username));
    assert.match(text, /in #general/);
    assert.match(text, /Rule: No spoilers · Keyword: spoiler\* · Matched: SPOILERS/);
    await a.context().close();
    await b.context().close();
  });

  test('switch the rule off (the word passes), edit it, then delete it', async () => {
    const a = await openAs(browser, alice, `${server.url}/channels/${guild.id}/${general.id}`);
    const settings = await openAutoMod(a);
    const row = settings.locator('.automod-rule').filter({ hasText: 'No spoilers' });
    await row.waitFor();
    await row.getByRole('switch', { name: 'No spoilers enabled' }).uncheck();
    await eventually(async () => {
      const [rule] = (await server.request('GET', `/guilds/${guild.id}/auto-moderation/rules`, { auth: alice })).body as any[];
      assert.equal(rule.enabled, false);
    }, 'switched off');
    assert.equal((await server.request('POST', `/channels/${general.id}/messages`, { auth: bob, body: { content: 'spoiler: it was a dream' } })).status, 200);

    await row.getByRole('button', { name: 'Edit No spoilers' }).click();
    const form = settings.getByRole('form', { name: 'Edit No spoilers' });
    await form.getByLabel(/Words to block/).fill('plot twist');
    await form.getByLabel('Enabled').check();
    await form.getByRole('button', { name: 'Save Rule' }).click();
    await eventually(async () => assert.match(await settings.locator('.automod-rule').filter({ hasText: 'No spoilers' }).innerText(), /1 word: plot twist/), 'edited');
    const refused = await server.request('POST', `/channels/${general.id}/messages`, { auth: bob, body: { content: 'what a plot twist!' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 200000);

    await settings.locator('.automod-rule').filter({ hasText: 'No spoilers' }).getByRole('button', { name: 'Delete No spoilers' }).click();
    await a.getByRole('dialog', { name: 'Delete No spoilers' }).getByRole('button', { name: 'Delete Rule' }).click();
    await settings.getByText('No rules yet.').waitFor();
    assert.deepEqual((await server.request('GET', `/guilds/${guild.id}/auto-moderation/rules`, { auth: alice })).body, []);
    await a.context().close();
  });
});
