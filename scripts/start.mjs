#!/usr/bin/env node
// `npm start`: the server as compiled JavaScript (dist/, built by `npm ci` through `prepare`). It starts a third
// faster and holds about 40 MB less than the same sources through the tsx loader (`npm run bench -- startup`).
// A checkout whose src/ changed since the last build is built first, so `npm start` never runs stale code;
// `npm run dev` keeps the loader for development.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildServer } from './build-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'main.js');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
if (built < Math.max(newestSource(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs)) {
  console.error('accord: src/ changed since the last build; building dist/ first');
  if (!buildServer(root, () => console.error('accord: the build has type errors (above); running what it emitted'))) process.exit(1);
}
// main.js reads its command from process.argv.slice(2), as when run directly.
process.argv = [process.argv[0], entry, ...process.argv.slice(2)];
await import(pathToFileURL(entry).href);
