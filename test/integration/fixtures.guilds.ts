/**
 * Set-up helpers for the guild-area route tests (auth, users, applications, guilds, roles, members, bans).
 * Members are added straight through the store so these suites do not depend on the invite routes.
 */
import assert from 'node:assert/strict';
import type { TestServer, TestUser } from '../helpers/harness.ts';

export async function addMember(t: TestServer, guildId: string, user: TestUser): Promise<void> {
  await t.store.members.add({
    guildId, userId: user.id, nick: null, avatar: null, roles: [], joinedAt: Date.now(), deaf: false, mute: false, pending: false,
    communicationDisabledUntil: null, flags: 0,
  });
}

/** Creates a role through the API (as the owner) and gives it to `user`; returns the role JSON. */
export async function giveRole(t: TestServer, owner: TestUser, guildId: string, user: TestUser, permissions: bigint, name = 'role'): Promise<any> {
  const role = await t.request('POST', `/guilds/${guildId}/roles`, { auth: owner, body: { name, permissions: permissions.toString() } });
  assert.equal(role.status, 200, JSON.stringify(role.body));
  const put = await t.request('PUT', `/guilds/${guildId}/members/${user.id}/roles/${role.body.id}`, { auth: owner });
  assert.equal(put.status, 204, JSON.stringify(put.body));
  return role.body;
}

/** Moves roles to the given positions (owner call). */
export async function setPositions(t: TestServer, owner: TestUser, guildId: string, positions: Array<[string, number]>): Promise<void> {
  const res = await t.request('PATCH', `/guilds/${guildId}/roles`, { auth: owner, body: positions.map(([id, position]) => ({ id, position })) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** An application with its bot; `bot.auth` is `Bot <token>`. */
export async function makeBot(t: TestServer, owner: TestUser, name = 'Helper Bot'): Promise<{ app: any; bot: TestUser }> {
  const app = await t.request('POST', '/applications', { auth: owner, body: { name } });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  return { app: app.body, bot: { id: app.body.id, token: reset.body.token, username: app.body.bot.username, auth: `Bot ${reset.body.token}` } };
}

/** A guild with its owner and one plain member. */
export async function guildWithMember(t: TestServer): Promise<{ owner: TestUser; member: TestUser; guild: any }> {
  const owner = await t.register();
  const member = await t.register();
  const guild = await t.createGuild(owner);
  await addMember(t, guild.id, member);
  return { owner, member, guild };
}

export function assertError(res: { status: number; body: any }, status: number, code: number): void {
  assert.equal(res.status, status, `expected ${status}/${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, JSON.stringify(res.body));
}

/** `from` and `to` become friends (`from` sends the request, `to` accepts); already friends is fine. */
export async function makeFriends(t: TestServer, from: TestUser, to: TestUser): Promise<void> {
  const asked = await t.request('PUT', `/users/@me/relationships/${to.id}`, { auth: from, body: {} });
  // 80007: already friends (an earlier call).
  if (asked.body?.code === 80007) return;
  assert.equal(asked.status, 204, JSON.stringify(asked.body));
  const accepted = await t.request('PUT', `/users/@me/relationships/${from.id}`, { auth: to, body: {} });
  assert.equal(accepted.status, 204, JSON.stringify(accepted.body));
}

/**
 * `from` and `to` become friends: what Accord asks, as Discord does, before `to` may put `from` in a group DM
 * (src/api/routes/users.ts). Also opens their 1:1 DM and says hi in it.
 */
export async function writeDirectly(t: TestServer, from: TestUser, to: TestUser): Promise<void> {
  await makeFriends(t, from, to);
  const dm = await t.request('POST', '/users/@me/channels', { auth: from, body: { recipient_id: to.id } });
  assert.equal(dm.status, 200, JSON.stringify(dm.body));
  const sent = await t.request('POST', `/channels/${dm.body.id}/messages`, { auth: from, body: { content: 'hi' } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
}
