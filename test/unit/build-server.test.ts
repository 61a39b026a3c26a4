/**
 * scripts/build-server.mjs, the build step of `npm start` and the benchmarks, run for real (tsc) on a tiny project
 * of its own: it emits; type errors still emit and are reported, and the caller goes on; a build that cannot emit
 * tells the caller to stop.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer } from '../../scripts/build-server.mjs';

const REPO = join(import.meta.dirname, '..', '..');

describe('the shared build step', { timeout: 120_000 }, () => {
  let root = '';

  before(() => {
    root = mkdtempSync(join(os.tmpdir(), 'accord-build-'));
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, outDir: 'dist', rootDir: 'src', types: [] }, include: ['src'] }));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('emits dist/ from src/', () => {
    writeFileSync(join(root, 'src', 'main.ts'), 'export const answer: number = 42;\n');
    let warned = 0;
    assert.equal(buildServer(root, () => warned++), true);
    assert.equal(warned, 0);
    assert.match(readFileSync(join(root, 'dist', 'main.js'), 'utf8'), /answer = 42/);
  });

  it('type errors still emit: the caller is told and goes on', () => {
    writeFileSync(join(root, 'src', 'main.ts'), 'export const answer: number = "forty-two";\n');
    let warned = 0;
    assert.equal(buildServer(root, () => warned++), true);
    assert.equal(warned, 1);
    assert.match(readFileSync(join(root, 'dist', 'main.js'), 'utf8'), /forty-two/);
  });

  it('a build that cannot run says so', () => {
    rmSync(join(root, 'tsconfig.build.json'));
    rmSync(join(root, 'dist'), { recursive: true });
    let warned = 0;
    assert.equal(buildServer(root, () => warned++), false);
    assert.equal(warned, 0);
    assert.equal(existsSync(join(root, 'dist', 'main.js')), false);
  });
});
