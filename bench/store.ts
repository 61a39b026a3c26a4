/**
 * Store benchmark: message history at scale.
 *
 *   node --import tsx bench/run.ts store [--messages N | --quick] [--backend sqlite|postgres|both]
 *                                        [--inserts N] [--samples N]
 *
 * Fills one channel with N messages (default 1,000,000; --quick 100,000) spread evenly over one year, in batched
 * transactions (fill rate reported), then measures single-message inserts (each its own messages.create, i.e. its
 * own transaction) and the latency of a 50-message page with `before` at random depths. SQLite runs in a temp
 * folder; PostgreSQL in a fresh schema on ACCORD_TEST_DATABASE_URL (or the local default), skipped with a line
 * when unreachable. Prints a table and writes bench/results/store-<timestamp>.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DISCORD_EPOCH } from '../src/protocol/snowflake.ts';
import { openPostgresStore } from '../src/store/postgres/index.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import type { SqlStore } from '../src/store/sql/store.ts';
import { ChannelType, type MessageRecord } from '../src/store/types.ts';

const DATABASE_URL = process.env.ACCORD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const YEAR_MS = 365 * 24 * 3600 * 1000;
const FILL_BATCH = 10_000;

interface Params {
  messages: number;
  backends: Array<'sqlite' | 'postgres'>;
  inserts: number;
  samples: number;
  pageSize: number;
}

interface BackendResult {
  backend: 'sqlite' | 'postgres';
  skipped?: string;
  fill?: { messages: number; seconds: number; perSecond: number };
  singleInsert?: { count: number; seconds: number; perSecond: number; p50Ms: number; p99Ms: number };
  pageBefore?: { samples: number; limit: number; p50Ms: number; p99Ms: number; meanMs: number; maxMs: number };
  latestPage?: { samples: number; p50Ms: number; p99Ms: number };
}

function parseArgs(args: string[]): Params {
  const get = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quick = args.includes('--quick');
  const messages = Number(get('messages') ?? (quick ? 100_000 : 1_000_000));
  const backend = get('backend') ?? 'both';
  if (!Number.isInteger(messages) || messages < 1000) throw new Error('--messages must be an integer >= 1000');
  if (!['sqlite', 'postgres', 'both'].includes(backend)) throw new Error('--backend sqlite|postgres|both');
  return {
    messages,
    backends: backend === 'both' ? ['sqlite', 'postgres'] : [backend as 'sqlite' | 'postgres'],
    inserts: Number(get('inserts') ?? (quick ? 2000 : 5000)),
    samples: Number(get('samples') ?? 2000),
    pageSize: 50,
  };
}

const idAt = (ms: number, inc: number) => (((BigInt(Math.floor(ms)) - DISCORD_EPOCH) << 22n) | BigInt(inc & 0xfff)).toString();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const round = (n: number, digits = 3) => Number(n.toFixed(digits));

function record(id: string, channelId: string, authorId: string, content: string): MessageRecord {
  return {
    id, channelId, guildId: null, authorId, content, type: 0, flags: 0, tts: false, mentionEveryone: false, mentions: [],
    mentionRoles: [], mentionChannels: [], embeds: [], attachments: [], components: [], stickerItems: [], nonce: null,
    pinned: false, webhookId: null, applicationId: null, messageReference: null, editedAt: null,
  };
}

function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 5432) });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function runBackend(store: SqlStore, p: Params, log: (s: string) => void): Promise<BackendResult> {
  const result: BackendResult = { backend: store.kind };
  await store.migrate();
  const authorId = idAt(Date.now() - 2 * YEAR_MS, 1);
  await store.users.create({
    id: authorId, username: 'bench', discriminator: '0', globalName: null, avatar: null, banner: null, bio: '', email: null,
    passwordHash: null, bot: false, system: false, flags: 0, createdAt: Date.now(),
  });
  const channelId = idAt(Date.now() - 2 * YEAR_MS, 2);
  await store.channels.create({
    id: channelId, type: ChannelType.DM, guildId: null, name: null, topic: null, position: 0, parentId: null, nsfw: false,
    rateLimitPerUser: 0, lastMessageId: null, lastPinTimestamp: null, ownerId: null, icon: null, bitrate: null, userLimit: null,
    createdAt: Date.now(),
  }, [authorId]);

  // Fill: N messages evenly over the year before `end`.
  const end = Date.now() - 60_000;
  const start = end - YEAR_MS;
  const step = YEAR_MS / p.messages;
  const idOf = (i: number) => idAt(start + i * step, i);
  const content = 'x'.repeat(80);
  let t0 = performance.now();
  for (let i = 0; i < p.messages; i += FILL_BATCH) {
    const batch: MessageRecord[] = [];
    for (let j = i; j < Math.min(p.messages, i + FILL_BATCH); j++) batch.push(record(idOf(j), channelId, authorId, content));
    await store.messages.createMany(batch);
    if ((i / FILL_BATCH) % 20 === 19) log(`  ${store.kind}: filled ${i + batch.length}`);
  }
  let seconds = (performance.now() - t0) / 1000;
  result.fill = { messages: p.messages, seconds: round(seconds, 1), perSecond: Math.round(p.messages / seconds) };
  log(`  ${store.kind}: fill ${result.fill.perSecond} msg/s`);

  // Single inserts, newest end of the channel, one messages.create (one transaction) each.
  const lat: number[] = [];
  t0 = performance.now();
  for (let i = 0; i < p.inserts; i++) {
    const s = performance.now();
    await store.messages.create(record(idAt(end + i, i), channelId, authorId, content));
    lat.push(performance.now() - s);
  }
  seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  result.singleInsert = { count: p.inserts, seconds: round(seconds, 2), perSecond: Math.round(p.inserts / seconds), p50Ms: round(percentile(lat, 50)), p99Ms: round(percentile(lat, 99)) };

  // Pages of 50 with `before` at random depths (a fixed seed keeps runs comparable).
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 50; i++) await store.messages.list(channelId, { before: idOf(Math.floor(rand() * p.messages)), limit: p.pageSize });
  const pages: number[] = [];
  for (let i = 0; i < p.samples; i++) {
    const before = idOf(Math.floor(rand() * p.messages));
    const s = performance.now();
    const page = await store.messages.list(channelId, { before, limit: p.pageSize });
    pages.push(performance.now() - s);
    if (page.length === 0) throw new Error('empty page');
  }
  pages.sort((a, b) => a - b);
  result.pageBefore = {
    samples: p.samples, limit: p.pageSize, p50Ms: round(percentile(pages, 50)), p99Ms: round(percentile(pages, 99)),
    meanMs: round(pages.reduce((a, b) => a + b, 0) / pages.length), maxMs: round(pages[pages.length - 1]),
  };
  const latest: number[] = [];
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    await store.messages.list(channelId, { limit: p.pageSize });
    latest.push(performance.now() - s);
  }
  latest.sort((a, b) => a - b);
  result.latestPage = { samples: latest.length, p50Ms: round(percentile(latest, 50)), p99Ms: round(percentile(latest, 99)) };
  return result;
}

function table(results: BackendResult[]): string {
  const rows: string[][] = [['backend', 'fill msg/s', 'fill s', 'insert/s', 'insert p50 ms', 'insert p99 ms', 'page p50 ms', 'page p99 ms', 'latest p50 ms']];
  for (const r of results) {
    if (r.skipped) {
      rows.push([r.backend, `skipped: ${r.skipped}`]);
      continue;
    }
    rows.push([
      r.backend, String(r.fill!.perSecond), String(r.fill!.seconds), String(r.singleInsert!.perSecond), String(r.singleInsert!.p50Ms),
      String(r.singleInsert!.p99Ms), String(r.pageBefore!.p50Ms), String(r.pageBefore!.p99Ms), String(r.latestPage!.p50Ms),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ')).join('\n');
}

export async function main(args: string[]): Promise<void> {
  const p = parseArgs(args);
  const loadBefore = os.loadavg();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`store bench: ${p.messages} messages over one year, ${p.inserts} single inserts, ${p.samples} pages of ${p.pageSize}`);
  const results: BackendResult[] = [];
  for (const backend of p.backends) {
    if (backend === 'sqlite') {
      const dir = mkdtempSync(join(os.tmpdir(), 'accord-bench-'));
      const store = await openSqliteStore({ path: join(dir, 'accord.sqlite') });
      try {
        results.push(await runBackend(store, p, log));
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      if (!(await reachable(DATABASE_URL))) {
        const reason = `PostgreSQL not reachable at ${DATABASE_URL} (set ACCORD_TEST_DATABASE_URL)`;
        console.log(`# postgres skipped: ${reason}`);
        results.push({ backend, skipped: reason });
        continue;
      }
      const schema = `accord_bench_${randomBytes(5).toString('hex')}`;
      const store = await openPostgresStore({ url: DATABASE_URL, schema });
      try {
        results.push(await runBackend(store, p, log));
      } finally {
        await store.close();
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
      }
    }
  }
  console.log(table(results));
  console.log(`machine: ${os.cpus().length} cpus, load average ${loadBefore[0].toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after`);
  const out = {
    workload: 'store',
    parameters: { messages: p.messages, spreadMs: YEAR_MS, fillBatch: FILL_BATCH, inserts: p.inserts, samples: p.samples, pageSize: p.pageSize, backends: p.backends },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memory: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}`,
      // Tail latencies move with whatever else the machine runs; the 1-minute load average before and after says how busy it was.
      loadavg: { before: loadBefore.map((x) => round(x, 2)), after: os.loadavg().map((x) => round(x, 2)) } },
    results,
  };
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `store-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`results: ${file}`);
}
