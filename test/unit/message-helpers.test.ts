import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseEmoji } from '../../src/api/routes/reactions.ts';

describe('parseEmoji', () => {
  test('unicode, custom and animated custom emoji; anything else is 10014', () => {
    assert.deepEqual(parseEmoji('👍'), { id: null, name: '👍' });
    assert.deepEqual(parseEmoji('🇫🇷'), { id: null, name: '🇫🇷' });
    assert.deepEqual(parseEmoji('1️⃣'), { id: null, name: '1️⃣' });
    assert.deepEqual(parseEmoji('party:123456789012345678'), { id: '123456789012345678', name: 'party' });
    assert.deepEqual(parseEmoji('a:dance:123456789012345678'), { id: '123456789012345678', name: 'dance', animated: true });
    for (const bad of ['', 'abc', 'name:notanid', '👍 👍', 'x'.repeat(40)]) assert.throws(() => parseEmoji(bad), (e: any) => e.code === 10014, bad);
  });
});
