/**
 * reaction-emoji.ts: which strings are one emoji, and the fully-qualified form they are stored in. The stored
 * form is checked against the JS engine's own RGI_Emoji set (Unicode's recommended-for-interchange emoji).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fullyQualified, parseEmoji, reactionEmoji, unicodeEmoji } from '../../src/api/messages/reaction-emoji.ts';

const RGI = new RegExp('^\\p{RGI_Emoji}$', 'v');

describe('unicodeEmoji', () => {
  test('each unqualified or minimally-qualified form becomes the RGI fully-qualified one', () => {
    const forms: Array<[string, string]> = [
      ['\u2764', '\u2764\uFE0F'], // ❤
      ['\u00A9', '\u00A9\uFE0F'], // ©
      ['1\u20E3', '1\uFE0F\u20E3'], // keycap 1
      ['\u{1F3F3}\u200D\u{1F308}', '\u{1F3F3}\uFE0F\u200D\u{1F308}'], // rainbow flag
      ['\u{1F9D1}\u200D\u2695', '\u{1F9D1}\u200D\u2695\uFE0F'], // health worker
      ['\u26F9\u200D\u2642\uFE0F', '\u26F9\uFE0F\u200D\u2642\uFE0F'], // man bouncing ball
      ['\u{1F441}\u200D\u{1F5E8}', '\u{1F441}\uFE0F\u200D\u{1F5E8}\uFE0F'], // eye in speech bubble
    ];
    for (const [raw, qualified] of forms) {
      assert.equal(unicodeEmoji(raw), qualified, raw);
      assert.ok(RGI.test(qualified), `${qualified} is RGI`);
    }
  });

  test('fully-qualified emoji stay as they are, skin tones included (no U+FE0F before a modifier)', () => {
    for (const e of ['👍', '👍🏽', '❤️', '☝🏽', '⛹🏽‍♂️', '👨‍👩‍👧‍👦', '🫱🏻‍🫲🏿', '🇯🇵', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', '#️⃣', '❤️‍🔥']) {
      assert.ok(RGI.test(e), `${e} is RGI`);
      assert.equal(unicodeEmoji(e), e);
      assert.equal(fullyQualified(e), e);
    }
  });

  test('not exactly one emoji → null', () => {
    for (const s of ['', 'a', 'abc', '1', '#', '👍👍', ' 👍', '👍 ', '🇦', '\uFE0F', '😀\uFE0F', '<b>', '👍'.repeat(20)]) assert.equal(unicodeEmoji(s), null, JSON.stringify(s));
  });
});

describe('parseEmoji / reactionEmoji', () => {
  test('custom emoji parse by syntax but cannot be added: none exists yet (issue #18)', () => {
    assert.deepEqual(parseEmoji('party:123456789012345678'), { id: '123456789012345678', name: 'party' });
    assert.deepEqual(parseEmoji('a:dance:123456789012345678'), { id: '123456789012345678', name: 'dance', animated: true });
    assert.throws(() => reactionEmoji('party:123456789012345678'), (e: any) => e.code === 10014 && e.status === 400);
    assert.deepEqual(reactionEmoji('\u2764'), { id: null, name: '\u2764\uFE0F' });
    for (const bad of ['foo:bar', 'x:99999999999999999999', ':123', 'abc']) assert.throws(() => parseEmoji(bad), (e: any) => e.code === 10014 && e.status === 400, bad);
  });
});
