import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { writeDirectly } from './fixtures.guilds.ts';
import { assertError, guildFixture, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

let t: TestServer;
let f: GuildFixture;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t.close());

async function giveRole(permissions: bigint, name = 'r') {
  const role = await t.request('POST', `/guilds/${f.guild.id}/roles`, { auth: f.owner, body: { name, permissions: permissions.toString() } });
  assert.equal(role.status, 200, JSON.stringify(role.body));
  const put = await t.request('PUT', `/guilds/${f.guild.id}/members/${f.member.id}/roles/${role.body.id}`, { auth: f.owner });
  assert.equal(put.status, 204, JSON.stringify(put.body));
  return role.body;
}

describe('GET /channels/{id}', () => {
  test('a member sees the channel; a stranger gets 50001; unknown ids 10003, malformed ones 50035', async () => {
    const res = await t.request('GET', `/channels/${f.channel.id}`, { auth: f.member });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, f.channel.id);
    assert.equal(res.body.guild_id, f.guild.id);
    assert.deepEqual(res.body.permission_overwrites, []);
    assertError(await t.request('GET', `/channels/${f.channel.id}`, { auth: f.stranger }), 403, 50001);
    assertError(await t.request('GET', '/channels/123456789012345678', { auth: f.member }), 404, 10003);
    // An id Discord cannot read as a number is 50035 (documented-details.test.ts), not Unknown Channel.
    assertError(await t.request('GET', '/channels/nope', { auth: f.member }), 400, 50035);
    assert.equal((await t.request('GET', `/channels/${f.channel.id}`)).status, 401);
  });
});

describe('PATCH /channels/{id}', () => {
  test('MANAGE_CHANNELS edits name, topic, slowmode, nsfw → CHANNEL_UPDATE', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'editable' });
    assertError(await t.request('PATCH', `/channels/${ch.id}`, { auth: f.member, body: { name: 'mine' } }), 403, 50013);
    assertError(await t.request('PATCH', `/channels/${ch.id}`, { auth: f.stranger, body: { name: 'mine' } }), 403, 50001);
    const from = t.events.length;
    const res = await t.request('PATCH', `/channels/${ch.id}`, { auth: f.owner, body: { name: 'New Name', topic: 'about', rate_limit_per_user: 30, nsfw: true, unknown_field: 1 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'new-name');
    assert.equal(res.body.topic, 'about');
    assert.equal(res.body.rate_limit_per_user, 30);
    assert.equal(res.body.nsfw, true);
    const ev = await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === ch.id, from);
    assert.equal(ev.guildId, f.guild.id);
    assert.equal(ev.d.topic, 'about');
    const got = await t.request('GET', `/channels/${ch.id}`, { auth: f.member });
    assert.equal(got.body.rate_limit_per_user, 30);
  });

  test('invalid values → 50035', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'invalid' });
    for (const body of [{ topic: 'x'.repeat(1025) }, { rate_limit_per_user: 21601 }, { rate_limit_per_user: -1 }, { name: '' }, { parent_id: f.channel.id }, { permission_overwrites: [{ id: 'x', type: 0 }] }]) {
      assertError(await t.request('PATCH', `/channels/${ch.id}`, { auth: f.owner, body }), 400, 50035);
    }
  });

  test('parent_id moves the channel into a category', async () => {
    const cat = await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'Category', type: 4 } });
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'child' });
    const res = await t.request('PATCH', `/channels/${ch.id}`, { auth: f.owner, body: { parent_id: cat.body.id } });
    assert.equal(res.body.parent_id, cat.body.id);
    const back = await t.request('PATCH', `/channels/${ch.id}`, { auth: f.owner, body: { parent_id: null } });
    assert.equal(back.body.parent_id, null);
  });

  test('permission_overwrites replace the set; changing them needs MANAGE_ROLES and only bits the caller holds', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'overwrites' });
    const role = await giveRole(Permissions.MANAGE_CHANNELS | Permissions.VIEW_CHANNEL, 'channel-manager');
    const body = { permission_overwrites: [{ id: f.guild.id, type: 0, allow: '0', deny: String(Permissions.SEND_MESSAGES) }] };
    assertError(await t.request('PATCH', `/channels/${ch.id}`, { auth: f.member, body }), 403, 50013);
    // MANAGE_CHANNELS alone still edits other fields.
    assert.equal((await t.request('PATCH', `/channels/${ch.id}`, { auth: f.member, body: { topic: 'fine' } })).status, 200);
    const roles = await t.request('PATCH', `/guilds/${f.guild.id}/roles/${role.id}`, { auth: f.owner, body: { permissions: String(Permissions.MANAGE_CHANNELS | Permissions.MANAGE_ROLES | Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES) } });
    assert.equal(roles.status, 200, JSON.stringify(roles.body));
    assert.equal((await t.request('PATCH', `/channels/${ch.id}`, { auth: f.member, body })).status, 200);
    // MANAGE_GUILD is not the member's to hand out.
    const grant = { permission_overwrites: [{ id: f.member.id, type: 1, allow: String(Permissions.MANAGE_GUILD), deny: '0' }] };
    assertError(await t.request('PATCH', `/channels/${ch.id}`, { auth: f.member, body: grant }), 403, 50013);
    const res = await t.request('PATCH', `/channels/${ch.id}`, { auth: f.owner, body: grant });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.permission_overwrites, [{ id: f.member.id, type: 1, allow: String(Permissions.MANAGE_GUILD), deny: '0' }]);
    assertError(await t.request('PATCH', `/channels/${ch.id}`, { auth: f.owner, body: { permission_overwrites: [{ id: '123456789012345678', type: 0 }] } }), 400, 50035);
    await t.request('DELETE', `/guilds/${f.guild.id}/roles/${role.id}`, { auth: f.owner });
  });
});

