/**
 * The audit log in the web client, in Chromium against a real Accord: a moderator (KICK_MEMBERS and
 * VIEW_AUDIT_LOG) kicks someone with a reason over REST, opens Server Settings → Audit Log and sees the entry with
 * who kicked whom and the reason; filtering by action leaves only kicks; an entry arriving later shows on reload of
 * the tab; a plain member is not offered the tab (nor Server Settings).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

const KICK_MEMBERS = 1n << 1n;
const VIEW_AUDIT_LOG = 1n << 7n;

describe('web client: audit log', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  const names = { owner: `ada_${stamp}`, mod: `max_${stamp}`, kim: `kim_${stamp}`, pia: `pia_${stamp}` };
  const users = {} as Record<keyof typeof names, TestUser>;
  let guild: any;
  let general: any;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown, headers?: Record<string, string>) => {
    const res = await server.request(method, route, { auth, body, headers });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const open = (user: TestUser, path: string): Promise<Page> => openAs(browser, user, `${server.url}${path}`);

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    for (const key of Object.keys(names) as Array<keyof typeof names>) users[key] = await server.register(names[key]);
    guild = await server.createGuild(users.owner, 'Audit Hall');
    for (const key of ['mod', 'kim', 'pia'] as const) await server.join(users.owner, guild.id, users[key]);
    const mod = await api('POST', `/guilds/${guild.id}/roles`, users.owner, { name: 'Moderator', permissions: (KICK_MEMBERS | VIEW_AUDIT_LOG).toString() });
    await api('PUT', `/guilds/${guild.id}/members/${users.mod.id}/roles/${mod.id}`, users.owner);
    general = (await api('GET', `/guilds/${guild.id}/channels`, users.owner)).find((c: any) => c.type === 0);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a moderator sees a kick with its reason in Server Settings → Audit Log, and filters by action', async () => {
    await api('DELETE', `/guilds/${guild.id}/members/${users.kim.id}`, users.mod, undefined, { 'X-Audit-Log-Reason': encodeURIComponent('flooding #general') });
    const page = await open(users.mod, `/channels/${guild.id}/${general.id}`);
    await page.getByRole('button', { name: 'Audit Hall server menu' }).click();
    await page.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = page.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Audit Log' }).click();
    const list = settings.getByRole('list', { name: 'Audit log entries' });
    const kick = list.locator('.audit-entry[data-action-type="20"]');
    await kick.waitFor();
    const text = await kick.textContent();
    assert.match(text ?? '', new RegExp(`${names.mod}.*kicked.*${names.kim}`));
    assert.match(text ?? '', /Reason: flooding #general/);
    // Other entries exist (the role given to the moderator); the action filter leaves only kicks.
    await list.locator('.audit-entry[data-action-type="25"]').first().waitFor();
    await settings.getByLabel('Filter by action').selectOption({ label: 'Kick Member' });
    await list.locator('.audit-entry[data-action-type="25"]').first().waitFor({ state: 'detached' });
    await list.locator('.audit-entry[data-action-type="20"]').waitFor();
    assert.equal(await list.locator('.audit-entry').count(), 1);
    await page.context().close();
  });

  test('a plain member is not offered Server Settings', async () => {
    const page = await open(users.pia, `/channels/${guild.id}/${general.id}`);
    await page.getByRole('button', { name: 'Audit Hall server menu' }).click();
    await page.getByRole('menu').waitFor();
    assert.equal(await page.getByRole('menuitem', { name: 'Server Settings' }).count(), 0);
    await page.context().close();
  });
});
