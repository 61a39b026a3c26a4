/**
 * randomHexId (src/lib/secrets.ts), the gateway's session ids: 32 hex digits from a pool refilled every 256 ids.
 * Across many refills no id repeats, and every digit position takes all sixteen values (a pool that was not
 * refilled, or an offset that did not move, would repeat ids or pin digits).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomHexId } from '../../src/lib/secrets.ts';

describe('randomHexId', () => {
  it('gives 32 hex digits, distinct across pool refills, every position varying', () => {
    const n = 20_000;
    const ids = Array.from({ length: n }, () => randomHexId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(new Set(ids).size, n);
    for (let pos = 0; pos < 32; pos++) assert.equal(new Set(ids.map((id) => id[pos])).size, 16, `digit ${pos} takes every value`);
  });
});
