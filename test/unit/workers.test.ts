import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerOverrides } from '../../src/workers.ts';

describe('worker identities (ACCORD_WORKERS)', () => {
  it('32 workers get 32 distinct snowflake process ids and names, whatever the primary had', () => {
    for (const base of [0, 7, 31]) {
      const all = Array.from({ length: 32 }, (_, i) => workerOverrides({ nodeId: 'node', processId: base }, i));
      assert.equal(new Set(all.map((o) => o.processId)).size, 32);
      assert.ok(all.every((o) => o.processId >= 0 && o.processId < 32 && o.workers === 1));
      assert.deepEqual(all.slice(0, 2).map((o) => o.nodeId), ['node-0', 'node-1']);
    }
  });

  it('a name at the 64-character limit keeps its worker suffix', () => {
    const o = workerOverrides({ nodeId: 'n'.repeat(64), processId: 0 }, 17);
    assert.equal(o.nodeId.length, 64);
    assert.ok(o.nodeId.endsWith('-17'));
  });
});
