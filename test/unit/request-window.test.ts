import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestWindow } from '../../src/sessions/request-window.ts';

describe('RequestWindow (op 8 every-member limit)', () => {
  it('takes one request per key per interval and says how long until the next', () => {
    let now = 1_000;
    const w = new RequestWindow(30_000, 100, () => now);
    assert.equal(w.take('bot:g1'), 0);
    now += 10_000;
    assert.equal(w.take('bot:g1'), 20_000);
    assert.equal(w.take('bot:g2'), 0, 'another guild has its own window');
    now += 20_000;
    assert.equal(w.take('bot:g1'), 0, 'the window has passed');
    assert.equal(w.take('bot:g1'), 30_000);
  });

  it('drops expired keys as new ones come', () => {
    let now = 0;
    const w = new RequestWindow(1_000, 100, () => now);
    for (let i = 0; i < 10; i++) w.take(`k${i}`);
    assert.equal(w.size, 10);
    now = 1_500;
    w.take('fresh');
    assert.equal(w.size, 1, 'the ten expired keys went with the first take after them');
  });

  it('keeps at most maxKeys, forgetting the oldest even inside its window', () => {
    let now = 0;
    const w = new RequestWindow(60_000, 3, () => now);
    for (const k of ['a', 'b', 'c', 'd']) {
      w.take(k);
      now += 1;
    }
    assert.equal(w.size, 3);
    assert.equal(w.take('a'), 0, 'a was forgotten, so it may ask again');
    assert.ok(w.take('c') > 0, 'c is still remembered');
    assert.ok(w.take('d') > 0, 'd is still remembered');
  });

  it('moves a key taken again to the back, so it is not the next forgotten', () => {
    let now = 0;
    const w = new RequestWindow(10, 2, () => now);
    w.take('a');
    now = 5;
    w.take('b');
    now = 20;
    w.take('a'); // a's window passed: taken again, now newest
    now = 21;
    w.take('c'); // b (expired) goes, a stays
    assert.ok(w.take('a') > 0, 'a is remembered after re-taking');
    assert.equal(w.size, 2);
  });
});
