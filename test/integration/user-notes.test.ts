/**
 * User notes (Discord's client API): a private note on another user — PUT /users/@me/notes/{id} sets it (an empty
 * one deletes it), GET reads one or all, USER_NOTE_UPDATE reaches the writer's own sessions; nobody else sees it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';

describe('user notes', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('set, read, list, clear; only the writer sees them; USER_NOTE_UPDATE to the writer', async () => {
    const [alice, bob, carol] = [await t.register(), await t.register(), await t.register()];
    assertError(await t.request('GET', `/users/@me/notes/${bob.id}`, { auth: alice }), 404, 10013);
    const from = t.events.length;
    assert.equal((await t.request('PUT', `/users/@me/notes/${bob.id}`, { auth: alice, body: { note: '  met at the meetup, likes jazz  ' } })).status, 204);
    const ev = await t.waitForEvent('USER_NOTE_UPDATE', (e) => e.subject === `gateway.user.${alice.id}`, from);
    assert.deepEqual(ev.d, { id: bob.id, note: 'met at the meetup, likes jazz' });
    assert.deepEqual((await t.request('GET', `/users/@me/notes/${bob.id}`, { auth: alice })).body, { user_id: alice.id, note_user_id: bob.id, note: 'met at the meetup, likes jazz' });
    await t.request('PUT', `/users/@me/notes/${carol.id}`, { auth: alice, body: { note: 'carol' } });
    assert.deepEqual((await t.request('GET', '/users/@me/notes', { auth: alice })).body, { [bob.id]: 'met at the meetup, likes jazz', [carol.id]: 'carol' });
    // Private: Bob has no notes, and none on Bob.
    assert.deepEqual((await t.request('GET', '/users/@me/notes', { auth: bob })).body, {});
    assertError(await t.request('GET', `/users/@me/notes/${bob.id}`, { auth: carol }), 404, 10013);
    // Empty (or null) clears it.
    assert.equal((await t.request('PUT', `/users/@me/notes/${bob.id}`, { auth: alice, body: { note: '' } })).status, 204);
    assertError(await t.request('GET', `/users/@me/notes/${bob.id}`, { auth: alice }), 404, 10013);
    assert.deepEqual(Object.keys((await t.request('GET', '/users/@me/notes', { auth: alice })).body), [carol.id]);
  });

  it('refusals: unknown users 10013, over 256 characters 50035, bots 20001', async () => {
    const alice = await t.register();
    assertError(await t.request('PUT', '/users/@me/notes/123456789012345678', { auth: alice, body: { note: 'x' } }), 404, 10013);
    const bob = await t.register();
    assertError(await t.request('PUT', `/users/@me/notes/${bob.id}`, { auth: alice, body: { note: 'x'.repeat(257) } }), 400, 50035);
    const { bot } = await makeBot(t, alice, 'Note Bot');
    assertError(await t.request('PUT', `/users/@me/notes/${bob.id}`, { auth: bot, body: { note: 'x' } }), 403, 20001);
    assertError(await t.request('GET', '/users/@me/notes', { auth: bot }), 403, 20001);
  });
});
