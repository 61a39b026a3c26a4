/**
 * Steady-state indexing lag of search, end to end: a real Accord (all roles in one process), messages posted
 * through REST at a fixed rate (open loop: message i is due at i/rate seconds whatever the answers), and for
 * every k-th message, from the moment its POST answered (the message exists), the channel search for a token
 * unique to it is polled until the message is among the hits. The first search of the guild starts its backfill
 * (202); the phase waits for that to finish first, so what is measured is the live path (outbox → search.index
 * queue → index), not the backfill.
 *
 * Lag is taken when the finding search answers, so it includes one search round trip and up to one poll
 * interval of waiting.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { log, mb, measureWindow, request, round, sleep, startAccord, type LatencySummary } from './common.ts';
import { createTextChannels, guildWithMembers, registerUsers, type BenchUser } from './setup.ts';

export interface LagParams {
  /** Messages per second posted. */
  rate: number;
  seconds: number;
  /** Every k-th message is polled for. */
  sampleEvery: number;
  pollMs: number;
  channels: number;
  users: number;
}

export interface LagResult {
  backend: string;
  sent: number;
  sendErrors: number;
  achievedRate: number;
  sendLatency: Pick<LatencySummary, 'p50Ms' | 'p99Ms' | 'maxMs'>;
  samples: number;
  /** Samples never found within the timeout. */
  missed: number;
  lag: { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number };
  searches: number;
  serverCpuSeconds: number;
  serverPeakRssMb: number;
}

/** How long a sample is polled for before it counts as missed. */
const FOUND_TIMEOUT_MS = 30_000;

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const summary = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { p50Ms: round(percentile(s, 50), 1), p99Ms: round(percentile(s, 99), 1), maxMs: round(s[s.length - 1] ?? NaN, 1) };
};

/** A word only message i holds: letters then a fixed-width number, so no token is the prefix of another. */
const tokenFor = (tag: string, i: number) => `lag${tag}n${String(i).padStart(7, '0')}`;

export async function measureSearchLag(p: LagParams, backend: 'sqlite' | 'postgres', databaseUrl: string): Promise<LagResult> {
  const env: Record<string, string> = { ACCORD_SEARCH_INDEX: backend };
  // The PostgreSQL index lives in the store's database: that backend runs the whole server on PostgreSQL, in a
  // fresh schema (through the URL's search_path) dropped afterwards.
  const schema = `accord_bench_lag_${randomBytes(5).toString('hex')}`;
  if (backend === 'postgres') {
    await withPg(databaseUrl, (c) => c.query(`CREATE SCHEMA "${schema}"`));
    env.ACCORD_DATABASE_URL = `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema},public`)}`;
  }
  const server = await startAccord({ logLevel: 'warn', env }).catch(async (err) => {
    if (backend === 'postgres') await withPg(databaseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    throw err;
  });
  try {
    const users = await registerUsers(server.url, p.users);
    const g = await guildWithMembers(server.url, users, 'search-lag');
    const channels = await createTextChannels(server.url, g.owner, g.guildId, p.channels);
    const search = (user: BenchUser, channelId: string, content: string) =>
      request('GET', `${server.url}/api/v10/channels/${channelId}/messages/search?content=${encodeURIComponent(content)}`, undefined, { authorization: user.token });
    let searches = 0;

    // The guild's first search answers 202 and starts its backfill; wait until searches answer.
    const t0 = performance.now();
    for (;;) {
      const res = await search(g.owner, channels[0]!, 'warmup');
      searches++;
      if (res.status === 200) break;
      if (res.status !== 202 && res.status !== 429) throw new Error(`search answered ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
      if (performance.now() - t0 > 60_000) throw new Error('the backfill of an empty guild did not finish within 60 s');
      await sleep(100);
    }
    log(`  ${backend}: backfill done after ${Math.round(performance.now() - t0)} ms; posting ${p.rate}/s for ${p.seconds} s`);

    const tag = randomBytes(3).toString('hex').replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!);
    const total = Math.round(p.rate * p.seconds);
    const sendTimes: number[] = [];
    const lags: number[] = [];
    let sendErrors = 0;
    let missed = 0;

    const pollUntilFound = async (user: BenchUser, channelId: string, id: string, token: string, since: number) => {
      while (performance.now() - since < FOUND_TIMEOUT_MS) {
        const res = await search(user, channelId, token);
        searches++;
        if (res.status === 200 && (res.json.messages as any[][]).some((hit) => hit[0]?.id === id)) {
          lags.push(performance.now() - since);
          return;
        }
        await sleep(res.status === 429 ? 1000 * Number(res.json?.retry_after ?? 1) : p.pollMs);
      }
      missed++;
    };

    const sendOne = async (i: number) => {
      const user = users[i % users.length]!;
      const channelId = channels[i % channels.length]!;
      const token = tokenFor(tag, i);
      const started = performance.now();
      let res;
      try {
        res = await request('POST', `${server.url}/api/v10/channels/${channelId}/messages`, { content: `steady ${token} load words` }, { authorization: user.token });
      } catch {
        sendErrors++;
        return;
      }
      const answered = performance.now();
      if (res.status !== 200) {
        sendErrors++;
        return;
      }
      sendTimes.push(answered - started);
      if (i % p.sampleEvery === 0) await pollUntilFound(user, channelId, res.json.id, token, answered);
    };

    const window = measureWindow(server.pid);
    const inFlight: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / p.rate - performance.now();
      if (wait > 1) await sleep(wait);
      inFlight.push(sendOne(i));
    }
    const sendSeconds = (performance.now() - start) / 1000;
    await Promise.all(inFlight);
    const w = window.stop();

    const lag = summary(lags);
    return {
      backend,
      sent: sendTimes.length,
      sendErrors,
      achievedRate: round(total / sendSeconds, 1),
      sendLatency: summary(sendTimes),
      samples: lags.length + missed,
      missed,
      lag: { ...lag, meanMs: round(lags.reduce((a, b) => a + b, 0) / Math.max(1, lags.length), 1) },
      searches,
      serverCpuSeconds: w.cpuSeconds,
      serverPeakRssMb: mb(w.peakRss),
    };
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
    if (backend === 'postgres') await withPg(databaseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  }
}

async function withPg(url: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
