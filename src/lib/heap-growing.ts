/**
 * How far the JavaScript heap may grow past what the last full collection kept before V8 collects again
 * (ACCORD_HEAP_GROWING_PERCENT). Left to itself, V8 picks a factor between 1.1 and 4 from how cheap its last
 * collections were; a server whose collections are cheap gets the largest, and an identify storm, which leaves
 * short-lived objects in the old generation, then grows the heap to four times what is live before collecting.
 * A fixed factor of 2 held 18 instead of 27 KB of RSS per session over 10,000 identifies at the same CPU
 * (docs/performance.md). V8 reads the flag each time it sets the next limit, so it may be set after start.
 */
import { setFlagsFromString } from 'node:v8';

/** Sets the growing factor to 1 + percent/100; 0 leaves V8's own choice. */
export function setHeapGrowingPercent(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.floor(percent)}`);
}
