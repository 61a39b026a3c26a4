/**
 * Message components in the web client: a bot's buttons (each style, disabled, emoji and label), a link button
 * whose URL opens only through the "Leaving Accord" dialog, a string select that lists its options, a user select
 * with its placeholder; clicking a button posts Discord's MESSAGE_COMPONENT interaction body, and without an
 * acknowledgement the message says "This interaction failed". A user select lists the guild's members and a
 * channel select its text channels: picking one reaches a gateway bot with the values and resolved data, and the
 * bot's UPDATE_MESSAGE shows in the message. A Components V2 layout (container, text, sections, gallery, file,
 * separator) is drawn as Discord's client draws it.
 *
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { browserSkipReason, ensureWebBuilt, launchChromium, TIMEOUT } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from '../integration/fixtures.guilds.ts';
import { GatewayClient } from '../integration/gateway-client.ts';

describe('web client: message components', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let bot: TestUser;
  let guildId = '';
  let channelId = '';
  let row: Locator;
  let messageId = '';

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    const owner = await server.register(`compo_${stamp}`);
    const guild = await server.createGuild(owner, 'Components');
    guildId = guild.id;
    channelId = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const made = await makeBot(server, owner, 'Button Bot');
    bot = made.bot;
    const added = await server.request('POST', `/oauth2/authorize?client_id=${made.app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(TIMEOUT);
    await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), owner.token);
    page = await context.newPage();
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    await page.goto(`${server.url}/channels/${guild.id}/${channelId}`);
    await page.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();

    const res = await server.request('POST', `/channels/${channelId}/messages`, {
      auth: bot,
      body: {
        content: 'Pick something',
        components: [
          {
            type: 1,
            components: [
              { type: 2, style: 1, label: 'Primary', custom_id: 'p' },
              { type: 2, style: 2, label: 'Secondary', custom_id: 's' },
              { type: 2, style: 3, label: 'Success', custom_id: 'ok', emoji: { name: '✅' } },
              { type: 2, style: 4, label: 'Danger', custom_id: 'd', disabled: true },
              { type: 2, style: 5, label: 'Read the docs', url: 'https://example.test/docs' },
            ],
          },
          { type: 1, components: [{ type: 3, custom_id: 'flavour', placeholder: 'Pick a flavour', options: [{ label: 'Vanilla', value: 'v', description: 'plain' }, { label: 'Chocolate', value: 'c' }] }] },
          { type: 1, components: [{ type: 5, custom_id: 'who' }] },
        ],
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    messageId = res.body.id;
    row = page.locator(`.history .message[data-message-id="${messageId}"]`);
    await row.locator('.message-components').waitFor();
  });

  let botGw: GatewayClient | undefined;

  after(async () => {
    await botGw?.close();
    await browser?.close();
    await server?.close();
  });

  test('buttons show their styles, labels, emoji and disabled state', async () => {
    const buttons = row.locator('.component-row').first().locator('.component-button');
    assert.equal(await buttons.count(), 5);
    const expected = [['Primary', 'style-primary'], ['Secondary', 'style-secondary'], ['Success', 'style-success'], ['Danger', 'style-danger'], ['Read the docs', 'style-link']];
    for (const [i, [label, style]] of expected.entries()) {
      const b = buttons.nth(i);
      assert.match(await b.innerText(), new RegExp(label!));
      assert.match((await b.getAttribute('class'))!, new RegExp(style!));
    }
    assert.match(await buttons.nth(2).innerText(), /✅/);
    assert.equal(await buttons.nth(3).isDisabled(), true);
    assert.equal(await buttons.nth(0).isDisabled(), false);
  });

  test('a link button carries its URL and opens it only through the "Leaving Accord" dialog', async () => {
    const link = row.getByRole('link', { name: /Read the docs/ });
    assert.equal(await link.getAttribute('href'), 'https://example.test/docs');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    await link.click();
    const dialog = page.getByRole('dialog', { name: 'Leaving Accord' });
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('Destination').innerText(), 'https://example.test/docs');
    assert.equal(await dialog.getByRole('link', { name: 'Visit Site' }).getAttribute('href'), 'https://example.test/docs');
    await dialog.getByRole('button', { name: 'Go Back' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  test('a string select lists its options; a user select shows its placeholder', async () => {
    const trigger = row.locator('.component-select .select-trigger').first();
    assert.match(await trigger.innerText(), /Pick a flavour/);
    await trigger.click();
    const options = row.getByRole('option');
    await options.first().waitFor();
    assert.deepEqual(await row.locator('.option-label').allInnerTexts(), ['Vanilla', 'Chocolate']);
    assert.match(await options.first().innerText(), /plain/);
    await page.keyboard.press('Escape');
    await row.getByRole('listbox').waitFor({ state: 'detached' });
    assert.match(await row.locator('.component-select .select-trigger').nth(1).innerText(), /Select a user/);
  });

  test('clicking a button posts the MESSAGE_COMPONENT interaction; unacknowledged, it fails visibly', async () => {
    const request = page.waitForRequest((r) => r.url().endsWith('/api/v10/interactions') && r.method() === 'POST');
    await row.getByRole('button', { name: 'Primary' }).click();
    const body = (await request).postDataJSON();
    assert.equal(body.type, 3);
    assert.equal(body.application_id, bot.id);
    assert.equal(body.guild_id, guildId);
    assert.equal(body.channel_id, channelId);
    assert.equal(body.message_id, messageId);
    assert.equal(typeof body.session_id, 'string');
    assert.match(body.nonce, /^\d+$/);
    assert.deepEqual(body.data, { component_type: 2, custom_id: 'p' });
    // No bot is connected to answer it.
    await row.getByRole('alert').filter({ hasText: 'This interaction failed' }).waitFor();
  });

  test('user and channel selects list the guild\'s members and channels; the bot gets the values and resolved data', async () => {
    botGw = await GatewayClient.connect(server.url);
    await botGw.identify(bot.token);
    const sent = await server.request('POST', `/channels/${channelId}/messages`, {
      auth: bot,
      body: {
        content: 'Choose',
        components: [
          { type: 1, components: [{ type: 5, custom_id: 'pick_user', placeholder: 'Whom?' }] },
          { type: 1, components: [{ type: 8, custom_id: 'pick_channel', channel_types: [0] }] },
        ],
      },
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const picker = page.locator(`.history .message[data-message-id="${sent.body.id}"]`);
    const triggers = picker.locator('.component-select .select-trigger');
    await triggers.first().waitFor();
    assert.match(await triggers.first().innerText(), /Whom\?/);

    /** Picks `label` in the nth select; returns the bot's INTERACTION_CREATE after answering it with `content`. */
    const choose = async (nth: number, label: string, customId: string, content: string) => {
      await triggers.nth(nth).click();
      await picker.getByRole('option', { name: label }).click();
      const i = (await botGw!.waitForDispatch('INTERACTION_CREATE', (d) => d.data?.custom_id === customId, 15000)).d;
      const answered = await server.request('POST', `/interactions/${i.id}/${i.token}/callback`, { body: { type: 7, data: { content } } });
      assert.equal(answered.status, 204, JSON.stringify(answered.body));
      await picker.locator('.message-content, .markup').filter({ hasText: content }).first().waitFor();
      return i;
    };

    const user = await choose(0, 'Button Bot', 'pick_user', 'You chose the bot');
    assert.equal(user.data.component_type, 5);
    assert.deepEqual(user.data.values, [bot.id]);
    assert.equal(user.data.resolved.users[bot.id].username, (await server.request('GET', '/users/@me', { auth: bot })).body.username);
    assert.ok(user.data.resolved.members[bot.id], 'the member is resolved in a guild');

    // channel_types [0]: only text channels are offered.
    await triggers.nth(1).click();
    const labels = await picker.locator('.option-label').allInnerTexts();
    assert.ok(labels.includes('#general'), labels.join());
    const all = (await server.request('GET', `/guilds/${guildId}/channels`, { auth: bot })).body;
    for (const c of all.filter((c: any) => c.type !== 0)) assert.ok(!labels.includes(`#${c.name}`), `#${c.name} (type ${c.type}) offered`);
    await page.keyboard.press('Escape');
    await picker.getByRole('listbox').waitFor({ state: 'detached' });

    const channel = await choose(1, '#general', 'pick_channel', 'You chose general');
    assert.deepEqual(channel.data.values, [channelId]);
    assert.equal(channel.data.resolved.channels[channelId].name, 'general');
  });

  test('a Components V2 layout: container with its accent, markdown text, a section with a thumbnail and one with a button, a gallery, a file and a separator', async () => {
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#e04070' } }).png().toBuffer();
    const form = new FormData();
    form.append('files[0]', new Blob([Uint8Array.from(png)]), 'cover.png');
    form.append('files[1]', new Blob([Buffer.from('line one\n')]), 'notes.txt');
    form.append('payload_json', JSON.stringify({
      flags: 1 << 15,
      components: [{
        type: 17, accent_color: 0xff0000, components: [
          { type: 10, content: '## Weekly report\nAll **green**' },
          { type: 9, components: [{ type: 10, content: 'Cover picture' }], accessory: { type: 11, media: { url: 'attachment://cover.png' }, description: 'the cover' } },
          { type: 9, components: [{ type: 10, content: 'Approve it?' }], accessory: { type: 2, style: 3, label: 'Approve', custom_id: 'approve' } },
          { type: 14, divider: true, spacing: 2 },
          { type: 12, items: [{ media: { url: 'attachment://cover.png' }, description: 'in the gallery' }] },
          { type: 13, file: { url: 'attachment://notes.txt' } },
          { type: 12, items: [{ media: { url: 'attachment://cover.png' }, description: 'behind a spoiler', spoiler: true }] },
        ],
      }],
    }));
    const res = await fetch(`${server.api}/channels/${channelId}/messages`, { method: 'POST', headers: { authorization: bot.auth }, body: form });
    assert.equal(res.status, 200, await res.clone().text());
    const sent = (await res.json()) as { id: string };
    const message = page.locator(`.history .message[data-message-id="${sent.id}"]`);
    const container = message.locator('.message-components.v2 .v2-container');
    await container.waitFor();
    assert.equal(await container.evaluate((el: any) => getComputedStyle(el).borderLeftColor), 'rgb(255, 0, 0)');
    assert.equal(await container.locator('.v2-text h2').first().innerText(), 'Weekly report');
    assert.equal(await container.locator('.v2-text strong').first().innerText(), 'green');
    const thumb = container.getByRole('img', { name: 'the cover' });
    await page.waitForFunction((el: any) => el.complete && el.naturalWidth === 40, await thumb.elementHandle(), { timeout: TIMEOUT });
    await container.getByRole('img', { name: 'in the gallery' }).waitFor();
    assert.equal(await container.locator('hr.v2-separator.spacing-large').count(), 1);
    const file = container.getByRole('link', { name: 'notes.txt' });
    assert.match((await file.getAttribute('href')) ?? '', /\/attachments\/\d+\/\d+\/notes\.txt\?/);
    assert.equal(await message.locator('.attachment').count(), 0, 'the files show only in the layout');
    // A spoiler: covered, out of the accessibility tree until revealed.
    assert.equal(await container.getByRole('img', { name: 'behind a spoiler' }).count(), 0);
    await container.getByRole('button', { name: 'Spoiler: reveal image' }).click();
    await container.getByRole('img', { name: 'behind a spoiler' }).waitFor();
    // The section's button sends the interaction as a row's does.
    const request = page.waitForRequest((r) => r.url().endsWith('/api/v10/interactions') && r.method() === 'POST');
    await container.getByRole('button', { name: 'Approve' }).click();
    assert.deepEqual((await request).postDataJSON().data, { component_type: 2, custom_id: 'approve' });
  });
});
