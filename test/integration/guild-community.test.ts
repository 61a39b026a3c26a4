/**
 * Bulk ban, prune, vanity invite, welcome screen and widget (src/api/routes/guild-community.ts), on SQLite and
 * PostgreSQL: the routes' shapes, permissions, errors, events and audit entries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { MessageRecord } from '../../src/store/types.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip, waitFor } from '../helpers/services.ts';
import { addMember, assertError, giveRole, guildWithMember } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

const BAN_MEMBERS = 1n << 2n;
const KICK_MEMBERS = 1n << 1n;
const MANAGE_GUILD = 1n << 5n;
const DAY = 86_400_000;

const pgSkip = await serviceSkip('postgres');
for (const kind of ['sqlite', 'postgres'] as const) {
describe(`guild community routes (${kind})`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
  let t: TestServer;
  let drop: (() => Promise<void>) | undefined;
  const clients: GatewayClient[] = [];
  let seq = 0n;
  before(async () => {
    const pg = kind === 'postgres' ? await freshPostgresStore() : undefined;
    drop = pg?.drop;
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, pg ? { store: pg.store } : {});
  });
  after(async () => {
    for (const c of clients.splice(0)) await c.close();
    await t.close();
    await drop?.();
  });

  /** Adds `user` as a member who joined `ageMs` ago. */
  async function addOld(guildId: string, user: TestUser, ageMs: number) {
    await t.store.members.add({
      guildId, userId: user.id, nick: null, avatar: null, roles: [], joinedAt: Date.now() - ageMs, deaf: false, mute: false, pending: false,
      communicationDisabledUntil: null, flags: 0,
    });
  }
  async function postAs(channelId: string, guildId: string, authorId: string, ageMs = 0): Promise<string> {
    const id = ((BigInt(Date.now() - ageMs) - 1420070400000n) << 22n | (seq++ & 0xfffn)).toString();
    const message: MessageRecord = {
      id, channelId, guildId, authorId, content: 'hi', type: 0, flags: 0, tts: false, mentionEveryone: false, mentions: [], mentionRoles: [],
      mentionChannels: [], embeds: [], attachments: [], components: [], stickerItems: [], nonce: null, pinned: false, webhookId: null,
      applicationId: null, messageReference: null, editedAt: null,
    };
    await t.store.messages.create(message);
    return id;
  }
  const auditOf = async (owner: TestUser, guildId: string, type: number) =>
    (await t.request('GET', `/guilds/${guildId}/audit-logs?action_type=${type}`, { auth: owner })).body.audit_log_entries as any[];

  it('bulk ban: bans members and non-members, lists failures, leaves the caller out; events, messages and audit entries', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const outsider = await t.register();
    const already = await t.register();
    const general = (await t.store.channels.listByGuild(guild.id)).find((c) => c.type === 0)!;
    const recent = await postAs(general.id, guild.id, member.id, 60_000);
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/bans/${already.id}`, { auth: owner })).status, 204);
    const from = t.events.length;
    const res = await t.request('POST', `/guilds/${guild.id}/bulk-ban`, {
      auth: owner, body: { user_ids: [member.id, outsider.id, already.id, owner.id, '123456789012345678'], delete_message_seconds: 3600 },
      headers: { 'X-Audit-Log-Reason': 'raid' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.banned_users.sort(), [member.id, outsider.id].sort());
    assert.deepEqual(res.body.failed_users.sort(), [already.id, '123456789012345678'].sort());
    await t.waitForEvent('GUILD_BAN_ADD', (e) => e.d.user.id === member.id, from);
    await t.waitForEvent('GUILD_BAN_ADD', (e) => e.d.user.id === outsider.id, from);
    await t.waitForEvent('GUILD_MEMBER_REMOVE', (e) => e.d.user.id === member.id, from);
    const bulk = await t.waitForEvent('MESSAGE_DELETE_BULK', (e) => e.d.guild_id === guild.id, from);
    assert.deepEqual(bulk.d.ids, [recent]);
    assert.equal(await t.store.members.get(guild.id, member.id), null);
    const entries = await auditOf(owner, guild.id, 22);
    assert.deepEqual(entries.filter((e) => e.reason === 'raid').map((e) => e.target_id).sort(), [member.id, outsider.id].sort());
  });

  it('bulk ban: 500000 when none is banned, 50013 without BAN_MEMBERS and MANAGE_GUILD, 50035 for bad bodies, hierarchy', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const target = await t.register();
    await addMember(t, guild.id, target);
    assertError(await t.request('POST', `/guilds/${guild.id}/bulk-ban`, { auth: owner, body: { user_ids: [owner.id] } }), 400, 500000);
    assertError(await t.request('POST', `/guilds/${guild.id}/bulk-ban`, { auth: member, body: { user_ids: [target.id] } }), 403, 50013);
    await giveRole(t, owner, guild.id, member, BAN_MEMBERS, 'banner');
    assertError(await t.request('POST', `/guilds/${guild.id}/bulk-ban`, { auth: member, body: { user_ids: [target.id] } }), 403, 50013);
    await giveRole(t, owner, guild.id, member, MANAGE_GUILD, 'manager');
    // The target holds a role as high as the caller's: not bannable, so all failed.
    await giveRole(t, owner, guild.id, target, 0n, 'peer');
    const roles = (await t.request('GET', `/guilds/${guild.id}/roles`, { auth: owner })).body as any[];
    const peer = roles.find((r) => r.name === 'peer');
    await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: owner, body: [{ id: peer.id, position: roles.length - 1 }] });
    assertError(await t.request('POST', `/guilds/${guild.id}/bulk-ban`, { auth: member, body: { user_ids: [target.id] } }), 400, 500000);
    assertError(await t.request('POST', `/guilds/${guild.id}/bulk-ban`, { auth: owner, body: { user_ids: [] } }), 400, 50035);
    assertError(await t.request('POST', `/guilds/${guild.id}/bulk-ban`, { auth: owner, body: { user_ids: Array.from({ length: 201 }, (_, i) => String(1000 + i)) } }), 400, 50035);
    assertError(await t.request('POST', `/guilds/${guild.id}/bulk-ban`, { auth: owner, body: { user_ids: [target.id], delete_message_seconds: 604801 } }), 400, 50035);
  });

  it('prune: counts and removes role-less members inactive for `days`; include_roles; GUILD_MEMBER_REMOVE and MEMBER_PRUNE', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const general = (await t.store.channels.listByGuild(guild.id)).find((c) => c.type === 0)!;
    const [idle, idle2, talker, fresh, roled] = await Promise.all([t.register(), t.register(), t.register(), t.register(), t.register()]);
    await addOld(guild.id, idle, 10 * DAY);
    await addOld(guild.id, idle2, 10 * DAY);
    await addOld(guild.id, talker, 10 * DAY);
    await addOld(guild.id, fresh, DAY / 2);
    await addOld(guild.id, roled, 10 * DAY);
    await postAs(general.id, guild.id, talker.id, DAY);
    await postAs(general.id, guild.id, idle2.id, 8 * DAY);
    const role = await giveRole(t, owner, guild.id, roled, 0n, 'regular');

    const count = await t.request('GET', `/guilds/${guild.id}/prune?days=7`, { auth: owner });
    assert.equal(count.status, 200, JSON.stringify(count.body));
    assert.deepEqual(count.body, { pruned: 2 });
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/prune?days=7&include_roles=${role.id}`, { auth: owner })).body, { pruned: 3 });
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/prune?days=9`, { auth: owner })).body, { pruned: 1 });
    assertError(await t.request('GET', `/guilds/${guild.id}/prune?days=31`, { auth: owner }), 400, 50035);
    assertError(await t.request('GET', `/guilds/${guild.id}/prune?days=0`, { auth: owner }), 400, 50035);
    assertError(await t.request('GET', `/guilds/${guild.id}/prune?include_roles=abc`, { auth: owner }), 400, 50035);
    assertError(await t.request('GET', `/guilds/${guild.id}/prune`, { auth: fresh }), 403, 50013);

    const from = t.events.length;
    const run = await t.request('POST', `/guilds/${guild.id}/prune`, { auth: owner, body: { days: 7, reason: 'cleanup' } });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.deepEqual(run.body, { pruned: 2 });
    for (const u of [idle, idle2]) {
      await t.waitForEvent('GUILD_MEMBER_REMOVE', (e) => e.d.guild_id === guild.id && e.d.user.id === u.id, from);
      assert.equal(await t.store.members.get(guild.id, u.id), null);
    }
    for (const u of [talker, fresh, roled]) assert.ok(await t.store.members.get(guild.id, u.id));
    const [entry] = await auditOf(owner, guild.id, 21);
    assert.equal(entry.reason, 'cleanup');
    assert.deepEqual(entry.options, { delete_member_days: '7', members_removed: '2' });
    await t.waitForEvent('GUILD_AUDIT_LOG_ENTRY_CREATE', (e) => e.d.guild_id === guild.id && e.d.action_type === 21, from);

    const quiet = await t.request('POST', `/guilds/${guild.id}/prune`, { auth: owner, body: { days: 7, compute_prune_count: false, include_roles: [role.id] } });
    assert.deepEqual(quiet.body, { pruned: null });
    assert.equal(await t.store.members.get(guild.id, roled.id), null);
  });

  it('prune, its count too, needs KICK_MEMBERS and MANAGE_GUILD', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    await giveRole(t, owner, guild.id, member, KICK_MEMBERS, 'kicker');
    assertError(await t.request('GET', `/guilds/${guild.id}/prune`, { auth: member }), 403, 50013);
    assertError(await t.request('POST', `/guilds/${guild.id}/prune`, { auth: member, body: {} }), 403, 50013);
    await giveRole(t, owner, guild.id, member, 1n << 5n, 'guild manager');
    assert.equal((await t.request('GET', `/guilds/${guild.id}/prune`, { auth: member })).status, 200);
    assertError(await t.request('POST', `/guilds/${guild.id}/prune`, { auth: owner, body: { days: 40 } }), 400, 50035);
  });

  it('vanity: the owner sets it through PATCH /guilds; GET vanity-url; joins through /invites/{code} count uses', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const code = `Club-${Date.now().toString(36)}`;
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/vanity-url`, { auth: owner })).body, { code: null, uses: 0 });
    await giveRole(t, owner, guild.id, member, MANAGE_GUILD, 'manager');
    assertError(await t.request('PATCH', `/guilds/${guild.id}`, { auth: member, body: { vanity_url_code: code } }), 403, 50013);
    const from = t.events.length;
    const set = await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { vanity_url_code: code } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.vanity_url_code, code.toLowerCase());
    await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id && e.d.vanity_url_code === code.toLowerCase(), from);
    assert.equal((await t.request('GET', `/guilds/${guild.id}`, { auth: member })).body.vanity_url_code, code.toLowerCase());
    // Taken by another guild, or malformed.
    const other = await t.createGuild(owner);
    assertError(await t.request('PATCH', `/guilds/${other.id}`, { auth: owner, body: { vanity_url_code: code.toUpperCase() } }), 400, 50035);
    assertError(await t.request('PATCH', `/guilds/${other.id}`, { auth: owner, body: { vanity_url_code: 'no spaces' } }), 400, 50035);

    const look = await t.request('GET', `/invites/${code}`);
    assert.equal(look.status, 200, JSON.stringify(look.body));
    assert.equal(look.body.code, code.toLowerCase());
    assert.equal(look.body.guild.id, guild.id);
    assert.equal(look.body.guild.vanity_url_code, code.toLowerCase());
    const joiner = await t.register();
    const joinFrom = t.events.length;
    const joined = await t.request('POST', `/invites/${code.toLowerCase()}`, { auth: joiner });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.equal(joined.body.new_member, true);
    await t.waitForEvent('GUILD_MEMBER_ADD', (e) => e.d.guild_id === guild.id && e.d.user.id === joiner.id, joinFrom);
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/vanity-url`, { auth: member })).body, { code: code.toLowerCase(), uses: 1 });
    assertError(await t.request('GET', `/guilds/${guild.id}/vanity-url`, { auth: joiner }), 403, 50013);
    assertError(await t.request('DELETE', `/invites/${code}`, { auth: owner }), 404, 10006);
    // Cleared: the code no longer resolves.
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { vanity_url_code: null } })).body.vanity_url_code, null);
    assertError(await t.request('GET', `/invites/${code}`), 404, 10006);
  });

  it('welcome screen: PATCH (MANAGE_GUILD) stores it and the WELCOME_SCREEN_ENABLED feature; GET needs it enabled or MANAGE_GUILD', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const channels = await t.store.channels.listByGuild(guild.id);
    const text = channels.find((c) => c.type === 0)!;
    assertError(await t.request('GET', `/guilds/${guild.id}/welcome-screen`, { auth: member }), 403, 50013);
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/welcome-screen`, { auth: owner })).body, { description: null, welcome_channels: [] });
    assertError(await t.request('PATCH', `/guilds/${guild.id}/welcome-screen`, { auth: member, body: { enabled: true } }), 403, 50013);
    const from = t.events.length;
    const body = { enabled: true, description: 'Welcome!', welcome_channels: [{ channel_id: text.id, description: 'Say hi', emoji_id: null, emoji_name: '👋' }] };
    const res = await t.request('PATCH', `/guilds/${guild.id}/welcome-screen`, { auth: owner, body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { description: 'Welcome!', welcome_channels: [{ channel_id: text.id, description: 'Say hi', emoji_id: null, emoji_name: '👋' }] });
    await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id && e.d.features.includes('WELCOME_SCREEN_ENABLED'), from);
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/welcome-screen`, { auth: member })).body, res.body);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/welcome-screen`, { auth: owner, body: { welcome_channels: [{ channel_id: '123456789012345678', description: 'x' }] } }), 400, 50035);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/welcome-screen`, { auth: owner, body: { welcome_channels: Array.from({ length: 6 }, () => ({ channel_id: text.id, description: 'x' })) } }), 400, 50035);
    const off = await t.request('PATCH', `/guilds/${guild.id}/welcome-screen`, { auth: owner, body: { enabled: false } });
    assert.equal(off.body.description, 'Welcome!');
    assert.ok(!(await t.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.features.includes('WELCOME_SCREEN_ENABLED'));
    assertError(await t.request('GET', `/guilds/${guild.id}/welcome-screen`, { auth: member }), 403, 50013);
  });

  it('widget: settings (MANAGE_GUILD), widget.json public with online members, 50004 when disabled', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const voice = await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Lounge', type: 2 } });
    const text = (await t.store.channels.listByGuild(guild.id)).find((c) => c.type === 0)!;
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/widget`, { auth: owner })).body, { enabled: false, channel_id: null });
    assertError(await t.request('GET', `/guilds/${guild.id}/widget`, { auth: member }), 403, 50013);
    assertError(await t.request('GET', `/guilds/${guild.id}/widget.json`), 403, 50004);
    assertError(await t.request('GET', `/guilds/123456789012345678/widget.json`), 404, 10004);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/widget`, { auth: owner, body: { channel_id: '123456789012345678' } }), 400, 50035);
    const from = t.events.length;
    const set = await t.request('PATCH', `/guilds/${guild.id}/widget`, { auth: owner, body: { enabled: true, channel_id: text.id } });
    assert.deepEqual(set.body, { enabled: true, channel_id: text.id });
    await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id && e.d.widget_enabled === true && e.d.widget_channel_id === text.id, from);
    const invite = await t.request('POST', `/channels/${text.id}/invites`, { auth: owner, body: { max_age: 0 } });

    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identify(member.token);
    const widget = await waitFor(async () => {
      const w = await t.request('GET', `/guilds/${guild.id}/widget.json`);
      return w.status === 200 && w.body.presence_count >= 1 ? w : undefined;
    }, { timeoutMs: 5000, what: 'widget presence' });
    assert.deepEqual(Object.keys(widget.body).sort(), ['channels', 'id', 'instant_invite', 'members', 'name', 'presence_count']);
    assert.equal(widget.body.id, guild.id);
    assert.equal(widget.body.name, guild.name);
    assert.ok(widget.body.instant_invite.endsWith(`/invite/${invite.body.code}`), widget.body.instant_invite);
    const voiceIds = (await t.store.channels.listByGuild(guild.id)).filter((x) => x.type === 2).map((x) => x.id);
    assert.deepEqual(widget.body.channels.map((x: any) => x.id).sort(), voiceIds.sort());
    assert.deepEqual(widget.body.channels.find((x: any) => x.id === voice.body.id), { id: voice.body.id, name: 'Lounge', position: voice.body.position });
    assert.equal(widget.body.members.length, widget.body.presence_count);
    const [m] = widget.body.members;
    assert.equal(m.id, '0');
    assert.equal(m.status, 'online');
    assert.equal(m.discriminator, '0000');
    assert.ok(!JSON.stringify(widget.body).includes(member.id), 'no user ids in the public widget');
  });

  it('widget.png: public when the widget is on, in five styles, the server icon in the banners; 50004 when off, 50035 for an unknown style', async () => {
    const { owner, guild } = await guildWithMember(t);
    const png = (style?: string) => fetch(`${t.url}/api/v10/guilds/${guild.id}/widget.png${style ? `?style=${style}` : ''}`);
    const off = await png();
    assert.equal(off.status, 403);
    assert.equal((await off.json()).code, 50004);
    await t.request('PATCH', `/guilds/${guild.id}/widget`, { auth: owner, body: { enabled: true } });
    const sizes: Record<string, [number, number]> = { shield: [0, 20], banner1: [320, 76], banner2: [328, 76], banner3: [320, 110], banner4: [400, 160] };
    const images: Record<string, Buffer> = {};
    for (const style of Object.keys(sizes)) {
      const res = await png(style === 'shield' ? undefined : style);
      assert.equal(res.status, 200, style);
      assert.equal(res.headers.get('content-type'), 'image/png');
      const bytes = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      assert.equal(meta.format, 'png');
      if (sizes[style]![0]) assert.equal(meta.width, sizes[style]![0], style);
      assert.equal(meta.height, sizes[style]![1], style);
      images[style] = bytes;
    }
    const bad = await png('banner9');
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).code, 50035);
    // An icon replaces the initials in banner2.
    const icon = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#ff9800' } }).png().toBuffer();
    const set = await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { icon: `data:image/png;base64,${icon.toString('base64')}` } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const withIcon = Buffer.from(await (await png('banner2')).arrayBuffer());
    const orange = async (bytes: Buffer) => {
      const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
      const at = (38 * info.width + 38) * info.channels; // the middle of the icon's disc
      return [data[at], data[at + 1], data[at + 2]];
    };
    assert.deepEqual(await orange(withIcon), [255, 152, 0]);
    assert.notDeepEqual(await orange(images.banner2!), [255, 152, 0]);
    // A rename is drawn anew (the kept images are keyed by what they show); an unknown guild is 10004.
    const banner1 = Buffer.from(await (await png('banner1')).arrayBuffer());
    await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { name: 'A renamed server' } });
    assert.notDeepEqual(Buffer.from(await (await png('banner1')).arrayBuffer()), banner1);
    const unknown = await fetch(`${t.url}/api/v10/guilds/123456789012345678/widget.png`);
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).code, 10004);
  });

  it('audit: ROLE_UPDATE for roles moved by a reorder; none for channel reorders (as Discord); webhook token edits and deletes', async () => {
    const { owner, guild } = await guildWithMember(t);
    await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'a' } });
    await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'b' } });
    const list = (await t.request('GET', `/guilds/${guild.id}/roles`, { auth: owner })).body as any[];
    const a = list.find((r) => r.name === 'a');
    const b = list.find((r) => r.name === 'b');
    const moved = await t.request('PATCH', `/guilds/${guild.id}/roles`, { auth: owner, body: [{ id: a.id, position: b.position + 1 }], headers: { 'X-Audit-Log-Reason': 'tidy roles' } });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const roleEntries = await auditOf(owner, guild.id, 31);
    assert.equal(roleEntries.length, 1, JSON.stringify(roleEntries));
    assert.equal(roleEntries[0].target_id, a.id);
    assert.equal(roleEntries[0].reason, 'tidy roles');
    assert.deepEqual(roleEntries[0].changes, [{ key: 'position', old_value: a.position, new_value: b.position + 1 }]);

    const channels = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[];
    const text = channels.find((c) => c.type === 0);
    const before = (await auditOf(owner, guild.id, 11)).length;
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/channels`, { auth: owner, body: [{ id: text.id, position: 5 }] })).status, 204);
    assert.equal((await auditOf(owner, guild.id, 11)).length, before);

    const hook = (await t.request('POST', `/channels/${text.id}/webhooks`, { auth: owner, body: { name: 'Hooky' } })).body;
    const renamed = await t.request('PATCH', `/webhooks/${hook.id}/${hook.token}`, { body: { name: 'Hooked' }, headers: { 'X-Audit-Log-Reason': 'by token' } });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const [update] = await auditOf(owner, guild.id, 51);
    assert.equal(update.user_id, null);
    assert.equal(update.target_id, hook.id);
    assert.equal(update.reason, 'by token');
    assert.deepEqual(update.changes, [{ key: 'name', old_value: 'Hooky', new_value: 'Hooked' }]);
    assert.equal((await t.request('DELETE', `/webhooks/${hook.id}/${hook.token}`)).status, 204);
    const [deleted] = await auditOf(owner, guild.id, 52);
    assert.equal(deleted.user_id, null);
    assert.equal(deleted.target_id, hook.id);
  });
});
}
