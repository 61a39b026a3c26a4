/**
 * Search index benchmark: bulk indexing and query latency at scale.
 *
 *   node --import tsx bench/run.ts search [--messages N | --quick] [--backend sqlite|postgres|both]
 *                                         [--samples N] [--batch N] [--seed N] [--no-trigram]
 *                                         [--keep-sqlite FILE] [--keep-postgres SCHEMA]
 *                                         [--no-lag | --lag-only] [--lag-rate N] [--lag-seconds N] [--lag-backend sqlite|postgres|both]
 *
 * Generates N messages (default 1,000,000; --quick 50,000) spread over one year in 20 guilds of 10 channels
 * (2 of the 200 channels write Chinese or Japanese), from 2,000 authors (Zipf-weighted, some bots and webhooks),
 * words drawn from a 30,000-word vocabulary with Zipf frequencies (s = 1.05), some links, images, files, mentions,
 * pins. The same seeded stream feeds each backend. Measures bulk upsert throughput (documents/s) and, within one
 * guild's channels, query p50/p99 (with the exact total, as Discord's total_results needs) for: a mid-frequency
 * word, a very frequent word, a two-word phrase, from:author + word, has:link alone, a CJK term, and the word by
 * relevance. Index size on disk is compared with the raw content bytes and a plain SQLite message table of the
 * same rows (a rough stand-in for the message store). SQLite runs in a temp folder; PostgreSQL in a fresh schema
 * on ACCORD_TEST_DATABASE_URL (or the local default), skipped with a line when unreachable. After the bulk load
 * each index is optimized (as after a backfill; timed). --no-trigram leaves out SQLite's partial-word table;
 * --keep-sqlite keeps the SQLite index in FILE, and reuses it (no indexing) when FILE exists; --keep-postgres
 * keeps the PostgreSQL index in SCHEMA (not dropped), and reuses it when it holds documents (drop it yourself).
 *
 * Then (unless --no-lag; --lag-only runs it alone) the steady-state indexing lag through a real server
 * (bench/lib/search-lag.ts): messages posted over REST at --lag-rate per second (default 200) for --lag-seconds
 * (default 20), and every 20th polled for through GET /channels/{id}/messages/search until found: send → searchable
 * p50/p99/max. --lag-backend picks the index (default sqlite; postgres runs the server on PostgreSQL).
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DISCORD_EPOCH } from '../src/protocol/snowflake.ts';
import { PostgresSearchIndex } from '../src/search/postgres-index.ts';
import type { SearchDocument, SearchHas, SearchIndex, SearchQuery } from '../src/search/search-index.ts';
import { SqliteSearchIndex } from '../src/search/sqlite-index.ts';
import { Args, log, mb, round, table, writeResults } from './lib/common.ts';
import { measureSearchLag, type LagResult } from './lib/search-lag.ts';

const DATABASE_URL = process.env.ACCORD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const YEAR_MS = 365 * 24 * 3600 * 1000;
const GUILDS = 20;
const CHANNELS_PER_GUILD = 10;
const AUTHORS = 2000;
const VOCABULARY = 30_000;
/** Channels (index into the channel list) whose messages are Chinese / Japanese. */
const CJK_CHANNELS = new Map([[3, 'zh'], [4, 'ja']]);

type Backend = 'sqlite' | 'postgres';

interface Params {
  messages: number;
  backends: Backend[];
  samples: number;
  batch: number;
  seed: number;
}

// ------------------------------------------------------------------------------------------------ data

/** xorshift32: the same stream every run for a seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Samples ranks 0..n-1 with P(rank k) ∝ 1/(k+1)^s. */
function zipf(n: number, s: number) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** s;
  for (let k = 0; k < n; k++) cdf[k]! /= sum;
  return (r: number) => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const COMMON = (
  'the to and a i you it of is in that for on this my be have with not are just so but was do me like what at get ' +
  'can if all we your no know they good one now how about up out think yeah lol people time there will would oh ' +
  'from or go make see want really right then an its here need got well more did them when back some dont game ' +
  'new day thanks yes server work today still too going sure even also why way because much been only use first'
).split(' ');
const SYLLABLES = 'ka ri to mo na se lu ven dor tik pra sol mi zen bel tor fin gra ho pel stri nu cor dal vey ro si';
const ENDINGS = 'x q j w'.split(' ');

