/**
 * Incident actions over real HTTP (PUT /guilds/{id}/incident-actions, routes/guild-community.ts), on SQLite and
 * PostgreSQL: Discord's incidents data object in the answer, in GET /guilds/{id} and in GUILD_UPDATE; Manage
 * Server; at most 24 hours ahead (50035), a past time or a field left out ending its action; paused invites
 * refuse joins (403, 50001) until resumed; paused DMs refuse 1:1 DM messages between members who are not friends
 * and share only paused guilds (50007), and nobody else's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { addMember, assertError, writeDirectly } from './fixtures.guilds.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

for (const backend of ['sqlite', 'postgres'] as const) describe(`incident actions (${backend})`, { skip: backend === 'postgres' ? await serviceSkip('postgres') : false }, () => {
  let t: TestServer;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
  let owner: TestUser;
  let member: TestUser;
  let guild: any;

  before(async () => {
    if (backend === 'postgres') {
      fresh = await freshPostgresStore();
      await fresh.store.migrate();
    }
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, fresh ? { store: fresh.store } : {});
    owner = await t.register();
    member = await t.register();
    guild = await t.createGuild(owner, 'Under Raid');
    await addMember(t, guild.id, member);
  });
  after(async () => {
    await t.close();
    await fresh?.drop();
  });

  const put = (who: TestUser, body: unknown, guildId = guild.id) => t.request('PUT', `/guilds/${guildId}/incident-actions`, { auth: who, body });
  const invite = async () => {
    const channel = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[]).find((c) => c.type === 0);
    return (await t.request('POST', `/channels/${channel.id}/invites`, { auth: owner, body: {} })).body.code as string;
  };

  test('pausing invites answers the incidents data, shows it on the guild and in GUILD_UPDATE, and refuses joins until resumed', async () => {
    const code = await invite();
    const until = Date.now() + HOUR;
    const from = t.events.length;
    const paused = await put(owner, { invites_disabled_until: iso(until), dms_disabled_until: null });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.deepEqual(paused.body, { invites_disabled_until: iso(until), dms_disabled_until: null, dm_spam_detected_at: null, raid_detected_at: null });
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}`, { auth: member })).body.incidents_data, paused.body);
    const update = await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id, from);
    assert.deepEqual(update.d.incidents_data, paused.body);

    const newcomer = await t.register();
    const refused = await t.request('POST', `/invites/${code}`, { auth: newcomer });
    assertError(refused, 403, 50001);
    assert.match(refused.body.message, /paused/);
    assert.equal((await t.request('GET', `/guilds/${guild.id}/members/${newcomer.id}`, { auth: owner })).status, 404);
    // Already a member: the invite still answers, nothing is refused.
    assert.equal((await t.request('POST', `/invites/${code}`, { auth: member })).status, 200);

    // Both fields left out: both actions end.
    const resumed = await put(owner, {});
    assert.equal(resumed.status, 200);
    assert.deepEqual(resumed.body, { invites_disabled_until: null, dms_disabled_until: null, dm_spam_detected_at: null, raid_detected_at: null });
    assert.equal((await t.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.incidents_data, null);
    assert.equal((await t.request('POST', `/invites/${code}`, { auth: newcomer })).status, 200);
  });

  test('bad input and callers: more than 24 hours ahead, not a time, no Manage Server; a past time ends the action', async () => {
    const tooLate = await put(owner, { invites_disabled_until: iso(Date.now() + 25 * HOUR) });
    assertError(tooLate, 400, 50035);
    assert.ok(tooLate.body.errors.invites_disabled_until, JSON.stringify(tooLate.body));
    assertError(await put(owner, { dms_disabled_until: 'tomorrow' }), 400, 50035);
    assertError(await put(member, { invites_disabled_until: iso(Date.now() + HOUR) }), 403, 50013);
    assertError(await put(owner, {}, '1234567890123456789'), 404, 10004);
    assert.equal((await t.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.incidents_data, null, 'nothing was written');

    const past = await put(owner, { invites_disabled_until: iso(Date.now() - HOUR), dms_disabled_until: iso(Date.now() + 2 * HOUR) });
    assert.equal(past.status, 200);
    assert.equal(past.body.invites_disabled_until, null);
    assert.ok(Date.parse(past.body.dms_disabled_until) > Date.now() + HOUR);
    assert.equal((await put(owner, { dms_disabled_until: null })).status, 200);
  });

  test('paused DMs refuse DMs between members who are not friends and share only paused guilds', async () => {
    const a = await t.register();
    const b = await t.register();
    const friend = await t.register();
    for (const u of [a, b, friend]) await addMember(t, guild.id, u);
    await writeDirectly(t, a, friend);
    const dm = async (from: TestUser, to: TestUser) => {
      const channel = await t.request('POST', '/users/@me/channels', { auth: from, body: { recipient_id: to.id } });
      assert.equal(channel.status, 200, JSON.stringify(channel.body));
      return t.request('POST', `/channels/${channel.body.id}/messages`, { auth: from, body: { content: 'hello there' } });
    };
    assert.equal((await dm(a, b)).status, 200);

    assert.equal((await put(owner, { dms_disabled_until: iso(Date.now() + HOUR) })).status, 200);
    assertError(await dm(a, b), 403, 50007);
    assertError(await dm(b, a), 403, 50007);
    assert.equal((await dm(a, friend)).status, 200, 'friends still write');
    // A second, unpaused guild the two share lets them write.
    const other = await t.createGuild(owner, 'Calm');
    await addMember(t, other.id, a);
    await addMember(t, other.id, b);
    assert.equal((await dm(a, b)).status, 200);
    await t.request('DELETE', `/guilds/${other.id}/members/${b.id}`, { auth: owner });
    assertError(await dm(a, b), 403, 50007);

    assert.equal((await put(owner, {})).status, 200);
    assert.equal((await dm(a, b)).status, 200);
  });
});
