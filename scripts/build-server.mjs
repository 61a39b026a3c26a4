// Compiling src/ into dist/ (tsconfig.build.json), shared by `npm start` (scripts/start.mjs, when src/ changed
// since the last build) and the benchmarks (bench/run.ts, before every run that starts a server).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs tsc on tsconfig.build.json. True when it emitted: with type errors (tsc's exit 2) the output is still
 * written, which is what the loader would run too, so onTypeErrors is told and the caller goes on.
 */
export function buildServer(root, onTypeErrors) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (tsc.status === 2) {
    onTypeErrors();
    return true;
  }
  return tsc.status === 0;
}