/**
 * COMMON, then made-up words. Each ends in a letter no syllable has, so that no made-up word is the prefix of
 * another, except a plural sibling (`…s`) for 30% of them: about the prefix families of English words (a
 * syllable soup would give each word dozens of longer words it is a prefix of, and overstate prefix queries).
 */
function vocabulary(seed: number): string[] {
  const r = rng(seed);
  const syl = SYLLABLES.split(' ');
  const words = new Set(COMMON);
  while (words.size < VOCABULARY) {
    const n = 1 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += syl[Math.floor(r() * syl.length)];
    w += ENDINGS[Math.floor(r() * ENDINGS.length)];
    words.add(w);
    if (r() < 0.3) words.add(`${w}s`);
  }
  return [...words];
}

const ZH_CHARS = '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切';
const JA_WORDS = 'こんにちは ありがとう 今日 明日 東京 大阪 ゲーム サーバー 楽しい 面白い 仕事 学校 電車 天気 写真 音楽 映画 友達 時間 会議 週末 予定 確認 お願い します でした ですね 本当 大丈夫 新しい 最近 みんな アニメ ラーメン コーヒー プログラム テスト 設定 更新'.split(' ');

function cjkWords(seed: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const n = 2 + Math.floor(r() * 2);
    let w = '';
    for (let j = 0; j < n; j++) w += ZH_CHARS[Math.floor(r() * ZH_CHARS.length)];
    out.push(w);
  }
  return out;
}

const idAt = (ms: number, inc: number) => (((BigInt(Math.floor(ms)) - DISCORD_EPOCH) << 22n) | BigInt(inc & 0xfff)).toString();
const base = Date.now() - 2 * YEAR_MS;
const GUILD_IDS = Array.from({ length: GUILDS }, (_, g) => idAt(base, g));
const CHANNEL_IDS = Array.from({ length: GUILDS * CHANNELS_PER_GUILD }, (_, c) => idAt(base + 1, c));
const AUTHOR_IDS = Array.from({ length: AUTHORS }, (_, a) => idAt(base + 2, a));
const guildChannels = (g: number) => CHANNEL_IDS.slice(g * CHANNELS_PER_GUILD, (g + 1) * CHANNELS_PER_GUILD);

interface Corpus {
  words: string[];
  zh: string[];
  /** Some two-word phrases as they occur in the generated text. */
  phrases: string[];
  contentBytes: number;
}

