/**
 * Discord's community invites on SQLite and PostgreSQL: an invite that gives roles (`role_ids`: Manage Roles, roles
 * below the creator's; `roles` on the invite, `role_ids` in INVITE_CREATE; given on join, and to a member who
 * accepts it again, one use counted), and an invite limited to a list of users (`target_users_file`, a CSV in a
 * form: Manage Server; nobody else sees or accepts it), with its target-user routes (the CSV back, replacing it,
 * the job status).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServerOn, type TestServer, type TestUser } from '../helpers/harness.ts';
import { serviceSkip } from '../helpers/services.ts';
import { addMember, assertError, giveRole, makeBot } from './fixtures.guilds.ts';
import { GatewaySessions } from './gateway-client.ts';

const postgresSkip = await serviceSkip('postgres');

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`community invites (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
    let t: TestServer;
    const sessions = new GatewaySessions(() => t.url);
    let owner: TestUser;
    let guild: any;
    let channelId: string;
    before(async () => {
      t = await startTestServerOn(backend);
      owner = await t.register();
      guild = await t.createGuild(owner);
      channelId = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    });
    after(async () => {
      await sessions.closeAll();
      await t.close();
    });

    const role = async (name: string, permissions = 0n) => {
      const res = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name, permissions: String(permissions) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const createInvite = (auth: TestUser, body: Record<string, unknown>) => t.request('POST', `/channels/${channelId}/invites`, { auth, body });
    const member = async (u: TestUser) => (await t.request('GET', `/guilds/${guild.id}/members/${u.id}`, { auth: owner })).body;
    /** A form request (multipart) with `file` as the CSV part named `field`. */
    const form = async (method: string, path: string, auth: TestUser | null, parts: { fields?: Record<string, string>; csv?: string; field?: string }) => {
      const body = new FormData();
      if (parts.csv !== undefined) body.append(parts.field ?? 'target_users_file', new Blob([parts.csv], { type: 'text/csv' }), 'users.csv');
      for (const [k, v] of Object.entries(parts.fields ?? {})) body.append(k, v);
      const res = await fetch(`${t.api}${path}`, { method, headers: auth ? { authorization: auth.auth } : {}, body });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: res.status, body: parsed, headers: res.headers };
    };

    it('an invite gives its roles: shown on the invite, in INVITE_CREATE, and to whoever joins through it', async () => {
      const supporter = await role('Supporter');
      const from = t.events.length;
      const created = await createInvite(owner, { role_ids: [supporter.id], unique: true });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.deepEqual(created.body.roles, [{
        id: supporter.id, name: 'Supporter', position: supporter.position, color: 0,
        colors: { primary_color: 0, secondary_color: null, tertiary_color: null }, icon: null, unicode_emoji: null,
      }]);
      const event = await t.waitForEvent('INVITE_CREATE', (e) => e.d.code === created.body.code, from);
      assert.deepEqual(event.d.role_ids, [supporter.id]);
      const plain = await createInvite(owner, { unique: true });
      assert.ok(!('roles' in plain.body), 'an invite giving no role has no roles');

      const seen = await t.request('GET', `/invites/${created.body.code}`);
      assert.equal(seen.status, 200);
      assert.deepEqual(seen.body.roles.map((r: any) => r.id), [supporter.id]);

      const joiner = await t.register();
      const joinedAt = t.events.length;
      const joined = await t.request('POST', `/invites/${created.body.code}`, { auth: joiner });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      assert.deepEqual((await member(joiner)).roles, [supporter.id]);
      const add = await t.waitForEvent('GUILD_MEMBER_ADD', (e) => e.d.user.id === joiner.id, joinedAt);
      assert.deepEqual(add.d.roles, [supporter.id]);
    });

    it('a member accepting it gets the roles they lack, one use counted; again, nothing; used up, 10006', async () => {
      const beta = await role('Beta');
      const inv = (await createInvite(owner, { role_ids: [beta.id], max_uses: 1, unique: true })).body;
      const a = await t.register();
      const b = await t.register();
      await addMember(t, guild.id, a);
      await addMember(t, guild.id, b);
      const from = t.events.length;
      const first = await t.request('POST', `/invites/${inv.code}`, { auth: a });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual((await member(a)).roles, [beta.id]);
      await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => e.d.user.id === a.id && e.d.roles.includes(beta.id), from);
      // The one use is gone (max_uses 1): the invite is deleted, as on Discord.
      assertError(await t.request('POST', `/invites/${inv.code}`, { auth: b }), 404, 10006);
      assert.deepEqual((await member(b)).roles, []);

      const open = (await createInvite(owner, { role_ids: [beta.id], max_uses: 5, unique: true })).body;
      assert.equal((await t.request('POST', `/invites/${open.code}`, { auth: a })).status, 200, 'nothing to give: accepted');
      const listed = (await t.request('GET', `/channels/${channelId}/invites`, { auth: owner })).body.find((i: any) => i.code === open.code);
      assert.equal(listed.uses, 0, 'no use counted when no role was new');
    });

    it('roles are checked: Manage Roles, roles of the guild below the creator, not @everyone, not managed', async () => {
      const high = await role('High');
      const low = await role('Low');
      const mod = await t.register();
      await addMember(t, guild.id, mod);
      const modRole = await giveRole(t, owner, guild.id, mod, Permissions.MANAGE_ROLES | Permissions.CREATE_INSTANT_INVITE, 'Mod');
      // Positions: low 1 < Mod 2 < High 3.
      const move = await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: owner, body: [{ id: low.id, position: 1 }, { id: modRole.id, position: 2 }, { id: high.id, position: 3 }] });
      assert.equal(move.status, 200, JSON.stringify(move.body));
      const ok = await createInvite(mod, { role_ids: [low.id], unique: true });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assertError(await createInvite(mod, { role_ids: [high.id] }), 403, 50013);
      assertError(await createInvite(mod, { role_ids: [modRole.id] }), 403, 50013);

      const inviter = await t.register();
      await addMember(t, guild.id, inviter);
      await giveRole(t, owner, guild.id, inviter, Permissions.CREATE_INSTANT_INVITE, 'Inviter');
      assertError(await createInvite(inviter, { role_ids: [low.id] }), 403, 50013);

      const unknown = await createInvite(owner, { role_ids: [low.id, '123456789012345678'] });
      assertError(unknown, 400, 50035);
      assert.ok(unknown.body.errors.role_ids['1'], JSON.stringify(unknown.body));
      assertError(await createInvite(owner, { role_ids: [guild.id] }), 400, 50035);
      assertError(await createInvite(owner, { role_ids: 'nope' }), 400, 50035);

      const { bot } = await makeBot(t, owner);
      const authorize = await t.request('POST', `/oauth2/authorize?client_id=${bot.id}&scope=bot&permissions=8`, { auth: owner, body: { guild_id: guild.id, authorize: true, permissions: '8' } });
      assert.ok(authorize.status < 300, JSON.stringify(authorize.body));
      const managed = (await t.request('GET', `/guilds/${guild.id}/roles`, { auth: owner })).body.find((r: any) => r.managed);
      assert.ok(managed, 'the bot has its managed role');
      assertError(await createInvite(owner, { role_ids: [managed.id] }), 403, 50013);
    });

    it('without unique, an invite with the same roles is reused and one with other roles is not', async () => {
      const r1 = await role('R1');
      const r2 = await role('R2');
      const first = await createInvite(owner, { role_ids: [r1.id], max_age: 1234 });
      assert.equal((await createInvite(owner, { role_ids: [r1.id], max_age: 1234 })).body.code, first.body.code);
      assert.notEqual((await createInvite(owner, { role_ids: [r1.id, r2.id], max_age: 1234 })).body.code, first.body.code);
      assert.notEqual((await createInvite(owner, { max_age: 1234 })).body.code, first.body.code);
    });

    it('a deleted role is no longer given; roles make a temporary membership permanent', async () => {
      const gone = await role('Gone');
      const kept = await role('Kept');
      const inv = (await createInvite(owner, { role_ids: [gone.id, kept.id], temporary: true, unique: true })).body;
      assert.equal((await t.request('DELETE', `/guilds/${guild.id}/roles/${gone.id}`, { auth: owner })).status, 204);
      assert.deepEqual((await t.request('GET', `/invites/${inv.code}`)).body.roles.map((r: any) => r.id), [kept.id]);
      const joiner = await t.register();
      assert.equal((await t.request('POST', `/invites/${inv.code}`, { auth: joiner })).status, 200);
      assert.deepEqual((await member(joiner)).roles, [kept.id]);
      assert.equal((await t.store.members.get(guild.id, joiner.id))!.temporary ?? false, false);
    });

    it('a targeted invite: only its users (and its inviter and invite managers) see it; only its users join', async () => {
      const target = await t.register();
      const other = await t.register();
      const csv = `user_id\r\n${target.id}\r\n\r\n"${target.id}"\r\n999999999999999999\r\n`;
      const created = await form('POST', `/channels/${channelId}/invites`, owner, { csv, fields: { payload_json: JSON.stringify({ max_uses: 5 }) } });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.max_uses, 5, 'payload_json is read beside the file');
      const code = created.body.code;

      assertError(await t.request('GET', `/invites/${code}`), 404, 10006);
      assertError(await t.request('GET', `/invites/${code}`, { auth: other }), 404, 10006);
      assertError(await t.request('POST', `/invites/${code}`, { auth: other }), 404, 10006);
      assert.equal(await t.store.members.get(guild.id, other.id), null);
      assert.equal((await t.request('GET', `/invites/${code}`, { auth: owner })).status, 200, 'the inviter sees it');
      assert.equal((await t.request('GET', `/invites/${code}`, { auth: target })).status, 200);
      const joined = await t.request('POST', `/invites/${code}`, { auth: target });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      assert.ok(await t.store.members.get(guild.id, target.id));

      const file = await t.request('GET', `/invites/${code}/target-users`, { auth: owner });
      assert.equal(file.status, 200);
      assert.match(file.headers.get('content-type')!, /^text\/csv/);
      assert.equal(file.body, `user_id\n${target.id}\n999999999999999999\n`, 'the file back, duplicates once, in order');
      const job = await t.request('GET', `/invites/${code}/target-users/job-status`, { auth: owner });
      assert.equal(job.status, 200);
      assert.equal(job.body.status, 2);
      assert.equal(job.body.total_users, 2);
      assert.equal(job.body.processed_users, 2);
      assert.equal(typeof job.body.created_at, 'string');
      assert.equal(job.body.completed_at, job.body.created_at);
      assert.equal(job.body.error_message, null);

      // Replaced: the new list decides.
      const later = await t.register();
      assert.equal((await form('PUT', `/invites/${code}/target-users`, owner, { csv: `${later.id}\n` })).status, 204);
      assertError(await t.request('GET', `/invites/${code}`, { auth: other }), 404, 10006);
      assert.equal((await t.request('POST', `/invites/${code}`, { auth: later })).status, 200);
      assert.equal((await t.request('GET', `/invites/${code}/target-users`, { auth: owner })).body, `user_id\n${later.id}\n`);
    });

    it('a file with bad lines is refused whole, every bad line named; nothing is created or replaced', async () => {
      const before = (await t.request('GET', `/guilds/${guild.id}/invites`, { auth: owner })).body.length;
      const bad = await form('POST', `/channels/${channelId}/invites`, owner, { csv: `${owner.id}\nabc\n99999999999999999999\n1,2\n` });
      assertError(bad, 400, 50035);
      assert.deepEqual(bad.body.target_users_file, [
        'Line 2: invalid user ID format',
        'Line 3: invalid user ID - must be a valid Discord snowflake',
        'Line 4: invalid user ID format',
      ]);
      assert.deepEqual(bad.body.errors.target_users_file._errors.map((e: any) => e.message), bad.body.target_users_file);
      assertError(await form('POST', `/channels/${channelId}/invites`, owner, { csv: 'user_id\n\n' }), 400, 50035);
      assert.equal((await t.request('GET', `/guilds/${guild.id}/invites`, { auth: owner })).body.length, before, 'nothing created');

      const u = await t.register();
      const code = (await form('POST', `/channels/${channelId}/invites`, owner, { csv: u.id })).body.code;
      assertError(await form('PUT', `/invites/${code}/target-users`, owner, { csv: 'x' }), 400, 50035);
      assertError(await form('PUT', `/invites/${code}/target-users`, owner, { fields: { other: '1' } }), 400, 50035);
      assert.equal((await t.request('GET', `/invites/${code}/target-users`, { auth: owner })).body, `user_id\n${u.id}\n`, 'unchanged');
    });

    it('who may target, read and replace: Manage Server to target; inviter, Manage Server or View Audit Log to read; inviter or Manage Server to replace', async () => {
      const inviter = await t.register();
      await addMember(t, guild.id, inviter);
      await giveRole(t, owner, guild.id, inviter, Permissions.CREATE_INSTANT_INVITE, 'Inviter only');
      const u = await t.register();
      assertError(await form('POST', `/channels/${channelId}/invites`, inviter, { csv: u.id }), 403, 50013);
      const plain = (await createInvite(inviter, { unique: true })).body;
      // Their own invite: read by its inviter; limiting it to a list takes Manage Server, replacing the list then not.
      assert.equal((await t.request('GET', `/invites/${plain.code}/target-users`, { auth: inviter })).body, 'user_id\n');
      const unspecified = await t.request('GET', `/invites/${plain.code}/target-users/job-status`, { auth: inviter });
      assert.deepEqual(unspecified.body, { status: 0, total_users: 0, processed_users: 0, created_at: null, completed_at: null, error_message: null });
      assertError(await form('PUT', `/invites/${plain.code}/target-users`, inviter, { csv: u.id }), 403, 50013);
      assert.equal((await t.request('GET', `/invites/${plain.code}`)).status, 200, 'still for anyone');
      assert.equal((await form('PUT', `/invites/${plain.code}/target-users`, owner, { csv: u.id })).status, 204);
      assert.equal((await form('PUT', `/invites/${plain.code}/target-users`, inviter, { csv: `${u.id}\n${inviter.id}` })).status, 204);
      assertError(await t.request('GET', `/invites/${plain.code}`, { auth: (await t.register()) }), 404, 10006);
      assertError(await t.request('GET', `/invites/${plain.code}/target-users`, { auth: (await t.register()) }), 404, 10006);

      const ownerInvite = (await form('POST', `/channels/${channelId}/invites`, owner, { csv: u.id })).body.code;
      // A member who may not read it: not on the list, it does not exist for them (10006); on it, 50013.
      assertError(await t.request('GET', `/invites/${ownerInvite}/target-users`, { auth: inviter }), 404, 10006);
      await addMember(t, guild.id, u);
      assertError(await t.request('GET', `/invites/${ownerInvite}/target-users/job-status`, { auth: u }), 403, 50013);
      assertError(await form('PUT', `/invites/${ownerInvite}/target-users`, inviter, { csv: inviter.id }), 404, 10006);
      assertError(await form('PUT', `/invites/${ownerInvite}/target-users`, u, { csv: u.id }), 403, 50013);
      const auditor = await t.register();
      await addMember(t, guild.id, auditor);
      await giveRole(t, owner, guild.id, auditor, Permissions.VIEW_AUDIT_LOG, 'Auditor');
      assert.equal((await t.request('GET', `/invites/${ownerInvite}/target-users`, { auth: auditor })).status, 200);
      assert.equal((await t.request('GET', `/invites/${ownerInvite}`, { auth: auditor })).status, 200, 'who may list invites sees it');
      assertError(await form('PUT', `/invites/${ownerInvite}/target-users`, auditor, { csv: auditor.id }), 403, 50013);
      assertError(await t.request('GET', `/invites/${ownerInvite}/target-users`, { auth: (await t.register()) }), 404, 10006);
      assertError(await t.request('GET', '/invites/nosuchcode/target-users', { auth: owner }), 404, 10006);
      assertError(await t.request('GET', '/invites/nosuchcode/target-users/job-status', { auth: owner }), 404, 10006);
    });

    it('INVITE_CREATE and INVITE_DELETE reach only those who may manage the channel; the audit entry names the roles', async () => {
      const plain = await t.register();
      await addMember(t, guild.id, plain);
      const manager = await t.register();
      await addMember(t, guild.id, manager);
      await giveRole(t, owner, guild.id, manager, Permissions.MANAGE_CHANNELS, 'Channel keeper');
      // Manage Channels from the channel's own overwrite counts too.
      const keeper = await t.register();
      await addMember(t, guild.id, keeper);
      assert.equal((await t.request('PUT', `/channels/${channelId}/permissions/${keeper.id}`, { auth: owner, body: { type: 1, allow: String(Permissions.MANAGE_CHANNELS), deny: '0' } })).status, 204);
      const keeperGw = await sessions.online({ token: keeper.token });
      const [plainGw, managerGw, ownerGw] = [await sessions.online({ token: plain.token }), await sessions.online({ token: manager.token }), await sessions.online({ token: owner.token })];
      const given = await role('Audited');
      const created = (await createInvite(owner, { role_ids: [given.id], unique: true })).body;
      await managerGw.waitForDispatch('INVITE_CREATE', (d) => d.code === created.code);
      await ownerGw.waitForDispatch('INVITE_CREATE', (d) => d.code === created.code);
      await keeperGw.waitForDispatch('INVITE_CREATE', (d) => d.code === created.code);
      assert.equal((await t.request('DELETE', `/invites/${created.code}`, { auth: owner })).status, 200);
      await managerGw.waitForDispatch('INVITE_DELETE', (d) => d.code === created.code);
      // A message after both reaches the plain member, who got neither invite event.
      const sent = await t.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: 'after the invite' } });
      await plainGw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id);
      assert.equal(plainGw.dispatches('INVITE_CREATE').length + plainGw.dispatches('INVITE_DELETE').length, 0);
      const log = await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=40`, { auth: owner });
      const entry = log.body.audit_log_entries.find((e: any) => e.changes.some((c: any) => c.key === 'code' && c.new_value === created.code));
      assert.deepEqual(entry.changes.find((c: any) => c.key === 'role_ids')?.new_value, [given.id]);
    });

    it('the public widget never offers an invite that gives roles or is meant for a list of users', async () => {
      assert.equal((await t.request('PATCH', `/guilds/${guild.id}/widget`, { auth: owner, body: { enabled: true, channel_id: channelId } })).status, 200);
      for (const i of (await t.request('GET', `/channels/${channelId}/invites`, { auth: owner })).body) await t.request('DELETE', `/invites/${i.code}`, { auth: owner });
      const given = await role('Widget');
      await createInvite(owner, { role_ids: [given.id], max_age: 0, unique: true });
      await form('POST', `/channels/${channelId}/invites`, owner, { csv: owner.id, fields: { payload_json: JSON.stringify({ max_age: 0 }) } });
      assert.equal((await t.request('GET', `/guilds/${guild.id}/widget.json`)).body.instant_invite, null);
      const open = (await createInvite(owner, { max_age: 0, unique: true })).body;
      assert.ok((await t.request('GET', `/guilds/${guild.id}/widget.json`)).body.instant_invite.endsWith(`/invite/${open.code}`));
    });

    it('a form never loses what it carries: another file part is refused, the CSV as a text field and payload_json as a file are read', async () => {
      const u = await t.register();
      assertError(await form('POST', `/channels/${channelId}/invites`, owner, { csv: u.id, field: 'file' }), 400, 50035);
      const asText = await form('POST', `/channels/${channelId}/invites`, owner, { fields: { target_users_file: u.id, payload_json: '{"max_uses": 2}' } });
      assert.equal(asText.status, 200, JSON.stringify(asText.body));
      assert.equal(asText.body.max_uses, 2);
      assert.deepEqual(await t.store.invites.targetUsers(asText.body.code), [u.id]);
      const body = new FormData();
      body.append('payload_json', new Blob([JSON.stringify({ max_uses: 3 })], { type: 'application/json' }));
      body.append('target_users_file', new Blob([u.id], { type: 'text/csv' }), 'users.csv');
      const res = await fetch(`${t.api}/channels/${channelId}/invites`, { method: 'POST', headers: { authorization: owner.auth }, body });
      const json = (await res.json()) as any;
      assert.equal(res.status, 200, JSON.stringify(json));
      assert.equal(json.max_uses, 3);
      assert.deepEqual(await t.store.invites.targetUsers(json.code), [u.id]);
      assertError(await form('PUT', `/invites/${json.code}/target-users`, owner, { csv: u.id, field: 'users' }), 400, 50035);
    });

    it('who is not on the list gets no role, however privileged; paused invites give no role; concurrent accepts count one use', async () => {
      const vip = await role('VIP');
      const target = await t.register();
      await addMember(t, guild.id, target);
      const boss = await t.register();
      await addMember(t, guild.id, boss);
      await giveRole(t, owner, guild.id, boss, Permissions.MANAGE_GUILD, 'Boss');
      const code = (await form('POST', `/channels/${channelId}/invites`, owner, { csv: target.id, fields: { payload_json: JSON.stringify({ role_ids: [vip.id], max_uses: 10 }) } })).body.code;
      assert.equal((await t.request('GET', `/invites/${code}`, { auth: boss })).status, 200, 'a manager sees it');
      assertError(await t.request('POST', `/invites/${code}`, { auth: boss }), 404, 10006);
      assertError(await t.request('POST', `/invites/${code}`, { auth: owner }), 404, 10006);
      assert.ok(!(await member(boss)).roles.includes(vip.id));

      const pause = await t.request('PUT', `/guilds/${guild.id}/incident-actions`, { auth: owner, body: { invites_disabled_until: new Date(Date.now() + 3_600_000).toISOString() } });
      assert.equal(pause.status, 200, JSON.stringify(pause.body));
      assertError(await t.request('POST', `/invites/${code}`, { auth: target }), 403, 50001);
      assert.ok(!(await member(target)).roles.includes(vip.id));
      assert.equal((await t.request('PUT', `/guilds/${guild.id}/incident-actions`, { auth: owner, body: { invites_disabled_until: null } })).status, 200);

      const from = t.events.length;
      const results = await Promise.all(Array.from({ length: 6 }, () => t.request('POST', `/invites/${code}`, { auth: target })));
      assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
      assert.ok((await member(target)).roles.includes(vip.id));
      const listed = (await t.request('GET', `/guilds/${guild.id}/invites`, { auth: owner })).body.find((i: any) => i.code === code);
      assert.equal(listed.uses, 1, 'one use for the one role given');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(t.events.slice(from).filter((e) => e.t === 'GUILD_MEMBER_UPDATE' && e.d.user.id === target.id).length, 1);
    });

    it('plain form fields instead of payload_json: numbers, booleans and role_ids', async () => {
      const r = await role('Form');
      const u = await t.register();
      const res = await form('POST', `/channels/${channelId}/invites`, owner, { csv: u.id, fields: { max_uses: '3', temporary: 'false', role_ids: JSON.stringify([r.id]) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.max_uses, 3);
      assert.deepEqual(res.body.roles.map((x: any) => x.id), [r.id]);
      assert.equal((await t.request('POST', `/invites/${res.body.code}`, { auth: u })).status, 200);
      assert.deepEqual((await member(u)).roles, [r.id]);
    });
  });
}
