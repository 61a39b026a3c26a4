/**
 * Replay: the memory and push cost of full resume deques, in this process (no server): S sessions' deques
 * (src/sessions/replay.ts) each take the same E shared events, as a fan-out fills them.
 *
 *   npm run bench -- replay [--sessions 1000] [--events 2000]
 *
 * Memory is V8 heap plus array buffers after a forced GC (run with --expose-gc, which bench/run.ts's
 * node does not pass: the figure is then after a best-effort settle and says so).
 */
import os from 'node:os';
import { EncodedDispatch } from '../src/sessions/codec.ts';
import { ReplayBuffer } from '../src/sessions/replay.ts';
import { Args, log, round, table, writeResults } from './lib/common.ts';

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const p = { sessions: a.int('sessions', 1000, 1, 100_000), events: a.int('events', 2000, 1, 1_000_000) };
  const loadBefore = os.loadavg();
  const gc = (globalThis as { gc?: () => void }).gc;
  const used = () => {
    gc?.();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  log(`replay bench: ${p.sessions} deques × ${p.events} events${gc ? '' : ' (no --expose-gc: memory without a forced GC)'}`);
  const events = Array.from({ length: p.events }, (_, i) => new EncodedDispatch('MESSAGE_CREATE', JSON.stringify({ i })));
  const before = used();
  const deques = Array.from({ length: p.sessions }, () => new ReplayBuffer(p.events, 1 << 30));
  const t0 = performance.now();
  for (let i = 0; i < p.events; i++) for (const d of deques) d.push(i + 1, events[i]!);
  const pushNs = ((performance.now() - t0) * 1e6) / (p.events * p.sessions);
  const perSession = (used() - before) / p.sessions;
  const results = { bytesPerSession: Math.round(perSession), bytesPerEntry: round(perSession / p.events, 1), pushNs: round(pushNs, 0), forcedGc: Boolean(gc), deques: deques.length };
  console.log(table([['sessions', 'events each', 'KB per session', 'bytes per entry', 'ns per push'], [p.sessions, p.events, round(perSession / 1024, 1), results.bytesPerEntry, results.pushNs]]));
  writeResults('replay', p, loadBefore, results);
}
