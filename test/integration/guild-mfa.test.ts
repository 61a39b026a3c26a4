/**
 * Server-wide two-factor (guild `mfa_level`, POST /guilds/{id}/mfa) on SQLite and PostgreSQL: only an owner with
 * 2FA changes it (GUILD_UPDATE, an audit entry with the change); while it is 1, moderator permissions (Discord's
 * starred ones) are refused with 60003 to members without 2FA and to bots whose owner has none, and every other
 * permission still works; 2FA turned on, or the level back to 0, gives them back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServerOn, type TestServer, type TestUser } from '../helpers/harness.ts';
import { serviceSkip } from '../helpers/services.ts';
import { disableTwoFactor, enableTwoFactor } from '../helpers/two-factor.ts';
import { addMember, assertError, giveRole, makeBot } from './fixtures.guilds.ts';
import { GatewaySessions } from './gateway-client.ts';

const postgresSkip = await serviceSkip('postgres');

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`server-wide two-factor (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
    let t: TestServer;
    const sessions = new GatewaySessions(() => t.url);
    before(async () => {
      t = await startTestServerOn(backend);
    });
    after(async () => {
      await sessions.closeAll();
      await t.close();
    });

    const enableMfa = (u: TestUser) => enableTwoFactor(t, u);
    const setLevel = (u: TestUser, guildId: string, level: unknown, headers?: Record<string, string>) =>
      t.request('POST', `/guilds/${guildId}/mfa`, { auth: u, body: { level }, headers });

    it('only an owner with 2FA sets the level; GUILD_UPDATE and the audit log follow', async () => {
      let owner = await t.register();
      const admin = await t.register();
      const guild = await t.createGuild(owner);
      assert.equal(guild.mfa_level, 0);
      await addMember(t, guild.id, admin);
      await giveRole(t, owner, guild.id, admin, Permissions.ADMINISTRATOR);

      assertError(await setLevel(owner, guild.id, 1), 403, 60003);
      owner = await enableMfa(owner);
      const adminWith2fa = await enableMfa(admin);
      assertError(await setLevel(adminWith2fa, guild.id, 1), 403, 50013);
      assertError(await setLevel(owner, guild.id, 2), 400, 50035);
      assertError(await setLevel(owner, guild.id, '1'), 400, 50035);
      assertError(await t.request('POST', `/guilds/${guild.id}/mfa`, { auth: owner, body: {} }), 400, 50035);
      assertError(await setLevel(owner, '1', 1), 404, 10004);
      assert.equal((await t.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.mfa_level, 0, 'nothing written by a refusal');

      const from = t.events.length;
      const on = await setLevel(owner, guild.id, 1, { 'X-Audit-Log-Reason': encodeURIComponent('moderators need 2FA') });
      assert.equal(on.status, 200, JSON.stringify(on.body));
      assert.deepEqual(on.body, { level: 1 });
      await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id && e.d.mfa_level === 1, from);
      assert.equal((await t.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.mfa_level, 1);
      const log = await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=1`, { auth: owner });
      assert.equal(log.status, 200, JSON.stringify(log.body));
      const entry = log.body.audit_log_entries[0];
      assert.equal(entry.user_id, owner.id);
      assert.equal(entry.target_id, guild.id);
      assert.equal(entry.reason, 'moderators need 2FA');
      assert.deepEqual(entry.changes, [{ key: 'mfa_level', old_value: 0, new_value: 1 }]);

      // The same level again changes nothing: no second entry.
      assert.deepEqual((await setLevel(owner, guild.id, 1)).body, { level: 1 });
      assert.equal((await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=1`, { auth: owner })).body.audit_log_entries.length, 1);
      assert.deepEqual((await setLevel(owner, guild.id, 0)).body, { level: 0 });
      assert.equal((await t.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.mfa_level, 0);
    });

    it('moderator permissions need 2FA while the level is 1; the others do not', async () => {
      const owner = await enableMfa(await t.register());
      let mod = await t.register();
      const target = await t.register();
      const guild = await t.createGuild(owner);
      await addMember(t, guild.id, mod);
      await addMember(t, guild.id, target);
      const role = await giveRole(t, owner, guild.id, mod, Permissions.BAN_MEMBERS | Permissions.KICK_MEMBERS | Permissions.MANAGE_MESSAGES | Permissions.MANAGE_CHANNELS | Permissions.PIN_MESSAGES);
      const channels = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
      const text = channels.body.find((c: any) => c.type === 0);
      const theirs = await t.request('POST', `/channels/${text.id}/messages`, { auth: target, body: { content: 'a message to moderate' } });
      assert.equal(theirs.status, 200);
      assert.equal((await setLevel(owner, guild.id, 1)).status, 200);

      // Moderator permissions: 60003, nothing done.
      assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${target.id}`, { auth: mod, body: {} }), 403, 60003);
      assertError(await t.request('DELETE', `/guilds/${guild.id}/members/${target.id}`, { auth: mod }), 403, 60003);
      assertError(await t.request('DELETE', `/channels/${text.id}/messages/${theirs.body.id}`, { auth: mod }), 403, 60003);
      assertError(await t.request('POST', `/guilds/${guild.id}/channels`, { auth: mod, body: { name: 'mods-only' } }), 403, 60003);
      assertError(await t.request('PATCH', `/channels/${text.id}`, { auth: mod, body: { name: 'renamed' } }), 403, 60003);
      assert.equal((await t.request('GET', `/channels/${text.id}/messages/${theirs.body.id}`, { auth: mod })).status, 200, 'the message is still there');
      assert.equal((await t.request('GET', `/guilds/${guild.id}/members/${target.id}`, { auth: mod })).status, 200, 'the member is still there');
      // A permission the role does not hold stays 50013, not 60003.
      assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: mod, body: { name: 'Renamed' } }), 403, 50013);
      // Everything else works: sending, pinning (Pin Messages is not a moderator permission).
      const mine = await t.request('POST', `/channels/${text.id}/messages`, { auth: mod, body: { content: 'still here' } });
      assert.equal(mine.status, 200);
      assert.equal((await t.request('PUT', `/channels/${text.id}/pins/${theirs.body.id}`, { auth: mod })).status, 204);
      // Their own message they may still delete: that needs no permission.
      assert.equal((await t.request('DELETE', `/channels/${text.id}/messages/${mine.body.id}`, { auth: mod })).status, 204);

      // With 2FA on their account, the same requests pass.
      mod = await enableMfa(mod);
      assert.equal((await t.request('DELETE', `/channels/${text.id}/messages/${theirs.body.id}`, { auth: mod })).status, 204);
      assert.equal((await t.request('PUT', `/guilds/${guild.id}/bans/${target.id}`, { auth: mod, body: {} })).status, 204);

      // A second moderator without 2FA, and the level back to 0: they may moderate again.
      const other = await t.register();
      await addMember(t, guild.id, other);
      const put = await t.request('PUT', `/guilds/${guild.id}/members/${other.id}/roles/${role.id}`, { auth: owner });
      assert.equal(put.status, 204);
      assertError(await t.request('DELETE', `/guilds/${guild.id}/bans/${target.id}`, { auth: other }), 403, 60003);
      assert.equal((await setLevel(owner, guild.id, 0)).status, 200);
      assert.equal((await t.request('DELETE', `/guilds/${guild.id}/bans/${target.id}`, { auth: other })).status, 204);
    });

    it("GET /users/@me/guilds and an interaction's app_permissions leave out what 2FA withholds", async () => {
      const owner = await enableMfa(await t.register());
      const admin = await t.register();
      const appOwner = await t.register();
      const guild = await t.createGuild(owner);
      await addMember(t, guild.id, admin);
      await giveRole(t, owner, guild.id, admin, Permissions.ADMINISTRATOR);
      const { app, bot } = await makeBot(t, appOwner, 'Withheld Bot');
      const added = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=8`, { auth: owner, body: { guild_id: guild.id, permissions: '8', authorize: true } });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      const command = await t.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, { auth: bot, body: { name: 'check', description: 'Checks' } });
      assert.equal(command.status, 201, JSON.stringify(command.body));
      const text = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
      const listed = async () => BigInt((await t.request('GET', '/users/@me/guilds', { auth: admin })).body.find((g: any) => g.id === guild.id).permissions);
      const appPermissions = async () => {
        const gw = await sessions.online({ token: bot.token });
        const nonce = `n${Date.now()}`;
        const res = await t.request('POST', '/interactions', { auth: admin, body: { type: 2, application_id: app.id, guild_id: guild.id, channel_id: text.id, session_id: 'test', nonce, data: { id: command.body.id, name: 'check', type: 1, version: command.body.version } } });
        assert.equal(res.status, 204, JSON.stringify(res.body));
        const i = await gw.waitForDispatch('INTERACTION_CREATE', (d) => d.data?.name === 'check');
        await gw.close();
        return BigInt(i.d.app_permissions);
      };
      assert.equal(await listed() & Permissions.BAN_MEMBERS, Permissions.BAN_MEMBERS);
      assert.equal(await appPermissions() & Permissions.BAN_MEMBERS, Permissions.BAN_MEMBERS);

      assert.equal((await setLevel(owner, guild.id, 1)).status, 200);
      const held = await listed();
      assert.equal(held & Permissions.BAN_MEMBERS, 0n, 'withheld from an administrator without 2FA');
      assert.equal(held & Permissions.VIEW_AUDIT_LOG, Permissions.VIEW_AUDIT_LOG, 'the rest kept');
      const ownerListed = BigInt((await t.request('GET', '/users/@me/guilds', { auth: owner })).body.find((g: any) => g.id === guild.id).permissions);
      assert.equal(ownerListed & Permissions.BAN_MEMBERS, Permissions.BAN_MEMBERS, 'the owner has 2FA');
      const botHeld = await appPermissions();
      assert.equal(botHeld & Permissions.BAN_MEMBERS, 0n, "withheld from a bot whose owner has no 2FA");
      assert.equal(botHeld & Permissions.SEND_MESSAGES, Permissions.SEND_MESSAGES);
      await enableMfa(appOwner);
      assert.equal(await appPermissions() & Permissions.BAN_MEMBERS, Permissions.BAN_MEMBERS, 'given back with its owner\'s 2FA');
    });

    it('an administrator without 2FA keeps what is not moderation; the owner is held to it too', async () => {
      let owner = await enableMfa(await t.register());
      const admin = await t.register();
      const target = await t.register();
      const guild = await t.createGuild(owner);
      await addMember(t, guild.id, admin);
      await addMember(t, guild.id, target);
      await giveRole(t, owner, guild.id, admin, Permissions.ADMINISTRATOR);
      const channels = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
      const text = channels.body.find((c: any) => c.type === 0);
      // A channel only the owner sees: an administrator sees every channel, 2FA or not.
      const hidden = await t.request('POST', `/guilds/${guild.id}/channels`, {
        auth: owner, body: { name: 'hidden', permission_overwrites: [{ id: guild.id, type: 0, deny: Permissions.VIEW_CHANNEL.toString() }] },
      });
      assert.equal(hidden.status, 201, JSON.stringify(hidden.body));
      assert.equal((await setLevel(owner, guild.id, 1)).status, 200);

      assert.equal((await t.request('GET', `/channels/${hidden.body.id}/messages`, { auth: admin })).status, 200);
      assert.equal((await t.request('POST', `/channels/${text.id}/messages`, { auth: admin, body: { content: '@everyone hello', allowed_mentions: { parse: ['everyone'] } } })).status, 200);
      assertError(await t.request('POST', `/guilds/${guild.id}/roles`, { auth: admin, body: { name: 'r' } }), 403, 60003);
      assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${target.id}`, { auth: admin, body: {} }), 403, 60003);
      assert.equal((await t.request('GET', `/guilds/${guild.id}/audit-logs`, { auth: admin })).status, 200, 'View Audit Log is not a moderator permission');
      assertError(await t.request('GET', `/guilds/${guild.id}/bans`, { auth: admin }), 403, 60003);

      // The owner turns their own 2FA off: their moderator permissions go too, and so does changing the level.
      owner = await disableTwoFactor(t, owner);
      assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${target.id}`, { auth: owner, body: {} }), 403, 60003);
      assertError(await setLevel(owner, guild.id, 0), 403, 60003);
      assert.equal((await t.request('POST', `/channels/${text.id}/messages`, { auth: owner, body: { content: 'still the owner' } })).status, 200);
    });

    it('where either of two permissions would do, 60003 when 2FA gives one back; seeing a private thread is not moderating', async () => {
      const owner = await enableMfa(await t.register());
      const mod = await t.register();
      const target = await t.register();
      const guild = await t.createGuild(owner);
      await addMember(t, guild.id, mod);
      await addMember(t, guild.id, target);
      await giveRole(t, owner, guild.id, mod, Permissions.MANAGE_GUILD | Permissions.MANAGE_THREADS);
      const text = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
      const thread = await t.request('POST', `/channels/${text.id}/threads`, { auth: owner, body: { name: 'staff notes', type: 12 } });
      assert.equal(thread.status, 201, JSON.stringify(thread.body));
      assert.equal((await setLevel(owner, guild.id, 1)).status, 200);
      // Manage Server or View Audit Log; Manage Server or Manage Roles or the three moderator bits.
      assertError(await t.request('GET', `/guilds/${guild.id}/invites`, { auth: mod }), 403, 60003);
      assertError(await t.request('PATCH', `/guilds/${guild.id}/members/${target.id}`, { auth: mod, body: { flags: 1 } }), 403, 60003);
      // A private thread stays visible to a Manage Threads holder; editing it is moderation.
      assert.equal((await t.request('GET', `/channels/${thread.body.id}`, { auth: mod })).status, 200);
      assertError(await t.request('PATCH', `/channels/${thread.body.id}`, { auth: mod, body: { locked: true } }), 403, 60003);
      // Someone who holds neither is refused for want of the permission.
      assertError(await t.request('GET', `/guilds/${guild.id}/invites`, { auth: target }), 403, 50013);
    });

    it("a bot is held to its owner's 2FA", async () => {
      let developer = await t.register();
      const owner = await enableMfa(await t.register());
      const target = await t.register();
      const guild = await t.createGuild(owner);
      const { bot } = await makeBot(t, developer, 'Mod Bot');
      await addMember(t, guild.id, bot);
      await addMember(t, guild.id, target);
      await giveRole(t, owner, guild.id, bot, Permissions.BAN_MEMBERS);
      assert.equal((await setLevel(owner, guild.id, 1)).status, 200);
      assertError(await t.request('PUT', `/guilds/${guild.id}/bans/${target.id}`, { auth: bot, body: {} }), 403, 60003);
      developer = await enableMfa(developer);
      assert.equal((await t.request('PUT', `/guilds/${guild.id}/bans/${target.id}`, { auth: bot, body: {} })).status, 204);
      // A bot has no 2FA of its own to give: the MFA routes are not for bots.
      assertError(await setLevel(bot, guild.id, 0), 403, 50013);
    });
  });
}
