/**
 * Voice channel status over HTTP and real gateway sockets: `PUT /channels/{id}/voice-status` (Set Voice Channel
 * Status and Manage Channels, a voice channel, up to 500 characters; 204), VOICE_CHANNEL_STATUS_UPDATE to those who
 * see the channel and to bots with GUILDS only, the audit entries 192 / 193, and op 43 Request Channel Info
 * answering the statuses a session may see.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Intents } from '../../src/protocol/intents.ts';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServerOn, type TestServer, type TestUser } from '../helpers/harness.ts';
import { serviceSkip } from '../helpers/services.ts';
import { addMember, assertError, giveRole, makeBot } from './fixtures.guilds.ts';
import { GatewaySessions } from './gateway-client.ts';

const postgresSkip = await serviceSkip('postgres');

for (const backend of ['sqlite', 'postgres'] as const) describe(`voice channel status (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
  let t: TestServer;
  const sessions = new GatewaySessions(() => t.url);
  let owner: TestUser;
  let guild: any;
  let voice: any;
  let hidden: any;
  let text: any;

  const channel = async (name: string, type: number, extra: Record<string, unknown> = {}) => {
    const res = await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name, type, ...extra } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const setStatus = (u: TestUser, channelId: string, body: unknown, headers?: Record<string, string>) =>
    t.request('PUT', `/channels/${channelId}/voice-status`, { auth: u, body, headers });

  before(async () => {
    t = await startTestServerOn(backend);
    owner = await t.register();
    guild = await t.createGuild(owner, 'Voice Lounge');
    voice = await channel('Lounge', 2);
    hidden = await channel('Staff Room', 2, { permission_overwrites: [{ id: guild.id, type: 0, deny: String(Permissions.VIEW_CHANNEL), allow: '0' }] });
    text = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[]).find((c) => c.type === 0);
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
  });

  it('sets and clears a status: 204, VOICE_CHANNEL_STATUS_UPDATE, audit 192 and 193, op 43 reads it back', async () => {
    const gw = await sessions.online({ token: owner.token });
    const set = await setStatus(owner, voice.id, { status: 'Movie night 🍿' }, { 'X-Audit-Log-Reason': encodeURIComponent('friday') });
    assert.equal(set.status, 204, JSON.stringify(set.body));
    const update = await gw.waitForDispatch('VOICE_CHANNEL_STATUS_UPDATE');
    assert.deepEqual(update.d, { id: voice.id, guild_id: guild.id, status: 'Movie night 🍿' });

    gw.send(43, { guild_id: guild.id, fields: ['status', 'voice_start_time'] });
    const info = await gw.waitForDispatch('CHANNEL_INFO');
    assert.deepEqual(info.d, { guild_id: guild.id, channels: [{ id: voice.id, status: 'Movie night 🍿', voice_start_time: null }] });
    gw.send(43, { guild_id: guild.id, fields: ['status'] });
    await gw.waitForDispatch('CHANNEL_INFO', () => gw.dispatches('CHANNEL_INFO').length === 2);
    const statusOnly = gw.dispatches('CHANNEL_INFO')[1];
    assert.deepEqual(statusOnly.d.channels, [{ id: voice.id, status: 'Movie night 🍿' }]);

    const log = await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=192`, { auth: owner });
    const entry = log.body.audit_log_entries[0];
    assert.equal(entry.target_id, voice.id);
    assert.deepEqual(entry.options, { channel_id: voice.id, status: 'Movie night 🍿' });
    assert.equal(entry.reason, 'friday');

    const cleared = await setStatus(owner, voice.id, { status: null });
    assert.equal(cleared.status, 204);
    await gw.waitForDispatch('VOICE_CHANNEL_STATUS_UPDATE', (d) => d.status === null);
    const deleted = await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=193`, { auth: owner });
    assert.deepEqual(deleted.body.audit_log_entries[0].options, { channel_id: voice.id });
    gw.send(43, { guild_id: guild.id, fields: ['status'] });
    await gw.waitForDispatch('CHANNEL_INFO', () => gw.dispatches('CHANNEL_INFO').length === 3);
    const none = gw.dispatches('CHANNEL_INFO')[2];
    assert.deepEqual(none.d.channels, []);
    // An empty string clears too; the same status again is announced again, as Discord's route always fires it.
    assert.equal((await setStatus(owner, voice.id, { status: 'Again' })).status, 204);
    assert.equal((await setStatus(owner, voice.id, { status: 'Again' })).status, 204);
    assert.equal((await setStatus(owner, voice.id, { status: '' })).status, 204);
    await gw.waitForDispatch('VOICE_CHANNEL_STATUS_UPDATE', () => gw.dispatches('VOICE_CHANNEL_STATUS_UPDATE').length === 5);
    assert.deepEqual(gw.dispatches('VOICE_CHANNEL_STATUS_UPDATE').map((e: any) => e.d.status), ['Movie night 🍿', null, 'Again', 'Again', null]);
    assert.equal((await t.store.channels.get(voice.id))?.voiceStatus ?? null, null);
  });

  it('needs Set Voice Channel Status and Manage Channels, a voice channel and a status of at most 500 characters', async () => {
    const setter = await t.register();
    await addMember(t, guild.id, setter);
    await giveRole(t, owner, guild.id, setter, Permissions.SET_VOICE_CHANNEL_STATUS, 'Status setter');
    assertError(await setStatus(setter, voice.id, { status: 'x' }), 403, 50013);
    const manager = await t.register();
    await addMember(t, guild.id, manager);
    await giveRole(t, owner, guild.id, manager, Permissions.MANAGE_CHANNELS, 'Channel manager');
    assertError(await setStatus(manager, voice.id, { status: 'x' }), 403, 50013);
    await giveRole(t, owner, guild.id, setter, Permissions.MANAGE_CHANNELS, 'Both');
    assert.equal((await setStatus(setter, voice.id, { status: 'ok' })).status, 204);
    // Both permissions from the channel's own overwrite do as well.
    const host = await t.register();
    await addMember(t, guild.id, host);
    const allow = String(Permissions.SET_VOICE_CHANNEL_STATUS | Permissions.MANAGE_CHANNELS);
    assert.equal((await t.request('PUT', `/channels/${voice.id}/permissions/${host.id}`, { auth: owner, body: { type: 1, allow, deny: '0' } })).status, 204);
    assert.equal((await setStatus(host, voice.id, { status: 'y'.repeat(500) })).status, 204);

    assertError(await setStatus(owner, text.id, { status: 'x' }), 400, 50024);
    assertError(await setStatus(owner, voice.id, { status: 'x'.repeat(501) }), 400, 50035);
    assertError(await setStatus(owner, voice.id, {}), 400, 50035);
    assertError(await setStatus(owner, voice.id, { status: 5 }), 400, 50035);
    const stranger = await t.register();
    assertError(await setStatus(stranger, voice.id, { status: 'x' }), 403, 50001);
    const stage = await channel('Stage', 13);
    assertError(await setStatus(owner, stage.id, { status: 'x' }), 400, 50024);
    const dm = await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: setter.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    assertError(await setStatus(owner, dm.body.id, { status: 'x' }), 403, 50003);
    assert.equal((await t.store.channels.get(voice.id))?.voiceStatus, 'y'.repeat(500), 'refusals wrote nothing');
  });

  it('those who cannot see the channel get neither the update nor the status in CHANNEL_INFO; bots need GUILDS', async () => {
    const member = await t.register();
    await addMember(t, guild.id, member);
    const gw = await sessions.online({ token: member.token });
    const { app, bot } = await makeBot(t, owner, 'Status Bot');
    const added = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=0`, { auth: owner, body: { guild_id: guild.id, permissions: '0', authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const withGuilds = await sessions.online({ token: bot.token }, { intents: Intents.GUILDS });
    const withoutGuilds = await sessions.online({ token: bot.token }, { intents: Intents.GUILD_MESSAGES });

    assert.equal((await setStatus(owner, hidden.id, { status: 'staff only' })).status, 204);
    assert.equal((await setStatus(owner, voice.id, { status: 'open to all' })).status, 204);
    await gw.waitForDispatch('VOICE_CHANNEL_STATUS_UPDATE', (d) => d.id === voice.id);
    await withGuilds.waitForDispatch('VOICE_CHANNEL_STATUS_UPDATE', (d) => d.id === voice.id);
    assert.equal(gw.dispatches('VOICE_CHANNEL_STATUS_UPDATE').filter((e: any) => e.d.id === hidden.id).length, 0);
    gw.send(43, { guild_id: guild.id, fields: ['status'] });
    const info = await gw.waitForDispatch('CHANNEL_INFO');
    assert.deepEqual(info.d.channels, [{ id: voice.id, status: 'open to all' }]);
    // The same op from the owner lists both.
    const ownerGw = await sessions.online({ token: owner.token });
    ownerGw.send(43, { guild_id: guild.id, fields: ['status'] });
    const all = await ownerGw.waitForDispatch('CHANNEL_INFO');
    assert.deepEqual(all.d.channels.map((c: any) => c.id).sort(), [voice.id, hidden.id].sort());
    // A message sent after the status changes reaches the bot without GUILDS, which got none of them.
    const sent = await t.request('POST', `/channels/${text.id}/messages`, { auth: owner, body: { content: 'after' } });
    await withoutGuilds.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id);
    assert.equal(withoutGuilds.dispatches('VOICE_CHANNEL_STATUS_UPDATE').length, 0);
  });
});
