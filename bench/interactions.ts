/**
 * interactions: the application paths of Accord against `npm start` (SQLite in a temp folder), all on 127.0.0.1.
 *
 *   (a) interaction round trip: a user POSTs /interactions (a guild slash command) → the bot's gateway session gets
 *       INTERACTION_CREATE → the bot POSTs the callback (type 4, CHANNEL_MESSAGE_WITH_SOURCE) → the invoking user's
 *       gateway session gets the reply's MESSAGE_CREATE. Closed loop, C invocations in flight, N in all, spread over
 *       U invoking users (round-robin) so per-user route limits are not what is measured.
 *   (b) webhook execute (POST /webhooks/{id}/{token}?wait=true) beside plain message create (the bot's token,
 *       POST /channels/{id}/messages): the same count, the same concurrency, the same channel, one after the other.
 *
 *   npm run bench -- interactions [--quick] [--concurrency C] [--invocations N] [--messages M] [--users U] [--webhooks W]
 *                                 [--warmup K] [--profile] [--log-level L]
 *
 * --profile runs the server with --cpu-prof and prints its self-time summary (bench/lib/profile-summary.ts).
 *
 * The server runs with the benchmarks' raised limits (LOAD_LIMITS); any 429 is still counted apart (by route) and
 * waited out (its retry_after), and the latency of a throttled request counts from its first attempt. Any other
 * non-2xx answer or socket error is an error and must be 0.
 */
import { readdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { api, Args, Hist, Intents, LOAD_LIMITS, log, measureWindow, round, sleep, startAccord, table, writeResults, type HttpResult } from './lib/common.ts';
import { formatProfile, summarizeProfile, type ProfileSummary } from './lib/profile-summary.ts';
import { guildWithMembers, registerUsers, type BenchUser } from './lib/setup.ts';

/** What one part counted: answers by route and status class. */
interface Tally {
  ok: number;
  /** 429s by route ('invoke', 'callback', 'webhook', 'message'). */
  rateLimited: Record<string, number>;
  errors: Record<string, number>;
}
const newTally = (): Tally => ({ ok: 0, rateLimited: {}, errors: {} });
/** An invocation in flight: when each step happened (performance.now(), 0 until then), and how it ends. */
interface Flight {
  userId: string;
  run: InteractionRun;
  /** INTERACTION_CREATE at the bot, which sends its callback at once. */
  botAt: number;
  done(): void;
  fail(error: string): void;
}
interface InteractionRun {
  tally: Tally;
  /** POST /interactions → the reply's MESSAGE_CREATE at the invoker. */
  total: Hist;
  /** POST /interactions → its 204. */
  invokeHttp: Hist;
  /** POST /interactions → INTERACTION_CREATE at the bot. */
  toBot: Hist;
  /** The bot's callback POST → its answer. */
  callbackHttp: Hist;
  /** The bot's callback POST sent → the reply's MESSAGE_CREATE at the invoker. */
  replyAfterCallback: Hist;
}
const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const p = {
    concurrency: a.int('concurrency', 100, 1, 1024),
    invocations: a.int('invocations', quick ? 500 : 2000, 1, 1_000_000),
    messages: a.int('messages', quick ? 500 : 2000, 1, 1_000_000),
    users: a.int('users', 4, 1, 200),
    webhooks: a.int('webhooks', 1, 1, 15),
    warmup: a.int('warmup', quick ? 50 : 200, 0, 100_000),
    logLevel: a.str('log-level') ?? 'warn',
    profile: a.has('profile'),
  };
  const loadBefore = os.loadavg();
  log(`interactions bench: ${p.invocations} invocations and ${p.messages} messages each way, ${p.concurrency} in flight, ${p.users} invoking users, ${p.webhooks} webhook(s)`);
  // The users' requests and the bot's callbacks on agents of their own: neither queues behind the other's sockets.
  const agent = new http.Agent({ keepAlive: true, maxSockets: p.concurrency + 8 });
  const botAgent = new http.Agent({ keepAlive: true, maxSockets: p.concurrency + 8 });
  const results: Record<string, any> = {};
  const server = await startAccord({ logLevel: p.logLevel, profile: p.profile });
  let profile: ProfileSummary | undefined;
  const sessions: Session[] = [];
  try {
    const users = await registerUsers(server.url, p.users);
    const g = await guildWithMembers(server.url, users);
    const owner = g.owner;
    const app = await api<{ id: string }>(server.url, 'POST', '/applications', { name: 'Bench Bot' }, owner.token);
    const { token: botToken } = await api<{ token: string }>(server.url, 'POST', `/applications/${app.id}/bot/reset`, {}, owner.token);
    const bot = `Bot ${botToken}`;
    await api(server.url, 'POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { guild_id: g.guildId, authorize: true, permissions: '3072' }, owner.token);
    const command = await api<{ id: string; name: string; version: string }>(server.url, 'POST', `/applications/${app.id}/guilds/${g.guildId}/commands`, {
      name: 'ping', description: 'Answers pong', options: [{ type: 3, name: 'key', description: 'Echoed back', required: true }],
    }, bot);

    // One entry per invocation in flight, by its key (the command's option, echoed in the reply's content).
    const live = new Map<string, Flight>();
    // The bot answers every invocation at once with a message echoing its key.
    const botSession = await Session.open(server.url, bot, Intents.GUILDS);
    sessions.push(botSession);
    botSession.onDispatch = (t, d) => {
      if (t !== 'INTERACTION_CREATE' || d.data?.name !== 'ping') return;
      const key = String(d.data.options?.[0]?.value);
      const f = live.get(key);
      const sentAt = performance.now();
      if (f) f.botAt = sentAt;
      void withRetry(() => post(botAgent, `${server.url}/api/v10/interactions/${d.id}/${d.token}/callback`, { type: 4, data: { content: `pong|${key}` } }), () => f && bump(f.run.tally.rateLimited, 'callback'))
        .then((res) => {
          if (!f) return;
          // Often after the reply's MESSAGE_CREATE: the message is dispatched before the callback answers.
          f.run.callbackHttp.add(performance.now() - sentAt);
          // 10062 Unknown Interaction: the answer came after Discord's 3 s, the interaction had failed.
          if (res.status !== 204 && res.status !== 200) f.fail(res.status === 404 ? 'callback 404 (after 3 s)' : `callback ${res.status}`);
        }, (err: Error) => f?.fail(`callback ${err.message}`));
    };
    // Each invoking user's session takes the replies to its own invocations.
    for (const u of users) {
      const s = await Session.open(server.url, u.token, Intents.GUILDS | Intents.GUILD_MESSAGES);
      s.onDispatch = (t, d) => {
        if (t !== 'MESSAGE_CREATE' || typeof d.content !== 'string' || !d.content.startsWith('pong|')) return;
        const f = live.get(d.content.slice(5));
        if (f && f.userId === u.id) f.done();
      };
      sessions.push(s);
    }

    const tag = randomBytes(3).toString('hex');
    const invoke = (user: BenchUser, key: string, run: InteractionRun) => new Promise<void>((resolve) => {
      const t0 = performance.now();
      let settled = false;
      const finish = (error?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        live.delete(key);
        if (error) bump(run.tally.errors, error);
        else {
          const end = performance.now();
          run.tally.ok++;
          run.total.add(end - t0);
          if (f.botAt) run.toBot.add(f.botAt - t0);
          if (f.botAt) run.replyAfterCallback.add(end - f.botAt);
        }
        resolve();
      };
      const timer = setTimeout(() => finish('no reply in 15 s'), 15_000);
      const f: Flight = { userId: user.id, run, botAt: 0, done: () => finish(), fail: (e) => finish(e) };
      live.set(key, f);
      withRetry(() => post(agent, `${server.url}/api/v10/interactions`, {
        type: 2, application_id: app.id, guild_id: g.guildId, channel_id: g.channelId, session_id: 'bench', nonce: key.slice(-25),
        data: { id: command.id, name: command.name, type: 1, version: command.version, options: [{ type: 3, name: 'key', value: key }] },
      }, user.token), () => bump(run.tally.rateLimited, 'invoke')).then((res) => {
        // Sometimes after the reply's MESSAGE_CREATE: the bot may answer before this 204 is written.
        if (res.status === 204) run.invokeHttp.add(performance.now() - t0);
        else finish(`invoke ${res.status}`);
      }, (err: Error) => finish(`invoke ${err.message}`));
    });
    const runInteractions = async (n: number, label: string) => {
      const run: InteractionRun = { tally: newTally(), total: new Hist(), invokeHttp: new Hist(), toBot: new Hist(), callbackHttp: new Hist(), replyAfterCallback: new Hist() };
      const window = measureWindow(server.pid);
      const t0 = performance.now();
      await closedLoop(n, p.concurrency, (i) => invoke(users[i % users.length]!, `${tag}${label}${i}`, run));
      const seconds = (performance.now() - t0) / 1000;
      const w = window.stop();
      return { ...run, hist: run.total, seconds, cpu: w.cpuSeconds };
    };

    if (p.warmup) await runInteractions(p.warmup, 'w');
    const ri = await runInteractions(p.invocations, 'm');
    results.interactions = {
      ...summary(ri, p.invocations),
      stages: { invokeHttp: ri.invokeHttp.summary(), invokeToBot: ri.toBot.summary(), callbackHttp: ri.callbackHttp.summary(), callbackToReply: ri.replyAfterCallback.summary() },
    };

    // (b) webhook execute beside plain message create.
    const hooks: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < p.webhooks; i++) hooks.push(await api(server.url, 'POST', `/channels/${g.channelId}/webhooks`, { name: `Bench Hook ${i}` }, owner.token));
    const sendAll = async (n: number, label: string, kind: 'webhook' | 'message') => {
      const tally = newTally();
      const hist = new Hist();
      const window = measureWindow(server.pid);
      const t0 = performance.now();
      await closedLoop(n, p.concurrency, async (i) => {
        const s0 = performance.now();
        const hook = hooks[i % hooks.length]!;
        try {
          const res = await withRetry(() => kind === 'webhook'
            ? post(agent, `${server.url}/api/v10/webhooks/${hook.id}/${hook.token}?wait=true`, { content: `hook|${label}|${i}` })
            : post(agent, `${server.url}/api/v10/channels/${g.channelId}/messages`, { content: `msg|${label}|${i}` }, bot), () => bump(tally.rateLimited, kind));
          if (res.status !== 200) return void bump(tally.errors, `${kind} ${res.status}`);
          hist.add(performance.now() - s0);
          tally.ok++;
        } catch (err) {
          bump(tally.errors, (err as Error).message);
        }
      });
      const w = window.stop();
      return { tally, hist, seconds: (performance.now() - t0) / 1000, cpu: w.cpuSeconds };
    };
    if (p.warmup) {
      await sendAll(p.warmup, 'w', 'message');
      await sendAll(p.warmup, 'w', 'webhook');
    }
    results.messageCreate = summary(await sendAll(p.messages, 'm', 'message'), p.messages);
    results.webhookExecute = summary(await sendAll(p.messages, 'm', 'webhook'), p.messages);
  } finally {
    for (const s of sessions) s.close();
    await server.stop();
    agent.destroy();
    botAgent.destroy();
    const files = server.profileDir ? readdirSync(server.profileDir).filter((f) => f.endsWith('.cpuprofile')) : [];
    if (files.length) {
      profile = summarizeProfile(join(server.profileDir!, files[0]!), 30);
      console.log(formatProfile(profile, 25));
    }
  }

  const row = (label: string, r: any) => [label, r.count, r.ok, r.errors, r.rateLimited, r.perSecond, r.latency.p50Ms, r.latency.p99Ms, r.latency.maxMs, r.serverCpuMsPerOp];
  console.log(`\n${p.concurrency} in flight; latency in ms (interaction: POST /interactions → reply's MESSAGE_CREATE at the invoker)`);
  console.log(table([
    ['what', 'count', 'ok', 'errors', '429s', 'per s', 'p50', 'p99', 'max', 'server cpu ms/op'],
    row('interaction round trip', results.interactions),
    row('message create (bot)', results.messageCreate),
    row('webhook execute (wait)', results.webhookExecute),
  ]));
  const st = results.interactions.stages;
  const stage = (label: string, x: any) => [label, x.count, x.p50Ms, x.p99Ms, x.maxMs];
  console.log('\ninteraction stages (ms)');
  console.log(table([
    ['stage', 'count', 'p50', 'p99', 'max'],
    stage('POST /interactions → 204', st.invokeHttp),
    stage('POST /interactions → bot INTERACTION_CREATE', st.invokeToBot),
    stage('callback POST → answer', st.callbackHttp),
    stage('callback POST → reply MESSAGE_CREATE at invoker', st.callbackToReply),
  ]));
  for (const [name, r] of Object.entries(results)) {
    if (Object.keys(r.rateLimitedBy).length) console.log(`429s in ${name}: ${JSON.stringify(r.rateLimitedBy)}`);
    if (r.errors) console.log(`ERRORS in ${name}: ${JSON.stringify(r.errorsByKind)}`);
  }
  writeResults('interactions', { ...p, serverEnv: LOAD_LIMITS }, loadBefore, { ...results, profile });
}