/** The messages in batches, identical for a seed. */
function* generate(p: Params, corpus: Corpus): Generator<SearchDocument[]> {
  const r = rng(p.seed);
  const wordRank = zipf(corpus.words.length, 1.05);
  const zhRank = zipf(corpus.zh.length, 1.0);
  const authorRank = zipf(AUTHORS, 0.9);
  const channelRank = zipf(CHANNEL_IDS.length, 0.6);
  const start = Date.now() - YEAR_MS - 60_000;
  const step = YEAR_MS / p.messages;
  let batch: SearchDocument[] = [];
  for (let i = 0; i < p.messages; i++) {
    const channel = channelRank(r());
    const lang = CJK_CHANNELS.get(channel);
    const length = 2 + Math.floor(-Math.log(1 - r()) * 9);
    const parts: string[] = [];
    for (let w = 0; w < length; w++) {
      if (lang === 'zh') parts.push(corpus.zh[zhRank(r())]!);
      else if (lang === 'ja') parts.push(r() < 0.5 ? JA_WORDS[Math.floor(r() * JA_WORDS.length)]! : corpus.zh[zhRank(r())]!);
      else parts.push(corpus.words[wordRank(r())]!);
    }
    const has: SearchHas[] = [];
    if (r() < 0.08) {
      parts.push(`https://example.com/${corpus.words[wordRank(r())]}/${Math.floor(r() * 1e6)}`);
      has.push('link');
      if (r() < 0.5) has.push('embed');
    }
    const attach = r();
    if (attach < 0.05) has.push('image');
    else if (attach < 0.07) has.push('file');
    else if (attach < 0.075) has.push('video');
    const content = lang ? parts.join(lang === 'zh' && r() < 0.7 ? '' : ' ') : parts.join(' ');
    corpus.contentBytes += Buffer.byteLength(content);
    if (!lang && length >= 3 && corpus.phrases.length < 5000 && r() < 0.01) corpus.phrases.push(`"${parts[1]} ${parts[2]}"`);
    const authorType = r();
    batch.push({
      id: idAt(start + i * step, i),
      guildId: GUILD_IDS[Math.floor(channel / CHANNELS_PER_GUILD)]!,
      channelId: CHANNEL_IDS[channel]!,
      authorId: AUTHOR_IDS[authorRank(r())]!,
      authorType: authorType < 0.05 ? 'bot' : authorType < 0.06 ? 'webhook' : 'user',
      content,
      mentions: r() < 0.05 ? [AUTHOR_IDS[authorRank(r())]!] : [],
      mentionRoles: [],
      mentionEveryone: r() < 0.005,
      has,
      pinned: r() < 0.001,
    });
    if (batch.length === p.batch) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

// ------------------------------------------------------------------------------------------------ measuring

interface QueryStats {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanTotal: number;
}

interface BackendResult {
  backend: Backend;
  skipped?: string;
  index?: { documents: number; seconds: number; perSecond: number; optimizeSeconds: number; optimizeMaxStallMs: number; sizeBytes: number | null };
  queries?: Record<string, QueryStats>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(index: SearchIndex, samples: number, make: (r: () => number) => Partial<SearchQuery> & { channelIds: string[] }): Promise<QueryStats> {
  const r = rng(7);
  const run = (over: Partial<SearchQuery> & { channelIds: string[] }) =>
    index.search({ sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 25, ...over });
  for (let i = 0; i < 10; i++) await run(make(r));
  const times: number[] = [];
  let totals = 0;
  for (let i = 0; i < samples; i++) {
    const q = make(r);
    const t0 = performance.now();
    const res = await run(q);
    times.push(performance.now() - t0);
    totals += res.total;
  }
  times.sort((a, b) => a - b);
  return { samples, p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3), maxMs: round(times[times.length - 1]!, 3), meanTotal: Math.round(totals / samples) };
}

async function runBackend(index: SearchIndex, backend: Backend, p: Params, corpus: Corpus, reuse = false): Promise<BackendResult> {
  const t0 = performance.now();
  let done = 0;
  for (const batch of generate(p, corpus)) {
    if (!reuse) await index.upsert(batch);
    done += batch.length;
    if (!reuse && done % 100_000 < p.batch) log(`  ${backend}: indexed ${done} (${Math.round(done / ((performance.now() - t0) / 1000))}/s)`);
  }
  const seconds = (performance.now() - t0) / 1000;
  // What the search role does when a backfill finishes (and what autovacuum would do on PostgreSQL).
  const t1 = performance.now();
  // The longest the event loop went without a turn while optimizing (SQLite merges in steps that yield).
  let stall = 0;
  let last = performance.now();
  const watch = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  if (!reuse) await index.optimize?.();
  clearInterval(watch);
  stall = Math.max(stall, performance.now() - last);
  const optimizeSeconds = (performance.now() - t1) / 1000;
  const result: BackendResult = {
    backend,
    index: { documents: done, seconds: round(seconds, 1), perSecond: Math.round(done / seconds), optimizeSeconds: round(optimizeSeconds, 1), optimizeMaxStallMs: round(stall, 1), sizeBytes: await index.sizeBytes() },
  };
  log(`  ${backend}: ${result.index!.perSecond} docs/s, optimize ${result.index!.optimizeSeconds} s (longest event-loop stall ${result.index!.optimizeMaxStallMs} ms), ${mb(result.index!.sizeBytes ?? 0)} MB`);
  const guildOf = (r: () => number) => guildChannels(Math.floor(r() * GUILDS));
  const midWord = (r: () => number) => corpus.words[50 + Math.floor(r() * 1950)]!;
  // The CJK channels are in guild 0 (channels 3 and 4).
  const cjkGuild = guildChannels(0);
  const s = p.samples;
  result.queries = {
    word: await measure(index, s, (r) => ({ channelIds: guildOf(r), content: midWord(r) })),
    'frequent word': await measure(index, s, (r) => ({ channelIds: guildOf(r), content: COMMON[Math.floor(r() * 10)] })),
    phrase: await measure(index, s, (r) => ({ channelIds: guildOf(r), content: corpus.phrases[Math.floor(r() * corpus.phrases.length)] })),
    'from: + word': await measure(index, s, (r) => ({ channelIds: guildOf(r), authorIds: [AUTHOR_IDS[Math.floor(r() * 20)]!], content: corpus.words[10 + Math.floor(r() * 190)] })),
    'has:link': await measure(index, s, (r) => ({ channelIds: guildOf(r), has: ['link'] })),
    'CJK term': await measure(index, s, (r) => ({ channelIds: cjkGuild, content: corpus.zh[Math.floor(r() * 200)] })),
    'word, relevance': await measure(index, s, (r) => ({ channelIds: guildOf(r), content: midWord(r), sortBy: 'relevance' })),
    'word, page 10': await measure(index, s, (r) => ({ channelIds: guildOf(r), content: midWord(r), offset: 225 })),
  };
  for (const [name, q] of Object.entries(result.queries)) log(`  ${backend}: ${name}: p50 ${q.p50Ms} ms, p99 ${q.p99Ms} ms (mean total ${q.meanTotal})`);
  return result;
}

/** A plain message table of the same rows, as a rough size for the message store. */
function messageTableBytes(p: Params, corpus: Corpus, dir: string): number {
  const path = join(dir, 'messages.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE messages (id INTEGER PRIMARY KEY, channel_id INTEGER, author_id INTEGER, content TEXT, extra TEXT); CREATE INDEX m_channel ON messages (channel_id, id)');
  const insert = db.prepare('INSERT INTO messages VALUES (?, ?, ?, ?, ?)');
  // The store keeps embeds, attachments, mentions, components as JSON; ~150 bytes covers the empty ones.
  const extra = JSON.stringify({ embeds: [], attachments: [], mentions: [], mention_roles: [], components: [], sticker_items: [], flags: 0, type: 0, tts: false });
  for (const batch of generate(p, { ...corpus, phrases: [], contentBytes: 0 })) {
    db.transaction(() => {
      for (const d of batch) insert.run(BigInt(d.id), BigInt(d.channelId), BigInt(d.authorId), d.content, extra);
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return statSync(path).size;
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

export async function main(argv: string[]): Promise<void> {
  const args = new Args(argv);
  const quick = args.has('quick');
  const backend = args.choice('backend', ['sqlite', 'postgres', 'both'] as const, 'both');
  const p: Params = {
    messages: args.int('messages', quick ? 50_000 : 1_000_000, 1000),
    backends: backend === 'both' ? ['sqlite', 'postgres'] : [backend],
    samples: args.int('samples', quick ? 100 : 300, 10),
    batch: args.int('batch', 5000, 1, 100_000),
    seed: args.int('seed', 12345, 1),
  };
  const loadBefore = os.loadavg();
  if (!args.has('lag-only')) log(`search bench: ${p.messages} messages, ${GUILDS} guilds x ${CHANNELS_PER_GUILD} channels, ${p.samples} samples per query`);
  const lagOnly = args.has('lag-only');
  const lagBackend = args.choice('lag-backend', ['sqlite', 'postgres', 'both'] as const, 'sqlite');
  const lagParams = {
    rate: args.int('lag-rate', 200, 1, 100_000),
    seconds: args.int('lag-seconds', 20, 1, 3600),
    sampleEvery: args.int('lag-sample-every', 20, 1),
    pollMs: 10,
    channels: 4,
    users: 4,
  };
  const results: BackendResult[] = [];
  const dir = mkdtempSync(join(os.tmpdir(), 'accord-bench-search-'));
  let storeBytes = 0;
  let contentBytes = 0;
  try {
    for (const b of lagOnly ? [] : p.backends) {
      const corpus: Corpus = { words: vocabulary(p.seed), zh: cjkWords(p.seed), phrases: [], contentBytes: 0 };
      if (b === 'sqlite') {
        const keep = args.str('keep-sqlite');
        const reuse = keep !== undefined && existsSync(keep);
        const index = new SqliteSearchIndex(keep ?? join(dir, 'search.sqlite'), { trigram: !args.has('no-trigram') });
        try {
          results.push(await runBackend(index, b, p, corpus, reuse));
        } finally {
          await index.close();
        }
      } else {
        if (!(await reachable(DATABASE_URL))) {
          const reason = `PostgreSQL not reachable at ${DATABASE_URL} (set ACCORD_TEST_DATABASE_URL)`;
          console.log(`# postgres skipped: ${reason}`);
          results.push({ backend: b, skipped: reason });
          continue;
        }
        const keep = args.str('keep-postgres');
        const schema = keep ?? `accord_bench_${randomBytes(5).toString('hex')}`;
        const index = await PostgresSearchIndex.open({ url: DATABASE_URL, schema });
        const reuse = keep !== undefined && ((await index.pool.query('SELECT EXISTS (SELECT 1 FROM search_docs) AS some')).rows[0].some as boolean);
        try {
          results.push(await runBackend(index, b, p, corpus, reuse));
        } finally {
          await index.close();
          if (!keep) {
            const client = new pg.Client({ connectionString: DATABASE_URL });
            await client.connect();
            await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
          }
        }
      }
      contentBytes = corpus.contentBytes;
    }
    if (!lagOnly) {
      log('  sizing a plain message table of the same rows');
      storeBytes = messageTableBytes(p, { words: vocabulary(p.seed), zh: cjkWords(p.seed), phrases: [], contentBytes: 0 }, dir);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const lag: Array<LagResult | { backend: Backend; skipped: string }> = [];
  if (!args.has('no-lag')) {
    for (const b of lagBackend === 'both' ? (['sqlite', 'postgres'] as const) : [lagBackend]) {
      if (b === 'postgres' && !(await reachable(DATABASE_URL))) {
        lag.push({ backend: b, skipped: `PostgreSQL not reachable at ${DATABASE_URL}` });
        continue;
      }
      lag.push(await measureSearchLag(lagParams, b, DATABASE_URL));
    }
  }

  const ran = results.filter((r) => !r.skipped);
  const names = Object.keys(ran[0]?.queries ?? {});
  const rows: Array<Array<string | number>> = [['', ...ran.map((r) => r.backend)]];
  rows.push(['index docs/s', ...ran.map((r) => r.index!.perSecond)]);
  rows.push(['index seconds', ...ran.map((r) => r.index!.seconds)]);
  rows.push(['optimize seconds', ...ran.map((r) => r.index!.optimizeSeconds)]);
  rows.push(['optimize longest stall ms', ...ran.map((r) => r.index!.optimizeMaxStallMs)]);
  rows.push(['index MB', ...ran.map((r) => mb(r.index!.sizeBytes ?? 0))]);
  for (const n of names) rows.push([`${n} p50 / p99 ms`, ...ran.map((r) => `${round(r.queries![n]!.p50Ms, 2)} / ${round(r.queries![n]!.p99Ms, 2)}`)]);
  if (!lagOnly) {
    console.log(table(rows));
    for (const r of results.filter((x) => x.skipped)) console.log(`${r.backend}: skipped: ${r.skipped}`);
    console.log(`content ${mb(contentBytes)} MB; plain message table ${mb(storeBytes)} MB (rough message-store size)`);
  }
  const lagRan = lag.filter((l): l is LagResult => !('skipped' in l));
  if (lagRan.length) {
    console.log(`\nsteady-state indexing lag: ${lagParams.rate} msg/s over REST for ${lagParams.seconds} s, every ${lagParams.sampleEvery}th polled (every ${lagParams.pollMs} ms) until searchable`);
    console.log(table([
      ['index', 'sent', 'errors', 'msg/s', 'send p50 / p99 ms', 'samples', 'missed', 'lag p50 ms', 'lag p99 ms', 'lag max ms', 'server cpu s'],
      ...lagRan.map((l) => [l.backend, l.sent, l.sendErrors, l.achievedRate, `${l.sendLatency.p50Ms} / ${l.sendLatency.p99Ms}`, l.samples, l.missed, l.lag.p50Ms, l.lag.p99Ms, l.lag.maxMs, l.serverCpuSeconds]),
    ]));
  }
  for (const l of lag.filter((x) => 'skipped' in x)) console.log(`lag ${l.backend}: skipped: ${(l as { skipped: string }).skipped}`);
  writeResults('search', { ...p, guilds: GUILDS, channelsPerGuild: CHANNELS_PER_GUILD, authors: AUTHORS, vocabulary: VOCABULARY, lag: args.has('no-lag') ? null : lagParams, lagOnly }, loadBefore, {
    backends: results, contentBytes, messageTableBytes: storeBytes, lag,
  });
}
