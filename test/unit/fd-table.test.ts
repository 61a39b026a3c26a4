/**
 * ACCORD_FD_TABLE (src/lib/fd-table.ts): at start the process's descriptor table is grown to hold the given number
 * of descriptors, and every descriptor opened for it is closed again. Each case runs in a fresh process, whose table
 * is still small, and reads the table's size from the kernel (FDSize in /proc/self/status).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const probe = `
import { readdirSync, readFileSync } from 'node:fs';
import { reserveFdTable } from './src/lib/fd-table.ts';
const fdSize = () => Number(/FDSize:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const open = () => readdirSync('/proc/self/fd').length;
const before = { size: fdSize(), open: open() };
const result = reserveFdTable(Number(process.argv[1]));
console.log(JSON.stringify({ before, after: { size: fdSize(), open: open() }, highest: result.highest }));
`;

type Probe = { before: { size: number; open: number }; after: { size: number; open: number }; highest: number };

/** `openFiles`: the process's open-files limit, set by the shell that starts it. */
function run(size: number, openFiles?: number): Probe {
  const args = ['--import', 'tsx', '--input-type=module', '-e', probe, String(size)];
  if (openFiles === undefined) return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }));
  return JSON.parse(execFileSync('sh', ['-c', `ulimit -n ${openFiles} && exec "$0" "$@"`, process.execPath, ...args], { cwd: root, encoding: 'utf8' }));
}

describe('the descriptor table grown at start', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  it('holds the descriptors asked for, and none of those opened for it stays open', () => {
    const r = run(3000);
    assert.ok(r.before.size < 3000, `a fresh process's table is small (${r.before.size})`);
    assert.ok(r.after.size >= 3000, `the table holds ${r.after.size} after reserving 3000`);
    assert.equal(r.highest, 2999);
    assert.equal(r.after.open, r.before.open);
  });

  it('stops at the open-files limit, and still leaves nothing open', () => {
    const r = run(3000, 512);
    assert.equal(r.highest, 511);
    assert.equal(r.after.open, r.before.open);
  });

  it('0 leaves the table as it is', () => {
    const r = run(0);
    assert.equal(r.highest, -1);
    assert.equal(r.after.size, r.before.size);
  });
});
