/**
 * Targets: runs the workload of every performance target in docs/performance.md in one go, on one commit, and
 * says which targets are met, from the figures of this run only (a floor, where the target has one, runs in the
 * same workload right after Accord).
 *
 *   npm run bench -- targets [--only ceiling,fanout-24k,connect-10k,identify-rate,ready-100,send,large-guild,resume]
 *
 * Each workload writes its own results file as when run alone; this one writes bench/results/targets-<time>.json
 * with every verdict, the figures behind it and the files they came from. The exit code is 1 when a target is not
 * met or a workload lost or duplicated a delivery, so a script can tell.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Args, gitCommit, log, resultsWritten, round, table, writeResults } from './lib/common.ts';
import type { ModeResult } from './fanout.ts';

interface Latency { p50Ms: number; p99Ms: number; maxMs: number }

/** One workload: the benchmark and its arguments, as a reader would type them after `npm run bench --`. */
interface Workload {
  id: string;
  bench: string;
  args: string[];
}

const WORKLOADS: Workload[] = [
  { id: 'ceiling', bench: 'fanout', args: ['--sessions', '200', '--rate', '0', '--in-flight', '8', '--messages', '3000'] },
  { id: 'fanout-24k', bench: 'fanout', args: ['--sessions', '1000', '--rate', '24', '--messages', '1000'] },
  { id: 'connect-10k', bench: 'connect', args: [] },
  { id: 'identify-rate', bench: 'connect', args: ['--sessions', '3000', '--rate', '1500'] },
  { id: 'ready-100', bench: 'connect', args: ['--sessions', '1000', '--rate', '100'] },
  { id: 'send', bench: 'send', args: [] },
  { id: 'large-guild', bench: 'large-guild', args: ['--rate', '120'] },
  { id: 'resume', bench: 'resume', args: [] },
];

interface Verdict {
  target: string;
  workload: string;
  accord: string;
  floor: string;
  ratio: string;
  met: boolean;
}

interface ResultFile { results: Record<string, unknown> }

const ms = (l: Latency) => `p50 ${l.p50Ms} / p99 ${l.p99Ms} / max ${l.maxMs} ms`;
const x = (n: number) => `${round(n, 2)}×`;

function fanoutModes(r: ResultFile): { accord: ModeResult; floor: ModeResult } {
  const modes = r.results.modes as ModeResult[];
  const accord = modes.find((m) => m.target === 'accord' && m.compress === 'none');
  const floor = modes.find((m) => m.target === 'floor' && m.compress === 'none');
  if (!accord || !floor) throw new Error('a fanout result without both an accord and a floor run');
  return { accord, floor };
}

/** The verdicts one workload's results give. */
function judge(id: string, r: ResultFile): Verdict[] {
  const res = r.results as Record<string, any>;
  switch (id) {
    case 'ceiling': {
      const { accord, floor } = fanoutModes(r);
      const ratio = accord.deliveriesPerSecond / floor.deliveriesPerSecond;
      return [
        { target: 'back-to-back deliveries/s ≥ 0.5 × the floor\'s', workload: id, accord: `${accord.deliveriesPerSecond}/s, ${ms(accord.latency)}`, floor: `${floor.deliveriesPerSecond}/s, ${ms(floor.latency)}`, ratio: x(ratio), met: ratio >= 0.5 },
        cpuVerdict(id, accord, floor),
      ];
    }
    case 'fanout-24k': {
      const { accord, floor } = fanoutModes(r);
      const p99 = accord.latency.p99Ms / floor.latency.p99Ms;
      const rss = accord.serverPeakRssMb / floor.serverPeakRssMb;
      return [
        { target: 'p99 at 1,000 sessions and 24k deliveries/s ≤ 2 × floor', workload: id, accord: `${accord.deliveriesPerSecond}/s, ${ms(accord.latency)}`, floor: ms(floor.latency), ratio: x(p99), met: p99 <= 2 },
        cpuVerdict(id, accord, floor),
        { target: 'peak RSS at 1,000 sessions ≤ 1.5 × floor', workload: id, accord: `${accord.serverPeakRssMb} MB`, floor: `${floor.serverPeakRssMb} MB`, ratio: x(rss), met: rss <= 1.5 },
      ];
    }
    case 'connect-10k':
      return [{
        target: 'RSS per identified session ≤ 20 KB, at 10,000', workload: id, accord: `${res.rssPerSessionKb} KB (${res.complete}/${res.sessions} ready)`, floor: '-', ratio: '-',
        met: res.rssPerSessionKb <= 20 && res.complete === res.sessions && res.sessions >= 10_000,
      }];
    case 'identify-rate':
      return [{
        target: 'identify ≥ 1,000/s sustained', workload: id, accord: `${res.identifiesPerSecond}/s at ${res.offeredPerSecond}/s offered, ${res.serverCpuMsPerIdentify} CPU ms each`, floor: '-', ratio: '-',
        met: res.identifiesPerSecond >= 1000 && res.complete === res.sessions,
      }];
    case 'ready-100': {
      const floor = res.floor as { readyLatency: Latency } | undefined;
      return [{
        target: 'identify at 100/s, READY p99 ≤ 10 ms', workload: id, accord: ms(res.readyLatency), floor: floor ? ms(floor.readyLatency) : '-', ratio: floor ? x(res.readyLatency.p99Ms / floor.readyLatency.p99Ms) : '-',
        met: res.readyLatency.p99Ms <= 10 && res.complete === res.sessions,
      }];
    }
    case 'send':
      return [{
        target: 'message create ≥ 5,000 msg/s, p99 ≤ 50 ms on SQLite', workload: id, accord: `${res.messagesPerSecond} msg/s, ${ms(res.latency)}, ${res.errors} errors, ${res.serverCpuMsPerMessage} CPU ms each`, floor: '-', ratio: '-',
        met: res.messagesPerSecond >= 5000 && res.latency.p99Ms <= 50 && res.errors === 0,
      }];
    case 'large-guild': {
      const i = res.identify;
      const f = res.fanout;
      return [{
        target: '100,000 members, 10,000 sessions: every session ready, every message delivered once', workload: id,
        accord: `READY p99 ${i.readyLatency.p99Ms} ms, GUILD_CREATE ${i.guildCreateBytes.median} B p99 ${i.guildCreateLatency.p99Ms} ms, ${i.rssPerSessionKb} KB/session; one message to all: p99 ${f.messageP99MedianMs} ms`,
        floor: '-', ratio: '-', met: i.complete === i.sessions && f.missed === 0 && f.duplicated === 0,
      }];
    }
    case 'resume':
      return [{
        target: '1,000 sessions cut for 5 s while messages flow: every one resumes, nothing lost or repeated', workload: id,
        accord: `${res.resumed}/${res.attempted} resumed, replay ${ms(res.replayLatency)}, ${res.eventsLost} lost, ${res.duplicated} duplicated`,
        floor: '-', ratio: '-', met: res.attempted === res.sessions && res.resumed === res.attempted,
      }];
    default:
      throw new Error(`no verdict for ${id}`);
  }
}

