import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { addMember, assertError, giveRole, guildWithMember, writeDirectly } from './fixtures.guilds.ts';

describe('users routes', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  describe('/users/@me and /users/{id}', () => {
    it('GET /users/@me returns the private user; 401 without a token', async () => {
      const u = await t.register();
      const me = await t.request('GET', '/users/@me', { auth: u });
      assert.equal(me.status, 200);
      for (const key of ['id', 'username', 'discriminator', 'global_name', 'avatar', 'email', 'verified', 'mfa_enabled', 'flags']) assert.ok(key in me.body, key);
      assert.equal('bot' in me.body, false);
      assertError(await t.request('GET', '/users/@me'), 401, 0);
    });

    it('PATCH /users/@me: 200, USER_UPDATE to the user, stored', async () => {
      const u = await t.register();
      const from = t.events.length;
      // A real 1×1 PNG: image data is decoded and verified.
      const avatar = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
      const res = await t.request('PATCH', '/users/@me', { auth: u, body: { global_name: 'Shown Name', bio: 'hello', avatar, unknown_field: 1 } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.global_name, 'Shown Name');
      assert.match(res.body.avatar, /^[0-9a-f]{32}$/);
      const ev = await t.waitForEvent('USER_UPDATE', (e) => e.subject === `gateway.user.${u.id}`, from);
      assert.equal(ev.d.global_name, 'Shown Name');
      assert.equal(ev.d.id, u.id);
      const again = await t.request('GET', '/users/@me', { auth: u });
      assert.equal(again.body.bio, 'hello');
      assert.equal(again.body.avatar, res.body.avatar);
    });

    it('PATCH /users/@me refuses a taken username and a bad avatar with 50035', async () => {
      const a = await t.register();
      const b = await t.register();
      assertError(await t.request('PATCH', '/users/@me', { auth: a, body: { username: b.username.toUpperCase() } }), 400, 50035);
      assertError(await t.request('PATCH', '/users/@me', { auth: a, body: { avatar: 'not an image' } }), 400, 50035);
      const renamed = await t.request('PATCH', '/users/@me', { auth: a, body: { username: `${a.username}x`, password: 'correct horse battery staple' } });
      assert.equal(renamed.body.username, `${a.username}x`);
      // Discord's rules for every username: no @ # : ``` or "discord", not "everyone" or "here".
      for (const bad of ['here', 'everyone', 'my_discord_name']) {
        const res = await t.request('PATCH', '/users/@me', { auth: a, body: { username: bad, password: 'correct horse battery staple' } });
        assertError(res, 400, 50035);
        assert.ok(res.body.errors.username, JSON.stringify(res.body));
      }
    });

    it('PATCH /users/@me for a bot keeps case and spaces (Discord never moved bots to pomelo names)', async () => {
      const { owner } = await guildWithMember(t);
      const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Namer' } });
      const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
      const bot = { id: app.body.id, token: reset.body.token, username: '', auth: `Bot ${reset.body.token}` };
      const name = `Cool Bot ${Date.now().toString(36)}`;
      const res = await t.request('PATCH', '/users/@me', { auth: bot, body: { username: name } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.username, name);
      assertError(await t.request('PATCH', '/users/@me', { auth: bot, body: { username: 'Discord Helper' } }), 400, 50035);
      assertError(await t.request('PATCH', '/users/@me', { auth: bot, body: { username: 'a#1' } }), 400, 50035);
      assertError(await t.request('PATCH', '/users/@me', { auth: bot, body: { username: 'x' } }), 400, 50035);
    });

    it('GET /users/{id}: the public user (no email); 404 10013 for unknown ids, 50035 for malformed ones', async () => {
      const a = await t.register();
      const b = await t.register();
      const res = await t.request('GET', `/users/${b.id}`, { auth: a });
      assert.equal(res.status, 200);
      assert.equal(res.body.username, b.username);
      assert.equal('email' in res.body, false);
      assertError(await t.request('GET', '/users/123456789012345678', { auth: a }), 404, 10013);
      assertError(await t.request('GET', '/users/nope', { auth: a }), 400, 50035);
    });
  });

  describe('/users/@me/guilds', () => {
    it('lists the caller’s guilds with permissions, paged by before/after/limit, with_counts', async () => {
      const owner = await t.register();
      const other = await t.register();
      const g1 = await t.createGuild(owner, 'G one');
      const g2 = await t.createGuild(owner, 'G two');
      const g3 = await t.createGuild(other, 'G three');
      await addMember(t, g3.id, owner);
      const all = await t.request('GET', '/users/@me/guilds', { auth: owner });
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.map((g: any) => g.id), [g1.id, g2.id, g3.id]);
      assert.equal(all.body[0].owner, true);
      assert.equal(all.body[2].owner, false);
      assert.equal(all.body[2].permissions, g3.roles[0].permissions);
      assert.equal('approximate_member_count' in all.body[0], false);
      const after = await t.request('GET', `/users/@me/guilds?after=${g1.id}&limit=1`, { auth: owner });
      assert.deepEqual(after.body.map((g: any) => g.id), [g2.id]);
      const before = await t.request('GET', `/users/@me/guilds?before=${g3.id}`, { auth: owner });
      assert.deepEqual(before.body.map((g: any) => g.id), [g1.id, g2.id]);
      const counted = await t.request('GET', '/users/@me/guilds?with_counts=true', { auth: owner });
      assert.equal(counted.body[2].approximate_member_count, 2);
      assert.equal(counted.body[2].approximate_presence_count, 0);
      assertError(await t.request('GET', '/users/@me/guilds?limit=201', { auth: owner }), 400, 50035);
      assertError(await t.request('GET', '/users/@me/guilds?limit=0', { auth: owner }), 400, 50035);
    });

    it('GET /users/@me/guilds/{id}/member: the caller’s member; 403 50001 for a stranger, 404 10004 for an unknown guild', async () => {
      const { member, guild } = await guildWithMember(t);
      const stranger = await t.register();
      const res = await t.request('GET', `/users/@me/guilds/${guild.id}/member`, { auth: member });
      assert.equal(res.status, 200);
      assert.equal(res.body.user.id, member.id);
      assert.deepEqual(res.body.roles, []);
      assertError(await t.request('GET', `/users/@me/guilds/${guild.id}/member`, { auth: stranger }), 403, 50001);
      assertError(await t.request('GET', '/users/@me/guilds/123456789012345678/member', { auth: stranger }), 404, 10004);
    });

    it('DELETE /users/@me/guilds/{id}: a member leaves (204, GUILD_MEMBER_REMOVE); the owner cannot (400 50055)', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const from = t.events.length;
      const res = await t.request('DELETE', `/users/@me/guilds/${guild.id}`, { auth: member });
      assert.equal(res.status, 204);
      const ev = await t.waitForEvent('GUILD_MEMBER_REMOVE', (e) => e.d.guild_id === guild.id, from);
      assert.equal(ev.d.user.id, member.id);
      assert.equal(ev.subject, `gateway.guild.${guild.id}`);
      assert.equal(await t.store.members.get(guild.id, member.id), null);
      assertError(await t.request('GET', `/guilds/${guild.id}`, { auth: member }), 403, 50001);
      assertError(await t.request('DELETE', `/users/@me/guilds/${guild.id}`, { auth: member }), 403, 50001);
      assertError(await t.request('DELETE', `/users/@me/guilds/${guild.id}`, { auth: owner }), 400, 50055);
      assert.ok(await t.store.members.get(guild.id, owner.id));
    });
  });

  describe('DMs', () => {
    it('opens a DM with someone sharing a guild: CHANNEL_CREATE to both, reused on the second call', async () => {
      const { owner, member } = await guildWithMember(t);
      const from = t.events.length;
      const res = await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: member.id } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.type, 1);
      assert.deepEqual(res.body.recipients.map((u: any) => u.id), [member.id]);
      assert.equal('guild_id' in res.body, false);
      const forMember = await t.waitForEvent('CHANNEL_CREATE', (e) => e.subject === `gateway.user.${member.id}` && e.d.id === res.body.id, from);
      assert.deepEqual(forMember.d.recipients.map((u: any) => u.id), [owner.id]);
      await t.waitForEvent('CHANNEL_CREATE', (e) => e.subject === `gateway.user.${owner.id}` && e.d.id === res.body.id, from);
      const again = await t.request('POST', '/users/@me/channels', { auth: member, body: { recipient_id: owner.id } });
      assert.equal(again.body.id, res.body.id);
      assert.deepEqual((await t.store.channels.listRecipients(res.body.id)).sort(), [owner.id, member.id].sort());
      const list = await t.request('GET', '/users/@me/channels', { auth: member });
      const dm = list.body.find((c: any) => c.id === res.body.id);
      assert.deepEqual(dm.recipients.map((u: any) => u.id), [owner.id]);
    });

    it('refuses a DM without a shared guild (400 50007) and with an unknown user (404 10013)', async () => {
      const a = await t.register();
      const b = await t.register();
      assertError(await t.request('POST', '/users/@me/channels', { auth: a, body: { recipient_id: b.id } }), 400, 50007);
      assertError(await t.request('POST', '/users/@me/channels', { auth: a, body: { recipient_id: '123456789012345678' } }), 404, 10013);
      assertError(await t.request('POST', '/users/@me/channels', { auth: a, body: { recipient_id: a.id } }), 404, 10013);
      assertError(await t.request('POST', '/users/@me/channels', { auth: a, body: {} }), 400, 50035);
    });

    it('creates a group DM (type 3, owner = caller) announced to every recipient; at most 10 users', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const third = await t.register();
      await addMember(t, guild.id, third);
      for (const u of [member, third]) await writeDirectly(t, u, owner);
      const from = t.events.length;
      const res = await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [member.id, third.id] } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.type, 3);
      assert.equal(res.body.owner_id, owner.id);
      assert.deepEqual(res.body.recipients.map((u: any) => u.id).sort(), [member.id, third.id].sort());
      for (const u of [owner, member, third]) await t.waitForEvent('CHANNEL_CREATE', (e) => e.subject === `gateway.user.${u.id}` && e.d.id === res.body.id, from);
      assert.equal((await t.store.channels.listRecipients(res.body.id)).length, 3);
      const tooMany = Array.from({ length: 10 }, (_, i) => String(100000000000000000n + BigInt(i)));
      assertError(await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: tooMany } }), 400, 50035);
      const stranger = await t.register();
      assertError(await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [stranger.id] } }), 400, 50007);
    });

    it('access_tokens are OAuth2 gdm.join tokens for an app (oauth2.test.ts): login tokens and bogus ones get 50025', async () => {
      const a = await t.register();
      const b = await t.register();
      assertError(await t.request('POST', '/users/@me/channels', { auth: a, body: { access_tokens: [b.token], nicks: { [b.id]: 'bee' } } }), 403, 50025);
      assertError(await t.request('POST', '/users/@me/channels', { auth: a, body: { access_tokens: ['bogus'] } }), 403, 50025);
    });

    it('group DM recipients: the owner adds (CHANNEL_RECIPIENT_ADD), others cannot, anyone leaves, strangers get 50001', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const third = await t.register();
      const stranger = await t.register();
      await addMember(t, guild.id, third);
      for (const u of [member, third]) await writeDirectly(t, u, owner);
      const group = (await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [member.id] } })).body;

      assertError(await t.request('PUT', `/channels/${group.id}/recipients/${third.id}`, { auth: member }), 403, 50013);
      assertError(await t.request('PUT', `/channels/${group.id}/recipients/${third.id}`, { auth: stranger }), 403, 50001);
      assertError(await t.request('PUT', `/channels/${group.id}/recipients/123456789012345678`, { auth: owner }), 404, 10013);
      let from = t.events.length;
      assert.equal((await t.request('PUT', `/channels/${group.id}/recipients/${third.id}`, { auth: owner })).status, 204);
      const add = await t.waitForEvent('CHANNEL_RECIPIENT_ADD', (e) => e.subject === `gateway.user.${member.id}`, from);
      assert.deepEqual({ channel_id: add.d.channel_id, user: add.d.user.id }, { channel_id: group.id, user: third.id });
      await t.waitForEvent('CHANNEL_CREATE', (e) => e.subject === `gateway.user.${third.id}` && e.d.id === group.id, from);
      assert.equal((await t.store.channels.listRecipients(group.id)).length, 3);

      assertError(await t.request('DELETE', `/channels/${group.id}/recipients/${third.id}`, { auth: member }), 403, 50013);
      from = t.events.length;
      assert.equal((await t.request('DELETE', `/channels/${group.id}/recipients/${member.id}`, { auth: member })).status, 204);
      const removed = await t.waitForEvent('CHANNEL_RECIPIENT_REMOVE', (e) => e.subject === `gateway.user.${owner.id}`, from);
      assert.equal(removed.d.user.id, member.id);
      await t.waitForEvent('CHANNEL_DELETE', (e) => e.subject === `gateway.user.${member.id}` && e.d.id === group.id, from);
      assert.deepEqual((await t.store.channels.listRecipients(group.id)).sort(), [owner.id, third.id].sort());

      // The owner leaving hands the group to a remaining recipient, announced with CHANNEL_UPDATE.
      from = t.events.length;
      assert.equal((await t.request('DELETE', `/channels/${group.id}/recipients/${owner.id}`, { auth: owner })).status, 204);
      assert.equal((await t.store.channels.get(group.id))!.ownerId, third.id);
      const handed = await t.waitForEvent('CHANNEL_UPDATE', (e) => e.subject === `gateway.user.${third.id}` && e.d.id === group.id, from);
      assert.equal(handed.d.owner_id, third.id);
      // The last one out deletes the group.
      assert.equal((await t.request('DELETE', `/channels/${group.id}/recipients/@me`, { auth: third })).status, 204);
      assert.equal(await t.store.channels.get(group.id), null);
    });

    it('recipient routes refuse 1:1 DMs (400 50024) and unknown channels (404 10003)', async () => {
      const { owner, member } = await guildWithMember(t);
      const dm = (await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: member.id } })).body;
      assertError(await t.request('PUT', `/channels/${dm.id}/recipients/${member.id}`, { auth: owner }), 400, 50024);
      assertError(await t.request('PUT', '/channels/123456789012345678/recipients/1', { auth: owner }), 404, 10003);
    });

    it('a guild member with MANAGE_ROLES is not enough to see someone else’s DM', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const third = await t.register();
      await addMember(t, guild.id, third);
      await giveRole(t, owner, guild.id, third, 8n);
      const dm = (await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: member.id } })).body;
      assertError(await t.request('DELETE', `/channels/${dm.id}/recipients/${member.id}`, { auth: third }), 403, 50001);
    });
  });
});
