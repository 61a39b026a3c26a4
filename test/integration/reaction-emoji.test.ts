/**
 * Issue #11, finding 8: a reaction's emoji must be one real Unicode emoji (skin tones, ZWJ sequences, flags,
 * keycaps; `❤` and `❤️` are the same reaction) or a custom emoji that exists; anything else is 400 / 10014.
 * Accord has no custom emoji yet (issue #18), so every `name:id` is unknown when added.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, guildFixture, send, type GuildFixture } from './fixtures.messages.ts';

let t: TestServer;
let f: GuildFixture;
before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t.close());

const reactionUrl = (m: any, emoji: string, rest = '/@me') => `/channels/${m.channel_id}/messages/${m.id}/reactions/${encodeURIComponent(emoji)}${rest}`;

describe('reaction emoji', () => {
  test('real unicode emoji are accepted and shown as sent', async () => {
    const accepted = {
      thumbs: '👍',
      'skin tone': '👍🏽',
      heart: '❤️',
      family: '👨‍👩‍👧‍👦',
      'health worker with skin tone': '🧑🏾‍⚕️',
      flag: '🇫🇷',
      'subdivision flag': '🏴󠁧󠁢󠁳󠁣󠁴󠁿',
      keycap: '1️⃣',
      'rainbow flag': '🏳️‍🌈',
    };
    const m = await send(t, f.owner, f.channel.id, 'react with everything');
    for (const [what, emoji] of Object.entries(accepted)) {
      const res = await t.request('PUT', reactionUrl(m, emoji), { auth: f.member });
      assert.equal(res.status, 204, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const got = await t.request('GET', `/channels/${m.channel_id}/messages/${m.id}`, { auth: f.member });
    assert.deepEqual(got.body.reactions.map((r: any) => r.emoji.name).sort(), Object.values(accepted).sort());
  });

  test('a text-presentation emoji without its variation selector is the same reaction as with it', async () => {
    const m = await send(t, f.owner, f.channel.id, 'hearts');
    const from = t.events.length;
    assert.equal((await t.request('PUT', reactionUrl(m, '\u2764'), { auth: f.member })).status, 204);
    const ev = await t.waitForEvent('MESSAGE_REACTION_ADD', (e) => e.d.message_id === m.id, from);
    assert.deepEqual(ev.d.emoji, { id: null, name: '\u2764\uFE0F' });
    assert.equal((await t.request('PUT', reactionUrl(m, '\u2764\uFE0F'), { auth: f.owner })).status, 204);

    const got = await t.request('GET', `/channels/${m.channel_id}/messages/${m.id}`, { auth: f.member });
    assert.deepEqual(got.body.reactions.map((r: any) => [r.emoji.name, r.count]), [['\u2764\uFE0F', 2]]);
    const users = await t.request('GET', reactionUrl(m, '\u2764', ''), { auth: f.member });
    assert.deepEqual(users.body.map((u: any) => u.id).sort(), [f.owner.id, f.member.id].sort());
    assert.equal((await t.request('DELETE', reactionUrl(m, '\u2764'), { auth: f.member })).status, 204);
    const left = await t.request('GET', reactionUrl(m, '\u2764\uFE0F', ''), { auth: f.member });
    assert.deepEqual(left.body.map((u: any) => u.id), [f.owner.id]);
  });

  test('text, two emoji, markup, unknown custom emoji → 400 / 10014 on add, list and remove', async () => {
    const m = await send(t, f.owner, f.channel.id, 'no junk');
    for (const bad of ['abc', '👍👍', '👍 ', '<script>', 'foo:123', 'a:dance:123456789012345678', '1', '🇦', '\uFE0F', 'x'.repeat(90)]) {
      assertError(await t.request('PUT', reactionUrl(m, bad), { auth: f.member }), 400, 10014);
      if (!bad.includes(':')) {
        assertError(await t.request('GET', reactionUrl(m, bad, ''), { auth: f.member }), 400, 10014);
        assertError(await t.request('DELETE', reactionUrl(m, bad), { auth: f.member }), 400, 10014);
      }
    }
    // An empty emoji segment ('.../reactions//@me') names no emoji either.
    assertError(await t.request('PUT', `/channels/${m.channel_id}/messages/${m.id}/reactions//@me`, { auth: f.member }), 400, 10014);
    const got = await t.request('GET', `/channels/${m.channel_id}/messages/${m.id}`, { auth: f.member });
    assert.equal(got.body.reactions, undefined);
  });
});
