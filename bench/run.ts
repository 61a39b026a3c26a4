/**
 * Benchmark runner: `node --import tsx bench/run.ts <name> [args]` imports ./<name>.ts and calls its exported
 * main(args). With no name it runs the quick set. Servers run as `npm start` runs them, from dist/, built here
 * first so a benchmark never measures stale output; `--runtime tsx` runs them from the sources instead.
 */
import { buildServer } from '../scripts/build-server.mjs';
import { Args, REPO, setDefaultRuntime } from './lib/common.ts';

const QUICK_SET: Array<[name: string, args: string[]]> = [
  ['store', ['--quick']],
  ['fanout', ['--quick']],
  ['connect', ['--quick']],
  ['send', ['--quick']],
  ['ready', ['--quick']],
  ['large-guild', ['--quick']],
  ['resume', ['--quick']],
  ['search', ['--quick']],
];

/** Benchmarks that start no server, so nothing to build. */
const IN_PROCESS = new Set(['report', 'replay']);

async function runOne(name: string, args: string[]): Promise<void> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad benchmark name ${JSON.stringify(name)}`);
  const mod = (await import(`./${name}.ts`)) as { main?: (args: string[]) => Promise<void> };
  if (typeof mod.main !== 'function') throw new Error(`bench/${name}.ts exports no main(args)`);
  await mod.main(args);
}

const [name, ...args] = process.argv.slice(2);
try {
  const runtime = new Args(args).choice('runtime', ['compiled', 'tsx'] as const, 'compiled');
  setDefaultRuntime(runtime);
  if (runtime === 'compiled' && !IN_PROCESS.has(name ?? '')) {
    if (!buildServer(REPO, () => console.error('bench: the build has type errors (above); measuring what it emitted'))) throw new Error('npm run build failed');
  }
  if (name) await runOne(name, args);
  else for (const [n, a] of QUICK_SET) await runOne(n, a);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
}
