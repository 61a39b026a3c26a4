/**
 * Lobbies over HTTP and real gateway sockets (api/routes/lobbies.ts): the application's routes with its bot token,
 * the member routes with an `sdk.social_layer` access token and with the user's own session, the limits and codes
 * Discord documents, the LOBBY_* events, channel linking with message forwarding, and linked-channel invites.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issueAccessToken } from '../../src/api/oauth2.ts';
import { snowflakeFromTimestamp } from '../../src/protocol/snowflake.ts';
import { metric, startTestServer, startTestServerOn, type TestServer, type TestUser } from '../helpers/harness.ts';
import { serviceSkip, waitFor } from '../helpers/services.ts';
import { addMember, assertError, makeBot } from './fixtures.guilds.ts';
import { GatewaySessions } from './gateway-client.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { withOverrides } from '../helpers/overrides.ts';
import type { LobbyStore, Store } from '../../src/store/types.ts';

const postgresSkip = await serviceSkip('postgres');

for (const backend of ['sqlite', 'postgres'] as const) describe(`lobbies (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
  let t: TestServer;
  const sessions = new GatewaySessions(() => t.url);
  let dev: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let app: any;
  let bot: TestUser;
  let otherBot: TestUser;
  const bearer = async (u: TestUser, appId = app.id, scopes = ['sdk.social_layer']) =>
    `Bearer ${(await issueAccessToken(t.store, { applicationId: appId, userId: u.id, scopes }, Date.now())).access_token}`;

  before(async () => {
    t = await startTestServerOn(backend);
    dev = await t.register();
    alice = await t.register();
    bob = await t.register();
    carol = await t.register();
    ({ app, bot } = await makeBot(t, dev, 'Game'));
    ({ bot: otherBot } = await makeBot(t, dev, 'Other Game'));
    // The players signed in to the game (a grant with sdk.social_layer): only they may be put in its lobbies.
    for (const u of [alice, bob, carol]) await bearer(u);
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
  });

  it('the application creates, reads, modifies and deletes a lobby; members get LOBBY_CREATE, _UPDATE and _DELETE', async () => {
    const gw = await sessions.online({ token: alice.token });
    const created = await t.request('POST', '/lobbies', { auth: bot, body: { metadata: { topic: 'we need more redstone' }, members: [{ id: alice.id, metadata: { team: 'red' }, flags: 1 }], idle_timeout_seconds: 600 } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const lobby = created.body;
    assert.deepEqual(lobby, { id: lobby.id, application_id: app.id, metadata: { topic: 'we need more redstone' }, members: [{ id: alice.id, metadata: { team: 'red' }, flags: 1 }] });
    assert.deepEqual((await gw.waitForDispatch('LOBBY_CREATE')).d, lobby);

    assert.deepEqual((await t.request('GET', `/lobbies/${lobby.id}`, { auth: bot })).body, lobby);
    // Another application's bot, a user not in it: as if it did not exist.
    assertError(await t.request('GET', `/lobbies/${lobby.id}`, { auth: otherBot }), 404, 10031);
    assertError(await t.request('GET', `/lobbies/${lobby.id}`, { auth: bob }), 404, 10031);
    assert.deepEqual((await t.request('GET', `/lobbies/${lobby.id}`, { auth: alice })).body, lobby);
    assert.deepEqual((await t.request('GET', '/users/@me/lobbies', { auth: alice })).body, [lobby]);

    const modified = await t.request('PATCH', `/lobbies/${lobby.id}`, { auth: bot, body: { metadata: { topic: 'nether trip' }, idle_timeout_seconds: 60 } });
    assert.equal(modified.status, 200, JSON.stringify(modified.body));
    assert.deepEqual(modified.body.metadata, { topic: 'nether trip' });
    assert.deepEqual((await gw.waitForDispatch('LOBBY_UPDATE')).d, modified.body);

    // Members only through the application; users may not create or modify.
    assertError(await t.request('POST', '/lobbies', { auth: alice, body: {} }), 403, 20002);
    assertError(await t.request('PATCH', `/lobbies/${lobby.id}`, { auth: alice, body: {} }), 403, 20002);

    assert.equal((await t.request('DELETE', `/lobbies/${lobby.id}`, { auth: bot })).status, 204);
    assert.deepEqual((await gw.waitForDispatch('LOBBY_DELETE')).d, { id: lobby.id });
    assertError(await t.request('GET', `/lobbies/${lobby.id}`, { auth: bot }), 404, 10031);
    // Safe to call again.
    assert.equal((await t.request('DELETE', `/lobbies/${lobby.id}`, { auth: bot })).status, 204);
  });

  it('refuses bad bodies with 50035: metadata over 1,000 characters, 26 members, an idle timeout out of range; unknown users 10013', async () => {
    assertError(await t.request('POST', '/lobbies', { auth: bot, body: { metadata: { k: 'x'.repeat(1000) } } }), 400, 50035);
    assertError(await t.request('POST', '/lobbies', { auth: bot, body: { idle_timeout_seconds: 4 } }), 400, 50035);
    assertError(await t.request('POST', '/lobbies', { auth: bot, body: { idle_timeout_seconds: 604_801 } }), 400, 50035);
    assertError(await t.request('POST', '/lobbies', { auth: bot, body: { members: Array.from({ length: 26 }, () => ({ id: alice.id })) } }), 400, 50035);
    assertError(await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: '123456789012345678' }] } }), 404, 10013);
    assertError(await t.request('POST', '/lobbies', { auth: bot, body: { metadata: { n: 5 } } }), 400, 50035);
  });

  it('adds, updates and removes members one at a time and in bulk, with events to the others', async () => {
    const lobby = (await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: alice.id }] } })).body;
    const gwAlice = await sessions.online({ token: alice.token });
    const gwBob = await sessions.online({ token: bob.token });

    const added = await t.request('PUT', `/lobbies/${lobby.id}/members/${bob.id}`, { auth: bot, body: { metadata: { role: 'healer' }, additional_name: 'Twindly Shimmerleaf' } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body, { id: bob.id, metadata: { role: 'healer' }, flags: 0, additional_name: 'Twindly Shimmerleaf' });
    assert.equal((await gwBob.waitForDispatch('LOBBY_CREATE')).d.id, lobby.id);
    assert.deepEqual((await gwAlice.waitForDispatch('LOBBY_MEMBER_ADD')).d, { lobby_id: lobby.id, member: added.body });

    // Updating keeps what is not sent; null clears.
    const updated = await t.request('PUT', `/lobbies/${lobby.id}/members/${bob.id}`, { auth: bot, body: { flags: 1 } });
    assert.deepEqual(updated.body, { id: bob.id, metadata: { role: 'healer' }, flags: 1, additional_name: 'Twindly Shimmerleaf' });
    assert.deepEqual((await gwAlice.waitForDispatch('LOBBY_MEMBER_UPDATE')).d, { lobby_id: lobby.id, member: updated.body });
    const cleared = await t.request('PUT', `/lobbies/${lobby.id}/members/${bob.id}`, { auth: bot, body: { additional_name: null } });
    assert.equal(cleared.body.additional_name, undefined);

    const bulk = await t.request('POST', `/lobbies/${lobby.id}/members/bulk`, { auth: bot, body: [{ id: carol.id, metadata: { a: 'b' } }, { id: bob.id, remove_member: true }, { id: carol.id, metadata: { x: 'y' } }] });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
    assert.deepEqual(bulk.body, [{ id: carol.id, metadata: { x: 'y' }, flags: 0 }]);
    assert.deepEqual((await gwBob.waitForDispatch('LOBBY_DELETE')).d, { id: lobby.id });
    assert.deepEqual((await gwAlice.waitForDispatch('LOBBY_MEMBER_REMOVE')).d, { lobby_id: lobby.id, member: { id: bob.id } });
    assert.deepEqual((await t.request('GET', `/lobbies/${lobby.id}`, { auth: bot })).body.members.map((m: any) => m.id).sort(), [alice.id, carol.id].sort());

    assert.equal((await t.request('DELETE', `/lobbies/${lobby.id}/members/${carol.id}`, { auth: bot })).status, 204);
    // Safe when no longer a member; an unknown lobby is 10031.
    assert.equal((await t.request('DELETE', `/lobbies/${lobby.id}/members/${carol.id}`, { auth: bot })).status, 204);
    assertError(await t.request('DELETE', `/lobbies/123456789012345678/members/${carol.id}`, { auth: bot }), 404, 10031);
    assertError(await t.request('POST', `/lobbies/${lobby.id}/members/bulk`, { auth: bot, body: [] }), 400, 50035);

    // PATCH members replaces the list.
    const replaced = await t.request('PATCH', `/lobbies/${lobby.id}`, { auth: bot, body: { members: [{ id: bob.id }] } });
    assert.deepEqual(replaced.body.members, [{ id: bob.id, metadata: null, flags: 0 }]);
  });

  it('members join by secret with an sdk.social_layer token, send and read messages, and leave', async () => {
    const aliceToken = await bearer(alice);
    const bobToken = await bearer(bob);
    const joined = await t.request('PUT', '/lobbies', { auth: aliceToken, body: { secret: 'match-42', lobby_metadata: { map: 'dust' }, member_metadata: { ready: 'yes' } } });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.deepEqual(joined.body.members, [{ id: alice.id, metadata: { ready: 'yes' }, flags: 0 }]);
    const again = await t.request('PUT', '/lobbies', { auth: bobToken, body: { secret: 'match-42' } });
    assert.equal(again.body.id, joined.body.id);
    assert.deepEqual(again.body.metadata, { map: 'dust' });
    assert.equal(again.body.members.length, 2);
    // Another application's token, or one without the scope: another lobby, or 401.
    const { app: other } = await makeBot(t, dev, 'Third Game');
    const elsewhere = await t.request('PUT', '/lobbies', { auth: await bearer(alice, other.id), body: { secret: 'match-42' } });
    assert.notEqual(elsewhere.body.id, joined.body.id);
    assert.equal((await t.request('PUT', '/lobbies', { auth: await bearer(alice, app.id, ['identify']), body: { secret: 'match-42' } })).status, 401);
    assertError(await t.request('PUT', '/lobbies', { auth: bot, body: { secret: 'x' } }), 403, 20001);

    const gwBob = await sessions.online({ token: bob.token });
    const sent = await t.request('POST', `/lobbies/${joined.body.id}/messages`, { auth: aliceToken, body: { content: 'gl hf', metadata: { emote: 'wave' } } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.content, 'gl hf');
    assert.equal(sent.body.lobby_id, joined.body.id);
    assert.equal(sent.body.channel_id, joined.body.id);
    assert.equal(sent.body.author.id, alice.id);
    assert.equal(sent.body.application_id, app.id);
    assert.deepEqual(sent.body.metadata, { emote: 'wave' });
    assert.deepEqual((await gwBob.waitForDispatch('LOBBY_MESSAGE_CREATE')).d, sent.body);
    assertError(await t.request('POST', `/lobbies/${joined.body.id}/messages`, { auth: aliceToken, body: { content: '   ' } }), 400, 50035);
    assertError(await t.request('POST', `/lobbies/${joined.body.id}/messages`, { auth: await bearer(carol), body: { content: 'hi' } }), 404, 10031);

    // The user's own session reads it too; metadata is dispatch-only.
    const history = await t.request('GET', `/lobbies/${joined.body.id}/messages?limit=10`, { auth: bob });
    assert.equal(history.status, 200, JSON.stringify(history.body));
    assert.deepEqual(history.body.map((m: any) => m.content), ['gl hf']);
    assert.equal(history.body[0].metadata, undefined);
    assertError(await t.request('GET', `/lobbies/${joined.body.id}/messages?limit=201`, { auth: bob }), 400, 50035);

    // The application moderates: 204, LOBBY_MESSAGE_UPDATE, read back.
    const moderated = await t.request('PUT', `/lobbies/${joined.body.id}/messages/${sent.body.id}/moderation-metadata`, { auth: bot, body: { verdict: 'clean' } });
    assert.equal(moderated.status, 204, JSON.stringify(moderated.body));
    assert.deepEqual((await gwBob.waitForDispatch('LOBBY_MESSAGE_UPDATE')).d.moderation_metadata, { verdict: 'clean' });
    assert.deepEqual((await t.request('GET', `/lobbies/${joined.body.id}/messages`, { auth: aliceToken })).body[0].moderation_metadata, { verdict: 'clean' });
    assertError(await t.request('PUT', `/lobbies/${joined.body.id}/messages/123456789012345678/moderation-metadata`, { auth: bot, body: {} }), 404, 10008);
    assertError(await t.request('PUT', `/lobbies/${joined.body.id}/messages/${sent.body.id}/moderation-metadata`, { auth: bot, body: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } }), 400, 50035);

    assert.equal((await t.request('DELETE', `/lobbies/${joined.body.id}/members/@me`, { auth: bobToken })).status, 204);
    assert.deepEqual((await gwBob.waitForDispatch('LOBBY_DELETE')).d, { id: joined.body.id });
    assert.equal((await t.request('DELETE', `/lobbies/${joined.body.id}/members/@me`, { auth: bobToken })).status, 204);
    assert.deepEqual((await t.request('GET', `/lobbies/${joined.body.id}`, { auth: bot })).body.members.map((m: any) => m.id), [alice.id]);
  });

  it('a member with CanLinkLobby links a text channel they manage; messages are forwarded; invites to it are single-use and targeted', async () => {
    const guild = await t.createGuild(alice, 'Guild Hall');
    const text = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: alice })).body as any[]).find((c) => c.type === 0);
    const lobby = (await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: alice.id, flags: 1 }, { id: bob.id }] } })).body;
    const aliceToken = await bearer(alice);

    // Bob lacks the flag; an invite needs a link first.
    assertError(await t.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: await bearer(bob), body: { channel_id: text.id } }), 403, 50013);
    assertError(await t.request('POST', `/lobbies/${lobby.id}/members/${bob.id}/invites`, { auth: bot }), 400, 50035);

    const voice = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: alice, body: { name: 'v', type: 2 } })).body;
    assertError(await t.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: aliceToken, body: { channel_id: voice.id } }), 400, 50024);
    const gwBob = await sessions.online({ token: bob.token });
    const beforeLink = (await t.request('POST', `/channels/${text.id}/messages`, { auth: alice, body: { content: 'before the link' } })).body;
    const linked = await t.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: aliceToken, body: { channel_id: text.id } });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    assert.equal(linked.body.linked_channel.id, text.id);
    assert.equal(linked.body.linked_channel.guild_id, guild.id);
    assert.equal((await gwBob.waitForDispatch('LOBBY_UPDATE')).d.linked_channel.id, text.id);
    // One lobby per channel.
    const second = (await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: alice.id, flags: 1 }] } })).body;
    assertError(await t.request('PATCH', `/lobbies/${second.id}/channel-linking`, { auth: aliceToken, body: { channel_id: text.id } }), 400, 50035);
    // A member of the guild without Manage Channels may not link it.
    await addMember(t, guild.id, carol);
    await t.request('PUT', `/lobbies/${second.id}/members/${carol.id}`, { auth: bot, body: { flags: 1 } });
    const other = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: alice, body: { name: 'other', type: 0 } })).body;
    assertError(await t.request('PATCH', `/lobbies/${second.id}/channel-linking`, { auth: await bearer(carol), body: { channel_id: other.id } }), 403, 50013);

    // A lobby message appears in the channel, by its author, with the application's id.
    const gwAlice = await sessions.online({ token: alice.token });
    await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: aliceToken, body: { content: 'from the game' } });
    const forwarded = await gwAlice.waitForDispatch('MESSAGE_CREATE', (d) => d.channel_id === text.id);
    assert.equal(forwarded.d.content, 'from the game');
    assert.equal(forwarded.d.author.id, alice.id);
    assert.equal(forwarded.d.application_id, app.id);

    // Bob (not in the guild) gets an invite only he may accept, once, for an hour.
    const invite = await t.request('POST', `/lobbies/${lobby.id}/members/${bob.id}/invites`, { auth: bot });
    assert.equal(invite.status, 200, JSON.stringify(invite.body));
    assert.deepEqual(Object.keys(invite.body), ['code']);
    const got = (await t.request('GET', `/invites/${invite.body.code}?with_expiration=true`, { auth: bob })).body;
    assert.equal(got.max_age ?? 3600, 3600);
    assert.ok(Date.parse(got.expires_at) - Date.now() <= 3600_000);
    assertError(await t.request('GET', `/invites/${invite.body.code}`, { auth: carol }), 404, 10006);
    assert.equal((await t.request('POST', `/invites/${invite.body.code}`, { auth: bob })).status, 200);
    assertError(await t.request('POST', `/lobbies/${lobby.id}/members/${carol.id}/invites`, { auth: bot }), 404, 10013);
    const mine = await t.request('POST', `/lobbies/${lobby.id}/members/@me/invites`, { auth: aliceToken });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));

    // Auto moderation reads a forwarded message: a blocking rule keeps it out of the channel, not out of the lobby.
    const rule = await t.request('POST', `/guilds/${guild.id}/auto-moderation/rules`, { auth: alice, body: { name: 'No spam', event_type: 1, trigger_type: 1, trigger_metadata: { keyword_filter: ['spam'] }, actions: [{ type: 1 }], enabled: true } });
    assert.equal(rule.status, 200, JSON.stringify(rule.body));
    const bobToken = await bearer(bob);
    const spam = await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: bobToken, body: { content: 'buy spam now' } });
    assert.equal(spam.status, 200, JSON.stringify(spam.body));
    await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: bobToken, body: { content: 'clean words' } });
    await gwAlice.waitForDispatch('MESSAGE_CREATE', (d) => d.channel_id === text.id && d.content === 'clean words');
    const inChannel = (await t.request('GET', `/channels/${text.id}/messages`, { auth: alice })).body.map((m: any) => m.content);
    assert.ok(!inChannel.includes('buy spam now'), JSON.stringify(inChannel));
    assert.deepEqual((await t.request('GET', `/lobbies/${lobby.id}/messages?limit=2`, { auth: bobToken })).body.map((m: any) => m.content), ['clean words', 'buy spam now']);
    // The channel's own messages are brought into the lobby, by their author; the lobby's forwarded ones do not come back.
    const original = await t.request('POST', `/channels/${text.id}/messages`, { auth: alice, body: { content: 'hello from discord' } });
    assert.equal(original.status, 200);
    const relayed = await gwBob.waitForDispatch('LOBBY_MESSAGE_CREATE', (d) => d.content === 'hello from discord');
    assert.equal(relayed.d.id, original.body.id, 'the channel message\'s id');
    assert.equal(relayed.d.lobby_id, lobby.id);
    assert.equal(relayed.d.author.id, alice.id);
    assert.equal(relayed.d.application_id, app.id);
    assert.equal(gwBob.payloads.filter((p) => p.t === 'LOBBY_MESSAGE_CREATE' && p.d.content === 'clean words').length, 1, 'a forwarded message is not brought back');
    assert.deepEqual((await t.request('GET', `/lobbies/${lobby.id}/messages?limit=1`, { auth: bobToken })).body.map((m: any) => [m.content, m.author.id]), [['hello from discord', alice.id]]);
    // An edit and a delete follow it into the lobby.
    assert.equal((await t.request('PATCH', `/channels/${text.id}/messages/${original.body.id}`, { auth: alice, body: { content: 'hello again from discord' } })).status, 200);
    assert.equal((await gwBob.waitForDispatch('LOBBY_MESSAGE_UPDATE', (d) => d.id === original.body.id)).d.content, 'hello again from discord');
    assert.equal((await t.request('DELETE', `/channels/${text.id}/messages/${original.body.id}`, { auth: alice })).status, 204);
    assert.deepEqual((await gwBob.waitForDispatch('LOBBY_MESSAGE_DELETE', (d) => d.id === original.body.id)).d, { id: original.body.id, lobby_id: lobby.id });
    assert.ok(!(await t.request('GET', `/lobbies/${lobby.id}/messages`, { auth: bobToken })).body.some((m: any) => m.id === original.body.id));
    // A bulk delete follows too, one LOBBY_MESSAGE_DELETE per message.
    const pair: string[] = [];
    for (const content of ['first of two', 'second of two']) {
      pair.push((await t.request('POST', `/channels/${text.id}/messages`, { auth: alice, body: { content } })).body.id);
      await gwBob.waitForDispatch('LOBBY_MESSAGE_CREATE', (d) => d.content === content);
    }
    assert.equal((await t.request('POST', `/channels/${text.id}/messages/bulk-delete`, { auth: alice, body: { messages: pair } })).status, 204);
    for (const id of pair) assert.deepEqual((await gwBob.waitForDispatch('LOBBY_MESSAGE_DELETE', (d) => d.id === id)).d, { id, lobby_id: lobby.id });
    assert.ok(!(await t.request('GET', `/lobbies/${lobby.id}/messages`, { auth: bobToken })).body.some((m: any) => pair.includes(m.id)));
    // A message the lobby never had (sent before the link): its edit brings nothing into the lobby.
    assert.equal((await t.request('PATCH', `/channels/${text.id}/messages/${beforeLink.id}`, { auth: alice, body: { content: 'edited after the link' } })).status, 200);
    await t.request('POST', `/channels/${text.id}/messages`, { auth: alice, body: { content: 'after the edit' } });
    await gwBob.waitForDispatch('LOBBY_MESSAGE_CREATE', (d) => d.content === 'after the edit');
    assert.ok(!gwBob.payloads.some((p) => p.t?.startsWith('LOBBY_MESSAGE') && p.d.id === beforeLink.id), 'nothing of a message the lobby never had');
    assert.ok(!(await t.request('GET', `/lobbies/${lobby.id}/messages`, { auth: bobToken })).body.some((m: any) => m.id === beforeLink.id));

    // A player outside the guild is read as a member with no roles.
    const outsider = await t.register();
    const outsiderToken = await bearer(outsider);
    assert.equal((await t.request('PUT', `/lobbies/${lobby.id}/members/${outsider.id}`, { auth: bot, body: {} })).status, 200);
    await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: outsiderToken, body: { content: 'more spam here' } });
    await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: outsiderToken, body: { content: 'hello from outside' } });
    await gwAlice.waitForDispatch('MESSAGE_CREATE', (d) => d.channel_id === text.id && d.content === 'hello from outside');
    assert.ok(!(await t.request('GET', `/channels/${text.id}/messages`, { auth: alice })).body.some((m: any) => m.content === 'more spam here'));
    // Slowmode holds for a forwarded message as for its author's own send: the outsider's second stays in the lobby
    // only; the owner (Manage Channel) passes.
    assert.equal((await t.request('PATCH', `/channels/${text.id}`, { auth: alice, body: { rate_limit_per_user: 600 } })).status, 200);
    for (const content of ['slow one', 'slow two']) assert.equal((await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: outsiderToken, body: { content } })).status, 200);
    for (const content of ['owner one', 'owner two']) await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: aliceToken, body: { content } });
    await gwAlice.waitForDispatch('MESSAGE_CREATE', (d) => d.channel_id === text.id && d.content === 'owner two');
    const slowed = (await t.request('GET', `/channels/${text.id}/messages?limit=10`, { auth: alice })).body.map((m: any) => m.content);
    assert.ok(slowed.includes('slow one') && !slowed.includes('slow two') && slowed.includes('owner one'), JSON.stringify(slowed));
    assert.ok((await t.request('GET', `/lobbies/${lobby.id}/messages?limit=5`, { auth: outsiderToken })).body.some((m: any) => m.content === 'slow two'));
    assert.equal((await t.request('PATCH', `/channels/${text.id}`, { auth: alice, body: { rate_limit_per_user: 0 } })).status, 200);

    // The linked channel is named, not shown: members outside the guild read the lobby too.
    assert.deepEqual(linked.body.linked_channel, { id: text.id, type: 0, guild_id: guild.id, name: text.name });

    // A member the channel refuses Send Messages is not posted there through the lobby.
    await t.request('PUT', `/lobbies/${lobby.id}/members/${carol.id}`, { auth: bot, body: {} });
    assert.equal((await t.request('PUT', `/channels/${text.id}/permissions/${carol.id}`, { auth: alice, body: { type: 1, allow: '0', deny: String(1n << 11n) } })).status, 204);
    await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: await bearer(carol), body: { content: 'muted here' } });

    // A user banned from the guild gets no invite, and their lobby messages are not posted there.
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/bans/${bob.id}`, { auth: alice, body: {} })).status, 204);
    assertError(await t.request('POST', `/lobbies/${lobby.id}/members/${bob.id}/invites`, { auth: bot }), 403, 50001);
    assert.equal((await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: bobToken, body: { content: 'from exile' } })).status, 200);
    await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: aliceToken, body: { content: 'after exile' } });
    await gwAlice.waitForDispatch('MESSAGE_CREATE', (d) => d.channel_id === text.id && d.content === 'after exile');
    const posted = (await t.request('GET', `/channels/${text.id}/messages`, { auth: alice })).body.map((m: any) => m.content);
    assert.ok(!posted.includes('from exile') && !posted.includes('muted here'), JSON.stringify(posted));
    // Nor do they read the channel through the lobby: not live, not in its history.
    await t.request('POST', `/channels/${text.id}/messages`, { auth: alice, body: { content: 'not for exiles' } });
    await gwAlice.waitForDispatch('LOBBY_MESSAGE_CREATE', (d) => d.content === 'not for exiles');
    await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: aliceToken, body: { content: 'marker for bob' } });
    await gwBob.waitForDispatch('LOBBY_MESSAGE_CREATE', (d) => d.content === 'marker for bob');
    assert.equal(gwBob.dispatches('LOBBY_MESSAGE_CREATE').some((p) => p.d.content === 'not for exiles'), false);
    const bobReads = (await t.request('GET', `/lobbies/${lobby.id}/messages?limit=100`, { auth: bobToken })).body.map((m: any) => m.content);
    assert.ok(bobReads.includes('marker for bob') && !bobReads.includes('not for exiles'), JSON.stringify(bobReads));
    assert.ok((await t.request('GET', `/lobbies/${lobby.id}/messages?limit=100`, { auth: aliceToken })).body.some((m: any) => m.content === 'not for exiles'));
    // A channel made age-restricted after the link is not brought into the lobby.
    assert.equal((await t.request('PATCH', `/channels/${text.id}`, { auth: alice, body: { nsfw: true } })).status, 200);
    await t.request('POST', `/channels/${text.id}/messages`, { auth: alice, body: { content: 'after dark' } });
    await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: aliceToken, body: { content: 'second marker' } });
    await gwAlice.waitForDispatch('LOBBY_MESSAGE_CREATE', (d) => d.content === 'second marker');
    assert.equal(gwAlice.dispatches('LOBBY_MESSAGE_CREATE').some((p) => p.d.content === 'after dark'), false);
    assert.equal((await t.request('PATCH', `/channels/${text.id}`, { auth: alice, body: { nsfw: false } })).status, 200);

    // Unlinking needs only the flag; deleting the channel unlinks too, and the members hear it.
    const unlinked = await t.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: aliceToken, body: {} });
    assert.equal(unlinked.body.linked_channel, undefined);
    await t.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: aliceToken, body: { channel_id: text.id } });
    await gwBob.waitForDispatch('LOBBY_UPDATE', () => gwBob.dispatches('LOBBY_UPDATE').at(-1)?.d.linked_channel?.id === text.id);
    const updates = gwBob.dispatches('LOBBY_UPDATE').length;
    assert.equal((await t.request('DELETE', `/channels/${text.id}`, { auth: alice })).status, 200);
    assert.equal((await t.request('GET', `/lobbies/${lobby.id}`, { auth: bot })).body.linked_channel, undefined);
    await gwBob.waitForDispatch('LOBBY_UPDATE', () => gwBob.dispatches('LOBBY_UPDATE').length > updates);
    assert.equal(gwBob.dispatches('LOBBY_UPDATE').at(-1)!.d.linked_channel, undefined);
  });

  it('only users who granted the game sdk.social_layer are put in its lobbies; bad ids and flags get Discord\'s errors', async () => {
    const eve = await t.register();
    const made = await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: alice.id }, { id: eve.id }] } });
    assert.deepEqual(made.body.members.map((m: any) => m.id), [alice.id]);
    assertError(await t.request('PUT', `/lobbies/${made.body.id}/members/${eve.id}`, { auth: bot, body: {} }), 403, 50001);
    assert.deepEqual((await t.request('POST', `/lobbies/${made.body.id}/members/bulk`, { auth: bot, body: [{ id: eve.id }] })).body, []);
    assert.deepEqual((await t.request('GET', '/users/@me/lobbies', { auth: eve })).body, []);
    // Another game's grant is not this one's.
    await bearer(eve, (await makeBot(t, dev, 'Eve Game')).app.id);
    assertError(await t.request('PUT', `/lobbies/${made.body.id}/members/${eve.id}`, { auth: bot, body: {} }), 403, 50001);

    const bad = await t.request('GET', '/lobbies/abc', { auth: bot });
    assertError(bad, 400, 50035);
    assert.ok(bad.body.errors.lobby_id, JSON.stringify(bad.body));
    assertError(await t.request('GET', '/lobbies/18446744073709551615', { auth: bot }), 404, 10031);
    const token = await bearer(alice);
    for (const flags of [2 ** 40, 2 ** 32 + 4, 1]) assertError(await t.request('POST', `/lobbies/${made.body.id}/messages`, { auth: token, body: { content: 'x', flags } }), 400, 50035);
    assert.equal((await t.request('POST', `/lobbies/${made.body.id}/messages`, { auth: token, body: { content: 'quiet', flags: 4096 } })).body.flags, 4096);

    // Another game's lobby: deleting it answers as for one already gone, and it stays.
    assert.equal((await t.request('DELETE', `/lobbies/${made.body.id}`, { auth: otherBot })).status, 204);
    assert.equal((await t.request('GET', `/lobbies/${made.body.id}`, { auth: bot })).status, 200);
    // A session token learns nothing of lobbies it is not in.
    assertError(await t.request('DELETE', `/lobbies/${made.body.id}/members/@me`, { auth: carol }), 404, 10031);

    // A grant withdrawn later does not throw a player out of a lobby they are in.
    const gina = await t.register();
    await bearer(gina);
    assert.equal((await t.request('PUT', `/lobbies/${made.body.id}/members/${gina.id}`, { auth: bot, body: {} })).status, 200);
    await t.store.oauth2.revokeApplication(gina.id, app.id);
    const kept = await t.request('PATCH', `/lobbies/${made.body.id}`, { auth: bot, body: { members: [{ id: alice.id }, { id: gina.id }, { id: eve.id }] } });
    assert.deepEqual(kept.body.members.map((m: any) => m.id).sort(), [alice.id, gina.id].sort());
    assert.equal((await t.request('PUT', `/lobbies/${made.body.id}/members/${gina.id}`, { auth: bot, body: { flags: 1 } })).status, 200);
  });

  it('PUT /lobbies is all or nothing: a refused join leaves no lobby and no new metadata', async () => {
    const frank = await t.register();
    const token = await bearer(frank);
    const limits = { perLobby: 1000, perUser: 100 };
    for (let i = 0; i < 100; i++) {
      await t.store.lobbies.create({ id: String(BigInt(app.id) + 5000n + BigInt(i)), applicationId: app.id, secret: null, metadata: null, idleTimeoutSeconds: 300, linkedChannelId: null, createdAt: Date.now() }, [{ userId: frank.id }], limits);
    }
    assertError(await t.request('PUT', '/lobbies', { auth: token, body: { secret: 'brand-new' } }), 400, 50035);
    assert.equal(await t.store.lobbies.getBySecret(app.id, 'brand-new'), null);
    const existing = (await t.request('PUT', '/lobbies', { auth: await bearer(alice), body: { secret: 'kept', lobby_metadata: { v: 'original' } } })).body;
    assertError(await t.request('PUT', '/lobbies', { auth: token, body: { secret: 'kept', lobby_metadata: { v: 'hijacked' } } }), 400, 50035);
    assert.deepEqual((await t.request('GET', `/lobbies/${existing.id}`, { auth: bot })).body.metadata, { v: 'original' });
    // A member who joins with new metadata: those already in it hear LOBBY_UPDATE, the one who joined LOBBY_CREATE only.
    const gw = await sessions.online({ token: alice.token });
    const gwBob = await sessions.online({ token: bob.token });
    await t.request('PUT', '/lobbies', { auth: await bearer(bob), body: { secret: 'kept', lobby_metadata: { v: 'second' } } });
    assert.deepEqual((await gw.waitForDispatch('LOBBY_UPDATE', (d) => d.id === existing.id)).d.metadata, { v: 'second' });
    assert.equal((await gw.waitForDispatch('LOBBY_MEMBER_ADD', (d) => d.lobby_id === existing.id)).d.member.id, bob.id);
    assert.deepEqual((await gwBob.waitForDispatch('LOBBY_CREATE', (d) => d.id === existing.id)).d.metadata, { v: 'second' });
    assert.deepEqual(gwBob.dispatches().filter((p) => p.t?.startsWith('LOBBY_') && p.d.id === existing.id).map((p) => p.t), ['LOBBY_CREATE']);
  });

  it('a lobby nobody is connected to is deleted once idle past its timeout; one with a member online is kept', async () => {
    await sessions.online({ token: alice.token });
    // Never connected (the game signed them in, the app never opened).
    const offline = await t.register();
    await bearer(offline);
    const quiet = (await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: offline.id }], idle_timeout_seconds: 5 } })).body;
    const busy = (await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: alice.id }, { id: offline.id }], idle_timeout_seconds: 5 } })).body;
    const stays = (await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: offline.id }] } })).body;
    await waitFor(async () => (await t.request('GET', `/lobbies/${quiet.id}`, { auth: bot })).status === 404, { timeoutMs: 15_000, what: 'the idle lobby deleted' });
    // Past the busy one's deadline too: one member's live session kept it, and its timer started over.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await t.request('GET', `/lobbies/${busy.id}`, { auth: bot })).status, 200);
    assert.ok((await t.store.lobbies.dueIdle(Date.now(), 1000)).every((l) => l.id !== busy.id), 'its deadline moved on');
    assert.equal((await t.request('GET', `/lobbies/${stays.id}`, { auth: bot })).status, 200, 'the default timeout (300 s) has not passed');
  });

  it('a lobby joined by secret cannot be linked; a user is in at most 100 lobbies of one application (bulk drops them silently)', async () => {
    const token = await bearer(carol);
    const bySecret = (await t.request('PUT', '/lobbies', { auth: token, body: { secret: 'pub' } })).body;
    await t.request('PUT', `/lobbies/${bySecret.id}/members/${carol.id}`, { auth: bot, body: { flags: 1 } });
    const guild = await t.createGuild(carol, 'Carol Hall');
    const text = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: carol })).body as any[]).find((c) => c.type === 0);
    assertError(await t.request('PATCH', `/lobbies/${bySecret.id}/channel-linking`, { auth: token, body: { channel_id: text.id } }), 400, 50035);

    const dave = await t.register();
    await bearer(dave);
    // The 100 lobbies straight into the store: through the API they would meet its rate limit first.
    const limits = { perLobby: 1000, perUser: 100 };
    for (let i = 0; i < 100; i++) {
      const lobbyId = String(BigInt(app.id) + 1000n + BigInt(i));
      await t.store.lobbies.create({ id: lobbyId, applicationId: app.id, secret: null, metadata: null, idleTimeoutSeconds: 300, linkedChannelId: null, createdAt: Date.now() }, [{ userId: dave.id, metadata: null, flags: 0 }], limits);
    }
    const full = (await t.request('POST', '/lobbies', { auth: bot, body: {} })).body;
    const bulk = await t.request('POST', `/lobbies/${full.id}/members/bulk`, { auth: bot, body: [{ id: dave.id }, { id: carol.id }] });
    assert.deepEqual(bulk.body.map((m: any) => m.id), [carol.id]);
    assertError(await t.request('PUT', `/lobbies/${full.id}/members/${dave.id}`, { auth: bot, body: {} }), 400, 50035);
  });

  it('a secret takes joins for 30 days, then makes a new lobby; the old one stays with its members', async () => {
    // A lobby made by the secret 31 days ago, straight into the store (the server's clock is the real one).
    const at = Date.now() - 31 * 24 * 3600 * 1000;
    const old = { id: String(BigInt(snowflakeFromTimestamp(at)) + 7n), applicationId: app.id, secret: 'season-1', metadata: null, idleTimeoutSeconds: 300, linkedChannelId: null, createdAt: at };
    await t.store.lobbies.createOrJoin(old, { userId: carol.id }, null, { perLobby: 1000, perUser: 100 });
    // Its idle timer starts now: made "31 days ago" with nobody connected, the idle sweep would otherwise delete it
    // under the test (a flake seen once on PostgreSQL).
    await t.store.lobbies.touch([old.id], Date.now());
    const joined = await t.request('PUT', '/lobbies', { auth: await bearer(alice), body: { secret: 'season-1' } });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.notEqual(joined.body.id, old.id, 'a new lobby');
    assert.deepEqual(joined.body.members.map((m: any) => m.id), [alice.id]);
    const kept = await t.request('GET', `/lobbies/${old.id}`, { auth: bot });
    assert.deepEqual(kept.body.members.map((m: any) => m.id), [carol.id], 'the old lobby keeps its members');
    // A lobby made days ago within the 30 takes joins.
    const recentAt = Date.now() - 29 * 24 * 3600 * 1000;
    const recent = { ...old, id: String(BigInt(snowflakeFromTimestamp(recentAt)) + 7n), secret: 'season-2', createdAt: recentAt };
    await t.store.lobbies.createOrJoin(recent, { userId: carol.id }, null, { perLobby: 1000, perUser: 100 });
    await t.store.lobbies.touch([recent.id], Date.now());
    assert.equal((await t.request('PUT', '/lobbies', { auth: await bearer(bob), body: { secret: 'season-2' } })).body.id, recent.id);
  });

  it("an age-restricted channel cannot be linked; another game's bot gets 10031 for moderation metadata and invites; deleting the guild unlinks", async () => {
    const guild = await t.createGuild(alice, 'Linked Hall');
    const text = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: alice })).body as any[]).find((c) => c.type === 0);
    const nsfw = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: alice, body: { name: 'after-dark', type: 0, nsfw: true } })).body;
    const lobby = (await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: alice.id, flags: 1 }, { id: bob.id }] } })).body;
    const aliceToken = await bearer(alice);
    const refused = await t.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: aliceToken, body: { channel_id: nsfw.id } });
    assertError(refused, 400, 50035);
    assert.equal(refused.body.errors.channel_id._errors[0].code, 'CHANNEL_AGE_RESTRICTED');
    assert.equal((await t.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: aliceToken, body: { channel_id: text.id } })).status, 200);

    const sent = (await t.request('POST', `/lobbies/${lobby.id}/messages`, { auth: aliceToken, body: { content: 'gg' } })).body;
    assertError(await t.request('PUT', `/lobbies/${lobby.id}/messages/${sent.id}/moderation-metadata`, { auth: otherBot, body: { verdict: 'x' } }), 404, 10031);
    assertError(await t.request('POST', `/lobbies/${lobby.id}/members/${bob.id}/invites`, { auth: otherBot }), 404, 10031);
    assert.equal((await t.request('GET', `/lobbies/${lobby.id}/messages`, { auth: aliceToken })).body[0].moderation_metadata ?? null, null, 'nothing was written');

    const gwBob = await sessions.online({ token: bob.token });
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}`, { auth: alice })).status, 204);
    const update = await gwBob.waitForDispatch('LOBBY_UPDATE', (d) => d.id === lobby.id);
    assert.equal(update.d.linked_channel ?? null, null);
    assert.equal((await t.request('GET', `/lobbies/${lobby.id}`, { auth: bot })).body.linked_channel ?? null, null);
  });
});

describe('idle lobbies with the presence role down', () => {
  it('no lobby is deleted while the presence role cannot be asked', async () => {
    const t = await startTestServer({ roles: ['api', 'sessions', 'guild'], roleTimeoutMs: 100 });
    try {
      const dev = await t.register();
      const player = await t.register();
      const { app, bot } = await makeBot(t, dev, 'Game');
      // Created an hour ago with a 5 s timeout: due at every sweep.
      const at = Date.now() - 3600_000;
      const lobby = { id: snowflakeFromTimestamp(at), applicationId: app.id, secret: null, metadata: null, idleTimeoutSeconds: 5, linkedChannelId: null, createdAt: at };
      await t.store.lobbies.create(lobby, [{ userId: player.id }], { perLobby: 1000, perUser: 100 });
      assert.ok((await t.store.lobbies.dueIdle(Date.now(), 10)).some((l) => l.id === lobby.id));
      await waitFor(async () => (await metric(t, 'idle_lobby_sweeps_unchecked_total')) >= 2, { what: 'sweeps that could not ask presence' });
      assert.equal((await t.request('GET', `/lobbies/${lobby.id}`, { auth: bot })).status, 200);
      assert.equal(await metric(t, 'idle_lobbies_deleted_total'), 0);
    } finally {
      await t.close();
    }
  });
});

describe('a linked lobby deleted while a channel message is brought in', () => {
  it('the channel message stands and is answered, and the server keeps serving', async () => {
    // The lobby goes between the relay's read of the linked lobbies and its write into the lobby (another node's
    // delete, or the idle sweep): the write fails on the missing lobby, which must not fail the channel's send.
    const real = await openSqliteStore({ path: ':memory:' });
    await real.migrate();
    let deleteOnRead = false;
    const store = withOverrides<Store>(real, {
      lobbies: withOverrides<LobbyStore>(real.lobbies, {
        listLinkedTo: async (channelIds: readonly string[]) => {
          const found = await real.lobbies.listLinkedTo(channelIds);
          if (deleteOnRead) for (const l of found) await real.lobbies.delete(l.id);
          return found;
        },
      }),
    });
    const t = await startTestServer({}, { store });
    const sessions = new GatewaySessions(() => t.url);
    try {
      const dev = await t.register();
      const owner = await t.register();
      const { app, bot } = await makeBot(t, dev, 'Game');
      const ownerBearer = `Bearer ${(await issueAccessToken(t.store, { applicationId: app.id, userId: owner.id, scopes: ['sdk.social_layer'] }, Date.now())).access_token}`;
      const guild = await t.createGuild(owner, 'Hall');
      const text = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[]).find((c) => c.type === 0);
      const lobby = (await t.request('POST', '/lobbies', { auth: bot, body: { members: [{ id: owner.id, flags: 1 }] } })).body;
      assert.equal((await t.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: ownerBearer, body: { channel_id: text.id } })).status, 200);
      const gw = await sessions.online({ token: owner.token });
      await t.request('POST', `/channels/${text.id}/messages`, { auth: owner, body: { content: 'while linked' } });
      await gw.waitForDispatch('LOBBY_MESSAGE_CREATE', (d) => d.content === 'while linked');

      deleteOnRead = true;
      const sent = await t.request('POST', `/channels/${text.id}/messages`, { auth: owner, body: { content: 'as the lobby goes' } });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      await gw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id);
      deleteOnRead = false;
      assert.equal(await real.lobbies.get(lobby.id), null);
      assert.deepEqual((await t.request('GET', `/channels/${text.id}/messages?limit=1`, { auth: owner })).body.map((m: any) => m.content), ['as the lobby goes']);
    } finally {
      await sessions.closeAll();
      await t.close();
    }
  });
});
