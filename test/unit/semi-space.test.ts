/**
 * ACCORD_SEMI_SPACE_MB (src/lib/semi-space.ts): the cap on V8's young generation, kept at run time through the
 * growth factor. A child process allocates objects of which some survive a few scavenges (what makes V8 grow the
 * space); without the cap the semi-space grows past 8 MB, with a cap of 8 it stays there, and once the cap is
 * lifted it grows again (V8 starts it at 4 MB here, so a lower cap could not be seen to hold). This fails if V8 stopped reading the growth factor at run time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Rounds of allocation with a window of survivors; each round yields (setImmediate) so the GC observer runs as it
// does in the server. Prints the semi-space size after the capped rounds and after the uncapped ones, in KB.
const churn = `
import { capSemiSpace, semiSpaceBytes } from './src/lib/semi-space.ts';
const stop = capSemiSpace(Number(process.argv[1]));
const keep = [];
const rounds = (n) => new Promise((done) => {
  let i = 0;
  const round = () => {
    for (let k = 0; k < 20000; k++) { keep.push({ k, s: 'x' + k, a: [k, k] }); if (keep.length > 30000) keep.splice(0, 1000); }
    if (++i < n) setImmediate(round); else done();
  };
  round();
});
await rounds(300);
const capped = semiSpaceBytes();
stop();
await rounds(300);
console.log(JSON.stringify({ capped: capped / 1024, after: semiSpaceBytes() / 1024 }));
`;

function run(mb: number): { capped: number; after: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', churn, String(mb)], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim()) as { capped: number; after: number };
}

describe('young generation cap', () => {
  it('keeps the semi-space at the cap under churn that grows it without one, and lets it grow once lifted', () => {
    const free = run(0);
    assert.ok(free.capped > 8192, `without a cap the churn grew the semi-space to ${free.capped} KB`);
    const capped = run(8);
    assert.ok(capped.capped > 4096 && capped.capped <= 8192, `capped at 8 MB, the semi-space was ${capped.capped} KB`);
    assert.ok(capped.after > 8192, `after the cap was lifted it grew to ${capped.after} KB`);
  });

  it('rounds the cap down to a power of two', () => {
    const r = run(12);
    assert.ok(r.capped <= 8192, `a cap of 12 MB kept the semi-space at ${r.capped} KB`);
  });
});
