import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNotBanned } from '../../src/api/routes/bans.ts';
import type { MessageRecord } from '../../src/store/types.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { addMember, assertError, giveRole, guildWithMember, setPositions } from './fixtures.guilds.ts';

const BAN_MEMBERS = 1n << 2n;

describe('ban routes', () => {
  let t: TestServer;
  let seq = 0n;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  async function postAs(channelId: string, guildId: string, authorId: string, ageMs = 0): Promise<string> {
    // Ids carry the message time: build one `ageMs` in the past.
    const id = ((BigInt(Date.now() - ageMs) - 1420070400000n) << 22n | (seq++ & 0xfffn)).toString();
    const message: MessageRecord = {
      id, channelId, guildId, authorId, content: 'hi', type: 0, flags: 0, tts: false, mentionEveryone: false, mentions: [], mentionRoles: [],
      mentionChannels: [], embeds: [], attachments: [], components: [], stickerItems: [], nonce: null, pinned: false, webhookId: null,
      applicationId: null, messageReference: null, editedAt: null,
    };
    await t.store.messages.create(message);
    return id;
  }

  it('PUT bans a member: 204, GUILD_BAN_ADD, GUILD_MEMBER_REMOVE, MESSAGE_DELETE_BULK for recent messages; stored', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const general = (await t.store.channels.listByGuild(guild.id)).find((c) => c.type === 0)!;
    const recent = [await postAs(general.id, guild.id, member.id, 60_000), await postAs(general.id, guild.id, member.id)];
    const old = await postAs(general.id, guild.id, member.id, 3 * 86_400_000);
    const others = await postAs(general.id, guild.id, owner.id);
    const from = t.events.length;
    const res = await t.request('PUT', `/guilds/${guild.id}/bans/${member.id}`, {
      auth: owner, body: { delete_message_seconds: 86400 }, headers: { 'X-Audit-Log-Reason': encodeURIComponent('spam & abuse') },
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const ban = await t.waitForEvent('GUILD_BAN_ADD', (e) => e.d.guild_id === guild.id, from);
    assert.equal(ban.d.user.id, member.id);
    assert.deepEqual(Object.keys(ban.d).sort(), ['guild_id', 'user']);
    const removed = await t.waitForEvent('GUILD_MEMBER_REMOVE', (e) => e.d.guild_id === guild.id, from);
    assert.equal(removed.d.user.id, member.id);
    const bulk = await t.waitForEvent('MESSAGE_DELETE_BULK', (e) => e.d.guild_id === guild.id, from);
    assert.deepEqual([...bulk.d.ids].sort(), [...recent].sort());
    assert.equal(bulk.d.channel_id, general.id);
    assert.equal(bulk.channelId, general.id);
    assert.equal(await t.store.members.get(guild.id, member.id), null);
    assert.ok(await t.store.messages.get(general.id, old));
    assert.ok(await t.store.messages.get(general.id, others));
    assert.equal(await t.store.messages.get(general.id, recent[0]!), null);
    const stored = await t.request('GET', `/guilds/${guild.id}/bans/${member.id}`, { auth: owner });
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.body, { reason: 'spam & abuse', user: stored.body.user });
    assert.equal(stored.body.user.id, member.id);
    await assert.rejects(assertNotBanned(t.store, guild.id, member.id), (err: any) => err.code === 40007);
  });

  it('bans a non-member (no GUILD_MEMBER_REMOVE) with legacy delete_message_days; unknown user 10013', async () => {
    const { owner, guild } = await guildWithMember(t);
    const outsider = await t.register();
    const from = t.events.length;
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/bans/${outsider.id}`, { auth: owner, body: { delete_message_days: 1 } })).status, 204);
    await t.waitForEvent('GUILD_BAN_ADD', (e) => e.d.user.id === outsider.id, from);
    assert.equal(t.events.slice(from).filter((e) => e.t === 'GUILD_MEMBER_REMOVE').length, 0);
    assert.equal(t.events.slice(from).filter((e) => e.t === 'MESSAGE_DELETE_BULK').length, 0);
    assertError(await t.request('PUT', `/guilds/${guild.id}/bans/123456789012345678`, { auth: owner }), 404, 10013);
    assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${outsider.id}`, { auth: owner, body: { delete_message_seconds: 604801 } }), 400, 50035);
    assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${outsider.id}`, { auth: owner, body: { delete_message_days: 8 } }), 400, 50035);
  });

  it('needs BAN_MEMBERS and a higher top role; the owner can never be banned', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const peer = await t.register();
    const target = await t.register();
    await addMember(t, guild.id, peer);
    await addMember(t, guild.id, target);
    assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${target.id}`, { auth: member }), 403, 50013);
    assertError(await t.request('GET', `/guilds/${guild.id}/bans`, { auth: member }), 403, 50013);
    const banner = await giveRole(t, owner, guild.id, member, BAN_MEMBERS, 'banner');
    const high = await giveRole(t, owner, guild.id, peer, 0n, 'high');
    await setPositions(t, owner, guild.id, [[banner.id, 1], [high.id, 2]]);
    assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${peer.id}`, { auth: member }), 403, 50013);
    assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${owner.id}`, { auth: member }), 403, 50013);
    assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${owner.id}`, { auth: owner }), 403, 50013);
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/bans/${target.id}`, { auth: member })).status, 204);
    assert.ok(await t.store.members.get(guild.id, peer.id));
    const stranger = await t.register();
    assertError(await t.request('GET', `/guilds/${guild.id}/bans`, { auth: stranger }), 403, 50001);
    assertError(await t.request('GET', '/guilds/123456789012345678/bans', { auth: stranger }), 404, 10004);
  });

  it('GET /bans pages by after/before/limit; GET /bans/{user} 10026 when not banned', async () => {
    const { owner, guild } = await guildWithMember(t);
    const users = [await t.register(), await t.register(), await t.register()];
    for (const u of users) await t.request('PUT', `/guilds/${guild.id}/bans/${u.id}`, { auth: owner });
    const ids = users.map((u) => u.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const all = await t.request('GET', `/guilds/${guild.id}/bans`, { auth: owner });
    assert.deepEqual(all.body.map((b: any) => b.user.id), ids);
    assert.equal(all.body[0].reason, null);
    const page = await t.request('GET', `/guilds/${guild.id}/bans?after=${ids[0]}&limit=1`, { auth: owner });
    assert.deepEqual(page.body.map((b: any) => b.user.id), [ids[1]]);
    const before = await t.request('GET', `/guilds/${guild.id}/bans?before=${ids[2]}`, { auth: owner });
    assert.deepEqual(before.body.map((b: any) => b.user.id).sort(), ids.slice(0, 2).sort());
    // "If both before and after are provided, only before is respected."
    const both = await t.request('GET', `/guilds/${guild.id}/bans?before=${ids[2]}&after=${ids[0]}`, { auth: owner });
    assert.deepEqual(both.body.map((b: any) => b.user.id), ids.slice(0, 2));
    assertError(await t.request('GET', `/guilds/${guild.id}/bans?limit=1001`, { auth: owner }), 400, 50035);
    assertError(await t.request('GET', `/guilds/${guild.id}/bans/${owner.id}`, { auth: owner }), 404, 10026);
  });

  it('DELETE unbans: 204, GUILD_BAN_REMOVE; 10026 when not banned', async () => {
    const { owner, guild } = await guildWithMember(t);
    const u = await t.register();
    await t.request('PUT', `/guilds/${guild.id}/bans/${u.id}`, { auth: owner });
    const from = t.events.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/bans/${u.id}`, { auth: owner })).status, 204);
    const ev = await t.waitForEvent('GUILD_BAN_REMOVE', (e) => e.d.guild_id === guild.id, from);
    assert.equal(ev.d.user.id, u.id);
    assert.equal(await t.store.bans.get(guild.id, u.id), null);
    await assertNotBanned(t.store, guild.id, u.id);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/bans/${u.id}`, { auth: owner }), 404, 10026);
  });
});
