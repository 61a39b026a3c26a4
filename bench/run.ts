/**
 * Benchmark runner: `node --import tsx bench/run.ts <name> [args]` imports ./<name>.ts and calls its exported
 * main(args). With no name it runs the quick set.
 */
const QUICK_SET: Array<[name: string, args: string[]]> = [
  ['store', ['--quick']],
  ['fanout', ['--quick']],
  ['connect', ['--quick']],
  ['send', ['--quick']],
  ['ready', ['--quick']],
  ['resume', ['--quick']],
  ['search', ['--quick']],
];

async function runOne(name: string, args: string[]): Promise<void> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad benchmark name ${JSON.stringify(name)}`);
  const mod = (await import(`./${name}.ts`)) as { main?: (args: string[]) => Promise<void> };
  if (typeof mod.main !== 'function') throw new Error(`bench/${name}.ts exports no main(args)`);
  await mod.main(args);
}

const [name, ...args] = process.argv.slice(2);
try {
  if (name) await runOne(name, args);
  else for (const [n, a] of QUICK_SET) await runOne(n, a);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
}
