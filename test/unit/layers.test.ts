/**
 * The import rules of docs/architecture.md, read from the source: floors import only lower floors, roles import
 * floors and never each other, and only the process (the files directly in src/) wires roles together. Roles
 * call the bus only through the typed helpers of src/contracts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ALL_ROLES } from '../../src/config/roles.ts';
import { loadRoleStart, ROLE_DEFINITIONS } from '../../src/roles.ts';

const SRC = path.resolve('src');

/** Each floor and what it may import, lowest first. */
const FLOORS: Record<string, string[]> = {
  protocol: [],
  config: ['protocol'],
  store: ['protocol'],
  lib: ['protocol', 'store'],
  bus: ['protocol', 'lib'],
  contracts: ['protocol', 'config', 'store', 'bus', 'lib', 'blobs'],
  shapes: ['protocol', 'store'],
  blobs: ['protocol', 'lib'],
  media: ['protocol', 'lib', 'blobs'],
};
const ROLES: string[] = [...ALL_ROLES];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') || p.endsWith('.tsx') ? [p] : [];
  });
}

/** The floor, role or process file a path belongs to. */
function unitOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? 'process' : rel[0]!;
}

function importsOf(file: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) out.push({ target: path.resolve(path.dirname(file), m[1]!), line: i + 1 });
  });
  return out;
}

/** Whether `from` may import `to` (process files may import anything). */
function allowed(from: string, to: string): boolean {
  if (from === to || from === 'process') return true;
  const may = FLOORS[from] ?? (ROLES.includes(from) ? Object.keys(FLOORS) : []);
  return may.includes(to);
}

/** Every import that breaks the rules, as `file:line unit -> unit`. */
function layerViolations(files: string[]): string[] {
  const bad: string[] = [];
  for (const file of files) {
    const from = unitOf(file);
    for (const { target, line } of importsOf(file)) {
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = unitOf(target);
      if (!allowed(from, to)) bad.push(`${path.relative(SRC, file)}:${line} ${from} -> ${to}`);
    }
  }
  return bad;
}

describe('layers', () => {
  const files = walk(SRC);

  it('every folder in src/ is a known floor or role', () => {
    const units = new Set(files.map(unitOf));
    for (const u of units) assert.ok(u === 'process' || u in FLOORS || ROLES.includes(u), `unknown folder src/${u}: add it to FLOORS or ROLES here and to docs/architecture.md`);
  });

  it('every catalogued role has its folder, whose index.ts exports start', async () => {
    assert.deepEqual(ROLE_DEFINITIONS.map((r) => r.name), ROLES);
    for (const role of ALL_ROLES) assert.equal(typeof (await loadRoleStart(role)), 'function', role);
    await assert.rejects(loadRoleStart('no-such-role' as never));
  });

  it('no floor imports a higher floor or a role, and no role imports another role', () => {
    assert.deepEqual(layerViolations(files), []);
  });

  it('the rule refuses a role importing a role, a floor importing a role, a floor importing a higher floor', () => {
    for (const [from, to] of [['guild', 'presence'], ['sessions', 'api'], ['bus', 'guild'], ['store', 'contracts'], ['protocol', 'lib'], ['contracts', 'shapes'], ['shapes', 'api']]) {
      assert.equal(allowed(from!, to!), false, `${from} -> ${to} must be refused`);
    }
    for (const [from, to] of [['api', 'shapes'], ['sessions', 'contracts'], ['contracts', 'bus'], ['process', 'api']]) assert.equal(allowed(from!, to!), true, `${from} -> ${to}`);
  });

  it('roles call the bus only through the typed helpers (no bus.publish / subscribe / request / serve / enqueue / consume)', () => {
    const raw: string[] = [];
    for (const file of files) {
      if (!ROLES.includes(unitOf(file))) continue;
      readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
        if (/\bbus\s*\.\s*(publish|subscribe|request|serve|enqueue|consume)\s*[<(]/.test(text)) raw.push(`${path.relative(SRC, file)}:${i + 1}`);
      });
    }
    assert.deepEqual(raw, []);
  });

  it('the web client imports only src/protocol', () => {
    const bad: string[] = [];
    for (const file of walk(path.resolve('web/src'))) {
      for (const { target, line } of importsOf(file)) {
        if (target.startsWith(SRC + path.sep) && unitOf(target) !== 'protocol') bad.push(`${path.relative('.', file)}:${line}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
