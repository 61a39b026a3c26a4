/**
 * The system message Discord posts when a message is pinned (type 6, CHANNEL_PINNED_MESSAGE): by the pinner,
 * empty content, a message_reference to the pinned message, delivered as MESSAGE_CREATE and kept in the history.
 * Unpinning, pinning what is already pinned and the loser of two racing pins post nothing. Absence is checked
 * without waiting: a marker message sent after the request must directly follow the earlier messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertNoNullOptionals, guildFixture, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

const CHANNEL_PINNED_MESSAGE = 6;

let t: TestServer;
let f: GuildFixture;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t.close());

/** The channel's newest messages, newest first. */
async function latest(channelId: string, limit = 10): Promise<any[]> {
  const res = await t.request('GET', `/channels/${channelId}/messages?limit=${limit}`, { auth: f.owner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('pin system message (type 6)', () => {
  test('a pin posts "X pinned a message" with a reference to it, over REST and the gateway', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'pin-notes' });
    const target = await send(t, f.member, ch.id, 'remember this');
    const from = t.events.length;
    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${target.id}`, { auth: f.owner })).status, 204);

    const created = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.channel_id === ch.id && e.d.type === CHANNEL_PINNED_MESSAGE, from);
    const m = created.d;
    assert.equal(m.author.id, f.owner.id, 'authored by the pinner');
    assert.equal(m.content, '');
    assert.equal(m.guild_id, f.guild.id);
    assert.ok(m.member, 'a guild MESSAGE_CREATE carries the author as member');
    assert.deepEqual(m.message_reference, { type: 0, message_id: target.id, channel_id: ch.id, guild_id: f.guild.id });
    assert.equal(m.referenced_message, undefined, 'referenced_message is only sent on replies');
    assert.equal(m.pinned, false);
    assert.deepEqual(m.mentions, []);
    assertNoNullOptionals(m);

    const [newest, pinned] = await latest(ch.id);
    assert.equal(newest.id, m.id);
    assert.equal(newest.type, CHANNEL_PINNED_MESSAGE);
    assert.deepEqual(newest.message_reference, m.message_reference);
    assert.equal(pinned.id, target.id);
    assert.equal(pinned.pinned, true);

    // The channel's last message is the system message (clients show the channel as unread).
    const channel = await t.request('GET', `/channels/${ch.id}`, { auth: f.member });
    assert.equal(channel.body.last_message_id, m.id);

    // Its author cannot write content into it (Discord: 50021), only a moderator's flag toggle remains.
    const edit = await t.request('PATCH', `/channels/${ch.id}/messages/${m.id}`, { auth: f.owner, body: { content: 'forged' } });
    assert.equal(edit.status, 400);
    assert.equal(edit.body.code, 50021);
  });

  test('unpinning and pinning again what is pinned post nothing', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'pin-quiet' });
    const target = await send(t, f.owner, ch.id, 'pin me once');
    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${target.id}`, { auth: f.owner })).status, 204);
    const [system] = await latest(ch.id, 1);
    assert.equal(system.type, CHANNEL_PINNED_MESSAGE);

    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${target.id}`, { auth: f.owner })).status, 204);
    assert.equal((await t.request('DELETE', `/channels/${ch.id}/pins/${target.id}`, { auth: f.owner })).status, 204);
    const marker = await send(t, f.owner, ch.id, 'marker');
    assert.deepEqual((await latest(ch.id, 3)).map((x) => x.id), [marker.id, system.id, target.id]);
  });

  test('two racing pins of one message post one system message', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'pin-race' });
    const target = await send(t, f.owner, ch.id, 'contested');
    const results = await Promise.all([1, 2, 3].map(() => t.request('PUT', `/channels/${ch.id}/pins/${target.id}`, { auth: f.owner })));
    assert.deepEqual(results.map((r) => r.status), [204, 204, 204]);
    await send(t, f.owner, ch.id, 'marker');
    const systems = (await latest(ch.id)).filter((x) => x.type === CHANNEL_PINNED_MESSAGE);
    assert.equal(systems.length, 1, JSON.stringify(systems));
  });

  test('the new paged pins route (PUT /messages/pins) posts it too', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'pin-paged' });
    const target = await send(t, f.owner, ch.id, 'via the new route');
    assert.equal((await t.request('PUT', `/channels/${ch.id}/messages/pins/${target.id}`, { auth: f.owner })).status, 204);
    const [system] = await latest(ch.id, 1);
    assert.equal(system.type, CHANNEL_PINNED_MESSAGE);
    assert.equal(system.message_reference.message_id, target.id);
  });

  test('a refused pin posts nothing', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'pin-refused' });
    const target = await send(t, f.member, ch.id, 'not yours to pin');
    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${target.id}`, { auth: f.member })).status, 403);
    const marker = await send(t, f.member, ch.id, 'marker');
    assert.deepEqual((await latest(ch.id, 2)).map((x) => x.id), [marker.id, target.id]);
  });

  test('in a DM: posted to both recipients, reference without guild_id', async () => {
    const dm = await t.request('POST', '/users/@me/channels', { auth: f.owner, body: { recipient_id: f.member.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const target = await send(t, f.member, dm.body.id, 'dm pin');
    const from = t.events.length;
    assert.equal((await t.request('PUT', `/channels/${dm.body.id}/pins/${target.id}`, { auth: f.member })).status, 204);
    const deliveries = new Set<string>();
    for (const who of [f.owner, f.member]) {
      const e = await t.waitForEvent('MESSAGE_CREATE', (x) => x.subject.endsWith(who.id) && x.d.type === CHANNEL_PINNED_MESSAGE && x.d.channel_id === dm.body.id, from);
      assert.equal(e.d.author.id, f.member.id);
      assert.equal(e.d.guild_id, undefined);
      assert.deepEqual(e.d.message_reference, { type: 0, message_id: target.id, channel_id: dm.body.id });
      deliveries.add(who.id);
    }
    assert.equal(deliveries.size, 2);
  });
});
