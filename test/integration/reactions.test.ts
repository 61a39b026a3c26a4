import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

let t: TestServer;
let f: GuildFixture;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t.close());

const THUMBS = encodeURIComponent('👍');
const url = (channelId: string, messageId: string, rest = '') => `/channels/${channelId}/messages/${messageId}/reactions${rest}`;

describe('reactions', () => {
  test('add → 204 and MESSAGE_REACTION_ADD; the message shows counts and me', async () => {
    const m = await send(t, f.owner, f.channel.id, 'react to me');
    const from = t.events.length;
    assert.equal((await t.request('PUT', url(f.channel.id, m.id, `/${THUMBS}/@me`), { auth: f.member })).status, 204);
    const ev = await t.waitForEvent('MESSAGE_REACTION_ADD', (e) => e.d.message_id === m.id, from);
    assert.equal(ev.channelId, f.channel.id);
    assert.equal(ev.d.user_id, f.member.id);
    assert.equal(ev.d.guild_id, f.guild.id);
    assert.equal(ev.d.message_author_id, f.owner.id);
    assert.deepEqual(ev.d.emoji, { id: null, name: '👍' });
    assert.equal(ev.d.member.user.id, f.member.id);
    assert.equal(ev.d.burst, false);
    assert.equal(ev.d.type, 0);

    // Adding the same reaction twice is a no-op.
    assert.equal((await t.request('PUT', url(f.channel.id, m.id, `/${THUMBS}/@me`), { auth: f.member })).status, 204);
    assert.equal((await t.request('PUT', url(f.channel.id, m.id, `/${THUMBS}/@me`), { auth: f.owner })).status, 204);

    const got = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member });
    assert.deepEqual(got.body.reactions, [{ count: 2, count_details: { burst: 0, normal: 2 }, me: true, me_burst: false, emoji: { id: null, name: '👍' }, burst_colors: [] }]);
    const stranger = await t.register();
    await t.join(f.owner, f.guild.id, stranger);
    const theirs = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: stranger });
    assert.equal(theirs.body.reactions[0].me, false);

    const users = await t.request('GET', url(f.channel.id, m.id, `/${THUMBS}`), { auth: f.member });
    assert.equal(users.status, 200);
    assert.deepEqual(users.body.map((u: any) => u.id).sort(), [f.owner.id, f.member.id].sort());
    const limited = await t.request('GET', url(f.channel.id, m.id, `/${THUMBS}?limit=1`), { auth: f.member });
    assert.equal(limited.body.length, 1);
    const next = await t.request('GET', url(f.channel.id, m.id, `/${THUMBS}?after=${limited.body[0].id}`), { auth: f.member });
    assert.equal(next.body.length, 1);
    assert.notEqual(next.body[0].id, limited.body[0].id);
    assertError(await t.request('GET', url(f.channel.id, m.id, `/${THUMBS}?limit=101`), { auth: f.member }), 400, 50035);
  });

  test('unknown custom emoji and invalid emoji → 400 / 10014; unknown message → 10008; stranger → 50001', async () => {
    const m = await send(t, f.owner, f.channel.id, 'custom');
    // A name:id that names no guild emoji is unknown (custom emoji that exist: emoji.test.ts).
    const custom = encodeURIComponent('party:123456789012345678');
    assertError(await t.request('PUT', url(f.channel.id, m.id, `/${custom}/@me`), { auth: f.member }), 400, 10014);
    assertError(await t.request('PUT', url(f.channel.id, m.id, '/notanemoji/@me'), { auth: f.member }), 400, 10014);
    assertError(await t.request('PUT', url(f.channel.id, '123456789012345678', `/${THUMBS}/@me`), { auth: f.member }), 404, 10008);
    assertError(await t.request('PUT', url(f.channel.id, m.id, `/${THUMBS}/@me`), { auth: f.stranger }), 403, 50001);
  });

  test('remove own, remove others (MANAGE_MESSAGES), remove emoji, remove all', async () => {
    const m = await send(t, f.owner, f.channel.id, 'removals');
    const heart = encodeURIComponent('❤️');
    for (const user of [f.owner, f.member]) {
      assert.equal((await t.request('PUT', url(f.channel.id, m.id, `/${THUMBS}/@me`), { auth: user })).status, 204);
      assert.equal((await t.request('PUT', url(f.channel.id, m.id, `/${heart}/@me`), { auth: user })).status, 204);
    }
    let from = t.events.length;
    assert.equal((await t.request('DELETE', url(f.channel.id, m.id, `/${THUMBS}/@me`), { auth: f.member })).status, 204);
    const removed = await t.waitForEvent('MESSAGE_REACTION_REMOVE', (e) => e.d.message_id === m.id, from);
    assert.equal(removed.d.user_id, f.member.id);
    assert.deepEqual(removed.d.emoji, { id: null, name: '👍' });

    assertError(await t.request('DELETE', url(f.channel.id, m.id, `/${THUMBS}/${f.owner.id}`), { auth: f.member }), 403, 50013);
    from = t.events.length;
    assert.equal((await t.request('DELETE', url(f.channel.id, m.id, `/${heart}/${f.member.id}`), { auth: f.owner })).status, 204);
    await t.waitForEvent('MESSAGE_REACTION_REMOVE', (e) => e.d.message_id === m.id && e.d.user_id === f.member.id, from);

    assertError(await t.request('DELETE', url(f.channel.id, m.id, `/${heart}`), { auth: f.member }), 403, 50013);
    from = t.events.length;
    assert.equal((await t.request('DELETE', url(f.channel.id, m.id, `/${heart}`), { auth: f.owner })).status, 204);
    const emojiGone = await t.waitForEvent('MESSAGE_REACTION_REMOVE_EMOJI', (e) => e.d.message_id === m.id, from);
    assert.deepEqual(emojiGone.d, { channel_id: f.channel.id, guild_id: f.guild.id, message_id: m.id, emoji: { id: null, name: '❤️' } });
    let got = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner });
    assert.deepEqual(got.body.reactions.map((r: any) => [r.emoji.name, r.count]), [['👍', 1]]);

    assertError(await t.request('DELETE', url(f.channel.id, m.id), { auth: f.member }), 403, 50013);
    from = t.events.length;
    assert.equal((await t.request('DELETE', url(f.channel.id, m.id), { auth: f.owner })).status, 204);
    const all = await t.waitForEvent('MESSAGE_REACTION_REMOVE_ALL', (e) => e.d.message_id === m.id, from);
    assert.deepEqual(all.d, { channel_id: f.channel.id, message_id: m.id, guild_id: f.guild.id });
    got = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner });
    assert.ok(!('reactions' in got.body));
  });

  test('ADD_REACTIONS is needed for a new emoji, not to join an existing one; READ_MESSAGE_HISTORY always', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'no-reactions' });
    const m = await send(t, f.owner, ch.id, 'm');
    assert.equal((await t.request('PUT', url(ch.id, m.id, `/${THUMBS}/@me`), { auth: f.owner })).status, 204);
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.ADD_REACTIONS);
    assertError(await t.request('PUT', url(ch.id, m.id, `/${encodeURIComponent('🎉')}/@me`), { auth: f.member }), 403, 50013);
    assert.equal((await t.request('PUT', url(ch.id, m.id, `/${THUMBS}/@me`), { auth: f.member })).status, 204);
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.READ_MESSAGE_HISTORY);
    assertError(await t.request('PUT', url(ch.id, m.id, `/${THUMBS}/@me`), { auth: f.member }), 403, 50013);
  });

  test('at most 20 distinct emojis → 30010', async () => {
    const m = await send(t, f.owner, f.channel.id, 'many');
    const emojis = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🥰', '😗', '😙', '😚', '🙂', '🤗'];
    for (const e of emojis) assert.equal((await t.request('PUT', url(f.channel.id, m.id, `/${encodeURIComponent(e)}/@me`), { auth: f.owner })).status, 204);
    assertError(await t.request('PUT', url(f.channel.id, m.id, `/${encodeURIComponent('🤩')}/@me`), { auth: f.owner }), 400, 30010);
    // An existing emoji can still be joined.
    assert.equal((await t.request('PUT', url(f.channel.id, m.id, `/${encodeURIComponent('😀')}/@me`), { auth: f.member })).status, 204);
  });

  test('DM reactions go to the recipients', async () => {
    const dm = await t.request('POST', '/users/@me/channels', { auth: f.member, body: { recipient_id: f.owner.id } });
    const m = await send(t, f.owner, dm.body.id, 'dm');
    const from = t.events.length;
    assert.equal((await t.request('PUT', url(dm.body.id, m.id, `/${THUMBS}/@me`), { auth: f.member })).status, 204);
    const ev = await t.waitForEvent('MESSAGE_REACTION_ADD', (e) => e.d.message_id === m.id && e.subject === `gateway.user.${f.owner.id}`, from);
    assert.ok(!('guild_id' in ev.d) && !('member' in ev.d));
  });
});
