/**
 * Issue 11, finding 11: what a registration says about taken emails, the `verified` flag, the cap on
 * applications per user, and who may be put in a group DM (only its creator's friends, as on Discord).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { addMember, assertError, guildWithMember, makeBot } from './fixtures.guilds.ts';
import { send } from './fixtures.messages.ts';

/** `from` writes to `to` in their 1:1 DM (opening it if needed). */
async function writeTo(t: TestServer, from: TestUser, to: TestUser, text = 'hi'): Promise<void> {
  const dm = await t.request('POST', '/users/@me/channels', { auth: from, body: { recipient_id: to.id } });
  assert.equal(dm.status, 200, JSON.stringify(dm.body));
  await send(t, from, dm.body.id, text);
}

describe('accounts and abuse limits (issue 11 #11)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ maxApplicationsPerUser: 2 });
  });
  after(() => t?.close());

  it('a taken email gets Discord’s EMAIL_ALREADY_REGISTERED on `email`; a taken username USERNAME_ALREADY_TAKEN', async () => {
    const a = await t.register();
    const email = await t.request('POST', '/auth/register', { body: { username: `${a.username}2`, password: 'long enough', email: `${a.username}@example.test` } });
    assertError(email, 400, 50035);
    assert.deepEqual(Object.keys(email.body.errors), ['email']);
    assert.deepEqual(email.body.errors.email._errors, [{ code: 'EMAIL_ALREADY_REGISTERED', message: 'Email is already registered.' }]);
    const name = await t.request('POST', '/auth/register', { body: { username: a.username, password: 'long enough' } });
    assert.deepEqual(Object.keys(name.body.errors), ['username']);
    assert.equal(name.body.errors.username._errors[0].code, 'USERNAME_ALREADY_TAKEN');
  });

  it('user accounts are not `verified` (there is no email verification); bots are', async () => {
    const u = await t.register();
    assert.equal((await t.request('GET', '/users/@me', { auth: u })).body.verified, false);
    const { bot } = await makeBot(t, u, 'Verified Bot');
    assert.equal((await t.request('GET', '/users/@me', { auth: bot })).body.verified, true);
  });

  it('caps applications per user at maxApplicationsPerUser with 400 / 50011', async () => {
    const u = await t.register();
    for (const name of ['First App', 'Second App']) assert.equal((await t.request('POST', '/applications', { auth: u, body: { name } })).status, 201);
    assertError(await t.request('POST', '/applications', { auth: u, body: { name: 'Third App' } }), 400, 50011);
    assert.equal((await t.request('GET', '/applications', { auth: u })).body.length, 2);
    // Someone else still may.
    assert.equal((await t.request('POST', '/applications', { auth: await t.register(), body: { name: 'Other App' } })).status, 201);
  });

  it('a group DM takes only its creator’s friends: sharing a guild or a DM is not enough (400 / 50007)', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const third = await t.register();
    await addMember(t, guild.id, third);
    assertError(await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [member.id, third.id] } }), 400, 50007);
    // A DM both wrote in is not friendship either, nor is a request not yet accepted.
    await writeTo(t, owner, member, 'join my group!');
    await writeTo(t, member, owner);
    assertError(await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [member.id] } }), 400, 50007);
    assert.equal((await t.request('PUT', `/users/@me/relationships/${member.id}`, { auth: owner, body: {} })).status, 204);
    assertError(await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [member.id] } }), 400, 50007);

    assert.equal((await t.request('PUT', `/users/@me/relationships/${owner.id}`, { auth: member, body: {} })).status, 204);
    const group = await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [member.id] } });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    assert.equal((await t.store.channels.listRecipients(group.body.id)).length, 2);

    // Adding someone later follows the same rule.
    assertError(await t.request('PUT', `/channels/${group.body.id}/recipients/${third.id}`, { auth: owner }), 400, 50007);
    await writeTo(t, third, owner);
    assertError(await t.request('PUT', `/channels/${group.body.id}/recipients/${third.id}`, { auth: owner }), 400, 50007);
    assert.equal((await t.request('POST', '/users/@me/relationships', { auth: third, body: { username: owner.username, discriminator: null } })).status, 204);
    assert.equal((await t.request('PUT', `/users/@me/relationships/${third.id}`, { auth: owner, body: { type: 1 } })).status, 204);
    assert.equal((await t.request('PUT', `/channels/${group.body.id}/recipients/${third.id}`, { auth: owner })).status, 204);
    assert.equal((await t.store.channels.listRecipients(group.body.id)).length, 3);
  });
});
