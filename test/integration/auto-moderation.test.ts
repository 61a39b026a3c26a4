/**
 * Auto moderation over REST and the gateway (api/routes/auto-moderation.ts, api/auto-moderation/), on SQLite and
 * PostgreSQL: rules' CRUD with Discord's shape, refusals and limits; enforcement on send and edit (keywords with
 * wildcards and an allow list, regex, presets, mention spam; exempt roles, channels and managers); the actions
 * (block with 200000, alert message type 24, timeout) with AUTO_MODERATION_ACTION_EXECUTION to managers only, and
 * audit log entries 140–145.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { addMember, assertError, giveRole, makeBot } from './fixtures.guilds.ts';
import { GatewaySessions } from './gateway-client.ts';

const MANAGE_GUILD = 1n << 5n;

for (const backend of ['sqlite', 'postgres'] as const) describe(`auto moderation (${backend})`, { skip: backend === 'postgres' ? await serviceSkip('postgres') : false }, () => {
  let t: TestServer;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
  const sessions = new GatewaySessions(() => t.url);
  let owner: TestUser;
  let manager: TestUser;
  let member: TestUser;
  let trusted: TestUser;
  let guild: any;
  let general: any;
  let modLog: any;
  let trustedRole: any;

  before(async () => {
    if (backend === 'postgres') {
      fresh = await freshPostgresStore();
      await fresh.store.migrate();
    }
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, fresh ? { store: fresh.store } : {});
    owner = await t.register();
    manager = await t.register();
    member = await t.register();
    trusted = await t.register();
    guild = await t.createGuild(owner, 'Moderated');
    for (const u of [manager, member, trusted]) await addMember(t, guild.id, u);
    await giveRole(t, owner, guild.id, manager, MANAGE_GUILD, 'managers');
    trustedRole = await giveRole(t, owner, guild.id, trusted, 0n, 'trusted');
    const channels = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[];
    general = channels.find((c) => c.type === 0);
    modLog = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'mod-log', type: 0 } })).body;
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
    await fresh?.drop();
  });

  const rules = `/guilds/${'{g}'}/auto-moderation/rules`;
  const path = (suffix = '') => rules.replace('{g}', guild.id) + suffix;
  const createRule = (auth: TestUser, body: Record<string, unknown>) => t.request('POST', path(), { auth, body });
  const send = (auth: TestUser, content: string, channelId = general.id) => t.request('POST', `/channels/${channelId}/messages`, { auth, body: { content } });
  const deleteAll = async () => {
    for (const r of (await t.request('GET', path(), { auth: owner })).body as any[]) await t.request('DELETE', path(`/${r.id}`), { auth: owner });
  };

  test('create, list, get, modify and delete a keyword rule, with Discord\'s shape, events and audit entries', async () => {
    const from = t.events.length;
    const res = await createRule(manager, {
      name: 'No cats', event_type: 1, trigger_type: 1,
      trigger_metadata: { keyword_filter: ['cat*'], regex_patterns: ['(b|c)at'], allow_list: ['catalog'] },
      actions: [{ type: 1, metadata: { custom_message: 'No cats here' } }, { type: 2, metadata: { channel_id: modLog.id } }],
      enabled: true, exempt_roles: [trustedRole.id],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body;
    assert.deepEqual(Object.keys(r).sort(), ['actions', 'creator_id', 'enabled', 'event_type', 'exempt_channels', 'exempt_roles', 'guild_id', 'id', 'name', 'trigger_metadata', 'trigger_type']);
    assert.equal(r.creator_id, manager.id);
    assert.deepEqual(r.trigger_metadata, { keyword_filter: ['cat*'], regex_patterns: ['(b|c)at'], allow_list: ['catalog'] });
    assert.deepEqual(r.actions, [{ type: 1, metadata: { custom_message: 'No cats here' } }, { type: 2, metadata: { channel_id: modLog.id } }]);
    assert.deepEqual([r.enabled, r.exempt_roles, r.exempt_channels], [true, [trustedRole.id], []]);
    const created = await t.waitForEvent('AUTO_MODERATION_RULE_CREATE', (e) => e.d.id === r.id, from);
    assert.ok(created.userIds?.includes(manager.id) && created.userIds.includes(owner.id), 'sent to those who manage the guild');
    assert.ok(!created.userIds?.includes(member.id), 'not to plain members');

    assert.deepEqual(((await t.request('GET', path(), { auth: manager })).body as any[]).map((x) => x.id), [r.id]);
    assert.equal((await t.request('GET', path(`/${r.id}`), { auth: manager })).body.name, 'No cats');
    assertError(await t.request('GET', path(), { auth: member }), 403, 50013);
    const unknown = await t.request('GET', path('/123'), { auth: manager });
    assert.equal(unknown.status, 404);

    const edited = await t.request('PATCH', path(`/${r.id}`), { auth: manager, body: { name: 'No cats at all', enabled: false } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual([edited.body.name, edited.body.enabled, edited.body.trigger_type], ['No cats at all', false, 1]);
    await t.waitForEvent('AUTO_MODERATION_RULE_UPDATE', (e) => e.d.id === r.id && e.d.enabled === false, from);

    assert.equal((await t.request('DELETE', path(`/${r.id}`), { auth: manager })).status, 204);
    await t.waitForEvent('AUTO_MODERATION_RULE_DELETE', (e) => e.d.id === r.id, from);
    assert.equal((await t.request('GET', path(`/${r.id}`), { auth: manager })).status, 404);

    const log = (await t.request('GET', `/guilds/${guild.id}/audit-logs`, { auth: owner })).body;
    const types = log.audit_log_entries.filter((e: any) => e.target_id === r.id).map((e: any) => e.action_type).sort();
    assert.deepEqual(types, [140, 141, 142]);
  });

  test('refusals: event type, actions for the trigger, alert channel, regex, limits per trigger type, permissions', async () => {
    const base = { name: 'r', event_type: 1, trigger_type: 1, trigger_metadata: { keyword_filter: ['x'] }, actions: [{ type: 1 }] };
    assertError(await createRule(member, base), 403, 50013);
    assertError(await createRule(manager, { ...base, event_type: 2 }), 400, 50035);
    assertError(await createRule(manager, { ...base, actions: [{ type: 4 }] }), 400, 50035);
    assertError(await createRule(manager, { ...base, actions: [] }), 400, 50035);
    assertError(await createRule(manager, { ...base, actions: [{ type: 2, metadata: {} }] }), 400, 50035);
    assertError(await createRule(manager, { ...base, actions: [{ type: 2, metadata: { channel_id: '1' } }] }), 400, 50035);
    const badRegex = await createRule(manager, { ...base, trigger_metadata: { regex_patterns: ['(a)\\1'] } });
    assertError(badRegex, 400, 50035);
    assert.ok(badRegex.body.errors.trigger_metadata.regex_patterns['0'], JSON.stringify(badRegex.body.errors));
    assertError(await createRule(manager, { ...base, trigger_metadata: { keyword_filter: ['x'.repeat(61)] } }), 400, 50035);
    assertError(await createRule(manager, { ...base, trigger_type: 5, trigger_metadata: {} }), 400, 50035);
    // TIMEOUT needs MODERATE_MEMBERS, which the manager lacks and the owner has.
    assertError(await createRule(manager, { ...base, actions: [{ type: 3, metadata: { duration_seconds: 60 } }] }), 403, 50013);
    assertError(await createRule(owner, { ...base, trigger_type: 4, trigger_metadata: { presets: [1] }, actions: [{ type: 3, metadata: { duration_seconds: 60 } }] }), 400, 50035);
    assertError(await createRule(manager, { ...base, exempt_roles: ['123'] }), 400, 50035);

    for (let i = 0; i < 6; i++) assert.equal((await createRule(manager, { ...base, name: `k${i}` })).status, 200);
    const seventh = await createRule(manager, { ...base, name: 'k6' });
    assertError(seventh, 400, 50035);
    assert.equal(seventh.body.errors.trigger_type._errors[0].code, 'AUTO_MODERATION_MAX_RULES_OF_TYPE_EXCEEDED');
    const mention = { name: 'm', event_type: 1, trigger_type: 5, trigger_metadata: { mention_total_limit: 3 }, actions: [{ type: 1 }] };
    assert.equal((await createRule(manager, mention)).status, 200);
    assertError(await createRule(manager, mention), 400, 50035);
    await deleteAll();
  });

  test('a blocking keyword rule refuses the message with 200000, alerts the mod channel and tells the managers', async () => {
    const rule = (await createRule(owner, {
      name: 'Cats', event_type: 1, trigger_type: 1, enabled: true,
      trigger_metadata: { keyword_filter: ['cat*', '*dog', 'the mat'], regex_patterns: ['b[a4]t+'], allow_list: ['catalog'] },
      actions: [{ type: 1, metadata: { custom_message: 'Keep it pet-free' } }, { type: 2, metadata: { channel_id: modLog.id } }],
      exempt_roles: [trustedRole.id],
    })).body;
    const from = t.events.length;
    const blocked = await send(member, 'look, a CATapult!');
    assertError(blocked, 400, 200000);
    assert.equal(blocked.body.message, 'Message was blocked by automatic moderation');
    assert.equal(blocked.body.errors.content._errors[0].message, 'Keep it pet-free');

    const exec = await t.waitForEvent('AUTO_MODERATION_ACTION_EXECUTION', (e) => e.d.action.type === 1, from);
    assert.deepEqual(
      { rule_id: exec.d.rule_id, rule_trigger_type: exec.d.rule_trigger_type, user_id: exec.d.user_id, channel_id: exec.d.channel_id, content: exec.d.content, matched_keyword: exec.d.matched_keyword, matched_content: exec.d.matched_content },
      { rule_id: rule.id, rule_trigger_type: 1, user_id: member.id, channel_id: general.id, content: 'look, a CATapult!', matched_keyword: 'cat*', matched_content: 'CATapult' },
    );
    assert.equal(exec.d.message_id, undefined, 'a blocked message has no id');
    assert.ok(exec.userIds?.includes(owner.id) && !exec.userIds.includes(member.id));
    const alertExec = await t.waitForEvent('AUTO_MODERATION_ACTION_EXECUTION', (e) => e.d.action.type === 2, from);
    const alert = (await t.request('GET', `/channels/${modLog.id}/messages/${alertExec.d.alert_system_message_id}`, { auth: owner })).body;
    assert.equal(alert.type, 24);
    assert.equal(alert.author.id, member.id);
    assert.equal(alert.content, 'look, a CATapult!');
    assert.equal(alert.embeds[0].type, 'auto_moderation_message');
    const field = (name: string) => alert.embeds[0].fields.find((f: any) => f.name === name)?.value;
    assert.deepEqual([field('rule_name'), field('channel_id'), field('keyword'), field('keyword_matched_content'), field('decision_outcome')], ['Cats', general.id, 'cat*', 'CATapult', 'blocked']);
    const history = (await t.request('GET', `/channels/${general.id}/messages?limit=5`, { auth: owner })).body as any[];
    assert.ok(!history.some((m) => m.content.includes('CATapult')), 'nothing was stored');

    // The wildcards, the allow list and the regex.
    assertError(await send(member, 'my hotdog'), 400, 200000);
    assertError(await send(member, 'under the mat.'), 400, 200000);
    assertError(await send(member, 'a b4ttt'), 400, 200000);
    for (const ok of ['the catalog is out', 'dogs are fine', 'the matrix', 'concatenate', 'a bit']) assert.equal((await send(member, ok)).status, 200, ok);
    // Exempt: the owner, managers, holders of an exempt role; and channels once listed.
    for (const who of [owner, manager, trusted]) assert.equal((await send(who, 'catnip')).status, 200);
    assert.equal((await t.request('PATCH', path(`/${rule.id}`), { auth: owner, body: { exempt_channels: [general.id] } })).status, 200);
    assert.equal((await send(member, 'catnip')).status, 200, 'exempt channel');
    // Edits are checked as sends are.
    const other = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'other', type: 0 } })).body;
    const mine = (await send(member, 'hello', other.id)).body;
    assertError(await t.request('PATCH', `/channels/${other.id}/messages/${mine.id}`, { auth: member, body: { content: 'hello catnip' } }), 400, 200000);
    assert.equal((await t.request('GET', `/channels/${other.id}/messages/${mine.id}`, { auth: member })).body.content, 'hello');
    // A disabled rule does nothing.
    assert.equal((await t.request('PATCH', path(`/${rule.id}`), { auth: owner, body: { enabled: false } })).status, 200);
    assert.equal((await send(member, 'catnip', other.id)).status, 200);

    const log = (await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=143`, { auth: owner })).body;
    const entry = log.audit_log_entries.find((e: any) => e.options.channel_id === general.id);
    assert.equal(entry.user_id, member.id);
    assert.deepEqual(entry.options, { channel_id: general.id, auto_moderation_rule_name: 'Cats', auto_moderation_rule_trigger_type: '1' });
    await deleteAll();
  });

  test('an alert-only rule lets the message through and names it; mention spam with a timeout; presets', async () => {
    await createRule(owner, {
      name: 'Watch', event_type: 1, trigger_type: 1, enabled: true, trigger_metadata: { keyword_filter: ['*refund*'] },
      actions: [{ type: 2, metadata: { channel_id: modLog.id } }],
    });
    const from = t.events.length;
    const sent = await send(member, 'where is my refunds page');
    assert.equal(sent.status, 200);
    const exec = await t.waitForEvent('AUTO_MODERATION_ACTION_EXECUTION', (e) => e.d.message_id === sent.body.id, from);
    assert.equal(exec.d.matched_content, 'refunds');
    const alert = (await t.request('GET', `/channels/${modLog.id}/messages/${exec.d.alert_system_message_id}`, { auth: owner })).body;
    assert.equal(alert.embeds[0].fields.find((f: any) => f.name === 'decision_outcome').value, 'flagged');
    assert.equal(alert.embeds[0].fields.find((f: any) => f.name === 'flagged_message_id').value, sent.body.id);

    await createRule(owner, {
      name: 'Mentions', event_type: 1, trigger_type: 5, enabled: true, trigger_metadata: { mention_total_limit: 2 },
      actions: [{ type: 1 }, { type: 3, metadata: { duration_seconds: 60 } }],
    });
    assert.equal((await send(member, `<@${owner.id}> <@!${owner.id}> <@${manager.id}>`)).status, 200, 'two unique mentions are allowed');
    assertError(await send(member, `<@${owner.id}> <@${manager.id}> <@&${trustedRole.id}>`), 400, 200000);
    const timedOut = await t.waitForEvent('GUILD_MEMBER_UPDATE', (e) => e.d.user.id === member.id && e.d.communication_disabled_until !== null, from);
    assert.ok(Date.parse(timedOut.d.communication_disabled_until) > Date.now() + 50_000);
    assertError(await send(member, 'hello?'), 403, 50013);
    const log = (await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=145`, { auth: owner })).body;
    assert.equal(log.audit_log_entries[0].target_id, member.id);
    await t.request('PATCH', `/guilds/${guild.id}/members/${member.id}`, { auth: owner, body: { communication_disabled_until: null } });

    await createRule(owner, { name: 'Profanity', event_type: 1, trigger_type: 4, enabled: true, trigger_metadata: { presets: [1], allow_list: ['damn'] }, actions: [{ type: 1 }] });
    assertError(await send(member, 'well, shit'), 400, 200000);
    assert.equal((await send(member, 'damn, well')).status, 200, 'allow-listed');
    assert.equal((await send(member, 'a shitake mushroom')).status, 200, 'a whole-word preset word does not match inside another word');
    await deleteAll();
  });

  test('thread names (200001) and a forum post\'s first message (200000) are checked; an alert-only match names the post', async () => {
    await createRule(owner, {
      name: 'Titles', event_type: 1, trigger_type: 1, enabled: true, trigger_metadata: { keyword_filter: ['forbidden'] }, actions: [{ type: 1 }],
    });
    await createRule(owner, {
      name: 'Flag', event_type: 1, trigger_type: 1, enabled: true, trigger_metadata: { keyword_filter: ['watched'] }, actions: [{ type: 2, metadata: { channel_id: modLog.id } }],
    });
    const thread = (name: string) => t.request('POST', `/channels/${general.id}/threads`, { auth: member, body: { name, type: 11 } });
    const refused = await thread('a forbidden topic');
    assertError(refused, 400, 200001);
    assert.equal(refused.body.message, 'Title was blocked by automatic moderation');
    const started = (await send(owner, 'start here')).body;
    assertError(await t.request('POST', `/channels/${general.id}/messages/${started.id}/threads`, { auth: member, body: { name: 'forbidden' } }), 400, 200001);
    assert.equal((await thread('a fine topic')).status, 201);

    const forum = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'help', type: 15 } })).body;
    const post = (name: string, content: string) => t.request('POST', `/channels/${forum.id}/threads`, { auth: member, body: { name, message: { content } } });
    assertError(await post('forbidden question', 'hello'), 400, 200001);
    assertError(await post('question', 'this is forbidden'), 400, 200000);
    const threads = (await t.request('GET', `/guilds/${guild.id}/threads/active`, { auth: owner })).body.threads as any[];
    assert.ok(!threads.some((x) => x.parent_id === forum.id), 'no post was made');
    const from = t.events.length;
    const flagged = await post('question', 'a watched word');
    assert.equal(flagged.status, 201, JSON.stringify(flagged.body));
    const exec = await t.waitForEvent('AUTO_MODERATION_ACTION_EXECUTION', (e) => e.d.matched_keyword === 'watched', from);
    assert.equal(exec.d.message_id, flagged.body.message.id);
    assert.equal(exec.d.channel_id, forum.id);
    await deleteAll();
  });

  test('bots get executions only with AUTO_MODERATION_EXECUTION, and content only with MESSAGE_CONTENT', async () => {
    const rule = (await createRule(owner, {
      name: 'Bots', event_type: 1, trigger_type: 1, enabled: true, trigger_metadata: { keyword_filter: ['forbidden'] }, actions: [{ type: 1 }],
    })).body;
    const { app, bot } = await makeBot(t, owner, 'Mod Bot');
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, permissions: MANAGE_GUILD.toString(), authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    // GATEWAY_MESSAGE_CONTENT, so the bot may ask for MESSAGE_CONTENT.
    assert.equal((await t.request('PATCH', `/applications/${app.id}`, { auth: owner, body: { flags: 1 << 18 } })).status, 200);
    const withContent = await sessions.online(bot, { intents: (1 << 21) | (1 << 15) | 1 });
    const withoutContent = await sessions.online(bot, { intents: (1 << 21) | 1 });
    const noIntent = await sessions.online(bot, { intents: 1 | (1 << 9) });
    assertError(await send(member, 'this is forbidden'), 400, 200000);
    const full = (await withContent.waitForDispatch('AUTO_MODERATION_ACTION_EXECUTION', (d) => d.rule_id === rule.id)).d;
    assert.deepEqual([full.content, full.matched_content, full.matched_keyword], ['this is forbidden', 'forbidden', 'forbidden']);
    const stripped = (await withoutContent.waitForDispatch('AUTO_MODERATION_ACTION_EXECUTION', (d) => d.rule_id === rule.id)).d;
    assert.deepEqual([stripped.content, stripped.matched_content, stripped.matched_keyword], ['', '', 'forbidden']);
    // A later event the third session does get (a message with GUILD_MESSAGES) shows it saw no execution before it.
    await send(owner, 'marker');
    await noIntent.waitForDispatch('MESSAGE_CREATE', (d) => d.content === '' || d.author?.id === owner.id);
    assert.equal(noIntent.dispatches('AUTO_MODERATION_ACTION_EXECUTION').length, 0);
    await deleteAll();
  });
});
