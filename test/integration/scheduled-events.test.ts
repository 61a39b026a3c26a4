/**
 * Guild scheduled events over REST and the gateway (api/routes/scheduled-events.ts), on SQLite and PostgreSQL:
 * create (external and voice, with Discord's refusals), list / get with user counts, the status moves, interest
 * (users/@me) with the users list, delete; permissions (CREATE_EVENTS for one's own, MANAGE_EVENTS for all);
 * GUILD_SCHEDULED_EVENT_* dispatches, the events in GUILD_CREATE, and audit log entries 100 / 101 / 102.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { addMember, assertError, giveRole } from './fixtures.guilds.ts';
import { GatewaySessions } from './gateway-client.ts';
import { newId } from '../contract/store.fixtures.ts';

const HOUR = 3_600_000;
const CREATE_EVENTS = 1n << 44n;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

for (const backend of ['sqlite', 'postgres'] as const) describe(`guild scheduled events (${backend})`, { skip: backend === 'postgres' ? await serviceSkip('postgres') : false }, () => {
  let t: TestServer;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
  const sessions = new GatewaySessions(() => t.url);
  let owner: TestUser;
  let planner: TestUser;
  let member: TestUser;
  let guild: any;
  let voice: any;
  let text: any;

  before(async () => {
    if (backend === 'postgres') {
      fresh = await freshPostgresStore();
      await fresh.store.migrate();
    }
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, fresh ? { store: fresh.store } : {});
    owner = await t.register();
    planner = await t.register();
    member = await t.register();
    guild = await t.createGuild(owner, 'Events');
    await addMember(t, guild.id, planner);
    await addMember(t, guild.id, member);
    // CREATE_EVENTS, and VIEW_CHANNEL and CONNECT for voice events.
    await giveRole(t, owner, guild.id, planner, CREATE_EVENTS | 1024n | (1n << 20n), 'planners');
    const channels = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[];
    voice = channels.find((c) => c.type === 2);
    text = channels.find((c) => c.type === 0);
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
    await fresh?.drop();
  });

  const create = (auth: TestUser, body: Record<string, unknown>) => t.request('POST', `/guilds/${guild.id}/scheduled-events`, { auth, body });
  const external = (over: Record<string, unknown> = {}) => ({
    name: 'Picnic', privacy_level: 2, entity_type: 3, scheduled_start_time: at(HOUR), scheduled_end_time: at(3 * HOUR), entity_metadata: { location: 'The park' }, ...over,
  });

  test('create an external and a voice event; Discord\'s refusals', async () => {
    const from = t.events.length;
    const res = await create(owner, external({ description: 'Bring food' }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const e = res.body;
    assert.equal(e.guild_id, guild.id);
    assert.equal(e.channel_id, null);
    assert.equal(e.creator_id, owner.id);
    assert.equal(e.creator.id, owner.id);
    assert.equal(e.status, 1);
    assert.equal(e.entity_type, 3);
    assert.deepEqual(e.entity_metadata, { location: 'The park' });
    assert.equal(e.description, 'Bring food');
    assert.equal(e.entity_id, null);
    assert.equal(e.privacy_level, 2);
    assert.ok(!Number.isNaN(Date.parse(e.scheduled_start_time)));
    const dispatched = await t.waitForEvent('GUILD_SCHEDULED_EVENT_CREATE', (x) => x.d.id === e.id, from);
    assert.equal(dispatched.d.name, 'Picnic');

    const v = await create(owner, { name: 'Voice chat', privacy_level: 2, entity_type: 2, channel_id: voice.id, scheduled_start_time: at(HOUR) });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.equal(v.body.channel_id, voice.id);
    assert.equal(v.body.scheduled_end_time, null);
    assert.equal(v.body.entity_metadata, null);

    const field = (res: any, path: string[], code: string) => {
      assertError(res, 400, 50035);
      let node = res.body.errors;
      for (const p of path) node = node?.[p];
      assert.equal(node?._errors?.[0]?.code, code, JSON.stringify(res.body));
    };
    field(await create(owner, external({ scheduled_start_time: at(-HOUR) })), ['scheduled_start_time'], 'GUILD_SCHEDULED_EVENT_SCHEDULE_PAST');
    field(await create(owner, external({ scheduled_end_time: at(HOUR / 2) })), ['scheduled_end_time'], 'GUILD_SCHEDULED_EVENT_END_BEFORE_START');
    field(await create(owner, external({ entity_metadata: null })), ['entity_metadata', 'location'], 'BASE_TYPE_REQUIRED');
    field(await create(owner, external({ scheduled_end_time: null })), ['scheduled_end_time'], 'BASE_TYPE_REQUIRED');
    field(await create(owner, external({ channel_id: voice.id })), ['channel_id'], 'GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED');
    field(await create(owner, { name: 'x', privacy_level: 2, entity_type: 2, channel_id: text.id, scheduled_start_time: at(HOUR) }), ['channel_id'], 'GUILD_SCHEDULED_EVENT_INVALID_CHANNEL');
    field(await create(owner, { name: 'x', privacy_level: 2, entity_type: 1, channel_id: voice.id, scheduled_start_time: at(HOUR) }), ['channel_id'], 'GUILD_SCHEDULED_EVENT_INVALID_CHANNEL');
    field(await create(owner, external({ privacy_level: 1 })), ['privacy_level'], 'BASE_TYPE_CHOICES');
    field(await create(owner, external({ name: '' })), ['name'], 'BASE_TYPE_BAD_LENGTH');
    assertError(await create(member, external()), 403, 50013);
    assertError(await t.request('GET', `/guilds/${guild.id}/scheduled-events/123456789012345678`, { auth: member }), 404, 10070);
    const stranger = await t.register();
    assert.equal((await t.request('GET', `/guilds/${guild.id}/scheduled-events`, { auth: stranger })).status, 403);
  });

  test('interest: users/@me adds and removes once, the users list pages, counts follow', async () => {
    const e = (await create(owner, external({ name: 'Counted' }))).body;
    const from = t.events.length;
    for (const u of [owner, planner, member]) assert.equal((await t.request('PUT', `/guilds/${guild.id}/scheduled-events/${e.id}/users/@me`, { auth: u })).status, 204);
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/scheduled-events/${e.id}/users/@me`, { auth: member })).status, 204);
    const adds = t.events.slice(from).filter((x) => x.t === 'GUILD_SCHEDULED_EVENT_USER_ADD' && x.d.guild_scheduled_event_id === e.id);
    await t.waitForEvent('GUILD_SCHEDULED_EVENT_USER_ADD', (x) => x.d.user_id === member.id, from);
    assert.ok(adds.length <= 3, 'a second PUT sends nothing');

    const got = (await t.request('GET', `/guilds/${guild.id}/scheduled-events/${e.id}?with_user_count=true`, { auth: member })).body;
    assert.equal(got.user_count, 3);
    const listed = (await t.request('GET', `/guilds/${guild.id}/scheduled-events?with_user_count=true`, { auth: member })).body as any[];
    assert.equal(listed.find((x) => x.id === e.id).user_count, 3);
    assert.equal(listed.find((x) => x.id === e.id).creator.id, owner.id);
    assert.equal((await t.request('GET', `/guilds/${guild.id}/scheduled-events`, { auth: member })).body[0].user_count, undefined);

    const users = (await t.request('GET', `/guilds/${guild.id}/scheduled-events/${e.id}/users?with_member=true`, { auth: member })).body as any[];
    const sorted = [owner.id, planner.id, member.id].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    assert.deepEqual(users.map((u) => u.user.id), sorted);
    assert.equal(users[0].guild_scheduled_event_id, e.id);
    assert.ok(users[0].member.joined_at);
    assert.equal(users[0].member.user, undefined);
    const page = (await t.request('GET', `/guilds/${guild.id}/scheduled-events/${e.id}/users?limit=1&after=${sorted[0]}`, { auth: member })).body as any[];
    assert.deepEqual(page.map((u) => u.user.id), [sorted[1]]);
    assert.equal(page[0].member, undefined);

    const before = t.events.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/scheduled-events/${e.id}/users/@me`, { auth: member })).status, 204);
    const removed = await t.waitForEvent('GUILD_SCHEDULED_EVENT_USER_REMOVE', (x) => x.d.guild_scheduled_event_id === e.id, before);
    assert.deepEqual(removed.d, { guild_scheduled_event_id: e.id, user_id: member.id, guild_id: guild.id });
    assert.equal((await t.request('GET', `/guilds/${guild.id}/scheduled-events/${e.id}?with_user_count=true`, { auth: member })).body.user_count, 2);
  });

  test('status moves: start, then end; a finished event cannot change; a cancelled one neither', async () => {
    const e = (await create(owner, external({ name: 'Moves' }))).body;
    const path = `/guilds/${guild.id}/scheduled-events/${e.id}`;
    const bad = await t.request('PATCH', path, { auth: owner, body: { status: 3 } });
    assertError(bad, 400, 50035);
    assert.equal(bad.body.errors.status._errors[0].code, 'GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION');
    const from = t.events.length;
    const started = await t.request('PATCH', path, { auth: owner, body: { status: 2, name: 'Moves, live' } });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.deepEqual([started.body.status, started.body.name], [2, 'Moves, live']);
    await t.waitForEvent('GUILD_SCHEDULED_EVENT_UPDATE', (x) => x.d.id === e.id && x.d.status === 2, from);
    assert.equal((await t.request('PATCH', path, { auth: owner, body: { status: 3 } })).body.status, 3);
    assertError(await t.request('PATCH', path, { auth: owner, body: { name: 'again' } }), 400, 180000);
    assertError(await t.request('PUT', `${path}/users/@me`, { auth: member }), 400, 180000);

    const c = (await create(owner, external({ name: 'Cancelled' }))).body;
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${c.id}`, { auth: owner, body: { status: 4 } })).body.status, 4);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${c.id}`, { auth: owner, body: { status: 2 } }), 400, 180000);

    // External → voice: the location goes, the channel is required.
    const m = (await create(owner, external({ name: 'Moved' }))).body;
    const noChannel = await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${m.id}`, { auth: owner, body: { entity_type: 2 } });
    assertError(noChannel, 400, 50035);
    const moved = await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${m.id}`, { auth: owner, body: { entity_type: 2, channel_id: voice.id } });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual([moved.body.entity_type, moved.body.channel_id, moved.body.entity_metadata], [2, voice.id, null]);
  });

  test('CREATE_EVENTS edits one\'s own only, MANAGE_EVENTS (the owner) all; delete; audit 100 / 101 / 102', async () => {
    const mine = await create(planner, external({ name: 'Planner party' }));
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    const theirs = (await create(owner, external({ name: 'Owner party' }))).body;
    const edited = await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${mine.body.id}`, { auth: planner, body: { description: 'Updated' } });
    assert.equal(edited.body.description, 'Updated');
    assertError(await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${theirs.id}`, { auth: planner, body: { name: 'mine now' } }), 403, 50013);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/scheduled-events/${theirs.id}`, { auth: planner }), 403, 50013);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/scheduled-events/${mine.body.id}`, { auth: member }), 403, 50013);

    const from = t.events.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/scheduled-events/${mine.body.id}`, { auth: owner })).status, 204);
    const deleted = await t.waitForEvent('GUILD_SCHEDULED_EVENT_DELETE', (x) => x.d.id === mine.body.id, from);
    assert.equal(deleted.d.name, 'Planner party');
    assertError(await t.request('GET', `/guilds/${guild.id}/scheduled-events/${mine.body.id}`, { auth: owner }), 404, 10070);

    const entries = async (type: number) => ((await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=${type}`, { auth: owner })).body.audit_log_entries as any[]);
    const created = (await entries(100)).find((x) => x.target_id === mine.body.id);
    assert.equal(created.user_id, planner.id);
    assert.ok(created.changes.some((c: any) => c.key === 'name' && c.new_value === 'Planner party'));
    const updated = (await entries(101)).find((x) => x.target_id === mine.body.id);
    assert.deepEqual(updated.changes.find((c: any) => c.key === 'description'), { key: 'description', new_value: 'Updated' });
    assert.equal((await entries(102)).find((x) => x.target_id === mine.body.id).user_id, owner.id);
  });

  test('at most 100 events still to come or running: the 101st is 30038; a finished one frees a place', async () => {
    const g = await t.createGuild(owner, 'Busy');
    // 99 stored directly, the 100th through the API.
    for (let i = 0; i < 99; i++) {
      await t.store.scheduledEvents.create({
        id: newId(), guildId: g.id, channelId: null, creatorId: owner.id, name: `e${i}`, description: null,
        scheduledStartTime: Date.now() + HOUR, scheduledEndTime: Date.now() + 2 * HOUR, privacyLevel: 2, status: 1, entityType: 3, location: 'x',
      });
    }
    const hundredth = await t.request('POST', `/guilds/${g.id}/scheduled-events`, { auth: owner, body: external() });
    assert.equal(hundredth.status, 200, JSON.stringify(hundredth.body));
    assertError(await t.request('POST', `/guilds/${g.id}/scheduled-events`, { auth: owner, body: external() }), 400, 30038);
    assert.equal((await t.request('PATCH', `/guilds/${g.id}/scheduled-events/${hundredth.body.id}`, { auth: owner, body: { status: 4 } })).status, 200);
    assert.equal((await t.request('POST', `/guilds/${g.id}/scheduled-events`, { auth: owner, body: external() })).status, 200);
  });

  test('GUILD_CREATE carries the events still to come or running', async () => {
    const upcoming = (await create(owner, external({ name: 'In GUILD_CREATE' }))).body;
    const cancelled = (await create(owner, external({ name: 'Not in it' }))).body;
    await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${cancelled.id}`, { auth: owner, body: { status: 4 } });
    const c = await sessions.online(member, {}, { load: false });
    const created = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    const ids = (created.d.guild_scheduled_events as any[]).map((e) => e.id);
    assert.ok(ids.includes(upcoming.id));
    assert.ok(!ids.includes(cancelled.id));
    assert.ok((created.d.guild_scheduled_events as any[]).every((e) => e.status === 1 || e.status === 2));
    // Live: the session hears a new one.
    const next = (await create(owner, external({ name: 'Live' }))).body;
    await c.waitForDispatch('GUILD_SCHEDULED_EVENT_CREATE', (d) => d.id === next.id);
  });

  test('an event in a channel a member cannot view is hidden from them; a voice event needs CONNECT there', async () => {
    const VIEW_CHANNEL = 1024n;
    const CONNECT = 1n << 20n;
    const hidden = (await t.request('POST', `/guilds/${guild.id}/channels`, {
      auth: owner, body: { name: 'Backstage', type: 2, permission_overwrites: [{ id: guild.id, type: 0, deny: String(VIEW_CHANNEL), allow: '0' }] },
    })).body;
    const c = await sessions.online(member, {}, { load: false });
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    const secret = await create(owner, { name: 'Secret rehearsal', privacy_level: 2, entity_type: 2, channel_id: hidden.id, scheduled_start_time: at(HOUR) });
    assert.equal(secret.status, 200, JSON.stringify(secret.body));
    const open = (await create(owner, external({ name: 'Open day' }))).body;
    await c.waitForDispatch('GUILD_SCHEDULED_EVENT_CREATE', (d) => d.id === open.id);
    assert.ok(!c.dispatches('GUILD_SCHEDULED_EVENT_CREATE').some((p) => p.d.id === secret.body.id), 'no dispatch of the hidden one');
    const listed = ((await t.request('GET', `/guilds/${guild.id}/scheduled-events`, { auth: member })).body as any[]).map((e) => e.id);
    assert.ok(listed.includes(open.id) && !listed.includes(secret.body.id), JSON.stringify({ listed, open: open.id, secret: secret.body.id }));
    assert.ok(((await t.request('GET', `/guilds/${guild.id}/scheduled-events`, { auth: owner })).body as any[]).some((e) => e.id === secret.body.id));
    assertError(await t.request('GET', `/guilds/${guild.id}/scheduled-events/${secret.body.id}`, { auth: member }), 404, 10070);
    assertError(await t.request('PUT', `/guilds/${guild.id}/scheduled-events/${secret.body.id}/users/@me`, { auth: member }), 404, 10070);
    const again = await sessions.online(member, {}, { load: false });
    const created = await again.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    const inCreate = (created.d.guild_scheduled_events as any[]).map((e) => e.id);
    assert.ok(inCreate.includes(open.id) && !inCreate.includes(secret.body.id), 'GUILD_CREATE leaves it out');

    // The planner may view this voice channel but not connect to it: no event there.
    const noConnect = (await t.request('POST', `/guilds/${guild.id}/channels`, {
      auth: owner, body: { name: 'Listen only', type: 2, permission_overwrites: [{ id: guild.id, type: 0, deny: String(CONNECT), allow: '0' }] },
    })).body;
    assertError(await create(planner, { name: 'Cannot', privacy_level: 2, entity_type: 2, channel_id: noConnect.id, scheduled_start_time: at(HOUR) }), 403, 50013);
  });
});
