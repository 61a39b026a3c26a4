/**
 * Forwarding in the web client, in Chromium against a real Accord: Alice forwards a message with a file from one
 * channel to another with "Forward" in its actions (the destination picked in the dialog); the forward shows under
 * a "Forwarded" bar with the original's text and file, for her and for Bob; the server stored a type-1 reference
 * and a snapshot whose file is a copy.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: forwarding a message', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;
  let elsewhere: any;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const open = (user: TestUser, path: string): Promise<Page> => openAs(browser, user, `${server.url}${path}`);

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`forwarder_${stamp}`);
    bob = await server.register(`watcher_${stamp}`);
    guild = await server.createGuild(alice, 'Relay');
    await server.join(alice, guild.id, bob);
    general = (await api('GET', `/guilds/${guild.id}/channels`, alice)).find((c: any) => c.type === 0);
    elsewhere = await api('POST', `/guilds/${guild.id}/channels`, alice, { name: 'elsewhere', type: 0 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('Forward from the message actions; the forward shows the original under "Forwarded"', async () => {
    // The original: text and a file, posted over REST (files in the composer have tests of their own).
    const form = new FormData();
    form.append('files[0]', new Blob([Buffer.from('quarterly numbers')], { type: 'text/plain' }), 'numbers.txt');
    form.append('payload_json', JSON.stringify({ content: 'Numbers are in' }));
    const posted = await fetch(`${server.api}/channels/${general.id}/messages`, { method: 'POST', headers: { authorization: alice.auth }, body: form });
    assert.equal(posted.status, 200);
    const original = await posted.json();

    const a = await open(alice, `/channels/${guild.id}/${general.id}`);
    const message = a.locator('.history .message', { hasText: 'Numbers are in' });
    await message.waitFor();
    await message.hover();
    await message.getByRole('button', { name: 'Forward', exact: true }).click();
    const dialog = a.getByRole('dialog', { name: 'Forward message' });
    await dialog.getByLabel('Forward to').selectOption({ label: '#elsewhere' });
    await dialog.getByRole('button', { name: 'Forward', exact: true }).click();
    await dialog.getByRole('status').waitFor();
    assert.match(await dialog.getByRole('status').innerText(), /Forwarded to #elsewhere/);
    await dialog.getByRole('button', { name: 'Done' }).click();

    // Stored as Discord stores a forward.
    const [stored] = await api('GET', `/channels/${elsewhere.id}/messages?limit=1`, alice);
    assert.equal(stored.message_reference.type, 1);
    assert.equal(stored.message_reference.message_id, original.id);
    assert.equal(stored.message_snapshots[0].message.content, 'Numbers are in');
    assert.notEqual(stored.message_snapshots[0].message.attachments[0].id, original.attachments[0].id);

    // Bob sees it in #elsewhere: the "Forwarded" bar, the text and the file.
    const b = await open(bob, `/channels/${guild.id}/${elsewhere.id}`);
    const forwarded = b.locator('.history .message').getByRole('group', { name: 'Forwarded message' });
    await forwarded.waitFor();
    assert.match(await forwarded.innerText(), /Forwarded/);
    assert.match(await forwarded.innerText(), /Numbers are in/);
    await forwarded.getByText('numbers.txt').waitFor();
    await a.context().close();
    await b.context().close();
  });
});
