/**
 * Grows the process's file-descriptor table once, at start, to hold `size` descriptors (ACCORD_FD_TABLE).
 *
 * Linux grows a process's descriptor table by doubling (256, 512, 1,024 … entries). In a process with more than one
 * thread, as every Node process is, each growth waits for an RCU grace period, and every open, accept, socket or
 * connect of the process waits behind it. On a 2-vCPU VM that was 7–14 ms per growth: a gateway node stalled every
 * handshake in flight as it accepted its 256th, 512th and 1,024th socket, and those stalls were most of READY's
 * p99 in an identify storm (docs/performance.md, "The descriptor table"). Opening /dev/null until the table holds
 * `size` entries, then closing them all, pays those waits once, before the listener opens; a table never shrinks.
 * Memory: 8 bytes per entry (128 KB for 16,384).
 */
import { closeSync, openSync, readFileSync } from 'node:fs';

/** The soft RLIMIT_NOFILE (Node raises it to the hard limit at start), or Infinity when it cannot be read. */
function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft) || Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Makes the table hold at least `size` descriptors (at most the open-files limit). Returns the highest descriptor
 * it opened (-1 when it did nothing: `size` 0, not Linux, or the table is already that large) and the time it took.
 */
export function reserveFdTable(size: number): { highest: number; ms: number } {
  const started = performance.now();
  if (!(size > 0) || process.platform !== 'linux') return { highest: -1, ms: 0 };
  const last = Math.min(size, openFilesLimit()) - 1;
  const opened: number[] = [];
  let highest = -1;
  try {
    while (highest < last) {
      highest = openSync('/dev/null', 'r');
      opened.push(highest);
    }
  } catch {
    // EMFILE (other descriptors are open under the limit) or no /dev/null: the table is as large as it can be made.
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  return { highest, ms: Math.round(performance.now() - started) };
}