function summary(r: { tally: Tally; hist: Hist; seconds: number; cpu: number }, count: number) {
  const errors = Object.values(r.tally.errors).reduce((x, y) => x + y, 0);
  return {
    count, ok: r.tally.ok, errors, errorsByKind: r.tally.errors,
    rateLimited: Object.values(r.tally.rateLimited).reduce((x, y) => x + y, 0), rateLimitedBy: r.tally.rateLimited,
    seconds: round(r.seconds, 2), perSecond: round(r.tally.ok / r.seconds, 0), latency: r.hist.summary(),
    serverCpuSeconds: r.cpu, serverCpuMsPerOp: round((1000 * r.cpu) / Math.max(1, r.tally.ok), 3),
  };
}

/** Runs fn(0..n-1) with `concurrency` calls in flight, each starting as soon as another ends. */
async function closedLoop(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** A request that waits out 429s (their retry_after, at most 10 tries), telling each to `on429`. */
async function withRetry(send: () => Promise<HttpResult>, on429: () => void): Promise<HttpResult> {
  for (let attempt = 0; ; attempt++) {
    const res = await send();
    if (res.status !== 429 || attempt >= 9) return res;
    on429();
    await sleep(Math.min(5_000, 1000 * Number(res.json?.retry_after ?? 0.1)));
  }
}

/** POST of JSON on this benchmark's agent (sized for its concurrency; common.ts's is capped at 64 sockets). */
function post(agent: http.Agent, url: string, body: unknown, authorization?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(url, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(authorization ? { authorization } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, json, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** One raw gateway session (IDENTIFY, heartbeats) handing every dispatch to `onDispatch`. */
class Session {
  onDispatch: (t: string, d: any) => void = () => {};
  #heartbeat: NodeJS.Timeout | undefined;
  #seq: number | null = null;

  private constructor(private readonly ws: WebSocket) {}

  static open(base: string, token: string, intents: number): Promise<Session> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/gateway?v=10&encoding=json`, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    const s = new Session(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('gateway READY not received in 15 s')), 15_000);
      ws.on('error', (err) => reject(err));
      ws.on('close', (code) => reject(new Error(`gateway closed ${code} before READY`)));
      ws.on('message', (data: Buffer) => {
        const msg = JSON.parse(data.toString('utf8'));
        if (typeof msg.s === 'number') s.#seq = msg.s;
        if (msg.op === 10) {
          s.#heartbeat = setInterval(() => ws.send(JSON.stringify({ op: 1, d: s.#seq })), msg.d.heartbeat_interval);
          ws.send(JSON.stringify({ op: 2, d: { token, intents, properties: { os: 'linux', browser: 'bench', device: 'bench' } } }));
        } else if (msg.op === 0) {
          if (msg.t === 'READY') {
            clearTimeout(timer);
            resolve(s);
          }
          s.onDispatch(msg.t, msg.d);
        }
      });
    });
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.ws.close(1000);
  }
}
