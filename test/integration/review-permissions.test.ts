/**
 * Review findings on the REST side: overwrite escalation through PUT and lock_permissions, ids past the store's
 * range, and undecodable paths. Each test failed before its fix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, giveRole, guildWithMember } from './fixtures.guilds.ts';
import { overwrite, send, textChannel } from './fixtures.messages.ts';

describe('review: permissions and odd ids', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  const channelOverwrites = async (auth: any, channelId: string) => (await t.request('GET', `/channels/${channelId}`, { auth })).body.permission_overwrites;

  it('PUT of an overwrite cannot lift a deny of a bit the caller lacks (MANAGE_ROLES alone)', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const channel = await textChannel(t, owner, guild.id, { name: 'announcements' });
    await overwrite(t, owner, channel.id, guild.id, 0, 0n, Permissions.SEND_MESSAGES);
    await giveRole(t, owner, guild.id, member, Permissions.MANAGE_ROLES, 'perm-manager');
    const before = await channelOverwrites(owner, channel.id);

    const res = await t.request('PUT', `/channels/${channel.id}/permissions/${guild.id}`, { auth: member, body: { type: 0, allow: '0', deny: '0' } });
    assertError(res, 403, 50013);
    assert.deepEqual(await channelOverwrites(owner, channel.id), before);
    assertError(await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { content: 'still muted' } }), 403, 50013);

    // Bits the caller holds may still be changed on the same overwrite.
    const ok = await t.request('PUT', `/channels/${channel.id}/permissions/${guild.id}`, {
      auth: member, body: { type: 0, allow: '0', deny: (Permissions.SEND_MESSAGES | Permissions.ADD_REACTIONS).toString() },
    });
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
  });

  it('lock_permissions needs MANAGE_ROLES in the channel: MANAGE_CHANNELS alone cannot open a private channel', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const channels = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body;
    const category = channels.find((c: any) => c.type === 4);
    const secret = await textChannel(t, owner, guild.id, {
      name: 'secret', permission_overwrites: [{ id: guild.id, type: 0, allow: '0', deny: Permissions.VIEW_CHANNEL.toString() }],
    });
    await giveRole(t, owner, guild.id, member, Permissions.MANAGE_CHANNELS, 'channel-manager');
    const before = await channelOverwrites(owner, secret.id);

    const res = await t.request('PATCH', `/guilds/${guild.id}/channels`, { auth: member, body: [{ id: secret.id, parent_id: category.id, lock_permissions: true }] });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.deepEqual(await channelOverwrites(owner, secret.id), before);
    assertError(await t.request('GET', `/channels/${secret.id}/messages`, { auth: member }), 403, 50001);

    // The owner may still sync.
    const ok = await t.request('PATCH', `/guilds/${guild.id}/channels`, { auth: owner, body: [{ id: secret.id, parent_id: category.id, lock_permissions: true }] });
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
  });

  it('ids past 2^63 are unknown resources (404), not store errors (400)', async () => {
    const { owner, guild } = await guildWithMember(t);
    const channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    assertError(await t.request('GET', '/channels/9223372036854775808/messages', { auth: owner }), 404, 10003);
    assertError(await t.request('GET', '/guilds/18446744073709551615', { auth: owner }), 404, 10004);
    assertError(await t.request('GET', `/channels/${channel.id}/messages/9223372036854775808`, { auth: owner }), 404, 10008);
    assertError(await t.request('GET', '/users/9223372036854775808', { auth: owner }), 404, 10013);

    // Such digits in content are text, not mentions: the message goes out.
    const m = await send(t, owner, channel.id, '<@99999999999999999999> and <@9223372036854775808>');
    assert.deepEqual(m.mentions, []);

    // A custom emoji id out of range is an unknown emoji.
    const r = await t.request('PUT', `/channels/${channel.id}/messages/${m.id}/reactions/x:99999999999999999999/@me`, { auth: owner });
    assertError(r, 400, 10014);
  });

  it('a token naming an id past 2^63 is an invalid token (401)', async () => {
    const forged = `${Buffer.from('99999999999999999999').toString('base64url')}.MTc5.${'A'.repeat(43)}`;
    const res = await t.request('GET', '/users/@me', { auth: forged });
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.code, 0);
  });

  it('an undecodable path answers in Discord\'s error shape', async () => {
    const { owner } = await guildWithMember(t);
    const res = await t.request('GET', '/channels/1/messages/1/reactions/%F0', { auth: owner });
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(typeof res.body.code, 'number');
    assert.equal(typeof res.body.message, 'string');
    assert.equal(res.body.statusCode, undefined);
    assert.equal(res.headers.get('content-type'), 'application/json');
  });
});
