/**
 * An event-loop stall recorder to preload into a benchmark's processes (plain JavaScript, so the compiled server
 * can load it too):
 *
 *   BENCH_SERVER_NODE_FLAGS="--import ./bench/lib/loop-monitor.mjs" BENCH_WORKER_FLAGS="--import ./bench/lib/loop-monitor.mjs" \
 *     npm run bench -- connect --sessions 1000 --rate 100
 *
 * A 1 ms interval notes every gap over 3 ms (wall-clock start, length, and the start in µs of the monotonic clock
 * that V8's CPU profiles use), and every garbage collection (start, length, kind: 1 minor, 4 major, 8 incremental).
 * On exit it writes `loop-<pid>.json` ({gaps, gcs}) to LOOP_MONITOR_DIR (default the system's temporary folder).
 * Gaps seen at the same moment in the server and in both load workers are the machine's; gaps in one process alone,
 * with no collection beside them, are that process's own work (docs/performance.md, "The descriptor table").
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const gaps = [];
const gcs = [];
let last = performance.now();
let lastMicros = process.hrtime.bigint() / 1000n;
setInterval(() => {
  const now = performance.now();
  const micros = process.hrtime.bigint() / 1000n;
  if (now - last > 3) gaps.push([Math.round(performance.timeOrigin + last), Number((now - last).toFixed(2)), Number(lastMicros)]);
  last = now;
  lastMicros = micros;
}, 1).unref();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([Math.round(performance.timeOrigin + e.startTime), Number(e.duration.toFixed(2)), e.detail?.kind]);
}).observe({ entryTypes: ['gc'] });

let written = false;
function write() {
  if (written) return;
  written = true;
  writeFileSync(join(process.env.LOOP_MONITOR_DIR ?? os.tmpdir(), `loop-${process.pid}.json`), JSON.stringify({ gaps, gcs }));
}
process.on('exit', write);
// A forked load worker is ended by a disconnect or SIGTERM, neither of which runs 'exit' handlers by itself.
process.on('disconnect', write);
if (process.send) {
  process.on('SIGTERM', () => {
    write();
    process.exit(0);
  });
}
