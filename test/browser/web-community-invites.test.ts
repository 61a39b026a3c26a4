/**
 * Community invites in the web client, in Chromium against a real Accord: Invite People → Edit invite link picks
 * roles to give (Roles) and a CSV of the only users who may accept; the invite page shows the roles; a listed user
 * joins with the role, a user not listed sees "Invite invalid"; a member already in the server accepts a role invite
 * for its role; Server Settings → Invites shows what each invite gives and who may accept it, and replaces the list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { addMember } from '../integration/fixtures.guilds.ts';

describe('web client: community invites (roles, a list of users)', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let guild: any;
  let general: any;
  let supporter: any;
  let a: Page;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`host_${Date.now().toString(36)}`);
    guild = await server.createGuild(owner, 'Supporters Club');
    general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    supporter = (await server.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'Supporter', color: 0xe91e63 } })).body;
    a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${general.id}`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const roleIdsOf = async (u: TestUser) => (await server.store.members.get(guild.id, u.id))?.roles ?? null;

  /** Invite People → Edit invite link with `edit`, then the new link's code. */
  async function makeLink(edit: (form: ReturnType<Page['getByRole']>) => Promise<void>): Promise<{ code: string; summary: string }> {
    await a.getByRole('button', { name: 'Supporters Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Invite People' }).click();
    const dialog = a.getByRole('dialog', { name: /Invite friends/ });
    const linkBox = dialog.getByLabel('Invite link');
    const first = await eventually(async () => {
      const v = await linkBox.inputValue();
      assert.match(v, /\/invite\/[A-Za-z0-9]+$/);
      return v;
    }, 'the default link');
    await dialog.getByRole('button', { name: 'Edit invite link' }).click();
    const form = dialog.getByRole('form', { name: 'Invite link settings' });
    await edit(form);
    await form.getByRole('button', { name: 'Generate a New Link' }).click();
    const link = await eventually(async () => {
      const v = await linkBox.inputValue();
      assert.match(v, /\/invite\/[A-Za-z0-9]+$/);
      assert.notEqual(v, first);
      return v;
    }, 'a new link');
    const summary = await dialog.getByTestId('invite-summary').innerText();
    await dialog.getByRole('button', { name: 'Close' }).click();
    return { code: link.split('/').pop()!, summary };
  }

  test('a link giving Supporter to the users of a CSV: a listed user joins with it, anyone else sees the invite invalid', async () => {
    const fan = await server.register(`fan_${Date.now().toString(36)}`);
    const stranger = await server.register(`stranger_${Date.now().toString(36)}`);
    const { code, summary } = await makeLink(async (form) => {
      await form.getByRole('group', { name: 'Roles (Optional)' }).getByLabel('Supporter').check();
      await form.getByLabel('Users who may accept (CSV of user IDs)').setInputFiles({ name: 'fans.csv', mimeType: 'text/csv', buffer: Buffer.from(`user_id\n${fan.id}\n`) });
    });
    assert.match(summary, /Whoever accepts it gets Supporter/);
    assert.match(summary, /Only the users listed in fans\.csv may accept it/);
    assert.deepEqual(await server.store.invites.targetUsers(code), [fan.id]);

    const s = await openAs(browser, stranger, `${server.url}/invite/${code}`);
    await s.getByRole('heading', { name: 'Invite invalid' }).waitFor();
    await s.context().close();

    const b = await openAs(browser, fan, `${server.url}/invite/${code}`);
    assert.match(await b.getByTestId('invite-roles').innerText(), /You'll get the role Supporter/);
    await b.getByRole('button', { name: 'Accept Invite' }).click();
    await b.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    assert.deepEqual(await roleIdsOf(fan), [supporter.id]);
    await b.context().close();
  });

  test('a member already in the server accepts a role invite for its role', async () => {
    const regular = await server.register(`regular_${Date.now().toString(36)}`);
    await addMember(server, guild.id, regular);
    const { code } = await makeLink(async (form) => {
      await form.getByRole('group', { name: 'Roles (Optional)' }).getByLabel('Supporter').check();
    });
    const b = await openAs(browser, regular, `${server.url}/invite/${code}`);
    await b.getByTestId('invite-roles').waitFor();
    await b.getByRole('button', { name: 'Accept Invite' }).click();
    await b.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    await eventually(async () => assert.deepEqual(await roleIdsOf(regular), [supporter.id]), 'the role given');
    await b.context().close();
  });

  test('Server Settings → Invites shows the roles an invite gives and who may accept it, and replaces the list', async () => {
    const first = await server.register(`first_${Date.now().toString(36)}`);
    const second = await server.register(`second_${Date.now().toString(36)}`);
    const form = new FormData();
    form.append('payload_json', JSON.stringify({ role_ids: [supporter.id], unique: true }));
    form.append('target_users_file', new Blob([`${first.id}\n`], { type: 'text/csv' }), 'list.csv');
    const res = await fetch(`${server.api}/channels/${general.id}/invites`, { method: 'POST', headers: { authorization: owner.auth }, body: form });
    const code = ((await res.json()) as { code: string }).code;

    await a.getByRole('button', { name: 'Supporters Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = a.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Invites' }).click();
    const row = settings.locator(`.invite-row[data-code="${code}"]`);
    assert.match(await row.getByTestId('invite-given-roles').innerText(), /Gives Supporter/);
    await row.getByRole('button', { name: 'Who May Accept' }).click();
    const who = row.getByRole('group', { name: `Who may accept invite ${code}` });
    await eventually(async () => assert.equal(await who.getByTestId('invite-target-count').innerText(), 'Only 1 user may accept.'), 'the count');
    await who.getByLabel(`Users who may accept invite ${code} (CSV of user IDs)`).setInputFiles({ name: 'new.csv', mimeType: 'text/csv', buffer: Buffer.from(`${first.id}\n${second.id}\n`) });
    await eventually(async () => assert.equal(await who.getByTestId('invite-target-count').innerText(), 'Only 2 users may accept.'), 'the new count');
    assert.deepEqual(await server.store.invites.targetUsers(code), [first.id, second.id]);
    const download = a.waitForEvent('download');
    await who.getByRole('button', { name: 'Download List' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), `invite-${code}-users.csv`);
    await settings.getByRole('button', { name: 'Close' }).click();
  });
});
