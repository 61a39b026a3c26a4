/**
 * Details of Discord's documentation that an audit of the API found Accord missing, each over real HTTP:
 * - allowed_mentions fields sent as null read as left out, and parse with an id list is refused on allowed_mentions
 *   itself (allowed_mentions[MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE]);
 * - message_reference.type null is a reply (DEFAULT);
 * - embed text is trimmed before its limits, and null optional embed fields read as left out;
 * - a path id Discord cannot read as a number is 50035 NUMBER_TYPE_COERCE keyed by its snake_case name (user_id,
 *   channel_id …), after authentication; a number it never issued stays the resource's 404;
 * - Modify Guild Member's channel_id needs MOVE_MEMBERS, then 40032 (nobody is in voice);
 * - Modify Guild takes the mutable features (INVITES_DISABLED with Manage Server, COMMUNITY only with
 *   Administrator) and keeps the others; INVITES_DISABLED refuses joins;
 * - a text channel's thread defaults (default_auto_archive_duration, default_thread_rate_limit_per_user) are kept,
 *   shown and copied to its new threads;
 * - an invite target (stream, activity) needs its id, then voice: refused; announcement channels have no slowmode;
 * - a method a path is not served under is 405 (with Allow); each default-limited route has its own bucket;
 * - an invite looked up with guild_scheduled_event_id carries the event a newcomer could see;
 * - threads: archiving needs the creator or MANAGE_THREADS, a new auto_archive_duration moves archive_timestamp,
 *   with_member=1 is true, a forum post needs no CREATE_PUBLIC_THREADS and its first message is not counted,
 *   messages to a forum are 40058, archiving unpins a post, REQUIRE_TAG refuses a post without a tag (40067); bots may not vote in polls (20001);
 * - a forum post's first message takes allowed_mentions (and mentions), components, the two client flags and files,
 *   and counts as a message with components or a file only;
 * - the guild object has hub_type; image changes are audited as icon_hash; the audit log lists the integrations,
 *   scheduled events and auto moderation rules its entries name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { giveRole, makeBot } from './fixtures.guilds.ts';
import { issueAccessToken } from '../../src/api/oauth2.ts';
import { GatewayClient } from './gateway-client.ts';
import { assertError, guildFixture, send, type GuildFixture } from './fixtures.messages.ts';

const MANAGE_GUILD = 1n << 5n;
const MUTE_MEMBERS = 1n << 22n;

describe('documented details', () => {
  let t: TestServer;
  let f: GuildFixture;

  before(async () => {
    t = await startTestServer();
    f = await guildFixture(t);
  });
  after(async () => {
    await t.close();
  });

  test('allowed_mentions: null fields are left out; parse with a list is refused on allowed_mentions itself', async () => {
    const content = `hi <@${f.member.id}>`;
    const nulls = await send(t, f.owner, f.channel.id, { content, allowed_mentions: { parse: ['users'], users: null, roles: null, replied_user: null } });
    assert.deepEqual(nulls.mentions.map((u: any) => u.id), [f.member.id]);
    const noneParsed = await send(t, f.owner, f.channel.id, { content, allowed_mentions: { parse: null } });
    assert.deepEqual(noneParsed.mentions, []);

    const both = await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.owner, body: { content, allowed_mentions: { parse: ['users'], users: [f.member.id] } } });
    assertError(both, 400, 50035);
    assert.equal(both.body.errors.allowed_mentions._errors[0].code, 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE');
  });

  test('message_reference.type null is a reply', async () => {
    const first = await send(t, f.member, f.channel.id, 'original');
    const reply = await send(t, f.owner, f.channel.id, { content: 'answer', message_reference: { type: null, message_id: first.id } });
    assert.equal(reply.type, 19);
    assert.equal(reply.message_reference.message_id, first.id);
  });

  test('embeds: text is trimmed before its limits; null optional fields are left out; whitespace-only required text is refused', async () => {
    const padded = await send(t, f.owner, f.channel.id, {
      embeds: [{ title: `  ${'t'.repeat(256)}  `, description: '  body  ', color: null, url: null, footer: { text: ' foot ', icon_url: null }, fields: [{ name: ' n ', value: ' v ', inline: null }] }],
    });
    const [embed] = padded.embeds;
    assert.equal(embed.title, 't'.repeat(256));
    assert.equal(embed.description, 'body');
    assert.deepEqual(embed.footer, { text: 'foot' });
    assert.deepEqual(embed.fields, [{ name: 'n', value: 'v' }]);
    assert.equal('color' in embed, false);
    assert.equal('url' in embed, false);

    // 6,000 characters once trimmed, though more were sent.
    const full = await t.request('POST', `/channels/${f.channel.id}/messages`, {
      auth: f.owner, body: { embeds: [{ description: `${'d'.repeat(4096)}\n\n` }, { description: `${'e'.repeat(1904)}   ` }] },
    });
    assert.equal(full.status, 200, JSON.stringify(full.body).slice(0, 300));
    const over = await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.owner, body: { embeds: [{ description: 'd'.repeat(4096) }, { description: 'e'.repeat(1905) }] } });
    assertError(over, 400, 50035);
    assertError(await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.owner, body: { embeds: [{ fields: [{ name: 'n', value: '   ' }] }] } }), 400, 50035);
  });

  test('a malformed user id in a reaction path is keyed user_id', async () => {
    const m = await send(t, f.owner, f.channel.id, 'react here');
    const res = await t.request('DELETE', `/channels/${f.channel.id}/messages/${m.id}/reactions/${encodeURIComponent('👍')}/abc`, { auth: f.owner });
    assertError(res, 400, 50035);
    assert.deepEqual(Object.keys(res.body.errors), ['user_id']);
  });

  test('a path id that is not a number is 50035 keyed by its name; a number never issued is Unknown; @me and @original pass', async () => {
    const notSnowflake = (res: { status: number; body: any }, key: string, value: string) => {
      assertError(res, 400, 50035);
      assert.deepEqual(res.body.errors, { [key]: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: `Value "${value}" is not snowflake.` }] } });
    };
    notSnowflake(await t.request('GET', '/channels/undefined', { auth: f.owner }), 'channel_id', 'undefined');
    notSnowflake(await t.request('GET', '/channels/undefined/messages', { auth: f.owner }), 'channel_id', 'undefined');
    notSnowflake(await t.request('GET', '/guilds/abc/members', { auth: f.owner }), 'guild_id', 'abc');
    notSnowflake(await t.request('GET', '/users/xyz', { auth: f.owner }), 'user_id', 'xyz');
    notSnowflake(await t.request('GET', `/channels/${f.channel.id}/messages/12a`, { auth: f.owner }), 'message_id', '12a');
    notSnowflake(await t.request('DELETE', `/guilds/${f.guild.id}/roles/role`, { auth: f.owner }), 'role_id', 'role');
    notSnowflake(await t.request('GET', '/channels/99999999999999999999999', { auth: f.owner }), 'channel_id', '99999999999999999999999');
    // Unauthenticated routes too (the widget, a webhook by its token); without a token, an authenticated route is 401 first.
    notSnowflake(await t.request('GET', '/guilds/abc/widget.json'), 'guild_id', 'abc');
    notSnowflake(await t.request('GET', '/webhooks/abc/some-token'), 'webhook_id', 'abc');
    assertError(await t.request('GET', '/channels/abc'), 401, 0);
    // Numbers: the resource's own 404, up to 2^64 − 1.
    assertError(await t.request('GET', '/channels/123', { auth: f.owner }), 404, 10003);
    assertError(await t.request('GET', '/channels/18446744073709551615', { auth: f.owner }), 404, 10003);
    notSnowflake(await t.request('GET', '/channels/18446744073709551616', { auth: f.owner }), 'channel_id', '18446744073709551616');
    // The words routes take in an id's place.
    assert.equal((await t.request('GET', `/users/@me`, { auth: f.owner })).status, 200);
    assert.equal((await t.request('GET', `/guilds/${f.guild.id}/members/@me`, { auth: f.owner })).status, 200);
  });

  test('Modify Guild Member channel_id: MOVE_MEMBERS first, then 40032 (nobody is connected to voice)', async () => {
    const helper = await t.register();
    await t.join(f.owner, f.guild.id, helper);
    await giveRole(t, f.owner, f.guild.id, helper, MUTE_MEMBERS, 'muters');
    assertError(await t.request('PATCH', `/guilds/${f.guild.id}/members/${f.member.id}`, { auth: helper, body: { channel_id: null } }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${f.guild.id}/members/${f.member.id}`, { auth: f.owner, body: { channel_id: null } }), 400, 40032);
    assertError(await t.request('PATCH', `/guilds/${f.guild.id}/members/${f.member.id}`, { auth: f.owner, body: { channel_id: f.channel.id, nick: 'moved' } }), 400, 40032);
    const member = await t.request('GET', `/guilds/${f.guild.id}/members/${f.member.id}`, { auth: f.owner });
    assert.equal(member.body.nick, null, 'nothing of the refused request was written');
  });

  test('Modify Guild features: the mutable ones with their permission, the rest kept; INVITES_DISABLED refuses joins', async () => {
    const manager = await t.register();
    await t.join(f.owner, f.guild.id, manager);
    await giveRole(t, f.owner, f.guild.id, manager, MANAGE_GUILD, 'managers');
    const patch = (who: typeof manager, features: unknown) => t.request('PATCH', `/guilds/${f.guild.id}`, { auth: who, body: { features } });

    const paused = await patch(manager, ['INVITES_DISABLED', 'VERIFIED', 'ANIMATED_ICON']);
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.deepEqual(paused.body.features, ['INVITES_DISABLED']);
    assertError(await patch(manager, ['INVITES_DISABLED', 'COMMUNITY']), 403, 50013);
    assertError(await patch(manager, 'INVITES_DISABLED'), 400, 50035);

    const channels = (await t.request('GET', `/guilds/${f.guild.id}/channels`, { auth: f.owner })).body as any[];
    const invite = (await t.request('POST', `/channels/${channels.find((c) => c.type === 0).id}/invites`, { auth: f.owner, body: {} })).body;
    const newcomer = await t.register();
    assertError(await t.request('POST', `/invites/${invite.code}`, { auth: newcomer }), 403, 50001);

    const community = await patch(f.owner, ['COMMUNITY']);
    assert.equal(community.status, 200);
    assert.deepEqual(community.body.features, ['COMMUNITY']);
    assert.equal((await t.request('POST', `/invites/${invite.code}`, { auth: newcomer })).status, 200);
    assert.deepEqual((await patch(f.owner, [])).body.features, []);
  });

  test('a text channel keeps its thread defaults, shows them, and its new threads take them', async () => {
    const set = await t.request('PATCH', `/channels/${f.channel.id}`, { auth: f.owner, body: { default_auto_archive_duration: 1440, default_thread_rate_limit_per_user: 30 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.default_auto_archive_duration, 1440);
    assert.equal(set.body.default_thread_rate_limit_per_user, 30);
    const read = (await t.request('GET', `/channels/${f.channel.id}`, { auth: f.member })).body;
    assert.equal(read.default_auto_archive_duration, 1440);
    const listed = ((await t.request('GET', `/guilds/${f.guild.id}/channels`, { auth: f.member })).body as any[]).find((c) => c.id === f.channel.id);
    assert.equal(listed.default_thread_rate_limit_per_user, 30);
    assertError(await t.request('PATCH', `/channels/${f.channel.id}`, { auth: f.owner, body: { default_auto_archive_duration: 100 } }), 400, 50035);
    const session = await GatewayClient.connect(t.url);
    try {
      await session.identify(f.member.token);
      const guildCreate = await session.waitForDispatch('GUILD_CREATE', (d) => d.id === f.guild.id);
      const inSnapshot = guildCreate.d.channels.find((c: any) => c.id === f.channel.id);
      assert.equal(inSnapshot.default_auto_archive_duration, 1440);
      assert.equal(inSnapshot.default_thread_rate_limit_per_user, 30);
    } finally {
      await session.close();
    }

    const m = await send(t, f.owner, f.channel.id, 'thread here');
    const thread = await t.request('POST', `/channels/${f.channel.id}/messages/${m.id}/threads`, { auth: f.owner, body: { name: 'defaults' } });
    assert.equal(thread.status, 201, JSON.stringify(thread.body));
    assert.equal(thread.body.thread_metadata.auto_archive_duration, 1440);
    assert.equal(thread.body.rate_limit_per_user, 30);
    const own = await t.request('POST', `/channels/${f.channel.id}/threads`, { auth: f.owner, body: { name: 'explicit', type: 11, auto_archive_duration: 60 } });
    assert.equal(own.body.thread_metadata.auto_archive_duration, 60);

    const created = await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'news', type: 5, default_auto_archive_duration: 4320, default_thread_rate_limit_per_user: 5 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.default_auto_archive_duration, 4320);
    assert.equal('default_thread_rate_limit_per_user' in created.body, false, 'announcement channels have no thread slowmode default');

    const cleared = await t.request('PATCH', `/channels/${f.channel.id}`, { auth: f.owner, body: { default_auto_archive_duration: null, default_thread_rate_limit_per_user: null } });
    assert.equal('default_auto_archive_duration' in cleared.body, false);
    assert.equal('default_thread_rate_limit_per_user' in cleared.body, false);
  });

  test('invite targets need their id and voice (refused, not dropped); announcement channels take no slowmode', async () => {
    const invites = `/channels/${f.channel.id}/invites`;
    const noUser = await t.request('POST', invites, { auth: f.owner, body: { target_type: 1 } });
    assertError(noUser, 400, 50035);
    assert.ok(noUser.body.errors.target_user_id, JSON.stringify(noUser.body));
    const stream = await t.request('POST', invites, { auth: f.owner, body: { target_type: 1, target_user_id: f.member.id } });
    assertError(stream, 400, 50035);
    assert.ok(stream.body.errors.target_type, JSON.stringify(stream.body));
    assertError(await t.request('POST', invites, { auth: f.owner, body: { target_type: 2 } }), 400, 50035);
    assert.equal((await t.request('POST', invites, { auth: f.owner, body: {} })).status, 200);

    const news = await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'updates', type: 5, rate_limit_per_user: 30 } });
    assert.equal(news.status, 201, JSON.stringify(news.body));
    assert.equal(news.body.rate_limit_per_user, 0);
    const patched = await t.request('PATCH', `/channels/${news.body.id}`, { auth: f.owner, body: { rate_limit_per_user: 30, topic: 'news' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.rate_limit_per_user, 0);
    assert.equal(patched.body.topic, 'news');
  });

  test('a method a path is not served under answers 405 with Allow; an unknown path 404; routes without a bucket of their own get one each', async () => {
    const wrong = await fetch(`${t.url}/api/v10/users/@me`, { method: 'PUT', headers: { authorization: f.owner.token } });
    assert.equal(wrong.status, 405);
    assert.deepEqual(await wrong.json(), { code: 0, message: '405: Method Not Allowed' });
    assert.deepEqual(wrong.headers.get('allow')!.split(', ').sort(), ['GET', 'HEAD', 'PATCH']);
    const v9 = await fetch(`${t.url}/api/v9/channels/${f.channel.id}/typing`, { method: 'GET', headers: { authorization: f.owner.token } });
    assert.equal(v9.status, 405);
    assert.equal(v9.headers.get('allow'), 'POST');
    const unknown = await fetch(`${t.url}/api/v10/no/such/route`, { method: 'PUT', headers: { authorization: f.owner.token } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { code: 0, message: '404: Not Found' });

    const bucketOf = async (path: string) => (await t.request('GET', path, { auth: f.owner })).headers.get('x-ratelimit-bucket');
    const me = await bucketOf('/users/@me');
    assert.ok(me);
    assert.notEqual(me, await bucketOf('/users/@me/guilds'));
    assert.equal(me, await bucketOf('/users/@me'));
  });

  test('an invite looked up with guild_scheduled_event_id carries that event when a newcomer could see it', async () => {
    const invite = (await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.owner, body: {} })).body;
    const when = { scheduled_start_time: new Date(Date.now() + 86_400_000).toISOString(), scheduled_end_time: new Date(Date.now() + 90_000_000).toISOString() };
    const outside = (await t.request('POST', `/guilds/${f.guild.id}/scheduled-events`, { auth: f.owner, body: { name: 'Picnic', entity_type: 3, privacy_level: 2, entity_metadata: { location: 'Park' }, ...when } })).body;
    const hidden = (await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'staff', type: 2, permission_overwrites: [{ id: f.guild.id, type: 0, deny: String(1 << 10), allow: '0' }] } })).body;
    const secret = await t.request('POST', `/guilds/${f.guild.id}/scheduled-events`, { auth: f.owner, body: { name: 'Staff meeting', entity_type: 2, privacy_level: 2, channel_id: hidden.id, ...when } });
    assert.equal(secret.status, 200, JSON.stringify(secret.body));

    const withEvent = await t.request('GET', `/invites/${invite.code}?guild_scheduled_event_id=${outside.id}`);
    assert.equal(withEvent.status, 200);
    assert.equal(withEvent.body.guild_scheduled_event.id, outside.id);
    assert.equal(withEvent.body.guild_scheduled_event.name, 'Picnic');
    assert.equal('guild_scheduled_event' in (await t.request('GET', `/invites/${invite.code}?guild_scheduled_event_id=${secret.body.id}`)).body, false, 'a channel newcomers cannot see');
    assert.equal('guild_scheduled_event' in (await t.request('GET', `/invites/${invite.code}?guild_scheduled_event_id=${f.guild.id}`)).body, false, 'no such event');
    assertError(await t.request('GET', `/invites/${invite.code}?guild_scheduled_event_id=abc`), 400, 50035);
  });

  test('threads and forums: archiving is the creator\'s or a manager\'s, the duration moves archive_timestamp, a post needs no CREATE_PUBLIC_THREADS and its first message is not counted', async () => {
    const m = await send(t, f.owner, f.channel.id, 'start here');
    const thread = (await t.request('POST', `/channels/${f.channel.id}/messages/${m.id}/threads`, { auth: f.owner, body: { name: 'owned' } })).body;
    assert.equal((await t.request('POST', `/channels/${thread.id}/messages`, { auth: f.member, body: { content: 'joining in' } })).status, 200);
    assertError(await t.request('PATCH', `/channels/${thread.id}`, { auth: f.member, body: { archived: true } }), 403, 50013);
    const before = thread.thread_metadata.archive_timestamp;
    await new Promise((r) => setTimeout(r, 5));
    const longer = await t.request('PATCH', `/channels/${thread.id}`, { auth: f.owner, body: { auto_archive_duration: 10080 } });
    assert.notEqual(longer.body.thread_metadata.archive_timestamp, before);
    const members = await t.request('GET', `/channels/${thread.id}/thread-members?with_member=1`, { auth: f.owner });
    assert.equal(members.status, 200, JSON.stringify(members.body));
    assert.ok(members.body.every((tm: any) => tm.member), 'with_member=1 reads as true');
    assert.equal((await t.request('PATCH', `/channels/${thread.id}`, { auth: f.owner, body: { archived: true } })).body.thread_metadata.archived, true);

    const forum = (await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'ideas', type: 15, permission_overwrites: [{ id: f.guild.id, type: 0, deny: String(1n << 35n), allow: '0' }] } })).body;
    const post = await t.request('POST', `/channels/${forum.id}/threads`, { auth: f.member, body: { name: 'A post', message: { content: 'first words' } } });
    assert.equal(post.status, 201, JSON.stringify(post.body));
    assert.equal(post.body.message_count, 0, 'the first message is not counted');
    assertError(await t.request('POST', `/channels/${forum.id}/messages`, { auth: f.member, body: { content: 'not a post' } }), 400, 40058);
    const pinned = await t.request('PATCH', `/channels/${post.body.id}`, { auth: f.owner, body: { flags: 2 } });
    assert.equal(pinned.body.flags, 2);
    const archived = await t.request('PATCH', `/channels/${post.body.id}`, { auth: f.owner, body: { archived: true } });
    assert.equal(archived.body.flags, 0, 'archiving unpins');
  });

  test('forum emoji: a default reaction has exactly one of emoji_id and emoji_name, a tag at most one, and a name is one emoji', async () => {
    const forum = (body: Record<string, unknown>) => t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'emoji-rules', type: 15, ...body } });
    assertError(await forum({ default_reaction_emoji: { emoji_id: f.guild.id, emoji_name: '👍' } }), 400, 50035);
    assertError(await forum({ default_reaction_emoji: { emoji_id: null, emoji_name: null } }), 400, 50035);
    assertError(await forum({ default_reaction_emoji: { emoji_name: 'thumbs' } }), 400, 50035);
    assertError(await forum({ available_tags: [{ name: 'both', emoji_id: f.guild.id, emoji_name: '🐛' }] }), 400, 50035);
    const ok = await forum({ default_reaction_emoji: { emoji_name: '👍' }, available_tags: [{ name: 'bug', emoji_name: '🐛' }] });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.default_reaction_emoji, { emoji_id: null, emoji_name: '👍' });
  });

  test('a thread\'s message_count goes down with deletes; total_message_sent does not', async () => {
    const root = await send(t, f.owner, f.channel.id, 'count root');
    const thread = (await t.request('POST', `/channels/${f.channel.id}/messages/${root.id}/threads`, { auth: f.owner, body: { name: 'counting' } })).body;
    const sent = [];
    for (const n of [1, 2, 3]) sent.push(await send(t, f.owner, thread.id, `m${n}`));
    const counts = async () => {
      const c = (await t.request('GET', `/channels/${thread.id}`, { auth: f.owner })).body;
      return [c.message_count, c.total_message_sent];
    };
    assert.deepEqual(await counts(), [3, 3]);
    assert.equal((await t.request('DELETE', `/channels/${thread.id}/messages/${sent[0].id}`, { auth: f.owner })).status, 204);
    assert.deepEqual(await counts(), [2, 3]);
    assert.equal((await t.request('POST', `/channels/${thread.id}/messages/bulk-delete`, { auth: f.owner, body: { messages: [sent[1].id, sent[2].id] } })).status, 204);
    assert.deepEqual(await counts(), [0, 3]);
  });

  test("a forum post's first message: mentions under allowed_mentions, components (a person's non-interactive ones), SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS", async () => {
    const forum = (await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'first-message', type: 15 } })).body;
    const link = { type: 2, style: 5, label: 'Docs', url: 'https://example.com/docs' };
    const post = await t.request('POST', `/channels/${forum.id}/threads`, {
      auth: f.owner,
      body: {
        name: 'With parts',
        message: {
          content: `hello <@${f.member.id}> https://example.com`,
          allowed_mentions: { parse: ['users'] },
          components: [{ type: 1, components: [link, { type: 2, style: 1, label: 'Click', custom_id: 'c' }] }],
          flags: 4 | 4096 | 64,
        },
      },
    });
    assert.equal(post.status, 201, JSON.stringify(post.body));
    const first = post.body.message;
    assert.deepEqual(first.mentions.map((u: any) => u.id), [f.member.id]);
    assert.equal(first.flags, 4 | 4096, 'SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS kept, EPHEMERAL not');
    assert.deepEqual(first.components.map((r: any) => r.components.map((c: any) => c.label)), [['Docs']], "a person's interactive button is dropped");
    const read = await t.request('GET', `/channels/${post.body.id}/messages/${post.body.id}`, { auth: f.member });
    assert.equal(read.body.flags, 4 | 4096);
    assert.equal(read.body.components.length, 1);
    const muted = await t.request('POST', `/channels/${forum.id}/threads`, { auth: f.owner, body: { name: 'Nobody named', message: { content: `hi <@${f.member.id}>`, allowed_mentions: { parse: [] } } } });
    assert.deepEqual(muted.body.message.mentions, []);
    const onlyComponents = await t.request('POST', `/channels/${forum.id}/threads`, { auth: f.owner, body: { name: 'Links only', message: { components: [{ type: 1, components: [link] }] } } });
    assert.equal(onlyComponents.status, 201, 'components alone make a message');
    assertError(await t.request('POST', `/channels/${forum.id}/threads`, { auth: f.owner, body: { name: 'Nothing', message: { content: '' } } }), 400, 50006);
    assertError(await t.request('POST', `/channels/${forum.id}/threads`, { auth: f.owner, body: { name: 'Bad mentions', message: { content: 'x', allowed_mentions: { parse: ['users'], users: [f.member.id] } } } }), 400, 50035);
  });

  test("a forum post's first message takes files (files[n] beside payload_json); other threads and members without ATTACH_FILES may not", async () => {
    const forum = (await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'gallery', type: 15 } })).body;
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#345678' } }).png().toBuffer();
    const post = (channelId: string, auth: string, payload: Record<string, unknown>) => {
      const form = new FormData();
      form.append('payload_json', JSON.stringify(payload));
      form.append('files[0]', new Blob([Uint8Array.from(png)], { type: 'image/png' }), 'shot.png');
      return fetch(`${t.api}/channels/${channelId}/threads`, { method: 'POST', headers: { authorization: auth }, body: form });
    };
    const res = await post(forum.id, f.owner.token, { name: 'Screenshots', message: { content: 'look', attachments: [{ id: 0, description: 'a square' }] } });
    const body = (await res.json()) as any;
    assert.equal(res.status, 201, JSON.stringify(body));
    const [file] = body.message.attachments;
    assert.equal(file.filename, 'shot.png');
    assert.equal(file.description, 'a square');
    assert.equal(file.width, 8);
    assert.ok(String(file.url).includes(`/attachments/${body.id}/`), `stored under the post's id: ${file.url}`);
    const fetched = await fetch(file.url);
    assert.equal(fetched.status, 200);
    assert.equal(Buffer.compare(Buffer.from(await fetched.arrayBuffer()), png), 0, 'the bytes sent');
    const read = await t.request('GET', `/channels/${body.id}/messages/${body.id}`, { auth: f.member });
    assert.equal(read.body.attachments[0].id, file.id);
    // A file alone makes a message.
    assert.equal((await post(forum.id, f.owner.token, { name: 'Only a file', message: {} })).status, 201);
    // Files belong to forum posts only, and need ATTACH_FILES.
    const plain = await post(f.channel.id, f.owner.token, { name: 'not a post', type: 11 });
    assert.equal(plain.status, 400);
    assert.ok(((await plain.json()) as any).errors.files);
    await t.request('PUT', `/channels/${forum.id}/permissions/${f.guild.id}`, { auth: f.owner, body: { type: 0, deny: String(1n << 15n), allow: '0' } });
    const denied = await post(forum.id, f.member.token, { name: 'no files for me', message: { content: 'x' } });
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as any).code, 50013);
  });

  test('a forum with REQUIRE_TAG refuses a post without a tag (40067); its flags show and can be changed', async () => {
    const made = await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'tagged', type: 15, flags: 16, available_tags: [{ name: 'question' }] } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.flags, 16);
    assert.equal((await t.request('GET', `/channels/${made.body.id}`, { auth: f.member })).body.flags, 16);
    const post = (body: Record<string, unknown>) => t.request('POST', `/channels/${made.body.id}/threads`, { auth: f.member, body: { name: 'Help', message: { content: 'how?' }, ...body } });
    assertError(await post({}), 400, 40067);
    const tagged = await post({ applied_tags: [made.body.available_tags[0].id] });
    assert.equal(tagged.status, 201);
    assert.equal((await t.request('GET', `/channels/${made.body.id}`, { auth: f.member })).body.last_message_id, tagged.body.id, 'a forum\'s last_message_id is its newest post');
    const off = await t.request('PATCH', `/channels/${made.body.id}`, { auth: f.owner, body: { flags: 0 } });
    assert.equal(off.body.flags, 0);
    assert.equal((await post({})).status, 201);
  });

  test('group DMs made with access_tokens are limited to 10 (30011)', async () => {
    const { app, bot } = await makeBot(t, f.owner, 'Group Bot');
    // The member's gdm.join token for the app, as the OAuth2 code grant hands it out (oauth2.test.ts goes through it).
    const { access_token } = await issueAccessToken(t.store, { applicationId: app.id, userId: f.member.id, scopes: ['gdm.join'] }, Date.now());
    const open = () => t.request('POST', '/users/@me/channels', { auth: bot, body: { access_tokens: [access_token] } });
    for (let i = 0; i < 10; i++) assert.equal((await open()).status, 200);
    assertError(await open(), 400, 30011);
  });

  test('only users vote in polls: a bot is refused with 20001', async () => {
    const { app, bot } = await makeBot(t, f.owner, 'Voter Bot');
    await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=3072`, { auth: f.owner, body: { guild_id: f.guild.id, permissions: '3072', authorize: true } });
    const poll = await send(t, f.owner, f.channel.id, { poll: { question: { text: 'Lunch?' }, answers: [{ poll_media: { text: 'Yes' } }, { poll_media: { text: 'No' } }], duration: 1 } });
    const vote = (who: any) => t.request('PUT', `/channels/${f.channel.id}/polls/${poll.id}/answers/@me`, { auth: who, body: { answer_ids: [1] } });
    assertError(await vote(bot), 403, 20001);
    assert.equal((await vote(f.member)).status, 204);
  });

  test('an ATTACHMENT option keeps its file_types; a type that is none is refused', async () => {
    const { app, bot } = await makeBot(t, f.owner, 'Upload Bot');
    const body = (fileTypes: string[]) => ({ name: 'upload', description: 'Send a file', options: [{ type: 11, name: 'file', description: 'The file', file_types: fileTypes }] });
    const made = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: body(['image', '.pdf']) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(made.body.options[0].file_types, ['image', '.pdf']);
    assert.deepEqual((await t.request('GET', `/applications/${app.id}/commands/${made.body.id}`, { auth: bot })).body.options[0].file_types, ['image', '.pdf']);
    const bad = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: body(['pictures']) });
    assertError(bad, 400, 50035);

    // Locale fallbacks in a plain list: en-US reads en-GB's text when it has none of its own.
    const british = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'birthday', description: 'When?', name_localizations: { 'en-GB': 'bday' } } });
    assert.equal(british.status, 201, JSON.stringify(british.body));
    const list = await t.request('GET', `/applications/${app.id}/commands`, { auth: bot, headers: { 'x-discord-locale': 'en-US' } });
    assert.equal(list.body.find((c: any) => c.name === 'birthday').name_localized, 'bday');
  });

  test('the guild object has hub_type; an icon change is audited as icon_hash; the audit log lists what its entries name', async () => {
    const g = await t.request('GET', `/guilds/${f.guild.id}`, { auth: f.owner });
    assert.equal(g.body.hub_type, null);
    assert.ok('hub_type' in g.body);

    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } }).png().toBuffer();
    const iconed = await t.request('PATCH', `/guilds/${f.guild.id}`, { auth: f.owner, body: { icon: `data:image/png;base64,${png.toString('base64')}` } });
    assert.equal(iconed.status, 200);

    const { app, bot } = await makeBot(t, f.owner, 'Audited Bot');
    const added = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=0`, { auth: f.owner, body: { guild_id: f.guild.id, permissions: '0', authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const start = new Date(Date.now() + 86_400_000).toISOString();
    const event = await t.request('POST', `/guilds/${f.guild.id}/scheduled-events`, { auth: f.owner, body: { name: 'Meetup', entity_type: 3, privacy_level: 2, scheduled_start_time: start, scheduled_end_time: new Date(Date.now() + 90_000_000).toISOString(), entity_metadata: { location: 'Park' } } });
    assert.equal(event.status, 200, JSON.stringify(event.body));
    const rule = await t.request('POST', `/guilds/${f.guild.id}/auto-moderation/rules`, { auth: f.owner, body: { name: 'No spam', event_type: 1, trigger_type: 1, trigger_metadata: { keyword_filter: ['spam'] }, actions: [{ type: 1 }] } });
    assert.equal(rule.status, 200, JSON.stringify(rule.body));

    const log = (await t.request('GET', `/guilds/${f.guild.id}/audit-logs`, { auth: f.owner })).body;
    const update = log.audit_log_entries.find((e: any) => e.action_type === 1);
    assert.deepEqual(update.changes.map((c: any) => c.key), ['icon_hash']);
    assert.equal(update.changes[0].new_value, iconed.body.icon);
    assert.ok(log.audit_log_entries.some((e: any) => e.action_type === 28 && e.target_id === bot.id));
    assert.deepEqual(log.integrations.find((i: any) => i.id === app.id), { id: app.id, name: 'Audited Bot', type: 'discord', account: { id: bot.id, name: bot.username }, application_id: app.id });
    assert.ok(log.guild_scheduled_events.some((e: any) => e.id === event.body.id), 'the event its entry names');
    assert.deepEqual(log.auto_moderation_rules.map((r: any) => r.id), [rule.body.id]);
  });
});
