/**
 * The web client's friends and blocks (issue #18), in Chromium against a real Accord: Alice adds Bob by username on
 * the Friends page (after a name that does not exist, whose error shows); Bob sees the request appear live under
 * Pending and accepts it; both then list each other under All. Alice blocks Bob from his profile, and Bob's next
 * message is collapsed for her into "1 blocked message — Show" until she shows it.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: friends and blocks', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;
  let a: Page;
  let b: Page;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const open = (user: TestUser): Promise<Page> => openAs(browser, user);

  const friendsTab = (p: Page, name: string) => p.getByRole('tablist', { name: 'Friends' }).getByRole('tab', { name, exact: false });

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`alice_f${stamp}`);
    bob = await server.register(`bob_f${stamp}`);
    guild = await server.createGuild(alice, 'Friend Club');
    await server.join(alice, guild.id, bob);
    general = (await api('GET', `/guilds/${guild.id}/channels`, alice)).find((c: any) => c.type === 0);
    await api('POST', `/channels/${general.id}/messages`, bob, { content: 'hello from bob' });
    a = await open(alice);
    b = await open(bob);
    for (const p of [a, b]) {
      await p.goto(`${server.url}/channels/@me`);
      await p.getByRole('main', { name: 'Friends' }).waitFor();
    }
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('Alice adds Bob by username; Bob sees the request live and accepts; both list each other under All', async () => {
    await friendsTab(a, 'Add Friend').click();
    const input = a.getByRole('textbox', { name: 'Username' });
    await input.fill(`nobody_${stamp}`);
    await a.getByRole('button', { name: 'Send Friend Request' }).click();
    await a.getByRole('alert').filter({ hasText: 'Double check that the username is correct' }).waitFor();

    await friendsTab(b, 'Pending').click();
    await input.fill(bob.username);
    await a.getByRole('button', { name: 'Send Friend Request' }).click();
    await a.getByRole('status').filter({ hasText: `Your friend request to ${bob.username} was sent` }).waitFor();

    // Bob's Pending tab shows it without a reload (RELATIONSHIP_ADD), and his Friends link counts it.
    const request = b.getByRole('list', { name: 'Pending friends' }).getByRole('listitem', { name: new RegExp(`${alice.username}, Incoming Friend Request`) });
    await request.waitFor();
    await b.getByRole('link', { name: 'Friends, 1 pending' }).waitFor();
    // Alice's own Pending tab shows the outgoing request.
    await friendsTab(a, 'Pending').click();
    await a.getByRole('list', { name: 'Pending friends' }).getByRole('listitem', { name: new RegExp(`${bob.username}, Outgoing Friend Request`) }).waitFor();

    await request.getByRole('button', { name: `Accept ${alice.username}` }).click();
    await request.waitFor({ state: 'detached' });
    for (const [p, other] of [[a, bob], [b, alice]] as const) {
      await friendsTab(p, 'All').click();
      await p.getByRole('list', { name: 'All friends' }).getByRole('listitem', { name: new RegExp(other.username) }).waitFor();
    }
    assert.equal(await b.getByRole('link', { name: 'Friends, 1 pending' }).count(), 0);
  });

  test('Alice blocks Bob from his profile: his new message is collapsed for her until shown', async () => {
    await a.goto(`${server.url}/channels/${guild.id}/${general.id}`);
    const hello = a.locator('.history .message', { hasText: 'hello from bob' });
    await hello.waitFor();
    await hello.getByRole('button', { name: `Profile of ${bob.username}` }).click();
    const profile = a.getByRole('dialog', { name: `Profile of ${bob.username}` });
    await profile.getByRole('button', { name: 'Remove Friend' }).waitFor();
    await profile.getByRole('button', { name: 'Block' }).click();
    await profile.getByRole('button', { name: 'Unblock' }).waitFor();
    await a.keyboard.press('Escape');

    // His earlier message and the new one collapse into one row.
    await api('POST', `/channels/${general.id}/messages`, bob, { content: 'are you there?' });
    const row = a.locator('.history .blocked-messages');
    await row.filter({ hasText: '2 blocked messages' }).waitFor();
    assert.equal(await a.locator('.history .message', { hasText: 'are you there?' }).count(), 0);
    await row.getByRole('button', { name: 'Show' }).click();
    await a.locator('.history .message', { hasText: 'are you there?' }).waitFor();
    await row.getByRole('button', { name: 'Hide' }).click();
    await a.locator('.history .message', { hasText: 'are you there?' }).waitFor({ state: 'detached' });

    // Bob is gone from both friend lists and listed under Alice's Blocked tab.
    await a.getByRole('button', { name: 'Direct Messages' }).click();
    await friendsTab(a, 'Blocked').click();
    await a.getByRole('list', { name: 'Blocked friends' }).getByRole('listitem', { name: new RegExp(bob.username) }).waitFor();
    await friendsTab(b, 'All').click();
    await b.getByRole('list', { name: 'All friends' }).getByRole('listitem').first().waitFor({ state: 'detached' });
  });
});
