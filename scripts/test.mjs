#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner (TypeScript through tsx).
// Usage: npm test [-- <path filter> ...]   e.g. `npm test -- contract` runs only files whose path contains "contract".
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, ACCORD_LOG_LEVEL: process.env.ACCORD_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
