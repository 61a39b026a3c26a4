/**
 * web: cold-load time of the web client to the first rendered message, in headless Chromium against
 * `npm start`'s code path (startServer, SQLite in a temp folder): a fresh browser context (empty cache) with a
 * saved token opens /channels/{guild}/{channel}; we time navigation start → the newest message visible.
 * Also reports the built JS bundle size (raw and gzip). Needs /usr/bin/chromium and a built web/dist.
 *   npm run bench -- web [--runs N] [--quick]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CHROMIUM, launchChromium } from '../test/helpers/browser.ts';
import { startTestServer } from '../test/helpers/harness.ts';


function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function main(args: string[]) {
  const runs = Number(args[args.indexOf('--runs') + 1]) || (args.includes('--quick') ? 5 : 20);
  if (!existsSync('web/dist/index.html')) throw new Error('web/dist is missing: run `npm run build:web` first');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const assets = readdirSync('web/dist/assets').filter((f) => f.endsWith('.js'));
  const js = assets.map((f) => readFileSync(path.join('web/dist/assets', f)));
  const bundle = { files: assets.length, bytes: js.reduce((a, b) => a + b.length, 0), gzipBytes: js.reduce((a, b) => a + gzipSync(b).length, 0) };

  const t = await startTestServer();
  const browser = await launchChromium();
  try {
    const user = await t.register('webbench');
    const guild = await t.createGuild(user, 'Bench Guild');
    const channel = guild.system_channel_id as string;
    for (let i = 0; i < 60; i++) await t.request('POST', `/channels/${channel}/messages`, { auth: user, body: { content: `history ${i}` } });
    const last = `newest message ${Date.now()}`;
    await t.request('POST', `/channels/${channel}/messages`, { auth: user, body: { content: last } });

    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      // Runs in the page: the app reads its saved token from localStorage.
      await context.addInitScript((token) => (globalThis as any).localStorage.setItem('accord.token', token), user.token);
      const page = await context.newPage();
      const started = Date.now();
      await page.goto(`${t.url}/channels/${guild.id}/${channel}`);
      await page.locator('.message-content').filter({ hasText: last }).first().waitFor({ timeout: 30_000 });
      samples.push(Date.now() - started);
      await context.close();
    }
    samples.sort((a, b) => a - b);
    const results = { runs, firstMessageMs: { p50: percentile(samples, 50), p90: percentile(samples, 90), min: samples[0], max: samples[samples.length - 1] }, bundle };
    console.log('\nweb client cold load → first message rendered');
    console.table({ 'first message (ms)': results.firstMessageMs, 'JS bundle': { files: bundle.files, kB: (bundle.bytes / 1024).toFixed(1), 'gzip kB': (bundle.gzipBytes / 1024).toFixed(1) } });
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/web-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify({ workload: 'web', parameters: { runs }, machine: { cpus: os.cpus().length, memory: os.totalmem(), node: process.version }, results }, null, 2));
    console.log(JSON.stringify(results));
  } finally {
    await browser.close();
    await t.close();
  }
}
