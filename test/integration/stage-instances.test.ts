/**
 * Stage channels (type 13) and stage instances (src/api/routes/stage-instances.ts) on SQLite and PostgreSQL: a stage
 * moderator opens, edits and closes a stage; one per channel (150006), 10067 when none, 50024 for another channel
 * type; STAGE_INSTANCE_* reach only those who see the channel; GUILD_CREATE lists the open stages; audit entries
 * 83–85; deleting the channel closes its stage; a stage event (scheduled, entity type 1) may be linked and then
 * follows the stage; the start notification needs Mention Everyone; templates carry stage channels.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServerOn, type TestServer } from '../helpers/harness.ts';
import { serviceSkip } from '../helpers/services.ts';
import { assertError, giveRole, guildWithMember } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

const postgresSkip = await serviceSkip('postgres');
const VIEW_CHANNEL = 1n << 10n;
const STAGE_MODERATOR = (1n << 4n) | (1n << 22n) | (1n << 24n);
const MENTION_EVERYONE = 1n << 17n;
const MANAGE_EVENTS = 1n << 33n;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`stage instances (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
    let t: TestServer;
    const clients: GatewayClient[] = [];
    before(async () => {
      t = await startTestServerOn(backend);
    });
    after(async () => {
      for (const c of clients) await c.close();
      await t.close();
    });
    const online = async (token: string, guildId: string) => {
      const c = await GatewayClient.connect(t.url);
      clients.push(c);
      await c.identify(token);
      return { c, guild: (await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guildId)).d };
    };

    it('a moderator opens, edits and closes a stage; members read it; events, GUILD_CREATE and audit entries follow', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const made = await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Town Hall', type: 13 } });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const stage = made.body;
      assert.deepEqual([stage.type, stage.name, stage.bitrate, stage.user_limit], [13, 'Town Hall', 64000, 0]);
      const watcher = await online(member.token, guild.id);
      assert.deepEqual(watcher.guild.stage_instances, []);

      const open = (auth: typeof owner, body: Record<string, unknown>) => t.request('POST', '/stage-instances', { auth, body: { channel_id: stage.id, ...body } });
      assertError(await open(member, { topic: 'Not mine' }), 403, 50013);
      assertError(await open(owner, { topic: '' }), 400, 50035);
      assertError(await open(owner, { topic: 'Public', privacy_level: 1 }), 400, 50035);
      const text = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
      assertError(await t.request('POST', '/stage-instances', { auth: owner, body: { channel_id: text.id, topic: 'Wrong place' } }), 400, 50024);
      assertError(await t.request('POST', '/stage-instances', { auth: owner, body: { channel_id: '123456789012345678', topic: 'Nowhere' } }), 404, 10003);
      const opened = await open(owner, { topic: 'Weekly town hall', send_start_notification: true });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      assert.deepEqual({ ...opened.body, id: 'x' }, {
        id: 'x', guild_id: guild.id, channel_id: stage.id, topic: 'Weekly town hall', privacy_level: 2, discoverable_disabled: false, guild_scheduled_event_id: null,
      });
      assertError(await open(owner, { topic: 'Again' }), 400, 150006);
      const created = await watcher.c.waitForDispatch('STAGE_INSTANCE_CREATE', (d) => d.channel_id === stage.id);
      assert.deepEqual(created.d, opened.body);
      // A session that connects now finds it in GUILD_CREATE; any member reads it.
      assert.deepEqual((await online(member.token, guild.id)).guild.stage_instances, [opened.body]);
      assert.deepEqual((await t.request('GET', `/stage-instances/${stage.id}`, { auth: member })).body, opened.body);

      assertError(await t.request('PATCH', `/stage-instances/${stage.id}`, { auth: member, body: { topic: 'Hijacked' } }), 403, 50013);
      assertError(await t.request('PATCH', `/stage-instances/${stage.id}`, { auth: owner, body: { privacy_level: 1 } }), 400, 50035);
      const edited = await t.request('PATCH', `/stage-instances/${stage.id}`, { auth: owner, body: { topic: 'Town hall: Q&A' } });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      assert.equal(edited.body.topic, 'Town hall: Q&A');
      await watcher.c.waitForDispatch('STAGE_INSTANCE_UPDATE', (d) => d.topic === 'Town hall: Q&A');

      // A member given the moderator's three permissions may close it.
      await giveRole(t, owner, guild.id, member, STAGE_MODERATOR, 'stage mods');
      assert.equal((await t.request('DELETE', `/stage-instances/${stage.id}`, { auth: member })).status, 204);
      const closed = await watcher.c.waitForDispatch('STAGE_INSTANCE_DELETE', (d) => d.channel_id === stage.id);
      assert.equal(closed.d.id, opened.body.id);
      assertError(await t.request('GET', `/stage-instances/${stage.id}`, { auth: owner }), 404, 10067);
      assertError(await t.request('DELETE', `/stage-instances/${stage.id}`, { auth: owner }), 404, 10067);

      const audit = (await t.request('GET', `/guilds/${guild.id}/audit-logs`, { auth: owner })).body.audit_log_entries
        .filter((e: any) => e.action_type >= 83 && e.action_type <= 85).map((e: any) => [e.action_type, e.target_id, e.options?.channel_id]);
      assert.deepEqual(audit, [[85, opened.body.id, stage.id], [84, opened.body.id, stage.id], [83, opened.body.id, stage.id]]);
      // Text chat in a stage, as on Discord.
      const said = await t.request('POST', `/channels/${stage.id}/messages`, { auth: owner, body: { content: 'welcome, everyone' } });
      assert.equal(said.status, 200, JSON.stringify(said.body));
    });

    it("hidden from those who cannot see the channel; deleting the channel closes the stage; a stage event may be linked", async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const hidden = (await t.request('POST', `/guilds/${guild.id}/channels`, {
        auth: owner, body: { name: 'Staff stage', type: 13, permission_overwrites: [{ id: guild.id, type: 0, deny: String(VIEW_CHANNEL), allow: '0' }] },
      })).body;
      const start = new Date(Date.now() + 3_600_000).toISOString();
      const event = await t.request('POST', `/guilds/${guild.id}/scheduled-events`, { auth: owner, body: { name: 'All hands', entity_type: 1, privacy_level: 2, channel_id: hidden.id, scheduled_start_time: start } });
      assert.equal(event.status, 200, JSON.stringify(event.body));
      const outsider = await online(member.token, guild.id);
      assertError(await t.request('POST', '/stage-instances', { auth: owner, body: { channel_id: hidden.id, topic: 'x', guild_scheduled_event_id: '123456789012345678' } }), 400, 50035);
      const opened = await t.request('POST', '/stage-instances', { auth: owner, body: { channel_id: hidden.id, topic: 'Staff only', guild_scheduled_event_id: event.body.id } });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      assert.equal(opened.body.guild_scheduled_event_id, event.body.id);
      assertError(await t.request('GET', `/stage-instances/${hidden.id}`, { auth: member }), 403, 50001);
      const insider = await online(owner.token, guild.id);
      assert.deepEqual(insider.guild.stage_instances.map((s: any) => s.id), [opened.body.id]);
      // The linked event started with the stage and names it.
      assert.deepEqual(insider.guild.guild_scheduled_events.map((e: any) => [e.id, e.status, e.entity_id]), [[event.body.id, 2, opened.body.id]]);
      assert.deepEqual((await online(member.token, guild.id)).guild.stage_instances, []);

      assert.equal((await t.request('DELETE', `/channels/${hidden.id}`, { auth: owner })).status, 200);
      const closed = await insider.c.waitForDispatch('STAGE_INSTANCE_DELETE', (d) => d.channel_id === hidden.id);
      assert.equal(closed.d.id, opened.body.id);
      await insider.c.waitForDispatch('CHANNEL_DELETE', (d) => d.id === hidden.id);
      // The member never saw the channel: the channel's deletion reaches them, the stage's events never did.
      await outsider.c.waitForDispatch('CHANNEL_DELETE', (d) => d.id === hidden.id);
      assert.equal(outsider.c.dispatches('STAGE_INSTANCE_CREATE').length + outsider.c.dispatches('STAGE_INSTANCE_DELETE').length, 0);
      assert.equal(await t.store.stageInstances.getByChannel(hidden.id), null);
      // Its event ended with it.
      const ended = await insider.c.waitForDispatch('GUILD_SCHEDULED_EVENT_UPDATE', (d) => d.id === event.body.id && d.status === 3);
      assert.equal(ended.d.entity_id, null);
    });

    it('a stage event follows its stage: started when it opens, completed when it closes, and ending it closes the stage', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const stage = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Town hall', type: 13 } })).body;
      const start = new Date(Date.now() + 3_600_000).toISOString();
      const newEvent = async (name: string) => {
        const res = await t.request('POST', `/guilds/${guild.id}/scheduled-events`, { auth: owner, body: { name, entity_type: 1, privacy_level: 2, channel_id: stage.id, scheduled_start_time: start } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body;
      };
      const eventOf = async (id: string) => (await t.request('GET', `/guilds/${guild.id}/scheduled-events/${id}`, { auth: member })).body;
      const watcher = await online(member.token, guild.id);
      const open = (body: Record<string, unknown>) => t.request('POST', '/stage-instances', { auth: owner, body: { channel_id: stage.id, topic: 'Town hall', ...body } });

      const first = await newEvent('First');
      const opened = await open({ guild_scheduled_event_id: first.id });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      const started = await watcher.c.waitForDispatch('GUILD_SCHEDULED_EVENT_UPDATE', (d) => d.id === first.id);
      assert.deepEqual([started.d.status, started.d.entity_id], [2, opened.body.id]);
      assert.deepEqual([(await eventOf(first.id)).status, (await eventOf(first.id)).entity_id], [2, opened.body.id]);
      assert.equal((await t.request('DELETE', `/stage-instances/${stage.id}`, { auth: owner })).status, 204);
      const completed = await watcher.c.waitForDispatch('GUILD_SCHEDULED_EVENT_UPDATE', (d) => d.id === first.id && d.status === 3);
      assert.equal(completed.d.entity_id, null);
      assert.equal((await eventOf(first.id)).status, 3);
      // A finished event cannot be linked again; a canceled one neither.
      assertError(await open({ guild_scheduled_event_id: first.id }), 400, 50035);
      const canceled = await newEvent('Canceled');
      assert.equal((await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${canceled.id}`, { auth: owner, body: { status: 4 } })).status, 200);
      assertError(await open({ guild_scheduled_event_id: canceled.id }), 400, 50035);

      // Ending the event ("End Event") closes the stage it is live in: a stage moderator's to do, so an event manager
      // who is none is refused, and nothing changes.
      const second = await newEvent('Second');
      const reopened = await open({ guild_scheduled_event_id: second.id });
      assert.equal(reopened.status, 200);
      assert.equal((await eventOf(second.id)).status, 2);
      await giveRole(t, owner, guild.id, member, MANAGE_EVENTS, 'Events');
      assertError(await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${second.id}`, { auth: member, body: { status: 3 } }), 403, 50013);
      assert.equal((await eventOf(second.id)).status, 2);
      assert.equal((await t.request('GET', `/stage-instances/${stage.id}`, { auth: owner })).body.id, reopened.body.id);
      const end = await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${second.id}`, { auth: owner, body: { status: 3 } });
      assert.equal(end.status, 200, JSON.stringify(end.body));
      assert.equal(end.body.entity_id, null);
      await watcher.c.waitForDispatch('STAGE_INSTANCE_DELETE', (d) => d.id === reopened.body.id);
      assertError(await t.request('GET', `/stage-instances/${stage.id}`, { auth: owner }), 404, 10067);
      const log = await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=85`, { auth: owner });
      assert.deepEqual(log.body.audit_log_entries.map((e: any) => [e.target_id, e.user_id]).slice(0, 1), [[reopened.body.id, owner.id]]);

      // An event started by hand, then linked: announced again, naming its stage.
      const fourth = await newEvent('Fourth');
      assert.equal((await t.request('PATCH', `/guilds/${guild.id}/scheduled-events/${fourth.id}`, { auth: owner, body: { status: 2 } })).status, 200);
      const linked = await open({ guild_scheduled_event_id: fourth.id });
      assert.equal(linked.status, 200, JSON.stringify(linked.body));
      await watcher.c.waitForDispatch('GUILD_SCHEDULED_EVENT_UPDATE', (d) => d.id === fourth.id && d.entity_id === linked.body.id);
      assert.equal((await t.request('DELETE', `/stage-instances/${stage.id}`, { auth: owner })).status, 204);

      // A stage opened without an event leaves the events alone.
      const third = await newEvent('Third');
      assert.equal((await open({})).status, 200);
      assert.equal((await eventOf(third.id)).status, 1);
    });
    it('the start notification needs Mention Everyone; a template carries stage channels, not their stages', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const stage = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Briefing', type: 13, user_limit: 40 } })).body;
      // A stage moderator whose Mention Everyone is denied in the channel.
      const role = await giveRole(t, owner, guild.id, member, STAGE_MODERATOR, 'Hosts');
      const deny = await t.request('PUT', `/channels/${stage.id}/permissions/${role.id}`, { auth: owner, body: { type: 0, allow: '0', deny: String(MENTION_EVERYONE) } });
      assert.equal(deny.status, 204, JSON.stringify(deny.body));
      await t.request('PUT', `/channels/${stage.id}/permissions/${guild.id}`, { auth: owner, body: { type: 0, allow: '0', deny: String(MENTION_EVERYONE) } });
      const open = (body: Record<string, unknown>) => t.request('POST', '/stage-instances', { auth: member, body: { channel_id: stage.id, topic: 'Daily', ...body } });
      assertError(await open({ send_start_notification: true }), 403, 50013);
      assert.equal(await t.store.stageInstances.getByChannel(stage.id), null, 'nothing opened by the refusal');
      const opened = await open({ send_start_notification: false });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));

      const tpl = await t.request('POST', `/guilds/${guild.id}/templates`, { auth: owner, body: { name: 'With a stage' } });
      assert.equal(tpl.status, 200, JSON.stringify(tpl.body));
      const carried = tpl.body.serialized_source_guild.channels.find((c: any) => c.name === 'Briefing');
      assert.deepEqual([carried.type, carried.user_limit], [13, 40]);
      const made = await t.request('POST', `/guilds/templates/${tpl.body.code}`, { auth: member, body: { name: 'From the template' } });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const copy = (await t.request('GET', `/guilds/${made.body.id}/channels`, { auth: member })).body.find((c: any) => c.name === 'Briefing');
      assert.deepEqual([copy.type, copy.user_limit], [13, 40]);
      assertError(await t.request('GET', `/stage-instances/${copy.id}`, { auth: member }), 404, 10067);
    });
  });
}
