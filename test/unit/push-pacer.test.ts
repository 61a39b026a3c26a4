/**
 * The push role's Pacer (src/push/pacer.ts): slices one at a time, each in its own turn of the event loop so that
 * work queued meanwhile runs first; held back while the process is serving (requests came in and the loop was
 * busy), not while only the push role itself keeps it busy; everything let go on close.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer, WINDOW_MS } from '../../src/push/pacer.ts';

/** Keeps the event loop busy (as request handling would) for `ms`. */
function burn(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* busy */ }
}

describe('push pacer', () => {
  it('grants turns in order, one per loop turn: work queued during a slice runs before the next slice', async () => {
    const pacer = new Pacer();
    const order: string[] = [];
    await Promise.all([1, 2, 3].map(async (n) => {
      await pacer.turn();
      order.push(`slice ${n}`);
      setImmediate(() => order.push(`queued in slice ${n}`));
    }));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['slice 1', 'queued in slice 1', 'slice 2', 'queued in slice 2', 'slice 3', 'queued in slice 3']);
    pacer.close();
  });

  it('holds turns back while requests came in and the loop was busy, not when only the loop was busy', async () => {
    const pacer = new Pacer();
    burn(WINDOW_MS + 10); // busy, but no request: the push role's own work
    await pacer.turn();
    assert.equal(pacer.paused, 0);
    assert.equal(pacer.busy, false);
    pacer.noteRequest();
    burn(WINDOW_MS + 10);
    await pacer.turn();
    assert.equal(pacer.paused, 1, 'the turn waited');
    assert.equal(pacer.busy, true);
    pacer.close();
  });

  it('lets every waiting turn go when closed', async () => {
    const pacer = new Pacer();
    pacer.noteRequest();
    burn(WINDOW_MS + 10);
    const turns = Promise.all([pacer.turn(), pacer.turn(), pacer.turn()]);
    pacer.close();
    await turns;
    await pacer.turn(); // and later ones at once
  });
});
