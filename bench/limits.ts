/**
 * What a cluster-wide limit costs per request (docs/scaling.md, "Send limits across api nodes").
 *
 *   npm run bench -- limits [--ops N]   (node --import tsx bench/run.ts limits)
 *
 * Sequential operations, one at a time, on this machine (PostgreSQL and NATS on 127.0.0.1):
 * - route rate limit in memory (RateLimiter.check, what every request pays today);
 * - the same window shared through NATS KV: get + compare-and-set update (the cheapest exact shared counter
 *   without a new service), on a bucket of its own that is deleted afterwards;
 * - the same window in PostgreSQL (RateWindowStore.hit: one upsert on an unlogged table, ACCORD_RATE_LIMIT_SHARED);
 * - slowmode hold in SQLite and PostgreSQL (SlowmodeStore.reserve: one conditional upsert);
 * - message write with and without the enforce_nonce claim (MessageStore.createOnce vs create).
 * Prints microseconds per operation (mean, p50, p99) and writes bench/results/limits-<timestamp>.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { connect, type KV } from 'nats';
import pg from 'pg';
import { RateLimiter, RouteLimits } from '../src/api/ratelimit.ts';
import { SnowflakeGenerator } from '../src/protocol/snowflake.ts';
import { openPostgresStore } from '../src/store/postgres/index.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { ChannelType, type MessageRecord } from '../src/store/types.ts';
import { Args, log, round, table, writeResults } from './lib/common.ts';

const DATABASE_URL = process.env.ACCORD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.ACCORD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

interface Result { what: string; ops: number; meanUs: number; p50Us: number; p99Us: number }

async function time(what: string, ops: number, fn: (i: number) => unknown): Promise<Result> {
  for (let i = 0; i < Math.min(200, ops); i++) await fn(-1 - i); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ops; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((x, y) => x - y);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  const r = { what, ops, meanUs: round(mean, 1), p50Us: round(samples[Math.floor(ops / 2)]!, 1), p99Us: round(samples[Math.floor(ops * 0.99)]!, 1) };
  log(`${what}: ${r.meanUs} µs mean`);
  return r;
}

export async function main(argv: string[]): Promise<void> {
  const args = new Args(argv);
  const ops = args.int('ops', 2000, 10);
  const loadBefore = os.loadavg();
  const results: Result[] = [];

  const limiter = new RateLimiter({ globalPerSecond: 1_000_000, scale: 1000 });
  results.push(await time('route limit, in memory', ops * 50, (i) => limiter.check(RouteLimits.messageCreate, String(i % 100), 'u')));

  const nc = await connect({ servers: NATS_URL, name: 'accord-bench-limits' });
  const bucket = `accord_bench_limits_${randomBytes(4).toString('hex')}`;
  const js = nc.jetstream();
  const kv: KV = await js.views.kv(bucket, { history: 1, ttl: 60_000 });
  try {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    results.push(await time('route limit, NATS KV get + CAS update', ops, async (i) => {
      const key = `k${(i + 1000) % 100}`;
      for (let attempt = 0; attempt < 5; attempt++) {
        const e = await kv.get(key);
        const count = e ? Number(dec.decode(e.value)) + 1 : 1;
        try {
          if (e) await kv.update(key, enc.encode(String(count)), e.revision);
          else await kv.create(key, enc.encode(String(count)));
          return;
        } catch {
          // another writer won the revision: read again
        }
      }
    }));
  } finally {
    await (await js.jetstreamManager()).streams.delete(`KV_${bucket}`).catch(() => {});
    await nc.close();
  }

  const dir = mkdtempSync(join(os.tmpdir(), 'accord-bench-limits-'));
  const lite = await openSqliteStore({ path: join(dir, 'accord.sqlite') });
  try {
    await lite.migrate();
    const t0 = Date.now();
    results.push(await time('slowmode hold, SQLite upsert', ops, (i) => lite.slowmode.reserve(String(1000 + (i % 500)), '42', t0 + i * 10, t0 + i * 10 + 1)));
  } finally {
    await lite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const schema = `accord_bench_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresStore({ url: DATABASE_URL, schema });
  try {
    await store.migrate();
    const t0 = Date.now();
    results.push(await time('slowmode hold, PostgreSQL upsert (unlogged)', ops, (i) => store.slowmode.reserve(String(1000 + (i % 500)), '42', t0 + i * 10, t0 + i * 10 + 1)));
    results.push(await time('route limit, PostgreSQL rate window upsert (unlogged)', ops, (i) => store.rateWindows.hit(`r:messages.create:${i % 100}:42`, t0 + i, t0 + i + 5000)));
    const ids = new SnowflakeGenerator({ workerId: 3 });
    const authorId = ids.next();
    await store.users.create({
      id: authorId, username: 'bench', discriminator: '0', globalName: null, avatar: null, banner: null, bio: '', email: null,
      passwordHash: null, bot: false, system: false, flags: 0, createdAt: Date.now(),
    });
    const channelId = ids.next();
    const guildId = null;
    await store.channels.create({
      id: channelId, type: ChannelType.DM, guildId, name: null, topic: null, position: 0, parentId: null, nsfw: false,
      rateLimitPerUser: 0, lastMessageId: null, lastPinTimestamp: null, ownerId: null, icon: null, bitrate: null, userLimit: null,
      createdAt: Date.now(),
    }, [authorId]);
    const record = (nonce: string | null): MessageRecord => ({
      id: ids.next(), channelId, guildId, authorId, content: 'x', type: 0, flags: 0, tts: false, mentionEveryone: false, mentions: [], mentionRoles: [],
      mentionChannels: [], embeds: [], attachments: [], components: [], stickerItems: [], nonce, pinned: false, webhookId: null, applicationId: null, messageReference: null, editedAt: null,
    });
    results.push(await time('message write, PostgreSQL', ops, () => store.messages.create(record('n'))));
    results.push(await time('message write + nonce claim, PostgreSQL', ops, (i) => store.messages.createOnce(record(`n${i}`), `n${i}`, Date.now() - 300_000)));
  } finally {
    await store.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
  }

  console.log(table([['operation', 'ops', 'mean µs', 'p50 µs', 'p99 µs'], ...results.map((r) => [r.what, r.ops, r.meanUs, r.p50Us, r.p99Us])]));
  writeResults('limits', { ops }, loadBefore, results);
}
