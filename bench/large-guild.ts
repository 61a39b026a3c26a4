/**
 * One large guild: M members (default 100,000) and S sessions (default 10,000) in it.
 *
 *   node --import tsx bench/run.ts large-guild [--quick] [--members M] [--sessions S] [--users U] [--rate R] [--messages N]
 *                                              [--compress none|zlib] [--settle SECONDS] [--workers W] [--profile] [--log-level L]
 *
 * Setup as bench/ready.ts: U users (default 250) register and join the guild through REST on a first server
 * process, which is then stopped, and the M − U other members are written into its store (setup.ts
 * addFillerMembers); they never connect. A fresh server process on that data is measured:
 *
 * 1. Identify storm: S user sessions, round-robin over the U users, open at R/s with GUILDS|GUILD_MESSAGES|
 *    MESSAGE_CONTENT and the default large_threshold (50). READY and GUILD_CREATE latency from IDENTIFY sent,
 *    their bytes on the wire per session, and what GUILD_CREATE's member list held: a large guild lists only
 *    online members (at most U), and one of over 75,000 members (the default M) only the session's own, as
 *    Discord documents, with `large: true` and `member_count` = M. Server CPU per identify; RSS per
 *    session = (RSS after a settle period − RSS before the first session) / S, no GC forced (as bench/connect.ts).
 * 2. Fan-out: N messages posted through REST into the guild's channel one at a time, each once every session
 *    has the one before; latency from the REST call's start to receipt at each session: p50/p99/max over all
 *    deliveries, and the median over messages of each message's own p99; missed and duplicated deliveries (must
 *    be 0); server CPU per 1,000 deliveries (idle CPU of the S sessions' heartbeats included: measured apart
 *    during the settle period), peak RSS.
 * 3. Member list on demand: one session sends op 8 (query "", limit 0: every member), then again with
 *    presences: true; time from op 8 to the last GUILD_MEMBERS_CHUNK (chunk_index = chunk_count − 1), chunks,
 *    members and bytes. User sessions may do this without the GUILD_MEMBERS / GUILD_PRESENCES intents (bots
 *    need them: src/sessions/member-requests.ts), so the S sessions keep the fan-out benchmark's intents.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  Args, cpuSeconds, gatewayUrl, Hist, Intents, listenOverflows, LOAD_LIMITS, log, mb, measureWindow, memory, round, sleep, startAccord, startWorkers, table, writeResults,
  type LatencySummary, type ServerProcess, type WorkerClient,
} from './lib/common.ts';
import { stopWithProfile, type ProfileSummary } from './lib/profile-summary.ts';
import { collect, openSessions, requestMembers, sendMessages, sessionTokens, waitDeliveries, type MemberRequestReport, type SessionDetail } from './lib/sessions.ts';
import { addFillerMembers, guildWithMembers, registerUsers, type BenchGuild } from './lib/setup.ts';

interface Params {
  members: number;
  sessions: number;
  users: number;
  rate: number;
  messages: number;
  compress: 'none' | 'zlib';
  settleSeconds: number;
  workers: number;
  profile: boolean;
  logLevel: string;
}

const INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

function parse(args: string[]): Params {
  const a = new Args(args);
  const quick = a.has('quick');
  const sessions = a.int('sessions', quick ? 1000 : 10_000, 1, 100_000);
  const users = a.int('users', Math.min(sessions, quick ? 50 : 250), 1, 10_000);
  return {
    members: a.int('members', quick ? 10_000 : 100_000, users + 1, 1_000_000),
    sessions,
    users,
    // As bench/connect.ts: 250/s is what one 2-core node sustains with its own load generator beside it.
    rate: a.num('rate', quick ? 500 : 250, 1, 100_000),
    messages: a.int('messages', quick ? 10 : 20, 1, 10_000),
    compress: a.choice('compress', ['none', 'zlib'] as const, 'none'),
    settleSeconds: a.num('settle', quick ? 3 : 10, 0, 600),
    workers: a.int('workers', sessions >= 500 ? 2 : 1, 1, 8),
    profile: a.has('profile'),
    logLevel: a.str('log-level') ?? 'warn',
  };
}

/** Median of numbers (NaN for none). */
function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

