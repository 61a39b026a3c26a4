/**
 * Bots and webhooks in the web client: a button whose bot answers with a modal (INTERACTION_MODAL_CREATE), filled
 * and submitted in the browser as Discord's MODAL_SUBMIT; the bot reads the value and replies ephemerally, which
 * only the invoking user's browser shows ("Only you can see this", Dismiss removes it); an unanswered submit says
 * "The application did not respond"; a deferred command reply reads "<Bot> is thinking…" until the bot's edit,
 * under the "<user> used /command" line; a webhook message shows its override name, the APP tag and no profile.
 *
 * The bot is a raw gateway session (test/integration/gateway-client.ts) answering through the callback routes.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from '../integration/fixtures.guilds.ts';
import { GatewayClient } from '../integration/gateway-client.ts';

describe('web client: bot and webhook messages', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let ownerPage: Page;
  let memberPage: Page;
  let owner: TestUser;
  let bot: TestUser;
  let app: any;
  let botGw: GatewayClient;
  let guildId = '';
  let channelId = '';
  let buttonMessageId = '';

  async function openAs(user: TestUser): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), user.token);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    await page.goto(`${server.url}/channels/${guildId}/${channelId}`);
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    return page;
  }

  const row = (page: Page, id: string): Locator => page.locator(`.history .message[data-message-id="${id}"]`);

  function callback(i: { id: string; token: string }, body: unknown) {
    return server.request('POST', `/interactions/${i.id}/${i.token}/callback`, { body });
  }

  /** Clicks the feedback button in the owner's browser; returns the INTERACTION_CREATE its bot got. */
  async function clickFeedback(): Promise<any> {
    const from = botGw.payloads.length;
    await row(ownerPage, buttonMessageId).getByRole('button', { name: 'Give feedback' }).click();
    return (await botGw.waitFor((p) => p.op === 0 && p.t === 'INTERACTION_CREATE' && p.d.type === 3, 'component interaction', TIMEOUT, from)).d;
  }

  const modal = {
    custom_id: 'feedback_form',
    title: 'Tell us',
    components: [
      { type: 1, components: [{ type: 4, custom_id: 'name', label: 'Your name', style: 1, placeholder: 'Ada', required: true, min_length: 2, max_length: 20 }] },
      { type: 1, components: [{ type: 4, custom_id: 'thoughts', label: 'Thoughts', style: 2, required: false, value: 'Nice' }] },
    ],
  };

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`botmsg_${stamp}`);
    const member = await server.register(`botmem_${stamp}`);
    const guild = await server.createGuild(owner, 'Bots');
    guildId = guild.id;
    await server.join(owner, guildId, member);
    channelId = (await server.request('GET', `/guilds/${guildId}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const made = await makeBot(server, owner, 'Feedback Bot');
    bot = made.bot;
    app = made.app;
    const added = await server.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guildId, authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    botGw = await GatewayClient.connect(server.url);
    await botGw.identify(bot.token);

    ownerPage = await openAs(owner);
    memberPage = await openAs(member);
    const res = await server.request('POST', `/channels/${channelId}/messages`, {
      auth: bot,
      body: { content: 'How was it?', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Give feedback', custom_id: 'feedback' }] }] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    buttonMessageId = res.body.id;
    await row(ownerPage, buttonMessageId).getByRole('button', { name: 'Give feedback' }).waitFor();
    await row(memberPage, buttonMessageId).waitFor();
  });

  after(async () => {
    await botGw?.close();
    await browser?.close();
    await server?.close();
  });

  test('a bot message carries the APP tag', async () => {
    assert.equal(await row(ownerPage, buttonMessageId).locator('.message-header .tag').innerText(), 'APP');
  });

  test('a modal from a button is filled and submitted; the bot reads it and replies ephemerally, to the invoker only', async () => {
    const click = await clickFeedback();
    assert.equal(click.data.custom_id, 'feedback');
    assert.equal((await callback(click, { type: 9, data: modal })).status, 204);

    const dialog = ownerPage.getByRole('dialog', { name: 'Tell us' });
    await dialog.waitFor();
    const name = dialog.getByLabel('Your name');
    assert.equal(await name.getAttribute('placeholder'), 'Ada');
    assert.equal(await name.getAttribute('maxlength'), '20');
    assert.equal(await name.getAttribute('minlength'), '2');
    assert.equal(await name.evaluate((el) => (el as HTMLInputElement).required), true);
    const thoughts = dialog.getByLabel('Thoughts');
    assert.equal(await thoughts.evaluate((el) => el.tagName), 'TEXTAREA');
    assert.equal(await thoughts.inputValue(), 'Nice');
    assert.equal(await thoughts.evaluate((el) => (el as HTMLTextAreaElement).required), false);
    // The modal is the owner's: the other user's browser shows none.
    assert.equal(await memberPage.getByRole('dialog').count(), 0);

    await name.fill('Grace');
    await thoughts.fill('Very nice');
    const from = botGw.payloads.length;
    const request = ownerPage.waitForRequest((r) => r.url().endsWith('/api/v10/interactions') && r.method() === 'POST');
    await dialog.getByRole('button', { name: 'Submit' }).click();
    const sent = (await request).postDataJSON();
    assert.equal(sent.type, 5);
    assert.equal(sent.application_id, app.id);
    assert.equal(sent.channel_id, channelId);
    assert.equal(sent.guild_id, guildId);
    // Each component keeps the `id` the server numbered it with in INTERACTION_MODAL_CREATE.
    const withoutIds = (rows: any[]) => rows.map(({ id: _row, ...row }) => ({ ...row, components: row.components.map(({ id: _input, ...input }: any) => input) }));
    assert.equal(sent.data.id, click.id);
    assert.equal(sent.data.custom_id, 'feedback_form');
    assert.deepEqual(withoutIds(sent.data.components), [
      { type: 1, components: [{ type: 4, custom_id: 'name', value: 'Grace' }] },
      { type: 1, components: [{ type: 4, custom_id: 'thoughts', value: 'Very nice' }] },
    ]);

    const submit = (await botGw.waitFor((p) => p.op === 0 && p.t === 'INTERACTION_CREATE' && p.d.type === 5, 'modal submit', TIMEOUT, from)).d;
    const typed = submit.data.components[0].components[0].value;
    assert.equal(typed, 'Grace');
    const reply = await server.request('POST', `/interactions/${submit.id}/${submit.token}/callback?with_response=true`, { body: { type: 4, data: { content: `Thanks, ${typed}!`, flags: 64 } } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const ephemeralId = reply.body.resource.message.id;
    await dialog.waitFor({ state: 'detached' });

    const mine = row(ownerPage, ephemeralId);
    await mine.filter({ hasText: 'Thanks, Grace!' }).waitFor();
    assert.match(await mine.locator('.ephemeral-note').innerText(), /Only you can see this •\s*Dismiss message/);
    // No actions on a message that exists only in this client.
    assert.equal(await mine.locator('.message-actions').count(), 0);

    // A later message reaches the other user's browser after the ephemeral one would have: it never came.
    const later = await server.request('POST', `/channels/${channelId}/messages`, { auth: bot, body: { content: 'Public follow-up' } });
    assert.equal(later.status, 200);
    await row(memberPage, later.body.id).waitFor();
    assert.equal(await row(memberPage, ephemeralId).count(), 0);
    assert.equal(await memberPage.getByText('Thanks, Grace!').count(), 0);

    await mine.getByRole('button', { name: 'Dismiss message' }).click();
    await mine.waitFor({ state: 'detached' });
  });

  test('an unanswered modal submit says "The application did not respond"; Cancel closes the modal', async () => {
    const click = await clickFeedback();
    assert.equal((await callback(click, { type: 9, data: modal })).status, 204);
    const dialog = ownerPage.getByRole('dialog', { name: 'Tell us' });
    await dialog.getByLabel('Your name').fill('Linus');
    await dialog.getByRole('button', { name: 'Submit' }).click();
    // The bot never answers: the server fails the interaction after its 3 seconds.
    await dialog.getByRole('alert').filter({ hasText: 'The application did not respond' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  test('a deferred command reply is "<Bot> is thinking…" under "<user> used /command" until the edit fills it', async () => {
    const made = await server.request('POST', `/applications/${app.id}/guilds/${guildId}/commands`, { auth: bot, body: { name: 'report', description: 'Builds a report' } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const command = made.body;
    const from = botGw.payloads.length;
    // The command is invoked over HTTP as the owner (the composer's command picker is another feature).
    const invoked = await server.request('POST', '/interactions', {
      auth: owner,
      body: { type: 2, application_id: app.id, guild_id: guildId, channel_id: channelId, session_id: 'test', nonce: 'report1', data: { id: command.id, name: 'report', type: 1, version: command.version } },
    });
    assert.equal(invoked.status, 204, JSON.stringify(invoked.body));
    const i = (await botGw.waitFor((p) => p.op === 0 && p.t === 'INTERACTION_CREATE' && p.d.type === 2, 'command', TIMEOUT, from)).d;
    const deferred = await server.request('POST', `/interactions/${i.id}/${i.token}/callback?with_response=true`, { body: { type: 5 } });
    assert.equal(deferred.status, 200, JSON.stringify(deferred.body));
    const id = deferred.body.interaction.response_message_id;

    const botUser = (await server.request('GET', '/users/@me', { auth: bot })).body;
    const reply = row(ownerPage, id);
    await reply.locator('.message-loading').filter({ hasText: `${botUser.global_name || botUser.username} is thinking…` }).waitFor();
    const header = reply.locator('.interaction-header');
    assert.match(await header.innerText(), new RegExp(`${owner.username}\\s+used\\s+/report`));

    const edit = await server.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/@original`, { body: { content: 'Report ready' } });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    await reply.locator('.message-content').filter({ hasText: 'Report ready' }).waitFor();
    assert.equal(await reply.locator('.message-loading').count(), 0);
    assert.match(await reply.locator('.interaction-header').innerText(), /used\s+\/report/);
  });

  test('a webhook message shows its override name and the APP tag, and opens no profile', async () => {
    const hook = await server.request('POST', `/channels/${channelId}/webhooks`, { auth: owner, body: { name: 'Plain Hook' } });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    const sent = await server.request('POST', `/webhooks/${hook.body.id}/${hook.body.token}?wait=true`, { body: { content: 'Deployed v2', username: 'Deploy Robot' } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const second = await server.request('POST', `/webhooks/${hook.body.id}/${hook.body.token}?wait=true`, { body: { content: 'Rolled back', username: 'Rollback Robot' } });
    assert.equal(second.status, 200, JSON.stringify(second.body));

    const first = row(ownerPage, sent.body.id);
    await first.filter({ hasText: 'Deployed v2' }).waitFor();
    assert.equal(await first.locator('.message-header .author').innerText(), 'Deploy Robot');
    assert.equal(await first.locator('.message-header .tag').innerText(), 'APP');
    assert.equal(await first.getByRole('button', { name: /Profile of/ }).count(), 0);
    assert.equal(await first.locator('.message-header button.author').count(), 0);
    // Each message keeps the name it was sent with, though both come from the same webhook.
    const next = row(ownerPage, second.body.id);
    await next.filter({ hasText: 'Rolled back' }).waitFor();
    assert.equal(await first.locator('.message-header .author').innerText(), 'Deploy Robot');
  });
});
