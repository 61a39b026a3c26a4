import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, guildFixture, type GuildFixture } from './fixtures.messages.ts';

let t: TestServer;
let f: GuildFixture;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t.close());

/** A new invite of the owner's (unique: each test counts its own uses). */
async function invite(body: Record<string, unknown> = {}) {
  const res = await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.owner, body: { unique: true, ...body } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('GET /invites/{code}', () => {
  test('works without auth, with guild, channel, inviter; with_counts adds the member count', async () => {
    const inv = await invite();
    const res = await t.request('GET', `/invites/${inv.code}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.code, inv.code);
    assert.equal(res.body.guild.id, f.guild.id);
    assert.equal(res.body.channel.id, f.channel.id);
    assert.equal(res.body.inviter.id, f.owner.id);
    assert.ok(!('uses' in res.body) && !('approximate_member_count' in res.body));
    const counted = await t.request('GET', `/invites/${inv.code}?with_counts=true`, { auth: f.stranger });
    assert.equal(counted.body.approximate_member_count, 2);
  });

  test('unknown or expired → 10006', async () => {
    assertError(await t.request('GET', '/invites/doesnotexist'), 404, 10006);
    const now = Date.now();
    await t.store.invites.create({ code: 'expiredOne', guildId: f.guild.id, channelId: f.channel.id, inviterId: f.owner.id, uses: 0, maxUses: 0, maxAge: 60, temporary: false, createdAt: now - 120_000, expiresAt: now - 60_000 });
    assertError(await t.request('GET', '/invites/expiredOne'), 404, 10006);
    assertError(await t.request('POST', '/invites/expiredOne', { auth: f.stranger }), 404, 10006);
  });
});

describe('POST /channels/{id}/invites: unique', () => {
  test('without unique a similar live invite comes back (no INVITE_CREATE); unique, other settings or another inviter make a new one', async () => {
    const create = (body: Record<string, unknown>, auth = f.owner) => t.request('POST', `/channels/${f.channel.id}/invites`, { auth, body });
    const first = await create({ max_age: 3600, max_uses: 5 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const from = t.events.length;
    const again = await create({ max_age: 3600, max_uses: 5, unique: false });
    assert.equal(again.status, 200);
    assert.equal(again.body.code, first.body.code, 'the similar invite is reused');
    assert.equal(again.body.expires_at, first.body.expires_at, 'as it is');
    const fresh = await create({ max_age: 3600, max_uses: 5, unique: true });
    assert.notEqual(fresh.body.code, first.body.code, 'unique makes a new one');
    assert.notEqual((await create({ max_age: 3600, max_uses: 6 })).body.code, first.body.code, 'other settings are not similar');
    assert.notEqual((await create({ max_age: 3600, max_uses: 5, temporary: true })).body.code, first.body.code);
    const helper = await t.register();
    await t.join(f.owner, f.guild.id, helper);
    await t.request('PUT', `/channels/${f.channel.id}/permissions/${f.guild.id}`, { auth: f.owner, body: { type: 0, allow: String(Permissions.CREATE_INSTANT_INVITE) } });
    const theirs = await create({ max_age: 3600, max_uses: 5 }, helper);
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.notEqual(theirs.body.code, first.body.code, "another inviter's invite is not reused");
    await new Promise((r) => setTimeout(r, 100));
    const created = t.events.slice(from).filter((e) => e.t === 'INVITE_CREATE').map((e) => e.d.code);
    assert.ok(!created.includes(first.body.code), 'no INVITE_CREATE for the reused one');
    assert.ok(created.includes(fresh.body.code));
  });

  test('a used-up or expired invite is not reused', async () => {
    const create = (body: Record<string, unknown>) => t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.owner, body });
    const once = await create({ max_age: 600, max_uses: 1 });
    const joiner = await t.register();
    assert.equal((await t.request('POST', `/invites/${once.body.code}`, { auth: joiner })).status, 200);
    assert.notEqual((await create({ max_age: 600, max_uses: 1 })).body.code, once.body.code, 'the used-up one is gone');
    const now = Date.now();
    await t.store.invites.create({ code: 'staleSimilar', guildId: f.guild.id, channelId: f.channel.id, inviterId: f.owner.id, uses: 0, maxUses: 0, maxAge: 60, temporary: false, createdAt: now - 120_000, expiresAt: now - 60_000 });
    assert.notEqual((await create({ max_age: 60 })).body.code, 'staleSimilar');
  });
});

describe('POST /invites/{code}', () => {
  test('joins the guild: new_member, GUILD_MEMBER_ADD, a use counted; joining again is harmless', async () => {
    const inv = await invite();
    const joiner = await t.register();
    const from = t.events.length;
    const res = await t.request('POST', `/invites/${inv.code}`, { auth: joiner });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.new_member, true);
    assert.equal(res.body.guild.id, f.guild.id);
    assert.equal(res.body.channel.id, f.channel.id);
    const ev = await t.waitForEvent('GUILD_MEMBER_ADD', (e) => e.d.user?.id === joiner.id, from);
    assert.equal(ev.d.guild_id, f.guild.id);
    assert.equal(ev.subject, `gateway.guild.${f.guild.id}`);
    assert.ok(await t.store.members.get(f.guild.id, joiner.id));

    const again = await t.request('POST', `/invites/${inv.code}`, { auth: joiner });
    assert.equal(again.status, 200);
    assert.ok(!again.body.new_member);
    const list = await t.request('GET', `/channels/${f.channel.id}/invites`, { auth: f.owner });
    assert.equal(list.body.find((i: any) => i.code === inv.code).uses, 1);
  });

  test('max_uses is enforced: the invite goes away once used up', async () => {
    const inv = await invite({ max_uses: 1 });
    const a = await t.register();
    const b = await t.register();
    assert.equal((await t.request('POST', `/invites/${inv.code}`, { auth: a })).status, 200);
    assertError(await t.request('POST', `/invites/${inv.code}`, { auth: b }), 404, 10006);
    assertError(await t.request('GET', `/invites/${inv.code}`), 404, 10006);
  });

  test('a banned user → 403 40007; bots cannot accept invites; no auth → 401', async () => {
    const inv = await invite();
    const banned = await t.register();
    const ban = await t.request('PUT', `/guilds/${f.guild.id}/bans/${banned.id}`, { auth: f.owner, body: {} });
    assert.equal(ban.status, 204, JSON.stringify(ban.body));
    assertError(await t.request('POST', `/invites/${inv.code}`, { auth: banned }), 403, 40007);
    assert.equal(await t.store.members.get(f.guild.id, banned.id), null);
    assert.equal((await t.request('POST', `/invites/${inv.code}`)).status, 401);
  });
});

describe('DELETE /invites/{code}', () => {
  test('needs MANAGE_CHANNELS or MANAGE_GUILD; publishes INVITE_DELETE', async () => {
    const inv = await invite();
    assertError(await t.request('DELETE', `/invites/${inv.code}`, { auth: f.member }), 403, 50013);
    assertError(await t.request('DELETE', `/invites/${inv.code}`, { auth: f.stranger }), 403, 50001);
    const from = t.events.length;
    const res = await t.request('DELETE', `/invites/${inv.code}`, { auth: f.owner });
    assert.equal(res.status, 200);
    assert.equal(res.body.code, inv.code);
    const ev = await t.waitForEvent('INVITE_DELETE', (e) => e.d.code === inv.code, from);
    assert.deepEqual(ev.d, { channel_id: f.channel.id, guild_id: f.guild.id, code: inv.code });
    assertError(await t.request('GET', `/invites/${inv.code}`), 404, 10006);
    assertError(await t.request('DELETE', `/invites/${inv.code}`, { auth: f.owner }), 404, 10006);
  });

  test('a member with MANAGE_GUILD may delete', async () => {
    const inv = await invite();
    const role = await t.request('POST', `/guilds/${f.guild.id}/roles`, { auth: f.owner, body: { name: 'managers', permissions: String(Permissions.MANAGE_GUILD) } });
    await t.request('PUT', `/guilds/${f.guild.id}/members/${f.member.id}/roles/${role.body.id}`, { auth: f.owner });
    assert.equal((await t.request('DELETE', `/invites/${inv.code}`, { auth: f.member })).status, 200);
  });
});

describe('GET /guilds/{id}/invites', () => {
  test('every live invite of the guild; MANAGE_GUILD or VIEW_AUDIT_LOG; metadata only with MANAGE_GUILD', async () => {
    const g = await guildFixture(t);
    const other = (await t.request('POST', `/guilds/${g.guild.id}/channels`, { auth: g.owner, body: { name: 'second' } })).body;
    const a = (await t.request('POST', `/channels/${g.channel.id}/invites`, { auth: g.owner, body: { max_uses: 5 } })).body;
    const b = (await t.request('POST', `/channels/${other.id}/invites`, { auth: g.owner, body: {} })).body;
    const all = await t.request('GET', `/guilds/${g.guild.id}/invites`, { auth: g.owner });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    // Both channels' invites (and the one the fixture's member joined with).
    const codes = all.body.map((i: any) => i.code);
    assert.ok(codes.includes(a.code) && codes.includes(b.code), JSON.stringify(codes));
    const first = all.body.find((i: any) => i.code === a.code);
    assert.equal(first.channel.id, g.channel.id);
    assert.equal(first.inviter.id, g.owner.id);
    assert.equal(first.max_uses, 5);
    assert.equal(first.uses, 0);

    assertError(await t.request('GET', `/guilds/${g.guild.id}/invites`, { auth: g.member }), 403, 50013);
    const auditors = await t.request('POST', `/guilds/${g.guild.id}/roles`, { auth: g.owner, body: { name: 'auditors', permissions: String(Permissions.VIEW_AUDIT_LOG) } });
    await t.request('PUT', `/guilds/${g.guild.id}/members/${g.member.id}/roles/${auditors.body.id}`, { auth: g.owner });
    const seen = await t.request('GET', `/guilds/${g.guild.id}/invites`, { auth: g.member });
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(seen.body.length, codes.length);
    assert.equal('uses' in seen.body[0], false, 'no metadata without MANAGE_GUILD');
    assertError(await t.request('GET', `/guilds/${g.guild.id}/invites`, { auth: g.stranger }), 403, 50001);
  });
});