/** The U users and their guild through REST, then the fillers into the stopped server's store. */
async function setUp(p: Params): Promise<{ dataDir: string; guild: BenchGuild }> {
  const first = await startAccord({ logLevel: p.logLevel });
  let guild: BenchGuild;
  try {
    const users = await registerUsers(first.url, p.users);
    guild = await guildWithMembers(first.url, users, 'large-guild');
  } finally {
    await first.stop();
  }
  await addFillerMembers(first.dataDir, [guild.guildId], p.members - p.users);
  return { dataDir: first.dataDir, guild };
}

/** Step 1: the identify storm and what READY / GUILD_CREATE carried. */
async function identifyStorm(server: ServerProcess, workers: WorkerClient[], tokens: string[], p: Params) {
  await sleep(2000);
  const before = memory(server.pid);
  const window = measureWindow(server.pid);
  const loadCpu0 = workers.map((w) => cpuSeconds(w.proc.pid!));
  const overflows0 = listenOverflows();
  log(`  opening ${p.sessions} sessions at ${p.rate}/s`);
  const open = await openSessions(workers, gatewayUrl(server.url, p.compress === 'zlib'), sessionTokens(tokens, p.sessions), {
    compress: p.compress === 'zlib', intents: INTENTS, rate: p.rate, timeoutMs: Math.ceil((p.sessions / p.rate) * 1000) + 120_000, detail: true,
  });
  const storm = window.stop();
  const overflows = listenOverflows() - overflows0;
  const loadCpuSeconds = round(workers.reduce((acc, w, k) => acc + cpuSeconds(w.proc.pid!) - loadCpu0[k]!, 0), 2);
  log(`  ${open.complete}/${p.sessions} sessions got READY + GUILD_CREATE in ${open.seconds.toFixed(1)} s; settling ${p.settleSeconds} s`);
  // The settle period also gives the idle cost of S sessions (heartbeats), which the fan-out window includes.
  const idle = measureWindow(server.pid);
  await sleep(p.settleSeconds * 1000);
  const settled = idle.stop();
  const after = memory(server.pid);

  const detail = open.detail as SessionDetail[];
  const hello = new Hist();
  const guildCreate = new Hist();
  // Where the sessions that never completed stopped: no HELLO (the upgrade or HELLO never came), no READY, no GUILD_CREATE.
  const stuck = { beforeHello: 0, beforeReady: 0, beforeGuildCreate: 0 };
  const readyBytes: number[] = [];
  const guildBytes: number[] = [];
  const listed: number[] = [];
  const presences: number[] = [];
  let notLarge = 0;
  let wrongCount = 0;
  let tooManyListed = 0;
  for (const d of detail) {
    if (d.identifyMs > 0) hello.add(d.identifyMs);
    if (d.identifyMs <= 0) stuck.beforeHello++;
    else if (d.readyMs <= 0) stuck.beforeReady++;
    else if (d.guildsMs <= 0) stuck.beforeGuildCreate++;
    if (d.readyMs > 0 && d.identifyMs > 0) readyBytes.push(d.readyBytes);
    if (d.guildsMs > 0 && d.identifyMs > 0 && d.guild) {
      guildCreate.add(d.guildsMs - d.identifyMs);
      guildBytes.push(d.guildCreateBytes);
      listed.push(d.guild.members);
      presences.push(d.guild.presences);
      if (!d.guild.large) notLarge++;
      if (d.guild.memberCount !== p.members) wrongCount++;
      // Only online members: the U users at most (each session's own user is among them; above 75,000, only it).
      if (d.guild.members > p.users || d.guild.members < 1) tooManyListed++;
    }
  }
  return {
    sessions: p.sessions, ready: open.ready, complete: open.complete, failures: open.failures, invalidSessions: open.invalidSessions,
    stormSeconds: round(open.seconds, 2), identifiesPerSecond: round(open.ready / Math.max(0.001, open.seconds), 0), offeredPerSecond: p.rate,
    readyLatency: open.identifyLat.summary(), guildCreateLatency: guildCreate.summary(),
    readyFromConnect: open.readyLat.summary(), guildCreateFromConnect: open.guildsLat.summary(),
    // Connect start → IDENTIFY sent: TCP connect, the WebSocket upgrade and HELLO.
    connectToIdentify: hello.summary(), incomplete: stuck, loadCpuSeconds,
    // Machine-wide (other processes' listeners count too): connects dropped because a listen queue was full.
    listenOverflows: overflows,
    readyBytes: { median: median(readyBytes), min: Math.min(...readyBytes), max: Math.max(...readyBytes) },
    guildCreateBytes: { median: median(guildBytes), min: Math.min(...guildBytes), max: Math.max(...guildBytes) },
    guildCreateMembers: { median: median(listed), min: Math.min(...listed), max: Math.max(...listed), memberCount: p.members },
    guildCreatePresences: { median: median(presences), max: Math.max(...presences) },
    // Must all be 0: every GUILD_CREATE says large, member_count = M, and lists online members only.
    checks: { notLarge, wrongMemberCount: wrongCount, listedBeyondOnline: tooManyListed, withoutGuildCreate: p.sessions - guildBytes.length },
    serverCpuSeconds: storm.cpuSeconds, serverCpuMsPerIdentify: round((1000 * storm.cpuSeconds) / Math.max(1, open.ready), 3),
    idleCpuPerSecond: round(settled.cpuSeconds / Math.max(0.001, settled.wallSeconds), 3),
    rssBeforeMb: mb(before.rss), rssAfterSettleMb: mb(after.rss), stormPeakRssMb: mb(Math.max(storm.peakRss, after.rss)),
    rssPerSessionKb: round((after.rss - before.rss) / 1024 / Math.max(1, open.complete), 1),
  };
}