describe('channel permission overwrites', () => {
  test('PUT hides a channel from a member, DELETE shows it again; both publish CHANNEL_UPDATE', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'private' });
    const url = `/channels/${ch.id}/permissions/${f.member.id}`;
    const from = t.events.length;
    const put = await t.request('PUT', url, { auth: f.owner, body: { type: 1, allow: '0', deny: String(Permissions.VIEW_CHANNEL) } });
    assert.equal(put.status, 204, JSON.stringify(put.body));
    const ev = await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === ch.id, from);
    assert.deepEqual(ev.d.permission_overwrites, [{ id: f.member.id, type: 1, allow: '0', deny: String(Permissions.VIEW_CHANNEL) }]);
    assertError(await t.request('GET', `/channels/${ch.id}`, { auth: f.member }), 403, 50001);

    const from2 = t.events.length;
    assert.equal((await t.request('DELETE', url, { auth: f.owner })).status, 204);
    const ev2 = await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === ch.id, from2);
    assert.deepEqual(ev2.d.permission_overwrites, []);
    assert.equal((await t.request('GET', `/channels/${ch.id}`, { auth: f.member })).status, 200);
    assertError(await t.request('DELETE', url, { auth: f.owner }), 404, 10009);
  });

  test('unknown targets → 10011 / 10007; no MANAGE_ROLES → 50013; bad body → 50035', async () => {
    const url = (id: string) => `/channels/${f.channel.id}/permissions/${id}`;
    assertError(await t.request('PUT', url('123456789012345678'), { auth: f.owner, body: { type: 0, allow: '0', deny: '0' } }), 404, 10011);
    assertError(await t.request('PUT', url(f.stranger.id), { auth: f.owner, body: { type: 1, allow: '0', deny: '0' } }), 404, 10007);
    assertError(await t.request('PUT', url(f.guild.id), { auth: f.member, body: { type: 0, allow: '0', deny: '1024' } }), 403, 50013);
    assertError(await t.request('PUT', url(f.guild.id), { auth: f.stranger, body: { type: 0 } }), 403, 50001);
    assertError(await t.request('PUT', url(f.guild.id), { auth: f.owner, body: { type: 5 } }), 400, 50035);
    assertError(await t.request('PUT', url(f.guild.id), { auth: f.owner, body: { type: 0, allow: 'lots' } }), 400, 50035);
  });
});

