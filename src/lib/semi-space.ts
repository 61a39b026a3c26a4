/**
 * The largest V8's young generation may grow to (ACCORD_SEMI_SPACE_MB): each of its two semi-spaces stops at this
 * size instead of V8's 16 MB. V8 grows the young generation, by doubling, once enough objects survived its
 * scavenges, and under any load a server reaches the maximum: 32 MB of RSS, most of it garbage between scavenges.
 * With 8 MB, `fanout --sessions 1000` peaked 13–16 MB lower, at about 6% of message create's rate
 * (docs/performance.md, 2026-12-06).
 *
 * `--max-semi-space-size` is read only when the heap is set up, so it would have to be on every command line that
 * starts the server. V8 reads `--semi-space-growth-factor` each time it grows the space, so the cap is kept at run
 * time instead: after each collection, the factor is 1 while the semi-space is at the cap and 2 below it (V8 shrinks
 * the space when the process idles, and it must grow back). Growing needs the survivors of several scavenges since
 * the last growth, so the check after each collection sees the cap reached before the next growth.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * The semi-space's capacity now, in bytes: what the space holds plus what it has left, a little under the size it
 * was given (the pages' headers do not count). Not `space_size`, which counts the other semi-space only while V8
 * keeps it committed.
 */
export function semiSpaceBytes(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space ? space.space_used_size + space.space_available_size : 0;
}

/**
 * Keeps each semi-space at most `mb` MB, rounded down to a power of two (V8 grows it by doubling); 0 leaves V8's
 * own maximum. A cap below what V8 already gave the space at start (4 MB here) keeps it there. Returns a function
 * that stops keeping it.
 */
export function capSemiSpace(mb: number): () => void {
  if (!(mb >= 1)) return () => {};
  const cap = 2 ** Math.floor(Math.log2(mb)) * 1024 * 1024;
  let factor = 2;
  const check = () => {
    // Sizes are powers of two and the capacity is a little under its size: above half the cap means at the cap.
    const wanted = semiSpaceBytes() > cap / 2 ? 1 : 2;
    if (wanted === factor) return;
    setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
    factor = wanted;
  };
  const observer = new PerformanceObserver(check);
  observer.observe({ entryTypes: ['gc'] });
  check();
  return () => {
    observer.disconnect();
    if (factor !== 2) setFlagsFromString('--semi-space-growth-factor=2');
  };
}
