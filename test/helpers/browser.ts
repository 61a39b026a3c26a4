/**
 * What the browser tests and bench/web.ts share: Debian's Chromium through playwright-core, a web/dist that is
 * rebuilt when stale, and a polling wait for assertions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WEB = path.join(REPO, 'web');
const DIST_INDEX = path.join(WEB, 'dist', 'index.html');
/** The client bundles these server sources too (src/protocol/permissions.ts). */
const WEB_SOURCES = [WEB, path.join(REPO, 'src', 'protocol')];
const inCI = process.env.CI === 'true' || process.env.CI === '1';
export const TIMEOUT = 10_000;

/** Skip reason when Chromium is missing outside CI; under CI=true the launch fails instead, failing the suite. */
export function browserSkipReason(): string | false {
  if (existsSync(CHROMIUM) || inCI) return false;
  const reason = `chromium not found at ${CHROMIUM}: browser tests skipped (apt-get install chromium; CI=true makes this a failure)`;
  console.log(`# ${reason}`);
  return reason;
}

/** Newest modification time under a folder, to rebuild web/dist only when it is stale. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name === 'node_modules') continue;
    const p = path.join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

export function ensureWebBuilt(): void {
  if (existsSync(DIST_INDEX) && statSync(DIST_INDEX).mtimeMs >= Math.max(...WEB_SOURCES.map(newestMtime))) return;
  const res = spawnSync('npm', ['run', 'build:web'], { cwd: REPO, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`npm run build:web failed:\n${res.stdout}\n${res.stderr}`);
}

/** Headless Chromium with the flags this machine's closed network needs (no background connections). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page logged in as `user` (the token saved where the web client keeps it, before any script runs), in a browser
 * context of its own with the tests' timeout, page errors printed under the user's name; opened at `url` if given.
 */
export async function openAs(browser: Browser, user: { token: string; username: string }, url?: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(TIMEOUT);
  await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), user.token);
  const page = await context.newPage();
  page.on('pageerror', (err) => console.log(`# [${user.username}] page error: ${err.message}`));
  if (url) await page.goto(url);
  return page;
}

/** Retries an assertion until it passes or the timeout elapses (the polling `expect` of Playwright Test). */
export async function eventually<T>(fn: () => Promise<T>, what: string, timeoutMs = TIMEOUT): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    try {
      return await fn();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