describe('DELETE /channels/{id}', () => {
  test('MANAGE_CHANNELS deletes a guild channel → CHANNEL_DELETE; then 10003', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'doomed' });
    assertError(await t.request('DELETE', `/channels/${ch.id}`, { auth: f.member }), 403, 50013);
    assertError(await t.request('DELETE', `/channels/${ch.id}`, { auth: f.stranger }), 403, 50001);
    const from = t.events.length;
    const res = await t.request('DELETE', `/channels/${ch.id}`, { auth: f.owner });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, ch.id);
    const ev = await t.waitForEvent('CHANNEL_DELETE', (e) => e.d.id === ch.id, from);
    assert.equal(ev.guildId, f.guild.id);
    assertError(await t.request('GET', `/channels/${ch.id}`, { auth: f.owner }), 404, 10003);
  });

  test('deleting a category leaves its channels without a parent, with a CHANNEL_UPDATE for each', async () => {
    const category = await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'doomed category', type: 4 } });
    assert.equal(category.status, 201, JSON.stringify(category.body));
    const inside = await textChannel(t, f.owner, f.guild.id, { name: 'survivor', parent_id: category.body.id });
    assert.equal(inside.parent_id, category.body.id);
    const from = t.events.length;
    assert.equal((await t.request('DELETE', `/channels/${category.body.id}`, { auth: f.owner })).status, 200);
    await t.waitForEvent('CHANNEL_DELETE', (e) => e.d.id === category.body.id, from);
    const update = await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === inside.id, from);
    assert.equal(update.d.parent_id, null);
    assert.equal((await t.request('GET', `/channels/${inside.id}`, { auth: f.owner })).body.parent_id, null);
  });

  test('channel create takes null for any field but name; allow and deny null are "0"; forum topics run to 4096', async () => {
    const created = await t.request('POST', `/guilds/${f.guild.id}/channels`, {
      auth: f.owner,
      body: { name: 'nulls', type: null, topic: null, nsfw: null, rate_limit_per_user: null, bitrate: null, user_limit: null, position: null, parent_id: null, permission_overwrites: [{ id: f.member.id, type: 1, allow: null, deny: null }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.type, 0);
    assert.deepEqual(created.body.permission_overwrites.map((o: any) => [o.allow, o.deny]), [['0', '0']]);
    const long = 'x'.repeat(2000);
    assertError(await t.request('PATCH', `/channels/${created.body.id}`, { auth: f.owner, body: { topic: long } }), 400, 50035);
    const forum = await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'long-forum', type: 15, topic: long } });
    assert.equal(forum.status, 201, JSON.stringify(forum.body));
    assert.equal(forum.body.topic, long);
    assertError(await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'long-text', topic: long } }), 400, 50035);
  });
});

describe('DM and group DM channels', () => {
  test('recipients see a DM; closing it returns it and keeps it; a third user gets 50001', async () => {
    const dm = await t.request('POST', '/users/@me/channels', { auth: f.member, body: { recipient_id: f.owner.id } });
    const got = await t.request('GET', `/channels/${dm.body.id}`, { auth: f.owner });
    assert.equal(got.status, 200);
    assert.equal(got.body.type, 1);
    assert.deepEqual(got.body.recipients.map((u: any) => u.id), [f.member.id]);
    assertError(await t.request('GET', `/channels/${dm.body.id}`, { auth: f.stranger }), 403, 50001);
    assertError(await t.request('PATCH', `/channels/${dm.body.id}`, { auth: f.owner, body: { name: 'x' } }), 403, 50003);
    const closed = await t.request('DELETE', `/channels/${dm.body.id}`, { auth: f.owner });
    assert.equal(closed.status, 200);
    assert.equal(closed.body.id, dm.body.id);
    assert.equal((await t.request('GET', `/channels/${dm.body.id}`, { auth: f.owner })).status, 200);
  });

  test('any recipient renames a group DM; leaving removes only the caller', async () => {
    const third = await t.register();
    await t.join(f.owner, f.guild.id, third);
    for (const u of [f.member, third]) await writeDirectly(t, u, f.owner);
    const gdm = await t.request('POST', '/users/@me/channels', { auth: f.owner, body: { recipients: [f.member.id, third.id] } });
    assert.equal(gdm.status, 200, JSON.stringify(gdm.body));
    const from = t.events.length;
    const renamed = await t.request('PATCH', `/channels/${gdm.body.id}`, { auth: f.member, body: { name: 'friends' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'friends');
    await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === gdm.body.id && e.subject === `gateway.user.${third.id}`, from);
    const left = await t.request('DELETE', `/channels/${gdm.body.id}`, { auth: third });
    assert.equal(left.status, 200);
    await t.waitForEvent('CHANNEL_RECIPIENT_REMOVE', (e) => e.d.channel_id === gdm.body.id && e.d.user.id === third.id, from);
    assertError(await t.request('GET', `/channels/${gdm.body.id}`, { auth: third }), 403, 50001);
    const still = await t.request('GET', `/channels/${gdm.body.id}`, { auth: f.owner });
    assert.deepEqual(still.body.recipients.map((u: any) => u.id), [f.member.id]);
  });

  test('the owner leaving hands the group on (CHANNEL_UPDATE); the last one out deletes it', async () => {
    await writeDirectly(t, f.member, f.owner);
    const gdm = await t.request('POST', '/users/@me/channels', { auth: f.owner, body: { recipients: [f.member.id] } });
    assert.equal(gdm.status, 200, JSON.stringify(gdm.body));
    const from = t.events.length;
    assert.equal((await t.request('DELETE', `/channels/${gdm.body.id}`, { auth: f.owner })).status, 200);
    const update = await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === gdm.body.id && e.subject === `gateway.user.${f.member.id}`, from);
    assert.equal(update.d.owner_id, f.member.id);
    assert.equal((await t.store.channels.get(gdm.body.id))?.ownerId, f.member.id);
    assert.equal((await t.request('DELETE', `/channels/${gdm.body.id}`, { auth: f.member })).status, 200);
    assert.equal(await t.store.channels.get(gdm.body.id), null);
  });
});

