import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdmissionQueue } from '../../src/sessions/admission.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('identify admission queue', () => {
  it('runs at most `concurrency` tasks, queues up to `maxQueued` in order, refuses the rest', async () => {
    const q = new AdmissionQueue(2, 2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    const runs = gates.map((g, i) => q.submit(() => (started.push(i), g.promise)));
    assert.deepEqual(started, [0, 1]);
    assert.equal(q.running, 2);
    assert.equal(q.queued, 2);
    assert.equal(runs[4], null, 'the fifth is refused: two running, two waiting');
    gates[1]!.resolve();
    await runs[1];
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]!.reject(new Error('boom'));
    await assert.rejects(runs[0]!, /boom/);
    assert.deepEqual(started, [0, 1, 2, 3], 'a failed task frees its slot too');
    assert.equal(q.queued, 0);
    assert.notEqual(q.submit(() => Promise.resolve()), null, 'room again in the queue');
    gates[2]!.resolve();
    gates[3]!.resolve();
    await Promise.all([runs[2], runs[3]]);
    await new Promise((r) => setImmediate(r));
    assert.equal(q.running, 0);
  });

  it('maxQueued 0 means no waiting at all', () => {
    const q = new AdmissionQueue(1, 0);
    const g = deferred();
    assert.ok(q.submit(() => g.promise));
    assert.equal(q.submit(() => Promise.resolve()), null);
    g.resolve();
  });
});