function cpuVerdict(id: string, accord: ModeResult, floor: ModeResult): Verdict {
  const ratio = accord.serverCpuPer1000Deliveries / floor.serverCpuPer1000Deliveries;
  return { target: 'server CPU per 1,000 deliveries ≤ 2 × floor', workload: id, accord: `${accord.serverCpuPer1000Deliveries} s`, floor: `${floor.serverCpuPer1000Deliveries} s`, ratio: x(ratio), met: ratio <= 2 };
}

/** Deliveries lost or duplicated in a workload that counts them (fan-out runs, Accord and floor alike). */
function deliveryFaults(bench: string, r: ResultFile): { missed: number; duplicated: number } | null {
  if (bench === 'fanout') {
    const modes = r.results.modes as ModeResult[];
    return modes.reduce((a, m) => ({ missed: a.missed + m.missed, duplicated: a.duplicated + m.duplicated }), { missed: 0, duplicated: 0 });
  }
  if (bench === 'resume') return { missed: r.results.eventsLost as number, duplicated: r.results.duplicated as number };
  if (bench === 'large-guild') {
    const f = r.results.fanout as { missed: number; duplicated: number };
    return { missed: f.missed, duplicated: f.duplicated };
  }
  return null;
}

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const only = a.str('only')?.split(',').filter(Boolean);
  const unknown = only?.filter((id) => !WORKLOADS.some((w) => w.id === id));
  if (unknown?.length) throw new Error(`unknown workload ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
  const chosen = WORKLOADS.filter((w) => !only || only.includes(w.id));
  const loadBefore = os.loadavg();
  const commit = gitCommit();
  const verdicts: Verdict[] = [];
  const runs: Array<{ id: string; command: string; file: string; missed: number | null; duplicated: number | null }> = [];
  for (const w of chosen) {
    const command = `npm run bench -- ${[w.bench, ...w.args].join(' ')}`;
    log(`\n=== ${w.id}: ${command}`);
    const before = resultsWritten.length;
    const mod = (await import(`./${w.bench}.ts`)) as { main: (args: string[]) => Promise<void> };
    await mod.main(w.args);
    const file = resultsWritten[before];
    if (!file) throw new Error(`${w.bench} wrote no results`);
    const r = JSON.parse(readFileSync(file, 'utf8')) as ResultFile;
    verdicts.push(...judge(w.id, r));
    const faults = deliveryFaults(w.bench, r);
    runs.push({ id: w.id, command, file, missed: faults?.missed ?? null, duplicated: faults?.duplicated ?? null });
  }
  const faulty = runs.filter((r) => r.missed || r.duplicated);
  console.log(`\nTargets at ${commit}, ${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`);
  console.log(table([
    ['target', 'workload', 'Accord', 'floor, same run', 'ratio', 'met?'],
    ...verdicts.map((v) => [v.target, v.workload, v.accord, v.floor, v.ratio, v.met ? 'met' : 'NOT MET']),
  ]));
  const counted = runs.filter((r) => r.missed !== null);
  console.log(`deliveries lost / duplicated: ${counted.map((r) => `${r.id} ${r.missed} / ${r.duplicated}`).join(', ') || 'no workload counted them'}`);
  const unmet = verdicts.filter((v) => !v.met);
  console.log(unmet.length || faulty.length ? `${unmet.length} of ${verdicts.length} targets not met; ${faulty.length} workloads lost or duplicated deliveries` : `all ${verdicts.length} targets met`);
  writeResults('targets', { workloads: chosen, commit }, loadBefore, { verdicts, runs, allMet: !unmet.length && !faulty.length });
  if (unmet.length || faulty.length) process.exitCode = 1;
}