describe('channel invites', () => {
  test('POST creates an invite with metadata and INVITE_CREATE; GET lists them for MANAGE_CHANNELS', async () => {
    const from = t.events.length;
    const res = await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.member, body: { max_age: 3600, max_uses: 5 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.max_age, 3600);
    assert.equal(res.body.max_uses, 5);
    assert.equal(res.body.uses, 0);
    assert.equal(res.body.temporary, false);
    assert.equal(res.body.guild.id, f.guild.id);
    assert.equal(res.body.channel.id, f.channel.id);
    assert.equal(res.body.inviter.id, f.member.id);
    assert.ok(res.body.expires_at && res.body.created_at);
    const ev = await t.waitForEvent('INVITE_CREATE', (e) => e.d.code === res.body.code, from);
    assert.equal(ev.d.guild_id, f.guild.id);
    assert.equal(ev.d.channel_id, f.channel.id);
    assert.equal(ev.d.inviter.id, f.member.id);
    assert.equal(ev.d.max_uses, 5);

    const list = await t.request('GET', `/channels/${f.channel.id}/invites`, { auth: f.owner });
    assert.equal(list.status, 200);
    assert.ok(list.body.some((i: any) => i.code === res.body.code && i.uses === 0));
    assertError(await t.request('GET', `/channels/${f.channel.id}/invites`, { auth: f.member }), 403, 50013);
    assertError(await t.request('GET', `/channels/${f.channel.id}/invites`, { auth: f.stranger }), 403, 50001);
  });

  test('defaults, limits and permission', async () => {
    const res = await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.owner });
    assert.equal(res.body.max_age, 86400);
    assert.equal(res.body.max_uses, 0);
    const never = await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.owner, body: { max_age: 0 } });
    assert.equal(never.body.expires_at, null);
    assertError(await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.owner, body: { max_age: 604801 } }), 400, 50035);
    assertError(await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.owner, body: { max_uses: 101 } }), 400, 50035);
    assertError(await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.stranger, body: {} }), 403, 50001);
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'no-invites' });
    await t.request('PUT', `/channels/${ch.id}/permissions/${f.guild.id}`, { auth: f.owner, body: { type: 0, deny: String(Permissions.CREATE_INSTANT_INVITE) } });
    assertError(await t.request('POST', `/channels/${ch.id}/invites`, { auth: f.member, body: {} }), 403, 50013);
  });
});

describe('typing and acks', () => {
  test('POST typing → 204 and TYPING_START with unix seconds and member', async () => {
    const from = t.events.length;
    const res = await t.request('POST', `/channels/${f.channel.id}/typing`, { auth: f.member });
    assert.equal(res.status, 204);
    const ev = await t.waitForEvent('TYPING_START', (e) => e.d.user_id === f.member.id, from);
    assert.equal(ev.channelId, f.channel.id);
    assert.equal(ev.d.guild_id, f.guild.id);
    assert.ok(Number.isInteger(ev.d.timestamp) && Math.abs(ev.d.timestamp - Date.now() / 1000) < 120);
    assert.equal(ev.d.member.user.id, f.member.id);
    assertError(await t.request('POST', `/channels/${f.channel.id}/typing`, { auth: f.stranger }), 403, 50001);
  });

  test('ack stores the read state and tells only the user', async () => {
    const m = await send(t, f.owner, f.channel.id, `<@${f.member.id}> read this`);
    const before = (await t.store.readStates.listForUser(f.member.id)).find((s) => s.channelId === f.channel.id);
    assert.ok(before && before.mentionCount >= 1);
    const from = t.events.length;
    const res = await t.request('POST', `/channels/${f.channel.id}/messages/${m.id}/ack`, { auth: f.member, body: { token: null } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { token: null });
    const ev = await t.waitForEvent('MESSAGE_ACK', () => true, from);
    assert.equal(ev.subject, `gateway.user.${f.member.id}`);
    assert.equal(ev.d.message_id, m.id);
    assert.equal(ev.d.channel_id, f.channel.id);
    const state = (await t.store.readStates.listForUser(f.member.id)).find((s) => s.channelId === f.channel.id);
    assert.equal(state?.lastMessageId, m.id);
    assert.equal(state?.mentionCount, 0);
    assertError(await t.request('POST', `/channels/${f.channel.id}/messages/${m.id}/ack`, { auth: f.stranger, body: {} }), 403, 50001);
  });
});
