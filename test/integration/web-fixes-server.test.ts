/**
 * The server side of issue #12's "Broken" list, over real HTTP and a real gateway:
 * - a too-short value says Discord's whole sentence ("Must be between 8 and 72 in length."), no literal "…";
 * - GET /invites/{code}?with_counts=true reports how many members are online (asked of the presence role), and
 *   0 — not an error — when the process runs no presence role;
 * - renaming a group DM posts Discord's CHANNEL_NAME_CHANGE system message (type 4) to every recipient.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';
import { guildFixture, type GuildFixture } from './fixtures.messages.ts';
import { makeFriends } from './fixtures.guilds.ts';

let t: TestServer;
let f: GuildFixture;
const sockets: GatewayClient[] = [];

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(async () => {
  for (const s of sockets) await s.close();
  await t.close();
});

async function online(user: TestUser, status = 'online'): Promise<GatewayClient> {
  const gw = await GatewayClient.connect(t.url);
  sockets.push(gw);
  await gw.identify(user.token, { presence: { status, since: null, activities: [], afk: false } });
  return gw;
}

async function inviteCode(): Promise<string> {
  const res = await t.request('POST', `/channels/${f.channel.id}/invites`, { auth: f.owner, body: {} });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.code;
}

describe('validation text', () => {
  test('a too-short password names both bounds', async () => {
    const res = await t.request('POST', '/auth/register', { body: { username: `short_${Date.now().toString(36)}`, password: 'abc' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 50035);
    assert.deepEqual(res.body.errors.password._errors[0], { code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 8 and 72 in length.' });
  });

  test('a too-short guild name and an empty recipient list too', async () => {
    const guild = await t.request('POST', '/guilds', { auth: f.owner, body: { name: 'x' } });
    assert.equal(guild.status, 400);
    assert.equal(guild.body.errors.name._errors[0].message, 'Must be between 2 and 100 in length.');
    const group = await t.request('POST', '/users/@me/channels', { auth: f.owner, body: { recipients: [] } });
    assert.equal(group.status, 400);
    assert.doesNotMatch(JSON.stringify(group.body), /…/);
  });
});

describe('invite counts', () => {
  test('with_counts reports the members that are online, not 0', async () => {
    const code = await inviteCode();
    const from = t.events.length;
    await online(f.owner);
    await t.waitForEvent('PRESENCE_UPDATE', (e) => e.d?.user?.id === f.owner.id && e.d.status === 'online', from);
    // The other member is connected but invisible: counted offline, as Discord does.
    await online(f.member, 'invisible');
    const res = await t.request('GET', `/invites/${code}?with_counts=true`);
    assert.equal(res.status, 200);
    assert.equal(res.body.approximate_member_count, 2);
    assert.equal(res.body.approximate_presence_count, 1);
    const plain = await t.request('GET', `/invites/${code}`);
    assert.ok(!('approximate_presence_count' in plain.body), 'counts only when asked for');
    // The guild's own counts and the guild list's come from the same place.
    const guild = await t.request('GET', `/guilds/${f.guild.id}?with_counts=true`, { auth: f.member });
    assert.equal(guild.body.approximate_presence_count, 1, JSON.stringify(guild.body));
    const list = await t.request('GET', '/users/@me/guilds?with_counts=true', { auth: f.member });
    assert.equal(list.body.find((g: any) => g.id === f.guild.id).approximate_presence_count, 1);
  });

  test('without a presence role the count is 0 and the invite still answers', async () => {
    const noPresence = await startTestServer({ roles: ['api', 'sessions', 'guild'] });
    try {
      const owner = await noPresence.register();
      const guild = await noPresence.createGuild(owner);
      const channels = await noPresence.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
      const text = channels.body.find((c: any) => c.type === 0);
      const invite = await noPresence.request('POST', `/channels/${text.id}/invites`, { auth: owner, body: {} });
      const res = await noPresence.request('GET', `/invites/${invite.body.code}?with_counts=true`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.approximate_member_count, 1);
      assert.equal(res.body.approximate_presence_count, 0);
    } finally {
      await noPresence.close();
    }
  });
});

describe('group DM rename', () => {
  test('posts a CHANNEL_NAME_CHANGE message (type 4) that every recipient receives', async () => {
    // A person puts friends in a group DM.
    for (const u of [f.member, f.stranger]) await makeFriends(t, u, f.owner);
    const created = await t.request('POST', '/users/@me/channels', { auth: f.owner, body: { recipients: [f.member.id, f.stranger.id] } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const group = created.body;
    assert.equal(group.type, 3);
    const from = t.events.length;
    const renamed = await t.request('PATCH', `/channels/${group.id}`, { auth: f.member, body: { name: 'Weekend plans' } });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'Weekend plans');

    const event = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d?.channel_id === group.id && e.d.type === 4, from);
    assert.equal(event.d.content, 'Weekend plans');
    assert.equal(event.d.author.id, f.member.id);
    const receivers = t.events.slice(from).filter((e) => e.t === 'MESSAGE_CREATE' && e.d?.type === 4).map((e) => e.subject).sort();
    assert.deepEqual(receivers, [f.owner.id, f.member.id, f.stranger.id].map((id) => `gateway.user.${id}`).sort());

    const history = await t.request('GET', `/channels/${group.id}/messages`, { auth: f.owner });
    assert.equal(history.status, 200);
    assert.equal(history.body.length, 1);
    assert.equal(history.body[0].type, 4);
    assert.equal(history.body[0].content, 'Weekend plans');

    // The same name again changes nothing and posts nothing; an icon change is not a rename.
    await t.request('PATCH', `/channels/${group.id}`, { auth: f.owner, body: { name: 'Weekend plans' } });
    await t.request('PATCH', `/channels/${group.id}`, { auth: f.owner, body: { icon: 'data:image/png;base64,AAAA' } });
    assert.equal((await t.request('GET', `/channels/${group.id}/messages`, { auth: f.owner })).body.length, 1);
  });
});
