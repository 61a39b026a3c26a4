import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeyedLock } from '../../src/api/messages/keyed-lock.ts';
import { Slowmode } from '../../src/api/messages/slowmode.ts';
import { parseEmoji } from '../../src/api/routes/reactions.ts';

describe('KeyedLock', () => {
  test('runs work with one key one at a time, in arrival order, and other keys in parallel', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = lock.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const second = lock.run('a', async () => void log.push('a2'));
    const other = lock.run('b', async () => void log.push('b'));
    await other;
    assert.deepEqual(log, ['a1 start', 'b']);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(log, ['a1 start', 'b', 'a1 end', 'a2']);
    assert.equal(lock.size, 0, 'entries are dropped once idle');
  });

  test('a failing holder releases the key', async () => {
    const lock = new KeyedLock();
    await assert.rejects(lock.run('k', async () => { throw new Error('boom'); }));
    assert.equal(await lock.run('k', async () => 42), 42);
    assert.equal(lock.size, 0);
  });
});

describe('Slowmode', () => {
  test('reserves a window per (channel, user) and gives it back on release', () => {
    const s = new Slowmode();
    assert.equal(s.reserve('c', 'u', 10, 1000), null);
    assert.equal(s.reserve('c', 'u', 10, 4000), 7);
    assert.equal(s.reserve('c', 'other', 10, 4000), null);
    assert.equal(s.reserve('c', 'u', 10, 11_000), null);
    s.release('c', 'u');
    assert.equal(s.reserve('c', 'u', 10, 11_001), null);
  });
});

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
