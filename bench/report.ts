/**
 * Report: the newest result of each benchmark in bench/results/ as one HTML page, with a latency CDF per workload
 * (every latency distribution the run recorded, Accord beside its floor where the workload has one), drawn with
 * Vega-Lite and rendered to SVG here, so the page needs no script and opens from disk.
 *
 *   npm run bench -- report [--out bench/results/report.html] [--png docs/figures/fanout-cdf.png] [--png-workload fanout]
 *
 * `--png` also writes one workload's plot as a PNG (rasterised by sharp), the image the README embeds.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Args, gitCommit, log, RESULTS_DIR, type LatencySummary } from './lib/common.ts';

interface ResultFile {
  file: string;
  workload: string;
  commit?: string;
  parameters: unknown;
  machine: { cpus: number; cpuModel: string; node: string; loadavg: { before: number[]; after: number[] } };
  results: unknown;
}

interface Series {
  label: string;
  latency: LatencySummary;
}

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const out = resolve(a.str('out') ?? join(RESULTS_DIR, 'report.html'));
  const png = a.str('png');
  const pngWorkload = a.str('png-workload') ?? 'fanout';
  const newest = newestPerWorkload();
  if (!newest.length) throw new Error(`no results in ${RESULTS_DIR}: run a benchmark first (npm run bench)`);
  const commit = gitCommit();
  const sections: string[] = [];
  for (const r of newest) {
    if (r.workload === 'targets') {
      sections.unshift(targetsSection(r));
      continue;
    }
    const series = latencySeries(r.results, '');
    const svg = series.some((s) => s.latency.cdf?.length) ? await cdfSvg(r.workload, series) : '';
    if (png && r.workload === pngWorkload) {
      if (!svg) throw new Error(`${r.workload} has no latency distribution to plot (a result from before the CDF was recorded?)`);
      mkdirSync(dirname(resolve(png)), { recursive: true });
      await sharp(Buffer.from(svg), { density: 144 }).flatten({ background: '#ffffff' }).png().toFile(resolve(png));
      log(`plot of ${r.workload}: ${png}`);
    }
    sections.push(section(r, series, svg));
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, page(sections, commit));
  console.log(`report of ${newest.length} workloads (${newest.map((r) => r.workload).join(', ')}): ${out}`);
}

/** The newest file of each workload; file names end in an ISO time, so the last in name order is the newest. */
function newestPerWorkload(): ResultFile[] {
  const byWorkload = new Map<string, string>();
  for (const f of readdirSync(RESULTS_DIR).filter((n) => n.endsWith('.json')).sort()) {
    const workload = f.replace(/-\d{4}-\d\d-\d\dT.*$/, '');
    byWorkload.set(workload, f);
  }
  const files: ResultFile[] = [];
  for (const [workload, f] of [...byWorkload].sort(([x], [y]) => x.localeCompare(y))) {
    try {
      const j = JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as Omit<ResultFile, 'file'>;
      files.push({ ...j, workload: j.workload ?? workload, file: f });
    } catch (err) {
      log(`  skipped ${f}: ${(err as Error).message}`);
    }
  }
  return files;
}

/**
 * Every latency summary in a result, labelled by where it sits: the distinguishing fields of the objects on the
 * way (target, compress, layout, …) and the key that holds it, so "accord none latency" sits beside "floor none latency".
 */
function latencySeries(node: unknown, label: string): Series[] {
  if (!node || typeof node !== 'object') return [];
  const join = (...parts: string[]) => parts.filter(Boolean).join(' ');
  if (Array.isArray(node)) return node.flatMap((v, i) => latencySeries(v, join(label, nameOf(v) || String(i))));
  const o = node as Record<string, unknown>;
  if (typeof o.p99Ms === 'number' && typeof o.p50Ms === 'number') return [{ label: label || 'latency', latency: o as unknown as LatencySummary }];
  // A list of named runs (modes, layouts) is labelled by their names, not by the key that holds the list.
  return Object.entries(o).flatMap(([k, v]) => latencySeries(v, Array.isArray(v) && v.some(nameOf) ? label : join(label, k)));
}

function nameOf(v: unknown): string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return '';
  const o = v as Record<string, unknown>;
  return ['target', 'compress', 'layout', 'backend', 'runtime', 'name', 'file', 'kind']
    .map((k) => (typeof o[k] === 'string' || typeof o[k] === 'number' ? String(o[k]) : ''))
    .filter(Boolean)
    .join(' ');
}