/** Step 2: N messages one at a time, each waited for at every session before the next. */
async function fanOut(server: ServerProcess, workers: WorkerClient[], guild: BenchGuild, sessions: number, idleCpuPerSecond: number, p: Params) {
  await sleep(2000); // the storm's presence updates drain before measuring
  const tag = randomBytes(4).toString('hex');
  await Promise.all(workers.map((w) => w.call('track', { messages: p.messages, tag })));
  const sentFlags = new Uint8Array(p.messages);
  const perMessage: Array<{ idx: number; restMs: number; deliveries: number; p50Ms: number; p99Ms: number }> = [];
  const rest = new Hist();
  const sendErrors: Record<string, number> = {};
  let ok = 0;
  let previous = new Hist();
  let stalled = 0;
  const window = measureWindow(server.pid);
  for (let idx = 0; idx < p.messages; idx++) {
    const sent = await sendMessages(workers[0]!, {
      base: server.url, tokens: [guild.owner.token], channelIds: [guild.channelId], count: 1, idxStart: idx, rate: 0, concurrency: 1, tag, timeoutMs: 30_000,
    });
    for (const [k, v] of Object.entries(sent.errors)) sendErrors[k] = (sendErrors[k] ?? 0) + v;
    if (!sent.okFlags[idx]) continue;
    sentFlags[idx] = 1;
    ok++;
    rest.merge(sent.latency);
    const got = await waitDeliveries(workers, ok * sessions, 10_000, 120_000);
    if (got < ok * sessions) stalled++;
    const c = await collect(workers, sentFlags);
    const mine = c.lat.since(previous);
    previous = c.lat;
    perMessage.push({ idx, restMs: round(sent.latency.max), deliveries: mine.n, p50Ms: round(mine.pct(50)), p99Ms: round(mine.pct(99)) });
  }
  const w = window.stop();
  const c = await collect(workers, sentFlags);
  const hwm = memory(server.pid).hwm;
  const expected = ok * sessions;
  log(`  fan-out: ${c.deliveries}/${expected} deliveries, p50 ${round(c.lat.pct(50))} ms, p99 ${round(c.lat.pct(99))} ms, missed ${c.missed}, dup ${c.duplicated}`);
  return {
    messagesSent: ok, sendErrors, sessions, expectedDeliveries: expected, deliveries: c.deliveries, latency: c.lat.summary() as LatencySummary,
    // "Fan-out p99 of one message to the S sessions": each message's own p99, and their median.
    messageP99MedianMs: round(median(perMessage.map((m) => m.p99Ms))), messageP99MaxMs: round(Math.max(...perMessage.map((m) => m.p99Ms))), perMessage,
    restLatency: rest.summary(), missed: c.missed, duplicated: c.duplicated, unexpected: c.unexpected, sessionsMissing: c.sessionsMissing, idMismatch: c.idMismatch,
    messagesStalled: stalled, otherEvents: c.otherEvents, failures: c.failures,
    serverCpuSeconds: w.cpuSeconds, serverCpuPer1000Deliveries: round((1000 * w.cpuSeconds) / Math.max(1, c.deliveries), 4), wallSeconds: w.wallSeconds,
    // Less what the idle sessions cost over the same wall time (the window also spans the waits between messages).
    serverCpuPer1000DeliveriesNetOfIdle: round((1000 * Math.max(0, w.cpuSeconds - idleCpuPerSecond * w.wallSeconds)) / Math.max(1, c.deliveries), 4),
    serverPeakRssMb: mb(w.peakRss), serverVmHwmMb: mb(hwm),
  };
}

