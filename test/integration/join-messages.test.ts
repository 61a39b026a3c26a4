/**
 * Discord's join message (type 7, USER_JOIN): whoever joins a guild through an invite, and a bot added through
 * OAuth2, gets an empty message by them in the guild's system channel, delivered as MESSAGE_CREATE and kept in the
 * history. None when the guild has no system channel or set SUPPRESS_JOIN_NOTIFICATIONS, none for a member who was
 * already in, and none is indexed for search. Absence is checked without waiting: a marker message sent after the
 * join must directly follow the earlier messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { makeBot } from './fixtures.guilds.ts';
import { assertNoNullOptionals, send, textChannel } from './fixtures.messages.ts';

const USER_JOIN = 7;
const SUPPRESS_JOIN_NOTIFICATIONS = 1 << 0;

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

/** A new guild of `owner` and its system channel (the default #general). */
async function guildOf(owner: TestUser): Promise<{ guild: any; system: string }> {
  const guild = await t.createGuild(owner);
  assert.ok(guild.system_channel_id, 'a new guild has a system channel');
  return { guild, system: guild.system_channel_id };
}

async function invite(owner: TestUser, channelId: string): Promise<string> {
  const res = await t.request('POST', `/channels/${channelId}/invites`, { auth: owner, body: {} });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.code;
}

async function latest(user: TestUser, channelId: string, limit = 10): Promise<any[]> {
  const res = await t.request('GET', `/channels/${channelId}/messages?limit=${limit}`, { auth: user });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('join messages (type 7)', () => {
  test('joining through an invite posts an empty USER_JOIN by the new member in the system channel, live and in the history', async () => {
    const owner = await t.register();
    const joiner = await t.register();
    const { guild, system } = await guildOf(owner);
    // The invite is to another channel: the line goes to the system channel all the same.
    const other = await textChannel(t, owner, guild.id, { name: 'elsewhere' });
    const code = await invite(owner, other.id);
    const from = t.events.length;
    const joined = await t.request('POST', `/invites/${code}`, { auth: joiner });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));

    const created = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.channel_id === system && e.d.type === USER_JOIN, from);
    const m = created.d;
    assert.equal(m.author.id, joiner.id, 'authored by whoever joined');
    assert.equal(m.content, '');
    assert.equal(m.guild_id, guild.id);
    assert.ok(m.member, 'a guild MESSAGE_CREATE carries the author as member');
    assert.deepEqual(m.mentions, []);
    assert.equal(m.mention_everyone, false);
    assert.equal(m.message_reference, undefined);
    assertNoNullOptionals(m);
    // After the member was added: clients resolve the author's member from GUILD_MEMBER_ADD.
    const memberAdd = t.events.slice(from).findIndex((e) => e.t === 'GUILD_MEMBER_ADD' && e.d.user?.id === joiner.id);
    const message = t.events.slice(from).findIndex((e) => e.t === 'MESSAGE_CREATE' && e.d.id === m.id);
    assert.ok(memberAdd >= 0 && memberAdd < message, 'GUILD_MEMBER_ADD comes before the join message');

    const [newest] = await latest(joiner, system, 1);
    assert.equal(newest.id, m.id);
    assert.equal(newest.type, USER_JOIN);
    assert.equal(newest.author.id, joiner.id);
    assert.equal((await t.request('GET', `/channels/${system}`, { auth: owner })).body.last_message_id, m.id, 'the system channel shows as unread');
    assert.deepEqual((await latest(owner, other.id)).map((x) => x.type), [], 'nothing in the invite’s own channel');

    // Joining again (already a member) posts nothing.
    assert.equal((await t.request('POST', `/invites/${code}`, { auth: joiner })).status, 200);
    const marker = await send(t, owner, system, 'marker');
    assert.deepEqual((await latest(owner, system, 2)).map((x) => x.id), [marker.id, m.id]);
  });

  test('SUPPRESS_JOIN_NOTIFICATIONS or no system channel: no join message; turned back on, joins post again', async () => {
    const owner = await t.register();
    const { guild, system } = await guildOf(owner);
    const code = await invite(owner, system);
    const before = await send(t, owner, system, 'before');

    const quiet = await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { system_channel_flags: SUPPRESS_JOIN_NOTIFICATIONS } });
    assert.equal(quiet.status, 200, JSON.stringify(quiet.body));
    assert.equal((await t.request('POST', `/invites/${code}`, { auth: await t.register() })).status, 200);
    const marker1 = await send(t, owner, system, 'marker 1');
    assert.deepEqual((await latest(owner, system, 2)).map((x) => x.id), [marker1.id, before.id]);

    const none = await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { system_channel_flags: 0, system_channel_id: null } });
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.equal((await t.request('POST', `/invites/${code}`, { auth: await t.register() })).status, 200);
    const marker2 = await send(t, owner, system, 'marker 2');
    assert.deepEqual((await latest(owner, system, 2)).map((x) => x.id), [marker2.id, marker1.id]);

    assert.equal((await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { system_channel_id: system } })).status, 200);
    const last = await t.register();
    assert.equal((await t.request('POST', `/invites/${code}`, { auth: last })).status, 200);
    const [join] = await latest(owner, system, 1);
    assert.equal(join.type, USER_JOIN);
    assert.equal(join.author.id, last.id);
  });

  test('a bot added through OAuth2 gets its join message, authored by the bot', async () => {
    const owner = await t.register();
    const { guild, system } = await guildOf(owner);
    const { app } = await makeBot(t, owner, 'Joining Bot');
    const res = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, permissions: '0', authorize: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [join] = await latest(owner, system, 1);
    assert.equal(join.type, USER_JOIN);
    assert.equal(join.author.id, app.id);
    assert.equal(join.author.bot, true);
  });

  test('join messages are not indexed for search: a search by the member finds only what they wrote', async () => {
    const owner = await t.register();
    const joiner = await t.register();
    const { guild, system } = await guildOf(owner);
    assert.equal((await t.request('POST', `/invites/${await invite(owner, system)}`, { auth: joiner })).status, 200);
    const said = await send(t, joiner, system, 'hello everyone');
    const body = await waitFor(async () => {
      const res = await t.request('GET', `/guilds/${guild.id}/messages/search?author_id=${joiner.id}`, { auth: owner });
      return res.status === 200 && res.body.total_results >= 1 ? res.body : null;
    }, { timeoutMs: 15_000, intervalMs: 50, what: 'search by the member' });
    assert.deepEqual(body.messages.map((hit: any[]) => hit[0].id), [said.id]);
    assert.equal(body.total_results, 1);
  });
});
