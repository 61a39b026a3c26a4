import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentIds } from '../../src/sessions/recent-ids.ts';

describe('RecentIds (outbox deduplication in the router)', () => {
  it('answers true once per id, false for a repeat it still remembers', () => {
    const r = new RecentIds(3);
    assert.equal(r.firstTime('a'), true);
    assert.equal(r.firstTime('a'), false);
    assert.equal(r.firstTime('b'), true);
    assert.equal(r.firstTime('c'), true);
    assert.equal(r.firstTime('b'), false);
  });

  it('is bounded: the oldest id is forgotten once capacity newer ones arrived', () => {
    const r = new RecentIds(2);
    r.firstTime('a');
    r.firstTime('b');
    r.firstTime('c');
    assert.equal(r.firstTime('a'), true, 'a was evicted');
    assert.equal(r.firstTime('c'), false);
  });
});
