/**
 * Guild onboarding: GET (any member; a guild that never set one answers it disabled and empty), PUT (Manage Server
 * and Manage Roles) with questions whose options grant roles, ids kept across edits, refusals for roles and
 * channels of other guilds; and a member's answers (PUT /onboarding-responses), which add the roles and mark the
 * member COMPLETED_ONBOARDING with GUILD_MEMBER_UPDATE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, startTestServerOn, type TestServer } from '../helpers/harness.ts';
import { serviceSkip } from '../helpers/services.ts';
import { assertError, giveRole, guildWithMember, makeBot } from './fixtures.guilds.ts';

const postgresSkip = await serviceSkip('postgres');

const COMPLETED_ONBOARDING = 1 << 1;

describe('guild onboarding', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('GET is disabled and empty until set; PUT sets questions, keeps their ids, and needs Manage Server and Manage Roles', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/onboarding`, { auth: member })).body, { guild_id: guild.id, prompts: [], default_channel_ids: [], enabled: false, mode: 0 });
    const general = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    const [pianist, drummer] = [await giveRole(t, owner, guild.id, owner, 0n, 'pianist'), await giveRole(t, owner, guild.id, owner, 0n, 'drummer')];
    const body = {
      enabled: true, mode: 0, default_channel_ids: [general.id],
      prompts: [{ id: '0', type: 0, title: 'What do you play?', single_select: true, required: true, in_onboarding: true, options: [
        { id: '1', title: 'Piano', description: 'Keys', role_ids: [pianist.id], emoji_name: '🎹' },
        { id: '2', title: 'Drums', role_ids: [drummer.id], channel_ids: [general.id] },
      ] }],
    };
    assertError(await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: member, body }), 403, 50013);
    const put = await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const [prompt] = put.body.prompts;
    assert.match(prompt.id, /^\d{17,20}$/, 'placeholder ids replaced');
    assert.deepEqual(prompt.options.map((o: any) => [o.title, o.role_ids, o.channel_ids]), [['Piano', [pianist.id], []], ['Drums', [drummer.id], [general.id]]]);
    assert.deepEqual(prompt.options[0].emoji, { id: null, name: '🎹', animated: false });
    assert.equal(put.body.enabled, true);
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/onboarding`, { auth: member })).body, put.body);
    // Sent back as read, the ids stay.
    const again = await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: { prompts: put.body.prompts } });
    assert.deepEqual(again.body.prompts.map((p: any) => [p.id, p.options.map((o: any) => o.id)]), put.body.prompts.map((p: any) => [p.id, p.options.map((o: any) => o.id)]));
    // Another guild's role or channel is refused under its path.
    const other = await t.createGuild(owner, 'Elsewhere');
    const foreignChannel = (await t.request('GET', `/guilds/${other.id}/channels`, { auth: owner })).body[0];
    const bad = await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: { prompts: [{ title: 'Q', options: [{ title: 'A', role_ids: [other.id] }] }] } });
    assertError(bad, 400, 50035);
    assert.ok(bad.body.errors.prompts['0'].options['0'].role_ids, JSON.stringify(bad.body));
    assertError(await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: { default_channel_ids: [foreignChannel.id] } }), 400, 50035);
    assertError(await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: { prompts: [{ title: 'No options', options: [] }] } }), 400, 50035);
  });

  it("a member's answers add the options' roles and mark COMPLETED_ONBOARDING; single-select and required are enforced", async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const [pianist, drummer] = [await giveRole(t, owner, guild.id, owner, 0n, 'pianist'), await giveRole(t, owner, guild.id, owner, 0n, 'drummer')];
    assertError(await t.request('PUT', `/guilds/${guild.id}/onboarding-responses`, { auth: member, body: { onboarding_responses: [] } }), 403, 50001);
    const set = (await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: {
      enabled: true,
      prompts: [{ title: 'What do you play?', single_select: true, required: true, options: [{ title: 'Piano', role_ids: [pianist.id] }, { title: 'Drums', role_ids: [drummer.id] }] }],
    } })).body;
    const [piano, drums] = set.prompts[0].options.map((o: any) => o.id);
    const answer = (ids: string[]) => t.request('PUT', `/guilds/${guild.id}/onboarding-responses`, { auth: member, body: { onboarding_responses: ids, onboarding_prompts_seen: {}, onboarding_responses_seen: {} } });
    assertError(await answer([]), 400, 50035);
    assertError(await answer([piano, drums]), 400, 50035);
    const from = t.events.length;
    const done = await answer([piano]);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(done.body.onboarding_responses, [piano]);
    const ev = await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => e.d.user.id === member.id, from);
    assert.deepEqual(ev.d.roles, [pianist.id]);
    assert.equal(ev.d.flags & COMPLETED_ONBOARDING, COMPLETED_ONBOARDING);
    const stored = await t.store.members.get(guild.id, member.id);
    assert.deepEqual(stored!.roles, [pianist.id]);
    const { bot } = await makeBot(t, owner, 'Onboard Bot');
    assertError(await t.request('PUT', `/guilds/${guild.id}/onboarding-responses`, { auth: bot, body: { onboarding_responses: [] } }), 403, 20001);
  });

  it("the guild's features follow onboarding (with GUILD_UPDATE), and each edit is audited", async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const pianist = await giveRole(t, owner, guild.id, owner, 0n, 'pianist');
    const features = async () => (await t.request('GET', `/guilds/${guild.id}`, { auth: member })).body.features.filter((f: string) => f.startsWith('GUILD_ONBOARDING')).sort();
    assert.deepEqual(await features(), []);
    let from = t.events.length;
    const first = await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: {
      enabled: true, prompts: [{ title: 'What do you play?', options: [{ title: 'Piano', role_ids: [pianist.id] }] }, { title: 'Where from?', options: [{ title: 'Here' }] }],
    } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(await features(), ['GUILD_ONBOARDING', 'GUILD_ONBOARDING_EVER_ENABLED', 'GUILD_ONBOARDING_HAS_PROMPTS']);
    const update = await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id, from);
    assert.ok(update.d.features.includes('GUILD_ONBOARDING'));
    const [played, where] = first.body.prompts;
    // Rename one question, drop the other, turn it off.
    from = t.events.length;
    await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: { enabled: false, prompts: [{ ...played, title: 'What do you play now?' }] } });
    assert.deepEqual(await features(), ['GUILD_ONBOARDING_EVER_ENABLED', 'GUILD_ONBOARDING_HAS_PROMPTS']);
    const off = await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id, from);
    assert.ok(!off.d.features.includes('GUILD_ONBOARDING'));
    // The same again changes nothing: no audit entry.
    await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: { enabled: false } });
    const log = (await t.request('GET', `/guilds/${guild.id}/audit-logs`, { auth: owner })).body.audit_log_entries
      .filter((e: any) => e.action_type >= 163 && e.action_type <= 167)
      .map((e: any) => [e.action_type, e.target_id, Object.fromEntries((e.changes ?? []).map((c: any) => [c.key, [c.old_value, c.new_value]]))]);
    assert.deepEqual(log, [
      [165, where.id, { title: ['Where from?', undefined], type: [0, undefined], single_select: [false, undefined], required: [false, undefined], in_onboarding: [true, undefined], options: [where.options, undefined] }],
      [164, played.id, { title: ['What do you play?', 'What do you play now?'] }],
      [167, guild.id, { enabled: [true, false] }],
      [163, where.id, { title: [undefined, 'Where from?'], type: [undefined, 0], single_select: [undefined, false], required: [undefined, false], in_onboarding: [undefined, true], options: [undefined, where.options] }],
      [163, played.id, { title: [undefined, 'What do you play?'], type: [undefined, 0], single_select: [undefined, false], required: [undefined, false], in_onboarding: [undefined, true], options: [undefined, played.options] }],
      [166, guild.id, { enabled: [undefined, true], mode: [undefined, 0], default_channel_ids: [undefined, []] }],
    ]);
    const filtered = (await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=164`, { auth: owner })).body.audit_log_entries;
    assert.deepEqual(filtered.map((e: any) => e.target_id), [played.id]);
  });

  it('Manage Server without Manage Roles cannot set onboarding', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    await giveRole(t, owner, guild.id, member, 1n << 5n, 'manager'); // MANAGE_GUILD
    assertError(await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: member, body: { enabled: false } }), 403, 50013);
    await giveRole(t, owner, guild.id, member, 1n << 28n, 'role manager'); // MANAGE_ROLES
    const put = await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: member, body: { enabled: false } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  });
});

// On PostgreSQL the awaits between a read and a write are real round trips, where another request's write can land.
for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`guild onboarding beside other edits at the same instant (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServerOn(backend);
    });
    after(async () => {
      await t.close();
    });

    it('onboarding, the welcome screen and Modify Guild each change their own feature: edits at the same instant all land', async () => {
      const { owner, guild } = await guildWithMember(t);
      for (let i = 0; i < 6; i++) {
        const on = i % 2 === 0;
        const results = await Promise.all([
          t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: { enabled: on } }),
          t.request('PATCH', `/guilds/${guild.id}/welcome-screen`, { auth: owner, body: { enabled: on } }),
          t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { features: on ? ['INVITES_DISABLED'] : [] } }),
        ]);
        for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
        const features = (await t.request('GET', `/guilds/${guild.id}`, { auth: owner })).body.features;
        for (const f of ['GUILD_ONBOARDING', 'WELCOME_SCREEN_ENABLED', 'INVITES_DISABLED']) {
          assert.equal(features.includes(f), on, `round ${i}: ${f} ${on ? 'lost' : 'came back'} (${features.join(', ')})`);
        }
        assert.ok(features.includes('GUILD_ONBOARDING_EVER_ENABLED'));
      }
    });

    it("answering does not undo a role change made at the same instant (no read-modify-write of the member's roles)", async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const pianist = await giveRole(t, owner, guild.id, owner, 0n, 'pianist');
      const set = (await t.request('PUT', `/guilds/${guild.id}/onboarding`, { auth: owner, body: {
        enabled: true, prompts: [{ title: 'What do you play?', options: [{ title: 'Piano', role_ids: [pianist.id] }] }],
      } })).body;
      const piano = set.prompts[0].options[0].id;
      for (let i = 0; i < 6; i++) {
        const taken: any[] = [];
        for (let k = 0; k < 4; k++) taken.push(await giveRole(t, owner, guild.id, member, 0n, `taken ${i}.${k}`));
        const remove = (r: any) => t.request('DELETE', `/guilds/${guild.id}/members/${member.id}/roles/${r.id}`, { auth: owner });
        const answer = () => t.request('PUT', `/guilds/${guild.id}/onboarding-responses`, { auth: member, body: { onboarding_responses: [piano] } });
        const [r0, answered, ...rest] = await Promise.all([remove(taken[0]), answer(), ...taken.slice(1).map(remove)]);
        assert.equal(answered.status, 200, JSON.stringify(answered.body));
        for (const r of [r0, ...rest]) assert.equal(r.status, 204);
        const roles = (await t.store.members.get(guild.id, member.id))!.roles;
        assert.deepEqual(roles.filter((r) => taken.some((x) => x.id === r)), [], `round ${i}: a removed role came back`);
        assert.ok(roles.includes(pianist.id));
      }
    });
  });
}
