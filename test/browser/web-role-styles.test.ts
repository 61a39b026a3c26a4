/**
 * Role styles in the web client, in Chromium against a real Accord: Server Settings → Roles sets a role's emoji and
 * its style (a gradient of two colours, or holographic) with a live preview; the server keeps Discord's role colors
 * object; another member sees the holder's name drawn with the gradient in the member list and on their messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: role styles', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let member: TestUser;
  let guild: any;
  let general: any;
  let a: Page;
  let b: Page;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`styler_${stamp}`);
    member = await server.register(`viewer_${stamp}`);
    guild = await server.createGuild(owner, 'Style Club');
    await server.join(owner, guild.id, member);
    general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    await server.request('POST', `/channels/${general.id}/messages`, { auth: owner, body: { content: 'styled hello' } });
    a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${general.id}`);
    b = await openAs(browser, member, `${server.url}/channels/${guild.id}/${general.id}`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const gradientOf = (page: Page, selector: string) => page.locator(selector).first().evaluate((el: any) => (globalThis as any).getComputedStyle(el).backgroundImage as string);

  test('a gradient role with an emoji, then holographic; the holder\'s name is drawn with it for others', async () => {
    await a.getByRole('button', { name: 'Style Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    const dialog = a.getByRole('dialog', { name: /Server Settings/ });
    await dialog.getByRole('tab', { name: 'Roles' }).click();
    await dialog.getByRole('button', { name: 'Create Role' }).click();
    await dialog.getByLabel('Role name').fill('Sunset');
    await dialog.getByLabel('Role emoji').fill('🌅');
    await dialog.getByRole('radio', { name: 'Gradient' }).check();
    await dialog.getByLabel('Primary colour').fill('#ff7a00');
    await dialog.getByLabel('Secondary colour').fill('#8a2be2');
    await eventually(async () => assert.match(await gradientOf(a, '[data-testid="role-preview"] span'), /linear-gradient\(90deg, rgb\(255, 122, 0\), rgb\(138, 43, 226\)/), 'the preview');
    await dialog.getByRole('button', { name: 'Save Role' }).click();
    await dialog.getByRole('option', { name: 'Sunset' }).waitFor();
    const role = await eventually(async () => {
      const r = (await server.request('GET', `/guilds/${guild.id}/roles`, { auth: owner })).body.find((x: any) => x.name === 'Sunset');
      assert.deepEqual(r?.colors, { primary_color: 0xff7a00, secondary_color: 0x8a2be2, tertiary_color: null });
      return r;
    }, 'the role saved with its colors');
    assert.equal(role.unicode_emoji, '🌅');

    // The owner holds it: the member sees the owner's name with the gradient, in the list and on the message.
    await server.request('PUT', `/guilds/${guild.id}/members/${owner.id}/roles/${role.id}`, { auth: owner });
    await eventually(async () => assert.match(await gradientOf(b, `.member-list [data-user-id="${owner.id}"] .ellipsis`), /linear-gradient/), 'the member list name');
    await eventually(async () => assert.match(await gradientOf(b, '.history .message .author'), /linear-gradient/), 'the author name');
    // The roles list says how many members hold each role (GET /roles/member-counts), read again as the tab opens.
    await dialog.getByRole('tab', { name: 'Members' }).click();
    await dialog.getByRole('tab', { name: 'Roles' }).click();
    await eventually(async () => assert.equal(await dialog.getByRole('option', { name: /Sunset/ }).locator('.role-count').getAttribute('aria-label'), '1 member'), 'the member count');

    // Holographic: Discord's three colours, live for the member.
    await dialog.getByRole('option', { name: /Sunset/ }).click();
    await dialog.getByRole('radio', { name: 'Holographic' }).check();
    await dialog.getByRole('button', { name: 'Save Role' }).click();
    await eventually(async () => {
      const r = (await server.request('GET', `/guilds/${guild.id}/roles/${role.id}`, { auth: owner })).body;
      assert.deepEqual(r.colors, { primary_color: 11127295, secondary_color: 16759788, tertiary_color: 16761760 });
    }, 'holographic saved');
    await eventually(async () => assert.match(await gradientOf(b, '.history .message .author'), /rgb\(169, 201, 255\), rgb\(255, 187, 236\), rgb\(255, 195, 160\)/), 'holographic name');
  });
});
