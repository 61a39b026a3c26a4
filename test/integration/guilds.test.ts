import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_EVERYONE_PERMISSIONS } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { addMember, assertError, giveRole, guildWithMember } from './fixtures.guilds.ts';

const MANAGE_CHANNELS = 1n << 4n;
const MANAGE_GUILD = 1n << 5n;
const VIEW_CHANNEL = 1n << 10n;

describe('guild routes', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  describe('POST /guilds', () => {
    it('creates the guild with @everyone, default channels and the owner: 201, GUILD_CREATE to the owner', async () => {
      const owner = await t.register();
      const from = t.events.length;
      const res = await t.request('POST', '/guilds', { auth: owner, body: { name: 'My Place' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const g = res.body;
      assert.equal(g.name, 'My Place');
      assert.equal(g.owner_id, owner.id);
      assert.equal(g.roles.length, 1);
      assert.equal(g.roles[0].id, g.id);
      assert.equal(g.roles[0].name, '@everyone');
      assert.equal(g.roles[0].permissions, DEFAULT_EVERYONE_PERMISSIONS.toString());

      const ev = await t.waitForEvent('GUILD_CREATE', (e) => e.d.id === g.id, from);
      assert.equal(ev.subject, `gateway.user.${owner.id}`);
      assert.equal(ev.d.member_count, 1);
      assert.equal(ev.d.large, false);
      assert.equal(typeof ev.d.joined_at, 'string');
      for (const key of ['presences', 'voice_states', 'threads', 'stage_instances', 'guild_scheduled_events']) assert.deepEqual(ev.d[key], [], key);
      assert.deepEqual(ev.d.members.map((m: any) => m.user.id), [owner.id]);
      assert.equal(ev.d.roles.length, 1);
      const general = ev.d.channels.find((c: any) => c.name === 'general');
      const category = ev.d.channels.find((c: any) => c.name === 'Text Channels');
      assert.equal(general.type, 0);
      assert.equal(category.type, 4);
      assert.equal(general.parent_id, category.id);
      assert.equal(g.system_channel_id, general.id);
      assert.ok(ev.d.channels.some((c: any) => c.type === 2 && c.name === 'General'));
      assert.deepEqual(general.permission_overwrites, []);

      const stored = await t.store.guilds.get(g.id);
      assert.equal(stored!.ownerId, owner.id);
      assert.ok(await t.store.members.get(g.id, owner.id));
      assert.equal((await t.store.channels.listByGuild(g.id)).length, 4);
    });

    it('accepts roles and channels templates with placeholder ids', async () => {
      const owner = await t.register();
      const res = await t.request('POST', '/guilds', {
        auth: owner,
        body: {
          name: 'Templated',
          roles: [{ id: 0, permissions: '1024' }, { id: 1, name: 'mods', color: 0xff0000, hoist: true, permissions: '8192' }],
          channels: [
            { id: 10, name: 'Info', type: 4 },
            { id: 11, name: 'Read Me', type: 0, parent_id: 10, topic: 'rules' },
            { id: 12, name: 'Lounge', type: 2 },
          ],
          system_channel_id: 11,
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.roles.find((r: any) => r.id === res.body.id).permissions, '1024');
      const mods = res.body.roles.find((r: any) => r.name === 'mods');
      assert.equal(mods.permissions, '8192');
      assert.equal(mods.hoist, true);
      const channels = await t.store.channels.listByGuild(res.body.id);
      assert.equal(channels.length, 3);
      const readMe = channels.find((c) => c.name === 'read-me')!;
      assert.equal(readMe.parentId, channels.find((c) => c.name === 'Info')!.id);
      assert.equal(readMe.topic, 'rules');
      assert.equal(res.body.system_channel_id, readMe.id);
      assertError(await t.request('POST', '/guilds', { auth: owner, body: { name: 'Bad', channels: [{ id: 1, name: 'x', parent_id: 9 }] } }), 400, 50035);
    });

    it('refuses bad bodies with 50035 and no auth with 401', async () => {
      const owner = await t.register();
      assertError(await t.request('POST', '/guilds', { auth: owner, body: { name: 'x' } }), 400, 50035);
      assertError(await t.request('POST', '/guilds', { auth: owner, body: {} }), 400, 50035);
      assertError(await t.request('POST', '/guilds', { body: { name: 'Nope' } }), 401, 0);
    });
  });

  describe('GET/PATCH/DELETE /guilds/{id}', () => {
    it('GET: members see the guild (with_counts); strangers 403 50001; unknown 404 10004', async () => {
      const { member, guild } = await guildWithMember(t);
      const stranger = await t.register();
      const res = await t.request('GET', `/guilds/${guild.id}`, { auth: member });
      assert.equal(res.status, 200);
      assert.equal(res.body.id, guild.id);
      assert.equal('approximate_member_count' in res.body, false);
      const counted = await t.request('GET', `/guilds/${guild.id}?with_counts=true`, { auth: member });
      assert.equal(counted.body.approximate_member_count, 2);
      assert.equal(counted.body.approximate_presence_count, 0);
      assertError(await t.request('GET', `/guilds/${guild.id}`, { auth: stranger }), 403, 50001);
      assertError(await t.request('GET', '/guilds/123456789012345678', { auth: stranger }), 404, 10004);
      assertError(await t.request('GET', '/guilds/abc', { auth: stranger }), 400, 50035);
    });

    it('GET /preview: members see it; a stranger only when the guild is discoverable (else 10004)', async () => {
      const { member, guild } = await guildWithMember(t);
      const stranger = await t.register();
      const res = await t.request('GET', `/guilds/${guild.id}/preview`, { auth: member });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), [
        'approximate_member_count', 'approximate_presence_count', 'description', 'discovery_splash', 'emojis', 'features', 'icon', 'id', 'name', 'splash', 'stickers',
      ]);
      assert.equal(res.body.approximate_member_count, 2);
      assertError(await t.request('GET', `/guilds/${guild.id}/preview`, { auth: stranger }), 404, 10004);
      assertError(await t.request('GET', '/guilds/123456789012345678/preview', { auth: member }), 404, 10004);
      await t.store.guilds.update(guild.id, { features: ['DISCOVERABLE'] });
      assert.equal((await t.request('GET', `/guilds/${guild.id}/preview`, { auth: stranger })).body.name, guild.name);
    });

    it('PATCH: MANAGE_GUILD edits (200, GUILD_UPDATE); others 50013; validation 50035', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { name: 'Hijacked' } }), 403, 50013);
      await giveRole(t, owner, guild.id, member, MANAGE_GUILD);
      const from = t.events.length;
      const res = await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { name: 'Renamed', description: 'about', verification_level: 2, afk_timeout: 900, preferred_locale: 'fr' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.name, 'Renamed');
      const ev = await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id, from);
      assert.equal(ev.subject, `gateway.guild.${guild.id}`);
      assert.equal(ev.d.name, 'Renamed');
      assert.equal(ev.d.afk_timeout, 900);
      const stored = await t.store.guilds.get(guild.id);
      assert.equal(stored!.description, 'about');
      assert.equal(stored!.verificationLevel, 2);
      assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { afk_timeout: 61 } }), 400, 50035);
      assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { system_channel_id: '123456789012345678' } }), 400, 50035);
      const voice = (await t.store.channels.listByGuild(guild.id)).find((c) => c.type === 2)!;
      assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { system_channel_id: voice.id } }), 400, 50035);
      const afk = await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { afk_channel_id: voice.id } });
      assert.equal(afk.body.afk_channel_id, voice.id);
      // Only the owner transfers ownership.
      assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { owner_id: member.id } }), 403, 50013);
      // The rest of Modify Guild's settings are kept and echoed; the nullable ones take null.
      const text = (await t.store.channels.listByGuild(guild.id)).find((c) => c.type === 0)!;
      const settings = await t.request('PATCH', `/guilds/${guild.id}`, {
        auth: member,
        body: { system_channel_flags: 5, rules_channel_id: text.id, public_updates_channel_id: text.id, safety_alerts_channel_id: text.id, premium_progress_bar_enabled: true, verification_level: null, preferred_locale: null },
      });
      assert.equal(settings.status, 200, JSON.stringify(settings.body));
      assert.deepEqual(
        [settings.body.system_channel_flags, settings.body.rules_channel_id, settings.body.public_updates_channel_id, settings.body.safety_alerts_channel_id, settings.body.premium_progress_bar_enabled, settings.body.verification_level, settings.body.preferred_locale],
        [5, text.id, text.id, text.id, true, 0, 'en-US'],
      );
      const read = await t.request('GET', `/guilds/${guild.id}`, { auth: member });
      assert.equal(read.body.system_channel_flags, 5);
      assert.equal(read.body.rules_channel_id, text.id);
      assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { rules_channel_id: voice.id } }), 400, 50035);
      const cleared = await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { rules_channel_id: null, system_channel_flags: null } });
      assert.equal(cleared.body.rules_channel_id, null);
      assert.equal(cleared.body.system_channel_flags, 0);
    });

    it('PATCH owner_id: the owner transfers to a member, not to a stranger', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const stranger = await t.register();
      assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { owner_id: stranger.id } }), 400, 50035);
      const res = await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { owner_id: member.id } });
      assert.equal(res.status, 200);
      assert.equal(res.body.owner_id, member.id);
      assert.equal((await t.store.guilds.get(guild.id))!.ownerId, member.id);
      assertError(await t.request('DELETE', `/users/@me/guilds/${guild.id}`, { auth: member }), 400, 50055);
      assert.equal((await t.request('DELETE', `/users/@me/guilds/${guild.id}`, { auth: owner })).status, 204);
    });

    it('DELETE: owner only (204, GUILD_DELETE, gone); others 50013, strangers 50001', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const stranger = await t.register();
      await giveRole(t, owner, guild.id, member, 8n);
      assertError(await t.request('DELETE', `/guilds/${guild.id}`, { auth: member }), 403, 50013);
      assertError(await t.request('DELETE', `/guilds/${guild.id}`, { auth: stranger }), 403, 50001);
      const from = t.events.length;
      const res = await t.request('DELETE', `/guilds/${guild.id}`, { auth: owner });
      assert.equal(res.status, 204);
      const ev = await t.waitForEvent('GUILD_DELETE', (e) => e.d.id === guild.id, from);
      assert.deepEqual(ev.d, { id: guild.id });
      assert.equal(ev.subject, `gateway.guild.${guild.id}`);
      assertError(await t.request('GET', `/guilds/${guild.id}`, { auth: owner }), 404, 10004);
      assert.equal(await t.store.guilds.get(guild.id), null);
    });
  });

  describe('guild channels', () => {
    it('GET lists only what the caller can view, with permission_overwrites', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const hidden = await t.request('POST', `/guilds/${guild.id}/channels`, {
        auth: owner, body: { name: 'staff', permission_overwrites: [{ id: guild.id, type: 0, deny: VIEW_CHANNEL.toString() }] },
      });
      assert.equal(hidden.status, 201, JSON.stringify(hidden.body));
      const ownerView = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
      const memberView = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: member });
      assert.ok(ownerView.body.some((c: any) => c.id === hidden.body.id));
      assert.ok(!memberView.body.some((c: any) => c.id === hidden.body.id));
      assert.equal(memberView.body.length, ownerView.body.length - 1);
      const staff = ownerView.body.find((c: any) => c.id === hidden.body.id);
      assert.deepEqual(staff.permission_overwrites, [{ id: guild.id, type: 0, allow: '0', deny: VIEW_CHANNEL.toString() }]);
      assertError(await t.request('GET', `/guilds/${guild.id}/channels`, { auth: await t.register() }), 403, 50001);
    });

    it('POST needs MANAGE_CHANNELS: 201, CHANNEL_CREATE scoped to the channel, stored; children sync with their category', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      assertError(await t.request('POST', `/guilds/${guild.id}/channels`, { auth: member, body: { name: 'nope' } }), 403, 50013);
      await giveRole(t, owner, guild.id, member, MANAGE_CHANNELS | VIEW_CHANNEL);
      const cat = await t.request('POST', `/guilds/${guild.id}/channels`, {
        auth: owner, body: { name: 'Private', type: 4, permission_overwrites: [{ id: guild.id, type: 'role', deny: VIEW_CHANNEL.toString() }] },
      });
      assert.equal(cat.status, 201);
      const from = t.events.length;
      const res = await t.request('POST', `/guilds/${guild.id}/channels`, {
        auth: member, body: { name: 'Team Chat', type: 0, topic: 'talk', parent_id: cat.body.id, nsfw: true, rate_limit_per_user: 10 },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.name, 'team-chat');
      assert.equal(res.body.guild_id, guild.id);
      assert.equal(res.body.parent_id, cat.body.id);
      assert.deepEqual(res.body.permission_overwrites, cat.body.permission_overwrites);
      const ev = await t.waitForEvent('CHANNEL_CREATE', (e) => e.d.id === res.body.id, from);
      assert.equal(ev.channelId, res.body.id);
      assert.equal(ev.guildId, guild.id);
      assert.equal(ev.d.guild_id, guild.id);
      const stored = await t.store.channels.get(res.body.id);
      assert.equal(stored!.topic, 'talk');
      assert.equal(stored!.rateLimitPerUser, 10);
      assert.equal((await t.store.overwrites.listByChannel(res.body.id)).length, 1);

      const voice = await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Voice Room', type: 2, user_limit: 5 } });
      assert.equal(voice.body.name, 'Voice Room');
      assert.equal(voice.body.user_limit, 5);
      assertError(await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'x', parent_id: voice.body.id } }), 400, 50035);
      assertError(await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'x', type: 1 } }), 400, 50035);
      assertError(await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'x', rate_limit_per_user: 21601 } }), 400, 50035);
      assertError(await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: '' } }), 400, 50035);
      // The member cannot set bits they do not hold in overwrites.
      assertError(await t.request('POST', `/guilds/${guild.id}/channels`, {
        auth: member, body: { name: 'x', permission_overwrites: [{ id: member.id, type: 1, allow: '8192' }] },
      }), 403, 50013);
    });

    it('PATCH reorders (204, CHANNEL_UPDATE per changed channel) and can move and sync into a category', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const a = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'a' } })).body;
      const b = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'b' } })).body;
      const cat = (await t.request('POST', `/guilds/${guild.id}/channels`, {
        auth: owner, body: { name: 'cat', type: 4, permission_overwrites: [{ id: guild.id, type: 0, allow: '64' }] },
      })).body;
      assertError(await t.request('PATCH', `/guilds/${guild.id}/channels`, { auth: member, body: [{ id: a.id, position: 9 }] }), 403, 50013);
      const from = t.events.length;
      const res = await t.request('PATCH', `/guilds/${guild.id}/channels`, {
        auth: owner, body: [{ id: a.id, position: b.position }, { id: b.id, position: a.position, parent_id: cat.id, lock_permissions: true }],
      });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const evA = await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === a.id, from);
      const evB = await t.waitForEvent('CHANNEL_UPDATE', (e) => e.d.id === b.id, from);
      assert.equal(evA.d.position, b.position);
      assert.equal(evB.d.parent_id, cat.id);
      assert.deepEqual(evB.d.permission_overwrites, [{ id: guild.id, type: 0, allow: '64', deny: '0' }]);
      assert.equal(t.events.slice(from).filter((e) => e.t === 'CHANNEL_UPDATE' && e.d.id === cat.id).length, 0);
      assert.equal((await t.store.channels.get(a.id))!.position, b.position);
      assert.equal((await t.store.channels.get(b.id))!.parentId, cat.id);
      assertError(await t.request('PATCH', `/guilds/${guild.id}/channels`, { auth: owner, body: [{ id: '123456789012345678', position: 1 }] }), 400, 50035);
      assertError(await t.request('PATCH', `/guilds/${guild.id}/channels`, { auth: owner, body: [{ id: a.id, parent_id: b.id }] }), 400, 50035);
    });

    it('a member of another guild cannot create channels here (50001)', async () => {
      const { guild } = await guildWithMember(t);
      const other = await t.register();
      const otherGuild = await t.createGuild(other);
      await addMember(t, otherGuild.id, other).catch(() => {});
      assertError(await t.request('POST', `/guilds/${guild.id}/channels`, { auth: other, body: { name: 'x' } }), 403, 50001);
    });
  });
});
