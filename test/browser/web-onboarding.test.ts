/**
 * Onboarding in the web client, in Chromium against a real Accord: the owner writes a question in Server Settings →
 * Onboarding (two answers, each giving a role; one answer only; required) and turns it on; a member who joins is
 * asked it once when they open the server, and their answer gives them its role; after that, and after a reload,
 * they are not asked again (nor are the questions fetched). The edit shows in the audit log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: onboarding', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let guild: any;
  let general: any;
  const roles: Record<string, any> = {};

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`host_${Date.now().toString(36)}`);
    guild = await server.createGuild(owner, 'Onboard Club');
    general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    for (const name of ['pianist', 'drummer']) roles[name] = (await server.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name } })).body;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the owner writes a question; a new member answers it once and gets its role', async () => {
    const a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${general.id}`);
    await a.getByRole('button', { name: 'Onboard Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    const dialog = a.getByRole('dialog', { name: /Server Settings/ });
    await dialog.getByRole('tab', { name: 'Onboarding' }).click();
    const form = dialog.getByRole('form', { name: 'Onboarding' });
    await form.getByRole('button', { name: 'Add Question' }).click();
    await form.getByLabel('Question 1', { exact: true }).fill('What do you play?');
    await form.getByLabel('Answer 1 of question 1', { exact: true }).fill('Piano');
    await form.getByLabel('Role for answer 1 of question 1').selectOption({ label: 'pianist' });
    await form.getByRole('button', { name: 'Add Answer' }).click();
    await form.getByLabel('Answer 2 of question 1', { exact: true }).fill('Drums');
    await form.getByLabel('Role for answer 2 of question 1').selectOption({ label: 'drummer' });
    await form.getByLabel('One answer only').check();
    await form.getByLabel('Required').check();
    await form.getByRole('switch', { name: 'Enable onboarding' }).check();
    await form.getByRole('button', { name: 'Save Onboarding' }).click();
    await form.getByText('Saved.').waitFor();
    const saved = (await server.request('GET', `/guilds/${guild.id}/onboarding`, { auth: owner })).body;
    assert.equal(saved.enabled, true);
    assert.deepEqual(saved.prompts[0].options.map((o: any) => [o.title, o.role_ids]), [['Piano', [roles.pianist.id]], ['Drums', [roles.drummer.id]]]);
    assert.equal(saved.prompts[0].single_select, true);
    assert.equal(saved.prompts[0].required, true);
    // The edit is in the audit log, the question named by its title.
    await dialog.getByRole('tab', { name: 'Audit Log' }).click();
    await dialog.getByText(/created onboarding question\s*"What do you play\?"/).waitFor();
    await dialog.getByText(/set up onboarding for\s*Onboard Club/).waitFor();

    const guest = await server.register(`guest_${Date.now().toString(36)}`);
    await server.join(owner, guild.id, guest);
    const b = await openAs(browser, guest, `${server.url}/channels/${guild.id}/${general.id}`);
    const ask = b.getByRole('dialog', { name: 'Welcome to Onboard Club' });
    await ask.waitFor();
    const finish = ask.getByRole('button', { name: 'Finish' });
    assert.equal(await finish.isDisabled(), true, 'a required question needs an answer');
    await ask.getByLabel('Drums').check();
    await finish.click();
    await ask.waitFor({ state: 'detached' });
    await eventually(async () => assert.deepEqual((await server.store.members.get(guild.id, guest.id))!.roles, [roles.drummer.id]), 'the answer\'s role');
    // After a reload the member (with COMPLETED_ONBOARDING) is loaded once their row is listed: the questions are
    // neither asked nor even fetched (the client decides from the guild's GUILD_ONBOARDING feature and the flag).
    const fetched: string[] = [];
    b.on('request', (r) => {
      if (/\/onboarding$/.test(new URL(r.url()).pathname)) fetched.push(r.url());
    });
    await b.reload();
    await b.locator('.chat-header h1', { hasText: 'general' }).waitFor();
    await b.locator(`.member-list [data-user-id="${guest.id}"]`).waitFor();
    assert.equal(await b.getByRole('dialog', { name: 'Welcome to Onboard Club' }).count(), 0, 'not asked again');
    assert.deepEqual(fetched, [], 'the questions are not fetched again');
  });
});
