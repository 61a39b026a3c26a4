/**
 * ACCORD_HEAP_GROWING_PERCENT (src/lib/heap-growing.ts): set after start, it changes how far V8 lets the heap grow
 * before a full collection. Two processes run the same churn (objects that live long enough to reach the old
 * generation, then die) with a small and a large factor; the small one must peak lower. This fails if V8 ignored a
 * flag set at run time, which is how `accord start` sets it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// A ring of 64 slots of 0.25 MB-ish arrays of objects, each slot replaced in turn: ~16 MB live, everything else
// garbage that survived long enough to be promoted. Prints the highest used heap seen, in MB.
const churn = `
import { getHeapStatistics } from 'node:v8';
import { setHeapGrowingPercent } from './src/lib/heap-growing.ts';
setHeapGrowingPercent(Number(process.argv[1]));
const ring = new Array(64).fill(null);
let peak = 0;
for (let i = 0; i < 600; i++) {
  ring[i % ring.length] = Array.from({ length: 4000 }, (_, k) => ({ k, i, s: 'x' + k }));
  if (i % 10 === 0) peak = Math.max(peak, getHeapStatistics().used_heap_size);
}
console.log(Math.round(peak / 1048576));
`;

function peakMb(percent: number): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', churn, String(percent)], { cwd: root, encoding: 'utf8' });
  return Number(out.trim());
}

describe('heap growing factor', () => {
  it('a smaller factor set at run time keeps the heap lower under the same churn', () => {
    const small = peakMb(20);
    const large = peakMb(300);
    assert.ok(small > 0 && large > 0, `peaks measured (${small}, ${large} MB)`);
    assert.ok(small < large * 0.8, `factor 1.2 peaked at ${small} MB, factor 4 at ${large} MB`);
  });
});
