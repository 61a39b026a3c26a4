/**
 * Invite link settings in the web client, in Chromium against a real Accord: Invite People → Edit invite link
 * (Expire After, Max Number of Uses, Grant temporary membership) makes a link with those settings; a person who
 * joins through a temporary link in their browser is a member while their tab is open and is removed once it
 * closes (no live session, no role), which the owner sees live in the member list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: invite link settings and temporary membership', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let guest: TestUser;
  let guild: any;
  let a: Page;

  before(async () => {
    ensureWebBuilt();
    // A short sweep and resume grace (and no presence warm-up), so a closed tab ends the membership within the test.
    server = await startTestServer({ temporaryMemberSweepMs: 200, resumeGraceMs: 300, presenceWarmupMs: 0 });
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    owner = await server.register(`host_${stamp}`);
    guest = await server.register(`guest_${stamp}`);
    guild = await server.createGuild(owner, 'Open House');
    const general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${general.id}`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('Edit invite link makes a 1-hour, 5-use, temporary link; a guest who joins through it goes when their tab closes', async () => {
    await a.getByRole('button', { name: 'Open House server menu' }).click();
    await a.getByRole('menuitem', { name: 'Invite People' }).click();
    const dialog = a.getByRole('dialog', { name: /Invite friends/ });
    const linkBox = dialog.getByLabel('Invite link');
    const first = await eventually(async () => {
      const v = await linkBox.inputValue();
      assert.match(v, /\/invite\/[A-Za-z0-9]+$/);
      return v;
    }, 'the default link');
    assert.match(await dialog.getByTestId('invite-summary').innerText(), /expires in 7 days/);

    await dialog.getByRole('button', { name: 'Edit invite link' }).click();
    const form = dialog.getByRole('form', { name: 'Invite link settings' });
    await form.getByLabel('Expire After').selectOption({ label: '1 hour' });
    await form.getByLabel('Max Number of Uses').selectOption({ label: '5 uses' });
    await form.getByLabel('Grant temporary membership').check();
    await form.getByRole('button', { name: 'Generate a New Link' }).click();
    const link = await eventually(async () => {
      const v = await linkBox.inputValue();
      assert.match(v, /\/invite\/[A-Za-z0-9]+$/);
      assert.notEqual(v, first);
      return v;
    }, 'a new link');
    const summary = await dialog.getByTestId('invite-summary').innerText();
    assert.match(summary, /expires in 1 hour or after 5 uses/);
    assert.match(summary, /temporary membership/);
    const code = link.split('/').pop()!;
    // The invite with its metadata, as the guild's invite list has it.
    const invite = (await server.request('GET', `/guilds/${guild.id}/invites`, { auth: owner })).body.find((i: any) => i.code === code);
    assert.equal(invite.max_age, 3600);
    assert.equal(invite.max_uses, 5);
    assert.equal(invite.temporary, true);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The guest joins in their own browser and is listed for the owner.
    const b = await openAs(browser, guest, link);
    await b.getByRole('button', { name: 'Accept Invite' }).click();
    await b.locator('.chat-header h1').filter({ hasText: 'general' }).waitFor();
    const row = a.locator(`.member-list [data-user-id="${guest.id}"]`);
    await row.waitFor();
    assert.equal((await server.store.members.get(guild.id, guest.id))?.temporary, true);

    // Their tab closes: no live session, no role — the membership ends and the owner's list drops them live.
    await b.context().close();
    await row.waitFor({ state: 'detached' });
    assert.equal(await server.store.members.get(guild.id, guest.id), null);
  });
});
