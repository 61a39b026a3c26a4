/**
 * Per-server profiles: Modify Current Member's `banner` and `bio` (beside `nick` and `avatar`), the member
 * object's `banner`, the banner on Discord's CDN path, and GET /users/{id}/profile, which shows a member's
 * per-server banner and About Me beside the user's own.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { addMember, assertError, guildWithMember, makeBot, writeDirectly } from './fixtures.guilds.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const dataUri = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;
const png = (colour: string) => sharp({ create: { width: 120, height: 48, channels: 4, background: colour } }).png().toBuffer();

describe('per-server member profiles', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('PATCH /guilds/{id}/members/@me sets a banner and About Me; the member object and GUILD_MEMBER_UPDATE carry the banner; the CDN serves it', async () => {
    const { member, guild } = await guildWithMember(t);
    const banner = await png('#aa3366');
    const from = t.events.length;
    const res = await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { banner: dataUri(banner), bio: 'Here for the music' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.banner, sha256(banner).slice(0, 32));
    assert.equal(res.body.user.id, member.id);
    const update = await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => (e.d as any).user.id === member.id, from);
    assert.equal((update.d as any).banner, res.body.banner);
    const got = await fetch(`${t.url}/guilds/${guild.id}/users/${member.id}/banners/${res.body.banner}.png`);
    assert.equal(got.status, 200);
    assert.equal(sha256(Buffer.from(await got.arrayBuffer())), sha256(banner));
    // Read back through the members routes.
    assert.equal((await t.request('GET', `/guilds/${guild.id}/members/${member.id}`, { auth: member })).body.banner, res.body.banner);

    // Discord's 190-character About Me: longer is 50035 under bio, and nothing of the request is written.
    const other = await png('#113355');
    const tooLong = await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { banner: dataUri(other), bio: 'x'.repeat(191) } });
    assertError(tooLong, 400, 50035);
    assert.ok(tooLong.body.errors.bio, JSON.stringify(tooLong.body));
    assert.equal((await t.request('GET', `/guilds/${guild.id}/members/${member.id}`, { auth: member })).body.banner, res.body.banner);
    // Not an image: 50035 under banner.
    assertError(await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { banner: 'data:image/png;base64,AAAA' } }), 400, 50035);
    // null removes the banner and clears About Me.
    const cleared = await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { banner: null, bio: null } });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(cleared.body.banner, null);
    const profile = await t.request('GET', `/users/${member.id}/profile?guild_id=${guild.id}`, { auth: member });
    assert.equal(profile.body.guild_member_profile.bio, '');
    assert.equal(profile.body.guild_member_profile.banner, null);
  });

  it('an animated GIF banner keeps its animation (a_ hash)', async () => {
    const { member, guild } = await guildWithMember(t);
    const frames = await Promise.all(['#ff0000', '#00ff00'].map(png));
    const gif = await sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100], loop: 0 }).toBuffer();
    const res = await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { banner: dataUri(gif, 'image/gif') } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.banner, /^a_[0-9a-f]{32}$/);
    const served = await fetch(`${t.url}/guilds/${guild.id}/users/${member.id}/banners/${res.body.banner}.gif`);
    assert.equal(served.status, 200);
    assert.equal((await sharp(Buffer.from(await served.arrayBuffer()), { animated: true }).metadata()).pages, 2);
  });

  it('GET /users/{id}/profile: the user\'s About Me and banner, the member\'s in the guild asked for, and mutual guilds with nicknames', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const userBanner = await png('#224466');
    const mine = await t.request('PATCH', '/users/@me', { auth: member, body: { bio: 'Everywhere: a pianist', banner: dataUri(userBanner) } });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    const memberBanner = await png('#664422');
    const set = await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { nick: 'Keys', bio: 'Here: the jazz channel', banner: dataUri(memberBanner) } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // A second guild they share, where the member has no per-server profile.
    const second = await t.createGuild(owner, 'Second');
    await addMember(t, second.id, member);

    const res = await t.request('GET', `/users/${member.id}/profile?guild_id=${guild.id}`, { auth: owner });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user.id, member.id);
    assert.equal(res.body.user.bio, 'Everywhere: a pianist');
    assert.equal(res.body.user_profile.bio, 'Everywhere: a pianist');
    assert.equal(res.body.user_profile.banner, mine.body.banner);
    assert.equal(res.body.guild_member.nick, 'Keys');
    assert.equal(res.body.guild_member.user.id, member.id);
    assert.equal(res.body.guild_member_profile.guild_id, guild.id);
    assert.equal(res.body.guild_member_profile.bio, 'Here: the jazz channel');
    assert.equal(res.body.guild_member_profile.banner, set.body.banner);
    assert.deepEqual(
      [...res.body.mutual_guilds].sort((a: any, b: any) => a.id.localeCompare(b.id)),
      [{ id: guild.id, nick: 'Keys' }, { id: second.id, nick: null }].sort((a, b) => a.id.localeCompare(b.id)),
    );
    // In the other guild there is no per-server About Me.
    const elsewhere = await t.request('GET', `/users/${member.id}/profile?guild_id=${second.id}`, { auth: owner });
    assert.equal(elsewhere.body.guild_member_profile.bio, '');
    assert.equal(elsewhere.body.guild_member_profile.banner, null);
    // with_mutual_guilds=false leaves them out; without guild_id there is no member part.
    const plain = await t.request('GET', `/users/${member.id}/profile?with_mutual_guilds=false`, { auth: owner });
    assert.equal(plain.body.mutual_guilds, undefined);
    assert.equal(plain.body.guild_member, undefined);
    assert.equal(plain.body.guild_member_profile, undefined);
    // One's own, by @me.
    const self = await t.request('GET', `/users/@me/profile?guild_id=${guild.id}`, { auth: member });
    assert.equal(self.status, 200, JSON.stringify(self.body));
    assert.equal(self.body.guild_member_profile.bio, 'Here: the jazz channel');
  });

  it('a guild the caller is not in shows no member; strangers get 50001, bots 20001, unknown users 10013', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const stranger = await t.register();
    const theirs = await t.createGuild(stranger, 'Elsewhere');
    await addMember(t, theirs.id, member);
    await t.request('PATCH', `/guilds/${theirs.id}/members/@me`, { auth: member, body: { nick: 'Secret', bio: 'Only for Elsewhere' } });
    // The owner shares `guild` with the member, not `theirs`: its nickname and About Me stay out.
    const res = await t.request('GET', `/users/${member.id}/profile?guild_id=${theirs.id}`, { auth: owner });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.guild_member, undefined);
    assert.equal(res.body.guild_member_profile, undefined);
    assert.deepEqual(res.body.mutual_guilds, [{ id: guild.id, nick: null }]);

    assertError(await t.request('GET', `/users/${owner.id}/profile`, { auth: stranger }), 403, 50001);
    // A friend with no guild in common may see it.
    await writeDirectly(t, stranger, owner);
    const friend = await t.request('GET', `/users/${owner.id}/profile`, { auth: stranger });
    assert.equal(friend.status, 200, JSON.stringify(friend.body));
    assert.deepEqual(friend.body.mutual_guilds, []);

    const { bot } = await makeBot(t, owner);
    assertError(await t.request('GET', `/users/${owner.id}/profile`, { auth: bot }), 403, 20001);
    assertError(await t.request('GET', '/users/123456789012345678/profile', { auth: owner }), 404, 10013);
  });

  it('someone with a DM open with the user may read the profile after they no longer share a guild', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const dm = await t.request('POST', '/users/@me/channels', { auth: member, body: { recipient_id: owner.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const left = await t.request('DELETE', `/users/@me/guilds/${guild.id}`, { auth: member });
    assert.equal(left.status, 204);
    const res = await t.request('GET', `/users/${owner.id}/profile`, { auth: member });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.mutual_guilds, []);
    const other = await t.register();
    assertError(await t.request('GET', `/users/${owner.id}/profile`, { auth: other }), 403, 50001);
  });
});
