/**
 * READY for a member of many large guilds: one user in G guilds (default 100) of M members each (default 1,000);
 * IDENTIFY repeatedly and time READY and the arrival of every GUILD_CREATE; count the bytes on the wire.
 *
 *   node --import tsx bench/run.ts ready [--quick] [--guilds G] [--members M] [--samples N] [--compress both|none|zlib]
 *
 * Setup: the user and the G guilds are created through REST (POST /auth/register, POST /guilds) on a first
 * server process; that process is stopped and the M − 1 other members of every guild (the same M − 1 filler
 * users in each) are written straight into its SQLite database through the store API (src/store/open.ts) —
 * registering and joining 100,000 memberships through REST would take far longer than the measurement. Then a
 * second server process starts on that data folder and the measurement runs. The first sample of the run is the
 * cold one (the guild role loads each guild from the store); it is reported apart from the warm p50/p99.
 * Bytes = WebSocket message payloads received from connect to the last GUILD_CREATE (after compression for
 * zlib-stream; WebSocket frame headers not counted). No other member is online, so GUILD_CREATE carries only the
 * members a large guild sends (the user itself; offline members are left out above large_threshold 50).
 */
import os from 'node:os';
import { Args, gatewayUrl, Hist, Intents, LOAD_LIMITS, log, mb, memory, round, startAccord, startWorkers, table, writeResults, api } from './lib/common.ts';
import { openSessions } from './lib/sessions.ts';
import { addFillerMembers, registerUsers } from './lib/setup.ts';

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const compress = a.choice('compress', ['both', 'none', 'zlib'] as const, 'both');
  const p = {
    guilds: a.int('guilds', 100, 1, 100),
    members: a.int('members', 1000, 1, 100_000),
    samples: a.int('samples', quick ? 5 : 20, 1, 1000),
    modes: compress === 'both' ? (['none', 'zlib'] as const) : ([compress] as const),
    logLevel: a.str('log-level') ?? 'warn',
  };
  const loadBefore = os.loadavg();
  log(`ready bench: one user in ${p.guilds} guilds of ${p.members} members, ${p.samples} identifies per encoding`);
  const [worker] = await startWorkers(1);
  const results: Array<Record<string, unknown>> = [];
  let cold: Record<string, unknown> | undefined;
  try {
    // 1. The user and its guilds through REST.
    const first = await startAccord({ logLevel: p.logLevel });
    const dataDir = first.dataDir;
    let token: string;
    let guildIds: string[];
    try {
      const [user] = await registerUsers(first.url, 1);
      token = user!.token;
      guildIds = [];
      for (let i = 0; i < p.guilds; i++) guildIds.push((await api<{ id: string }>(first.url, 'POST', '/guilds', { name: `ready-${i}` }, token)).id);
    } finally {
      await first.stop();
    }
    // 2. The other members straight into the database (the server is stopped).
    await addFillerMembers(dataDir, guildIds, p.members - 1);

    // 3. Measure on a fresh process over that data.
    const server = await startAccord({ dataDir, logLevel: p.logLevel });
    try {
      for (const mode of p.modes) {
        const samples: Array<{ readyMs: number; guildsMs: number; bytes: number; frames: number; guilds: number }> = [];
        for (let i = 0; i < p.samples; i++) {
          const open = await openSessions([worker!], gatewayUrl(server.url, mode === 'zlib'), [token], {
            compress: mode === 'zlib', intents: Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT, rate: 1000, expectGuilds: p.guilds, timeoutMs: 60_000, detail: true,
          });
          await worker!.call('closeAll', {}, 30_000);
          const d = open.detail![0]!;
          if (open.complete !== 1) log(`  sample ${i}: incomplete (${d.guilds}/${p.guilds} GUILD_CREATE) ${JSON.stringify(open.failures)}`);
          if (!cold) {
            cold = { compress: mode, ...d };
            continue;
          }
          samples.push(d);
        }
        const ready = new Hist();
        const all = new Hist();
        for (const s of samples) {
          ready.add(s.readyMs);
          if (s.guilds === p.guilds) all.add(s.guildsMs);
        }
        const bytes = samples.map((s) => s.bytes).sort((x, y) => x - y);
        results.push({
          compress: mode, samples: samples.length, complete: all.n, ready: ready.summary(), allGuildCreates: all.summary(),
          bytesMedian: bytes[Math.floor(bytes.length / 2)] ?? 0, bytesPerGuild: round((bytes[Math.floor(bytes.length / 2)] ?? 0) / p.guilds, 0), frames: samples[0]?.frames,
        });
      }
      results.push({ serverRssMb: mb(memory(server.pid).rss) });
    } finally {
      await server.stop();
    }
  } finally {
    await worker!.close();
  }
  const rows: Array<Array<string | number>> = [['compress', 'samples', 'READY p50 ms', 'READY p99 ms', 'all GUILD_CREATE p50 ms', 'p99 ms', 'bytes/identify', 'bytes/guild', 'frames']];
  for (const r of results as any[]) if (r.compress) rows.push([r.compress, r.samples, r.ready.p50Ms, r.ready.p99Ms, r.allGuildCreates.p50Ms, r.allGuildCreates.p99Ms, r.bytesMedian, r.bytesPerGuild, r.frames]);
  const c = cold as any;
  if (c) rows.push([`${c.compress} (cold, 1st)`, 1, round(c.readyMs), '', round(c.guildsMs), '', c.bytes, round(c.bytes / p.guilds, 0), c.frames]);
  console.log(table(rows));
  console.log('latency from the start of the WebSocket connect; bytes = WebSocket payloads received (compressed for zlib)');
  writeResults('ready', { ...p, seeded: 'filler members written through the store API before the measured server started', serverEnv: LOAD_LIMITS }, loadBefore, { modes: results, cold });
}
