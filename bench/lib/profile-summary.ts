/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function (aggregated by name + file +
 * line over every node with that call frame) and per file, as a share of the non-idle samples.
 *
 *   node --import tsx bench/lib/profile-summary.ts <file.cpuprofile> [top]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, REPO, table, type ServerProcess } from './common.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  function: string;
  location: string;
  selfMs: number;
  samples: number;
  pct: number;
}
export interface ProfileSummary {
  file: string;
  durationMs: number;
  busyMs: number;
  idleMs: number;
  gcMs: number;
  top: ProfileRow[];
  byFile: Array<{ location: string; selfMs: number; pct: number }>;
}

function where(url: string): string {
  if (!url) return '';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      /* keep the URL */
    }
  }
  if (path.startsWith(REPO)) return relative(REPO, path);
  return path;
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const hits = new Map<number, number>();
  // timeDeltas[i] is the time between sample i-1 and sample i; charge it to sample i.
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, prof.timeDeltas[i] ?? 0));
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  const fns = new Map<string, ProfileRow>();
  const files = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    if (cf.functionName === '(garbage collector)') gc += us;
    const loc = where(cf.url);
    const key = `${cf.functionName}|${cf.url}|${cf.lineNumber}`;
    const row = fns.get(key) ?? { function: cf.functionName || '(anonymous)', location: loc ? `${loc}:${cf.lineNumber + 1}` : '', selfMs: 0, samples: 0, pct: 0 };
    row.selfMs += us / 1000;
    row.samples += hits.get(id) ?? 0;
    fns.set(key, row);
    const fileKey = loc || cf.functionName;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us / 1000);
  }
  const busyMs = (total - idle) / 1000;
  const rows = [...fns.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const r of rows) {
    r.pct = Number(((100 * r.selfMs) / busyMs).toFixed(1));
    r.selfMs = Number(r.selfMs.toFixed(1));
  }
  const byFile = [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([location, ms]) => ({ location, selfMs: Number(ms.toFixed(1)), pct: Number(((100 * ms) / busyMs).toFixed(1)) }));
  return { file, durationMs: (prof.endTime - prof.startTime) / 1000, busyMs: Number(busyMs.toFixed(1)), idleMs: Number((idle / 1000).toFixed(1)), gcMs: Number((gc / 1000).toFixed(1)), top: rows, byFile };
}

export function formatProfile(s: ProfileSummary, top = 25): string {
  const head = `profile ${s.file}\n  busy ${(s.busyMs / 1000).toFixed(1)} s of ${(s.durationMs / 1000).toFixed(1)} s, GC ${(s.gcMs / 1000).toFixed(1)} s`;
  const fnTable = table([['self ms', '%', 'samples', 'function', 'location'], ...s.top.slice(0, top).map((r) => [r.selfMs, r.pct, String(r.samples), r.function, r.location])]);
  const fileTable = table([['self ms', '%', 'file'], ...s.byFile.slice(0, 15).map((r) => [r.selfMs, r.pct, r.location])]);
  return `${head}\n\ntop functions by self time\n${fnTable}\n\ntop files by self time\n${fileTable}`;
}

/** Stops a server started with `profile: true` and prints the summary of the profile it wrote on exit (SIGINT). */
export async function stopWithProfile(server: ServerProcess): Promise<ProfileSummary | undefined> {
  await server.stop();
  if (!server.profileDir) return undefined;
  const files = readdirSync(server.profileDir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) {
    log(`  no .cpuprofile in ${server.profileDir} (did the server exit on SIGINT?)`);
    return undefined;
  }
  const summary = summarizeProfile(join(server.profileDir, files[0]!), 30);
  console.log(formatProfile(summary, 25));
  return summary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --import tsx bench/lib/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatProfile(summarizeProfile(file, Number(top ?? 25)), Number(top ?? 25)));
}
