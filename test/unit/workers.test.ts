import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestartBackoff, workerOverrides } from '../../src/workers.ts';

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

describe('worker restart backoff', () => {
  it('1 s, then doubling while the worker keeps dying soon after its start, up to 30 s', () => {
    const b = new RestartBackoff();
    const delays: number[] = [];
    let now = 1_000_000;
    for (let i = 0; i < 8; i++) {
      b.started(now);
      now += 5_000; // up for 5 s each time
      const delay = b.exited(now);
      delays.push(delay);
      now += delay;
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('a worker that stayed up over a minute starts over at 1 s; one that stayed exactly a minute does not', () => {
    const b = new RestartBackoff();
    b.started(0);
    assert.equal(b.exited(1000), 1000);
    b.started(2000);
    assert.equal(b.exited(3000), 2000);
    b.started(5000);
    assert.equal(b.exited(5000 + 60_000), 4000, 'up exactly 60 s: still counted as dying soon');
    b.started(70_000);
    assert.equal(b.exited(70_000 + 60_001), 1000, 'healthy: starts over');
    b.started(200_000);
    assert.equal(b.exited(200_500), 2000, 'and doubles again from there');
  });
});
