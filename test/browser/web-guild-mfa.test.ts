/**
 * Server-wide 2FA in the web client, in Chromium against a real Accord: an owner without 2FA is pointed to their
 * own settings first (the switch is off); an owner with it turns the requirement on in Server Settings → Overview,
 * and a moderator without 2FA loses the moderator parts of the UI live (GUILD_UPDATE), and gets them back when the
 * owner turns it off again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Permissions } from '../../src/protocol/permissions.ts';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { enableTwoFactor } from '../helpers/two-factor.ts';
import { addMember, giveRole } from '../integration/fixtures.guilds.ts';

describe('web client: server-wide two-factor', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const openOverview = async (page: Page, guildName: string) => {
    await page.getByRole('button', { name: `${guildName} server menu` }).click();
    await page.getByRole('menuitem', { name: 'Server Settings' }).click();
    return page.getByRole('region', { name: 'Server-wide two-factor requirement' });
  };
  const hasSettings = async (page: Page, guildName: string) => {
    await page.getByRole('button', { name: `${guildName} server menu` }).click();
    const shown = await page.getByRole('menuitem', { name: 'Server Settings' }).isVisible();
    await page.keyboard.press('Escape');
    return shown;
  };

  test('an owner without 2FA is sent to their own settings first', async () => {
    const owner = await server.register(`plain_${Date.now().toString(36)}`);
    const guild = await server.createGuild(owner, 'Open Doors');
    const page = await openAs(browser, owner, `${server.url}/channels/${guild.id}`);
    const section = await openOverview(page, 'Open Doors');
    await section.getByRole('note').filter({ hasText: 'Turn on two-factor authentication for your own account first' }).waitFor();
    assert.equal(await section.getByRole('button', { name: 'Enable 2FA Requirement' }).isDisabled(), true);
    await page.context().close();
  });

  test('the owner requires 2FA; a moderator without it loses the moderator UI until it is lifted', async () => {
    const owner = await enableTwoFactor(server, await server.register(`careful_${Date.now().toString(36)}`));
    const guild = await server.createGuild(owner, 'Vaulted');
    const mod = await server.register(`mod_${Date.now().toString(36)}`);
    await addMember(server, guild.id, mod);
    await giveRole(server, owner, guild.id, mod, Permissions.BAN_MEMBERS, 'Moderator');

    const modPage = await openAs(browser, mod, `${server.url}/channels/${guild.id}`);
    assert.equal(await hasSettings(modPage, 'Vaulted'), true, 'a moderator with Ban Members has Server Settings');

    const ownerPage = await openAs(browser, owner, `${server.url}/channels/${guild.id}`);
    const section = await openOverview(ownerPage, 'Vaulted');
    await section.getByRole('status').filter({ hasText: 'not required' }).waitFor();
    await section.getByRole('button', { name: 'Enable 2FA Requirement' }).click();
    await section.getByRole('status').filter({ hasText: 'is required for moderator actions' }).waitFor();
    assert.equal((await server.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.mfa_level, 1);
    // The server refuses the moderator's ban now, and their client no longer offers it.
    const ban = await server.request('PUT', `/guilds/${guild.id}/bans/${owner.id}`, { auth: mod, body: {} });
    assert.equal(ban.body.code, 60003);
    await eventually(async () => assert.equal(await hasSettings(modPage, 'Vaulted'), false), 'Server Settings gone for the moderator');

    await section.getByRole('button', { name: 'Remove 2FA Requirement' }).click();
    await section.getByRole('status').filter({ hasText: 'not required' }).waitFor();
    assert.equal((await server.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.mfa_level, 0);
    await eventually(async () => assert.equal(await hasSettings(modPage, 'Vaulted'), true), 'Server Settings back for the moderator');
    await ownerPage.context().close();
    await modPage.context().close();
  });
});