async function cdfSvg(workload: string, series: Series[]): Promise<string> {
  // Accord and its floor in the same run share a colour (the mode); the floor is dashed.
  const values = series.filter((s) => !PLOT_SKIP.some((k) => s.label.endsWith(k))).flatMap((s) => {
    const floor = /\bfloor\b/.test(s.label);
    const mode = s.label.replace(/\b(accord|floor)\b/g, '').replace(/\s+/g, ' ').trim() || 'latency';
    return (s.latency.cdf ?? []).filter(([, ms]) => ms > 0).map(([p, ms]) => ({ series: s.label, mode, target: floor ? 'floor (bare ws)' : 'accord', percentile: p, ms }));
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${workload}: latency distribution`, anchor: 'start' },
    width: 640,
    height: 300,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: { size: 18 } },
    encoding: {
      x: { field: 'ms', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
      y: { field: 'percentile', type: 'quantitative', title: 'percentile', scale: { domain: [0, 100] } },
      color: { field: 'mode', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 3, labelLimit: 400, symbolType: 'stroke', symbolStrokeWidth: 3 } },
      strokeDash: { field: 'target', type: 'nominal', title: null, scale: { domain: ['accord', 'floor (bare ws)'], range: [[1, 0], [5, 3]] }, legend: { orient: 'bottom', symbolType: 'stroke', symbolStrokeWidth: 2, symbolStrokeColor: '#555' } },
      detail: { field: 'series' },
      tooltip: [{ field: 'series' }, { field: 'percentile' }, { field: 'ms' }],
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Latencies kept in the table but not plotted: the REST sender's own request timing, beside the deliveries it causes. */
const PLOT_SKIP = ['restLatency'];

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function section(r: ResultFile, series: Series[], svg: string): string {
  const rows = series.map((s) => `<tr><td>${escape(s.label)}</td><td>${s.latency.count}</td><td>${s.latency.p50Ms}</td><td>${s.latency.p99Ms}</td><td>${s.latency.maxMs}</td></tr>`).join('');
  const load = r.machine?.loadavg ? `load ${r.machine.loadavg.before[0]?.toFixed(1)} before, ${r.machine.loadavg.after[0]?.toFixed(1)} after` : '';
  return `<section><h2>${escape(r.workload)}</h2>
<p class="meta">${escape(r.file)} · ${r.machine?.cpus ?? '?'} cpus ${escape(r.machine?.cpuModel ?? '')} · node ${escape(r.machine?.node ?? '')} · ${load}</p>
${svg ? `<figure>${svg}</figure>` : '<p>No latency distribution in this result.</p>'}
${series.length ? `<table><thead><tr><th>series</th><th>samples</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
<details><summary>parameters</summary><pre>${escape(JSON.stringify(r.parameters, null, 2))}</pre></details>
</section>`;
}

/** `bench targets`' verdicts, first on the page: which targets that run met, with the figures behind each. */
function targetsSection(r: ResultFile): string {
  const { verdicts, allMet } = r.results as { verdicts: Array<Record<'target' | 'workload' | 'accord' | 'floor' | 'ratio', string> & { met: boolean }>; allMet: boolean };
  const rows = verdicts.map((v) => `<tr><td>${escape(v.target)}</td><td>${escape(v.workload)}</td><td>${escape(v.accord)}</td><td>${escape(v.floor)}</td><td>${escape(v.ratio)}</td><td>${v.met ? 'met' : '<b>not met</b>'}</td></tr>`).join('');
  return `<section><h2>Targets</h2>
<p class="meta">${escape(r.file)} · commit ${escape(r.commit ?? '?')} · ${r.machine?.cpus ?? '?'} cpus ${escape(r.machine?.cpuModel ?? '')} · ${allMet ? 'all met' : 'not all met'}</p>
<table><thead><tr><th>target</th><th>workload</th><th>Accord</th><th>floor, same run</th><th>ratio</th><th>met?</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

function page(sections: string[], commit: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Accord benchmarks</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 980px; color: #1e1f22; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
.meta { color: #5c5e66; } table { border-collapse: collapse; margin: .5rem 0; }
td, th { border: 1px solid #ddd; padding: .2rem .6rem; text-align: right; } td:first-child, th:first-child { text-align: left; }
figure { margin: 0; } pre { background: #f6f6f7; padding: .5rem; overflow: auto; }
</style></head><body>
<h1>Accord benchmarks</h1>
<p class="meta">The newest result of each workload in bench/results/, commit ${escape(commit)}, rendered ${new Date().toISOString()}.
Latency CDFs: the share of deliveries (or requests) at or under each latency; dashed lines are floors.</p>
${sections.join('\n')}
</body></html>
`;
}
