/**
 * Slash commands in the web client, against a bot on the raw gateway that answers its interactions: `/` opens
 * the picker of the guild's bots' commands (grouped by application, subcommands as "cmd group sub", narrowed by
 * typing); picking one turns the composer into its form; a missing required option is said inline and nothing is
 * sent; an autocomplete option shows the bot's choices (APPLICATION_COMMAND_AUTOCOMPLETE, answered with
 * APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE); Enter posts Discord's type 2 body (multipart, payload_json); the
 * bot's reply appears with its button, and clicking it shows the bot's update. A command the bot leaves
 * unanswered reads "The application did not respond". USER commands are in a member's context menu under
 * "Apps", MESSAGE commands behind a message's "Apps" button.
 *
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from '../integration/fixtures.guilds.ts';
import { GatewayClient } from '../integration/gateway-client.ts';

const DESSERTS = ['Cheesecake', 'Chocolate mousse', 'Carrot cake', 'Apple pie'];

describe('web client: slash commands', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let bot: TestUser;
  let app: any;
  let botGw: GatewayClient;
  let guildId = '';
  let channelId = '';
  let answering = true;
  let owner: TestUser;
  const invocations: Request[] = [];
  const commands: Record<string, any> = {};

  /** The bot: suggests desserts, answers /order with a message and a button, and the button with an update. */
  async function runBot() {
    let from = 0;
    while (answering) {
      const p = await botGw.waitFor((x) => x.op === 0 && x.t === 'INTERACTION_CREATE', 'interaction', 2_000, from).catch(() => null);
      if (!p) continue;
      from = botGw.payloads.indexOf(p) + 1;
      const i = p.d;
      const answer = (body: unknown) => server.request('POST', `/interactions/${i.id}/${i.token}/callback`, { body });
      if (i.type === 4) {
        const focused = i.data.options.find((o: any) => o.focused);
        const typed = String(focused.value).toLowerCase();
        await answer({ type: 8, data: { choices: DESSERTS.filter((d) => d.toLowerCase().startsWith(typed)).map((d) => ({ name: d, value: d.toLowerCase() })) } });
      } else if (i.type === 2 && i.data.name === 'order') {
        const opt = (name: string) => i.data.options.find((o: any) => o.name === name)?.value;
        await answer({
          type: 4,
          data: {
            content: `Order: ${opt('drink')} x${opt('cups') ?? 1} with ${opt('dessert')}`,
            components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Confirm', custom_id: 'confirm' }] }],
          },
        });
      } else if (i.type === 2 && i.data.name === 'settings') {
        const group = i.data.options[0];
        await answer({ type: 4, data: { content: `Ran ${group.name} ${group.options[0].name}` } });
      } else if (i.type === 2 && i.data.name === 'Wave') {
        await answer({ type: 4, data: { content: `Waved at ${i.data.resolved.users[i.data.target_id].username}` } });
      } else if (i.type === 2 && i.data.name === 'Quote') {
        await answer({ type: 4, data: { content: `Quoted: ${i.data.resolved.messages[i.data.target_id].content}` } });
      } else if (i.type === 3 && i.data.custom_id === 'confirm') {
        await answer({ type: 7, data: { content: 'Order confirmed!', components: [] } });
      }
      // /silent is left unanswered on purpose.
    }
  }

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`slash_${stamp}`);
    const guild = await server.createGuild(owner, 'Slash');
    guildId = guild.id;
    channelId = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const made = await makeBot(server, owner, 'Cafe Bot');
    bot = made.bot;
    app = made.app;
    const added = await server.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const defs = [
      {
        name: 'order', description: 'Order a drink', options: [
          { type: 3, name: 'drink', description: 'What to drink', required: true, choices: [{ name: 'Tea', value: 'tea' }, { name: 'Coffee', value: 'coffee' }] },
          { type: 3, name: 'dessert', description: 'Something sweet', required: true, autocomplete: true },
          { type: 4, name: 'cups', description: 'How many', min_value: 1, max_value: 3 },
        ],
      },
      { name: 'settings', description: 'Settings', options: [{ type: 2, name: 'sound', description: 'Sound', options: [{ type: 1, name: 'volume', description: 'Set the volume' }] }] },
      { name: 'silent', description: 'Never answered' },
      { name: 'Wave', type: 2 },
      { name: 'Quote', type: 3 },
    ];
    for (const body of defs) {
      const res = await server.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, { auth: bot, body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      commands[body.name] = res.body;
    }
    botGw = await GatewayClient.connect(server.url);
    await botGw.identify(bot.token);
    void runBot();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), owner.token);
    page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v10/interactions') && r.method() === 'POST') invocations.push(r);
    });
    await page.goto(`${server.url}/channels/${guild.id}/${channelId}`);
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
  });

  after(async () => {
    answering = false;
    await botGw?.close();
    await browser?.close();
    await server?.close();
  });

  /** The JSON body of an invocation the page posted: commands multipart (`payload_json`), component clicks JSON. */
  function payloadOf(r: Request): any {
    if (r.headers()['content-type'] === 'application/json') return r.postDataJSON();
    const raw = r.postDataBuffer()!.toString('utf8');
    const m = /name="payload_json"\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n--/.exec(raw);
    assert.ok(m, raw);
    return JSON.parse(m[1]!);
  }

  test('"/" lists the bot\'s commands under its application, subcommands as "cmd group sub", narrowed by typing', async () => {
    const box = page.locator('#composer');
    await box.click();
    await box.pressSequentially('/');
    const picker = page.getByTestId('command-picker');
    await picker.waitFor();
    const group = picker.getByRole('group', { name: 'Cafe Bot' });
    await group.waitFor();
    assert.deepEqual(await group.locator('[role="option"] .autocomplete-label').allInnerTexts(), ['/order', '/settings sound volume', '/silent']);
    assert.equal(await box.getAttribute('aria-activedescendant'), await picker.getByRole('option').first().getAttribute('id'));
    await box.pressSequentially('sound');
    await picker.getByRole('option').filter({ hasText: '/settings sound volume' }).waitFor();
    assert.equal(await picker.getByRole('option').count(), 1);
    await box.press('Escape');
    await picker.waitFor({ state: 'detached' });
    await box.fill('');
  });

  test('a picked command becomes a form; a missing required option is said and nothing is sent', async () => {
    const box = page.locator('#composer');
    await box.pressSequentially('/ord');
    await page.getByTestId('command-picker').getByRole('option', { name: /\/order/ }).waitFor();
    await box.press('Enter');
    const form = page.getByRole('form', { name: 'Command /order' });
    await form.waitFor();
    const drink = form.getByLabel('drink');
    assert.equal(await drink.evaluate((el) => el === document.activeElement), true);
    assert.match(await form.innerText(), /What to drink/);
    assert.match(await form.innerText(), /How many \(1–3\) \(optional\)/);
    await drink.press('Enter');
    const error = form.getByTestId('command-form-error');
    await error.waitFor();
    assert.equal(await error.innerText(), 'Fill in the required options: drink, dessert');
    assert.equal(invocations.filter((r) => payloadOf(r).type === 2).length, 0);
    assert.equal(await drink.getAttribute('aria-invalid'), 'true');
  });

  test('an autocomplete option shows the bot\'s choices; Enter sends the command and the bot\'s reply appears', async () => {
    const form = page.getByRole('form', { name: 'Command /order' });
    await form.getByLabel('drink').selectOption('coffee');
    await form.getByLabel('cups').fill('2');
    const dessert = form.getByRole('combobox', { name: 'dessert' });
    await dessert.click();
    await dessert.pressSequentially('ch');
    const list = form.getByRole('listbox', { name: 'Suggestions for dessert' });
    // The suggestions for "ch" (earlier ones, for what was typed before, may show first).
    await eventually(async () => assert.deepEqual(await list.getByRole('option').allInnerTexts(), ['Cheesecake', 'Chocolate mousse']), 'the choices for "ch"');
    // The autocomplete interaction: type 4, the typed text focused.
    const asked = invocations.map(payloadOf).filter((b) => b.type === 4).at(-1);
    assert.equal(asked.data.id, commands.order.id);
    assert.deepEqual(asked.data.options.find((o: any) => o.name === 'dessert'), { type: 3, name: 'dessert', value: 'ch', focused: true });
    await dessert.press('ArrowDown');
    await dessert.press('Enter');
    await list.waitFor({ state: 'detached' });
    assert.equal(await dessert.inputValue(), 'Chocolate mousse');

    const before = invocations.length;
    await dessert.press('Enter');
    await form.waitFor({ state: 'detached' });
    const reply = page.locator('.history .message').filter({ hasText: 'Order: coffee x2 with chocolate mousse' });
    await reply.waitFor();
    assert.equal(invocations.length, before + 1);
    // As Discord's client sends it: multipart, the body in payload_json.
    assert.match(invocations[before]!.headers()['content-type']!, /^multipart\/form-data; boundary=/);
    const sent = invocations.slice(before).map(payloadOf);
    const body = sent[0];
    assert.equal(body.type, 2);
    assert.equal(body.application_id, app.id);
    assert.equal(body.guild_id, guildId);
    assert.equal(body.channel_id, channelId);
    assert.equal(typeof body.session_id, 'string');
    assert.match(body.nonce, /^\d+$/);
    assert.equal(body.data.id, commands.order.id);
    assert.equal(body.data.name, 'order');
    assert.equal(body.data.type, 1);
    assert.equal(body.data.version, commands.order.version);
    assert.equal(body.data.guild_id, guildId);
    assert.deepEqual(body.data.options, [
      { type: 3, name: 'drink', value: 'coffee' },
      { type: 3, name: 'dessert', value: 'chocolate mousse' },
      { type: 4, name: 'cups', value: 2 },
    ]);
    assert.equal(await page.getByTestId('command-error').count(), 0);

    await reply.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.history .message').filter({ hasText: 'Order confirmed!' }).waitFor();
  });

  test('a subcommand in a group is sent nested; Escape leaves a command', async () => {
    const box = page.locator('#composer');
    await box.click();
    await box.pressSequentially('/settings');
    await page.getByTestId('command-picker').getByRole('option', { name: /settings sound volume/ }).click();
    const form = page.getByRole('form', { name: 'Command /settings sound volume' });
    await form.waitFor();
    const before = invocations.length;
    // No options: the Send button has the focus, and Enter sends.
    await page.keyboard.press('Enter');
    await form.waitFor({ state: 'detached' });
    await page.locator('.history .message').filter({ hasText: 'Ran sound volume' }).waitFor();
    const body = payloadOf(invocations[before]!);
    assert.deepEqual(body.data.options, [{ type: 2, name: 'sound', options: [{ type: 1, name: 'volume', options: [] }] }]);

    await box.pressSequentially('/order');
    await page.getByTestId('command-picker').getByRole('option', { name: /\/order/ }).waitFor();
    await box.press('Tab');
    const order = page.getByRole('form', { name: 'Command /order' });
    await order.waitFor();
    await page.keyboard.press('Escape');
    await order.waitFor({ state: 'detached' });
    assert.equal(await box.evaluate((el) => el === document.activeElement), true);
    assert.equal(await box.inputValue(), '');
  });

  test('a command the application does not answer reads "The application did not respond"', async () => {
    const box = page.locator('#composer');
    await box.pressSequentially('/silent');
    await page.getByTestId('command-picker').getByRole('option', { name: /\/silent/ }).waitFor();
    await box.press('Enter');
    const form = page.getByRole('form', { name: 'Command /silent' });
    await form.waitFor();
    await form.getByRole('button', { name: 'Send' }).press('Enter');
    await page.getByTestId('command-status').filter({ hasText: 'Cafe Bot is thinking…' }).waitFor();
    await page.getByTestId('command-error').filter({ hasText: 'The application did not respond' }).waitFor();
  });

  test('a USER command runs from the member context menu\'s Apps, a MESSAGE command from a message\'s Apps button', async () => {
    await page.locator(`.member-list [data-user-id="${owner.id}"]`).click({ button: 'right' });
    const menu = page.getByRole('menu');
    const apps = menu.getByRole('group', { name: 'Apps' });
    await apps.getByRole('menuitem', { name: 'Wave' }).click();
    await menu.waitFor({ state: 'detached' });
    await page.locator('.history .message').filter({ hasText: `Waved at ${owner.username}` }).waitFor();
    const wave = invocations.map(payloadOf).filter((b) => b.type === 2 && b.data.name === 'Wave');
    assert.equal(wave.length, 1);
    assert.equal(wave[0].data.target_id, owner.id);
    assert.equal(wave[0].data.type, 2);

    const posted = await server.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: 'quote me please' } });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    const row = page.locator(`.history .message[data-message-id="${posted.body.id}"]`);
    await row.waitFor();
    await row.hover();
    await row.getByRole('button', { name: 'Apps' }).click();
    await row.getByRole('menu', { name: 'Apps' }).getByRole('menuitem', { name: 'Quote' }).click();
    await page.locator('.history .message').filter({ hasText: 'Quoted: quote me please' }).waitFor();
    const quote = invocations.map(payloadOf).filter((b) => b.type === 2 && b.data.name === 'Quote');
    assert.equal(quote[0].data.target_id, posted.body.id);
  });
});