/** Step 3: every member through op 8, without and with presences. */
async function memberLists(server: ServerProcess, worker: WorkerClient, guildId: string) {
  const out: Array<{ withPresences: boolean; serverCpuSeconds: number } & MemberRequestReport> = [];
  for (const presences of [false, true]) {
    const window = measureWindow(server.pid);
    const r = await requestMembers(worker, { guildId, query: '', limit: 0, presences, timeoutMs: 120_000 });
    const w = window.stop();
    log(`  op 8 (presences ${presences}): ${r.complete ? 'complete' : `INCOMPLETE (session ${r.sessionPhase}, close ${r.closeCode})`}, ` +
      `${r.chunksReceived}/${r.chunkCount} chunks, ${r.members} members, ${r.bytes} bytes, last chunk ${r.lastChunkMs === null ? '-' : round(r.lastChunkMs)} ms`);
    out.push({ withPresences: presences, serverCpuSeconds: w.cpuSeconds, ...r });
  }
  return out;
}

export async function main(args: string[]): Promise<void> {
  const p = parse(args);
  const loadBefore = os.loadavg();
  log(`large-guild bench: one guild of ${p.members} members (${p.users} registered users, the rest written to the store), ${p.sessions} sessions at ${p.rate}/s, ` +
    `${p.messages} messages one at a time, compress ${p.compress}, ${p.workers} load worker(s); server rate limits raised`);
  const workers = await startWorkers(p.workers);
  let profile: ProfileSummary | undefined;
  let identify: Awaited<ReturnType<typeof identifyStorm>> | undefined;
  let fanout: Awaited<ReturnType<typeof fanOut>> | undefined;
  let members: Awaited<ReturnType<typeof memberLists>> | undefined;
  let peakRssMb = 0;
  let serverLog = '';
  try {
    const { dataDir, guild } = await setUp(p);
    const server = await startAccord({ dataDir, profile: p.profile, logLevel: p.logLevel });
    serverLog = server.logFile;
    log(`  accord pid ${server.pid} on ${server.url} (data ${dataDir})`);
    try {
      identify = await identifyStorm(server, workers, guild.users.map((u) => u.token), p);
      fanout = await fanOut(server, workers, guild, identify.complete, identify.idleCpuPerSecond, p);
      members = await memberLists(server, workers[0]!, guild.guildId);
      peakRssMb = mb(memory(server.pid).hwm);
      await Promise.all(workers.map((w) => w.call('closeAll', {}, 60_000)));
    } finally {
      profile = await stopWithProfile(server);
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const i = identify!;
  const f = fanout!;
  console.log(table([
    ['sessions', 'ready', 'identifies/s', 'READY p50 ms', 'p99', 'max', 'GUILD_CREATE p50 ms', 'p99', 'max', 'READY bytes', 'GUILD_CREATE bytes', 'members listed', 'cpu ms/identify', 'RSS before MB', 'after MB', 'KB/session'],
    [i.sessions, i.complete, i.identifiesPerSecond, i.readyLatency.p50Ms, i.readyLatency.p99Ms, i.readyLatency.maxMs, i.guildCreateLatency.p50Ms, i.guildCreateLatency.p99Ms,
      i.guildCreateLatency.maxMs, i.readyBytes.median, i.guildCreateBytes.median, `${i.guildCreateMembers.median} (max ${i.guildCreateMembers.max}) of ${p.members}`,
      i.serverCpuMsPerIdentify, i.rssBeforeMb, i.rssAfterSettleMb, i.rssPerSessionKb],
  ]));
  console.log(`latency from IDENTIFY sent; bytes = the frame on the wire per session (median${p.compress === 'zlib' ? ', compressed' : ''}); ` +
    `checks (must be 0): not large ${i.checks.notLarge}, member_count ≠ ${p.members} ${i.checks.wrongMemberCount}, more members listed than online ${i.checks.listedBeyondOnline}, ` +
    `no GUILD_CREATE ${i.checks.withoutGuildCreate}`);
  console.log('');
  console.log(table([
    ['messages', 'deliveries', 'p50 ms', 'p99 ms', 'max ms', 'per-message p99 median', 'worst', 'REST p50 ms', 'missed', 'dup', 'cpu s', 'cpu s/1k deliv', 'net of idle', 'peak RSS MB', 'VmHWM MB'],
    [f.messagesSent, f.deliveries, f.latency.p50Ms, f.latency.p99Ms, f.latency.maxMs, f.messageP99MedianMs, f.messageP99MaxMs, f.restLatency.p50Ms, f.missed, f.duplicated,
      f.serverCpuSeconds, f.serverCpuPer1000Deliveries, f.serverCpuPer1000DeliveriesNetOfIdle, f.serverPeakRssMb, peakRssMb],
  ]));
  console.log(`latency = REST call start → MESSAGE_CREATE at each session; cpu over the fan-out window ${f.wallSeconds} s, and net of the idle sessions' ${i.idleCpuPerSecond} cpu s/s (heartbeats; measured while settling)`);
  console.log('');
  console.log(table([
    ['op 8 (query "", limit 0)', 'complete', 'first chunk ms', 'last chunk ms', 'chunks', 'members', 'presences', 'bytes', 'server cpu s'],
    ...members!.map((m) => [`presences: ${m.withPresences}`, m.complete ? 'yes' : `NO (${m.sessionPhase}${m.closeCode ? ` ${m.closeCode}` : ''})`,
      m.firstChunkMs === null ? '-' : round(m.firstChunkMs), m.lastChunkMs === null ? '-' : round(m.lastChunkMs), `${m.chunksReceived}/${m.chunkCount}`, m.members, m.presences, m.bytes, m.serverCpuSeconds]),
  ]));
  console.log(`connect → IDENTIFY sent (upgrade + HELLO): p50 ${i.connectToIdentify.p50Ms} ms, p99 ${i.connectToIdentify.p99Ms} ms, max ${i.connectToIdentify.maxMs} ms; ` +
    `storm ${i.stormSeconds} s, server cpu ${i.serverCpuSeconds} s, load workers cpu ${i.loadCpuSeconds} s; listen queue overflows (machine-wide) ${i.listenOverflows}`);
  if (i.complete < p.sessions) console.log(`FAILED sessions: ${JSON.stringify(i.failures)}, stopped ${JSON.stringify(i.incomplete)}; server log: ${serverLog}`);
  if (f.missed || f.duplicated || f.messagesStalled) console.log(`FAN-OUT: ${f.missed} missed, ${f.duplicated} duplicated, ${f.messagesStalled} messages stalled; failures ${JSON.stringify(f.failures)}`);
  writeResults('large-guild', { ...p, intents: 'GUILDS|GUILD_MESSAGES|MESSAGE_CONTENT', largeThreshold: 50, seeded: 'filler members written through the store API before the measured server started', serverEnv: LOAD_LIMITS },
    loadBefore, { identify, fanout, memberRequests: members, serverVmHwmMb: peakRssMb, profile });
}
