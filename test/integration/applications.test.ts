import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, giveRole, guildWithMember, makeBot } from './fixtures.guilds.ts';

describe('applications and bots', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('POST /applications creates the application and its bot user with the same id; bot usernames stay unique', async () => {
    const owner = await t.register();
    const res = await t.request('POST', '/applications', { auth: owner, body: { name: 'My Cool Bot!' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.bot.id, res.body.id);
    assert.equal(res.body.bot.bot, true);
    assert.equal(res.body.bot.username, 'my_cool_bot');
    assert.equal(res.body.owner.id, owner.id);
    assert.equal(res.body.flags, 0);
    const bot = await t.store.users.get(res.body.id);
    assert.equal(bot!.bot, true);
    const twin = await t.request('POST', '/applications', { auth: owner, body: { name: 'My Cool Bot' } });
    assert.equal(twin.status, 201);
    assert.notEqual(twin.body.bot.username, 'my_cool_bot');
    assert.match(twin.body.bot.username, /^my_cool_bot\d+$/);
    assertError(await t.request('POST', '/applications', { auth: owner, body: { name: 'x' } }), 400, 50035);
    assertError(await t.request('POST', '/applications', { body: { name: 'No auth' } }), 401, 0);
  });

  it('bot tokens: reset returns a working Bot token and invalidates the older one; bots cannot use user routes', async () => {
    const owner = await t.register();
    const { app, bot } = await makeBot(t, owner, 'Token Bot');
    const me = await t.request('GET', '/applications/@me', { auth: bot });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, app.id);
    assert.equal(me.body.bot.id, app.id);
    assert.equal((await t.request('GET', '/oauth2/applications/@me', { auth: bot })).body.id, app.id);
    assert.equal((await t.request('GET', '/users/@me', { auth: bot })).body.bot, true);
    // A bot token without the Bot prefix, or a user on a bot-only route, is refused.
    assert.equal((await t.request('GET', '/users/@me', { auth: bot.token })).status, 401);
    assert.equal((await t.request('GET', '/applications/@me', { auth: owner })).status, 403);
    assert.equal((await t.request('POST', '/applications', { auth: bot, body: { name: 'nested' } })).status, 403);

    const reset = await t.request('POST', `/applications/${app.id}/bot/reset`, { auth: owner });
    assert.equal(reset.status, 200);
    assert.equal((await t.request('GET', '/users/@me', { auth: bot })).status, 401);
    assert.equal((await t.request('GET', '/users/@me', { auth: `Bot ${reset.body.token}` })).status, 200);
    const stranger = await t.register();
    assertError(await t.request('POST', `/applications/${app.id}/bot/reset`, { auth: stranger }), 403, 50001);
  });

  it('GET /applications/{id}/activity-instances/{id}: the app\'s own bot gets Discord\'s 404 for an unknown instance (none exist without voice)', async () => {
    const owner = await t.register();
    const { app, bot } = await makeBot(t, owner, 'Activity App');
    const { bot: other } = await makeBot(t, owner, 'Other App');
    const path = `/applications/${app.id}/activity-instances/i-1276580072400224306-gc-912952092627435520-912954213460484116`;
    const res = await t.request('GET', path, { auth: bot });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { message: '404: Not Found', code: 0 });
    assertError(await t.request('GET', path, { auth: other }), 403, 20012);
    assertError(await t.request('GET', path, { auth: owner }), 403, 20002);
    assertError(await t.request('GET', `/applications/123456789012345678/activity-instances/x`, { auth: bot }), 404, 10002);
  });

  it('GET /applications/{id} and GET /applications: owner only (403 50001), unknown 404 10002', async () => {
    const owner = await t.register();
    const stranger = await t.register();
    const { app } = await makeBot(t, owner, 'Listed Bot');
    const one = await t.request('GET', `/applications/${app.id}`, { auth: owner });
    assert.equal(one.status, 200);
    assert.equal(one.body.name, 'Listed Bot');
    assertError(await t.request('GET', `/applications/${app.id}`, { auth: stranger }), 403, 50001);
    assertError(await t.request('GET', '/applications/123456789012345678', { auth: owner }), 404, 10002);
    const list = await t.request('GET', '/applications', { auth: owner });
    assert.deepEqual(list.body.map((a: any) => a.id), [app.id]);
    assert.deepEqual((await t.request('GET', '/applications', { auth: stranger })).body, []);
  });

  it('PATCH /applications/{id}: name, description, bot_public and only the privileged-intent flag bits', async () => {
    const owner = await t.register();
    const stranger = await t.register();
    const { app, bot } = await makeBot(t, owner, 'Flag Bot');
    const flags = (1 << 12) | (1 << 14) | (1 << 18) | (1 << 19) | (1 << 23);
    const res = await t.request('PATCH', `/applications/${app.id}`, { auth: owner, body: { name: 'Renamed', description: 'does things', flags, bot_public: false } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.flags, (1 << 12) | (1 << 14) | (1 << 18) | (1 << 19));
    assert.equal(res.body.bot_public, false);
    const stored = await t.store.applications.get(app.id);
    assert.equal(stored!.name, 'Renamed');
    assert.equal(stored!.flags, res.body.flags);
    assert.equal((await t.request('GET', '/applications/@me', { auth: bot })).body.description, 'does things');
    assertError(await t.request('PATCH', `/applications/${app.id}`, { auth: stranger, body: { name: 'Stolen' } }), 403, 50001);
    assertError(await t.request('PATCH', `/applications/${app.id}`, { auth: owner, body: { flags: -1 } }), 400, 50035);
  });

  describe('POST /oauth2/authorize (scope=bot)', () => {
    it('adds the bot with a managed role: GUILD_ROLE_CREATE, GUILD_MEMBER_ADD, and the bot can read the guild', async () => {
      const { owner, guild } = await guildWithMember(t);
      const { app, bot } = await makeBot(t, owner, 'Joiner');
      const from = t.events.length;
      const perms = (1n << 10n) | (1n << 11n);
      const res = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=${perms}`, { auth: owner, body: { guild_id: guild.id, permissions: perms.toString(), authorize: true } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(typeof res.body.location, 'string');
      const roleEv = await t.waitForEvent('GUILD_ROLE_CREATE', (e) => e.d.guild_id === guild.id, from);
      assert.equal(roleEv.d.role.managed, true);
      assert.equal(roleEv.d.role.tags.bot_id, bot.id);
      assert.equal(roleEv.d.role.permissions, perms.toString());
      assert.equal(roleEv.d.role.name, 'Joiner');
      const addEv = await t.waitForEvent('GUILD_MEMBER_ADD', (e) => e.d.guild_id === guild.id, from);
      assert.equal(addEv.d.user.id, bot.id);
      assert.equal(addEv.d.user.bot, true);
      assert.deepEqual(addEv.d.roles, [roleEv.d.role.id]);
      const member = await t.store.members.get(guild.id, bot.id);
      assert.deepEqual(member!.roles, [roleEv.d.role.id]);
      assert.equal((await t.request('GET', `/guilds/${guild.id}`, { auth: bot })).status, 200);
      // Authorizing again changes nothing.
      const n = t.events.length;
      assert.equal((await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, permissions: '0', authorize: true } })).status, 200);
      assert.equal(t.events.slice(n).filter((e) => e.t === 'GUILD_MEMBER_ADD').length, 0);
    });

    it('concurrent authorizations leave one membership and one managed role', async () => {
      const { owner, guild } = await guildWithMember(t);
      const { app, bot } = await makeBot(t, owner, 'Racer');
      const url = `/oauth2/authorize?client_id=${app.id}&scope=bot`;
      const results = await Promise.all([1, 2, 3].map(() => t.request('POST', url, { auth: owner, body: { guild_id: guild.id, permissions: '1024', authorize: true } })));
      assert.deepEqual(results.map((r) => r.status), [200, 200, 200], JSON.stringify(results.map((r) => r.body)));
      const managed = (await t.store.roles.listByGuild(guild.id)).filter((r) => r.botId === bot.id);
      assert.equal(managed.length, 1);
      assert.deepEqual((await t.store.members.get(guild.id, bot.id))!.roles, [managed[0]!.id]);
    });

    it('creates no role when no permissions are asked for', async () => {
      const { owner, guild } = await guildWithMember(t);
      const { app, bot } = await makeBot(t, owner, 'Plain');
      const res = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
      assert.equal(res.status, 200);
      assert.deepEqual((await t.store.members.get(guild.id, bot.id))!.roles, []);
      assert.equal((await t.store.roles.listByGuild(guild.id)).length, 1);
    });

    it('refuses without MANAGE_GUILD (50013), in a foreign guild (50001), an unknown app (10002), extra permissions (50013), banned bots (40007)', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const { app, bot } = await makeBot(t, owner, 'Refused');
      const stranger = await t.register();
      const url = `/oauth2/authorize?client_id=${app.id}&scope=bot`;
      assertError(await t.request('POST', url, { auth: member, body: { guild_id: guild.id, authorize: true } }), 403, 50013);
      assertError(await t.request('POST', url, { auth: stranger, body: { guild_id: guild.id, authorize: true } }), 403, 50001);
      assertError(await t.request('POST', '/oauth2/authorize?client_id=123456789012345678&scope=bot', { auth: owner, body: { guild_id: guild.id } }), 404, 10002);
      assertError(await t.request('POST', url, { auth: owner, body: {} }), 400, 50035);
      // A manager may not hand the bot bits they lack.
      await giveRole(t, owner, guild.id, member, 1n << 5n, 'manager');
      assertError(await t.request('POST', url, { auth: member, body: { guild_id: guild.id, permissions: '8', authorize: true } }), 403, 50013);
      assert.equal(await t.store.members.get(guild.id, bot.id), null);
      await t.store.bans.create({ guildId: guild.id, userId: bot.id, reason: null, createdAt: Date.now() });
      assertError(await t.request('POST', url, { auth: owner, body: { guild_id: guild.id, authorize: true } }), 403, 40007);
      // A private application can only be added by its owner.
      const { app: priv } = await makeBot(t, owner, 'Private');
      await t.request('PATCH', `/applications/${priv.id}`, { auth: owner, body: { bot_public: false } });
      assertError(await t.request('POST', `/oauth2/authorize?client_id=${priv.id}&scope=bot`, { auth: member, body: { guild_id: guild.id, authorize: true } }), 403, 50001);
    });

    it('authorize:false adds nothing; GET /oauth2/authorize lists the guilds the caller manages', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const { app, bot } = await makeBot(t, owner, 'Consent');
      const denied = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: false } });
      assert.equal(denied.status, 200);
      assert.match(denied.body.location, /error=access_denied/);
      assert.equal(await t.store.members.get(guild.id, bot.id), null);
      const screen = await t.request('GET', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner });
      assert.equal(screen.status, 200);
      assert.equal(screen.body.application.id, app.id);
      assert.deepEqual(screen.body.guilds.map((g: any) => g.id), [guild.id]);
      assert.deepEqual((await t.request('GET', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: member })).body.guilds, []);
    });
  });
});
