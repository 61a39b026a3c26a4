/**
 * A load-generator process (forked by the benchmarks, driven over IPC by WorkerClient in common.ts). It holds a
 * share of the gateway sessions — HELLO, IDENTIFY, heartbeats, zlib-stream inflate, RESUME — and can also act
 * as the REST sender. Commands (each answered once):
 *
 *   open {url, tokens, compress, intents, rate, expectGuilds, timeoutMs, detail?}  open sessions at `rate`/s
 *   track {messages, tag}          start counting MESSAGE_CREATEs whose content is `bench|tag|idx|ts`
 *   progress                       deliveries so far
 *   collect {sent}                 missed / duplicated deliveries per session against the sent idx flags
 *   drop                           kill every socket without a close frame (the sessions stay resumable)
 *   resume {rate, timeoutMs}       reconnect to resume_gateway_url and RESUME each session
 *   closeAll                       close every socket with 1000 (ends the sessions)
 *   send {...}                     post messages through REST at a fixed rate (see #send)
 *   sample                         one MESSAGE_CREATE `d` as received (the floor server's template)
 *   requestMembers {guildId, query, limit, presences, timeoutMs}
 *                                  op 8 from the first live session; times the GUILD_MEMBERS_CHUNKs to the last one
 *
 * MESSAGE_CREATE frames in Accord's layout (`{"op":0,"t":"MESSAGE_CREATE","s":N,"d":{"id":"…`) are read with
 * indexOf instead of JSON.parse so the client spends little CPU per delivery; anything else is parsed.
 */
import http from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { reserveFdTable } from '../../src/lib/fd-table.ts';
import { Hist, wallMs } from './common.ts';
import { SyncZlib } from './zlib-sync.ts';

interface Client {
  i: number;
  token: string;
  url: string;
  compress: boolean;
  ws: WebSocket | null;
  inflate: SyncZlib | null;
  phase: 'connecting' | 'ready' | 'dropped' | 'resuming' | 'resumed' | 'closed' | 'failed';
  sessionId: string | null;
  resumeUrl: string | null;
  seq: number;
  hbTimer: NodeJS.Timeout | null;
  startedAt: number;
  /** When IDENTIFY went out (after HELLO). */
  identifyAt: number;
  readyAt: number;
  guildsAt: number;
  guildsWanted: number;
  guildsSeen: number;
  bytes: number;
  frames: number;
  /** Wire size of the frame being handled (compressed for zlib-stream), of READY, and of the GUILD_CREATEs. */
  frameBytes: number;
  readyBytes: number;
  guildCreateBytes: number;
  /** What the first GUILD_CREATE said about its member list. */
  guild: GuildCreateShape | null;
  recv: Uint8Array | null;
  resumeStartedAt: number;
  resumedAt: number;
  replayed: number;
  closeCode: number;
}

interface GuildCreateShape {
  id: string;
  large: boolean;
  memberCount: number;
  members: number;
  presences: number;
}

/** An op 8 in flight (requestMembers): its GUILD_MEMBERS_CHUNKs, matched by nonce. */
interface MemberRequest {
  client: Client;
  nonce: string;
  sentAt: number;
  firstChunkAt: number;
  lastChunkAt: number;
  chunkCount: number;
  indexes: Set<number>;
  chunks: number;
  bytes: number;
  members: number;
  presences: number;
  notFound: number;
}

const MC_PREFIX = '{"op":0,"t":"MESSAGE_CREATE","s":';
/**
 * A GUILD_CREATE is counted from its head (`t`, `s`) unless the open asked for per-session detail, which reads the
 * member list's shape: parsing a 139 KB GUILD_CREATE costs the load generator about a millisecond, as much as the
 * server's whole identify, and the two share the machine's cores. Any other head is parsed in full.
 */
const GC_PREFIX = '{"op":0,"t":"GUILD_CREATE","s":';
let guildShapes = false;
/** GUILD_CREATEs counted by their head since the last open (reported by open). */
let guildCreatesByHead = 0;
const D_ID = ',"d":{"id":"';
const CONTENT = '"content":"bench|';

let clients: Client[] = [];
let intents = 0;
/** IDENTIFY's large_threshold, when the bench sets one (else the server's default, 50). */
let largeThreshold: number | undefined;
let expectGuilds = 1;
let tracking: { tag: string; messages: number; ids: Array<string | undefined> } | null = null;
let lat = new Hist();
let deliveries = 0;
let firstDelivery = 0;
let lastDelivery = 0;
let idMismatch = 0;
let fastPathMisses = 0;
let otherEvents: Record<string, number> = {};
let invalidSessions = 0;
let reconnects = 0;
let sample: string | null = null;
const memberRequests = new Map<string, MemberRequest>();

function sendJson(c: Client, payload: unknown): void {
  if (c.ws && c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify(payload));
}

function stopHeartbeat(c: Client): void {
  if (c.hbTimer) clearTimeout(c.hbTimer);
  c.hbTimer = null;
}

function heartbeat(c: Client, intervalMs: number, first: boolean): void {
  stopHeartbeat(c);
  c.hbTimer = setTimeout(() => {
    sendJson(c, { op: 1, d: c.seq || null });
    heartbeat(c, intervalMs, false);
  }, first ? intervalMs * Math.random() : intervalMs);
}

function recordMessage(c: Client, content: string, id: string, now: number): void {
  // content: tag|idx|ts (after "bench|")
  const a = content.indexOf('|');
  const b = content.indexOf('|', a + 1);
  if (!tracking || a < 0 || b < 0 || content.slice(0, a) !== tracking.tag) {
    otherEvents.MESSAGE_CREATE_untracked = (otherEvents.MESSAGE_CREATE_untracked ?? 0) + 1;
    return;
  }
  const idx = Number(content.slice(a + 1, b));
  const ts = Number(content.slice(b + 1));
  if (!(idx >= 0 && idx < tracking.messages) || !c.recv) return;
  const seen = tracking.ids[idx];
  if (seen === undefined) tracking.ids[idx] = id;
  else if (seen !== id) idMismatch++;
  if (c.recv[idx]! < 255) c.recv[idx]!++;
  deliveries++;
  if (!firstDelivery) firstDelivery = now;
  lastDelivery = now;
  lat.add(now - ts);
}

function isGuildCreateHead(data: Buffer): boolean {
  if (data.length <= GC_PREFIX.length) return false;
  for (let i = 0; i < GC_PREFIX.length; i++) if (data[i] !== GC_PREFIX.charCodeAt(i)) return false;
  return true;
}

/** A GUILD_CREATE known by its head: `afterPrefix` starts with its seq. */
function onGuildCreateHead(c: Client, afterPrefix: string): void {
  const seq = Number.parseInt(afterPrefix, 10);
  if (!Number.isSafeInteger(seq)) {
    otherEvents.undecodable = (otherEvents.undecodable ?? 0) + 1;
    return;
  }
  if (c.phase === 'resuming') c.replayed++;
  c.seq = seq;
  guildCreatesByHead++;
  guildCreated(c, wallMs(), null);
}

function guildCreated(c: Client, now: number, d: any): void {
  c.guildsSeen++;
  c.guildCreateBytes += c.frameBytes;
  if (d) {
    c.guild ??= {
      id: String(d.id), large: d.large === true, memberCount: Number(d.member_count),
      members: Array.isArray(d.members) ? d.members.length : -1, presences: Array.isArray(d.presences) ? d.presences.length : -1,
    };
  }
  if (c.guildsSeen === c.guildsWanted) c.guildsAt = now;
}

function onText(c: Client, text: string): void {
  const now = wallMs();
  if (c.phase === 'resuming') c.replayed++;
  if (text.startsWith(MC_PREFIX)) {
    const sEnd = text.indexOf(',', MC_PREFIX.length);
    const dId = text.indexOf(D_ID, sEnd);
    const ci = text.indexOf(CONTENT, sEnd);
    if (sEnd > 0 && dId === sEnd && ci > 0) {
      c.seq = Number(text.slice(MC_PREFIX.length, sEnd));
      const idStart = dId + D_ID.length;
      const id = text.slice(idStart, text.indexOf('"', idStart));
      const cStart = ci + CONTENT.length;
      recordMessage(c, text.slice(cStart, text.indexOf('"', cStart)), id, now);
      if (sample === null) sample = text.slice(dId + 5, text.length - 1);
      return;
    }
    fastPathMisses++;
  }
  let msg: { op: number; d: any; s: number | null; t: string | null };
  try {
    msg = JSON.parse(text);
  } catch {
    otherEvents.undecodable = (otherEvents.undecodable ?? 0) + 1;
    return;
  }
  if (typeof msg.s === 'number') c.seq = msg.s;
  switch (msg.op) {
    case 10: {
      heartbeat(c, Number(msg.d?.heartbeat_interval ?? 41_250), true);
      if (c.phase === 'resuming') sendJson(c, { op: 6, d: { token: c.token, session_id: c.sessionId, seq: c.seq } });
      else {
        c.identifyAt = wallMs();
        sendJson(c, { op: 2, d: { token: c.token, intents, ...(largeThreshold ? { large_threshold: largeThreshold } : {}), properties: { os: 'linux', browser: 'accord-bench', device: 'accord-bench' } } });
      }
      return;
    }
    case 1:
      sendJson(c, { op: 1, d: c.seq || null });
      return;
    case 11:
      return;
    case 7:
      reconnects++;
      return;
    case 9:
      invalidSessions++;
      c.phase = 'failed';
      c.ws?.close(1000);
      return;
    case 0:
      break;
    default:
      otherEvents[`op${msg.op}`] = (otherEvents[`op${msg.op}`] ?? 0) + 1;
      return;
  }
  switch (msg.t) {
    case 'READY':
      c.sessionId = msg.d.session_id;
      c.resumeUrl = msg.d.resume_gateway_url;
      c.readyAt = now;
      c.readyBytes = c.frameBytes;
      c.guildsWanted = Math.min(expectGuilds, Array.isArray(msg.d.guilds) ? msg.d.guilds.length : 0);
      if (c.guildsWanted === 0) c.guildsAt = now;
      c.phase = 'ready';
      return;
    case 'GUILD_CREATE':
      guildCreated(c, now, msg.d);
      return;
    case 'RESUMED':
      c.phase = 'resumed';
      c.resumedAt = now;
      return;
    case 'GUILD_MEMBERS_CHUNK': {
      const r = typeof msg.d?.nonce === 'string' ? memberRequests.get(msg.d.nonce) : undefined;
      if (!r) {
        otherEvents.GUILD_MEMBERS_CHUNK = (otherEvents.GUILD_MEMBERS_CHUNK ?? 0) + 1;
        return;
      }
      r.chunks++;
      r.bytes += c.frameBytes;
      r.firstChunkAt ||= now;
      r.chunkCount = Number(msg.d.chunk_count);
      r.indexes.add(Number(msg.d.chunk_index));
      r.members += Array.isArray(msg.d.members) ? msg.d.members.length : 0;
      r.presences += Array.isArray(msg.d.presences) ? msg.d.presences.length : 0;
      r.notFound += Array.isArray(msg.d.not_found) ? msg.d.not_found.length : 0;
      if (Number(msg.d.chunk_index) === r.chunkCount - 1) r.lastChunkAt = now;
      return;
    }
    case 'MESSAGE_CREATE':
      if (typeof msg.d?.content === 'string' && msg.d.content.startsWith('bench|')) recordMessage(c, msg.d.content.slice(6), String(msg.d.id), now);
      return;
    default:
      otherEvents[msg.t ?? '?'] = (otherEvents[msg.t ?? '?'] ?? 0) + 1;
  }
}

function connect(c: Client, url: string): void {
  c.startedAt = wallMs();
  c.inflate?.close();
  c.inflate = c.compress ? new SyncZlib('inflate') : null;
  const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 30_000 });
  c.ws = ws;
  ws.on('message', (data: Buffer, isBinary) => {
    c.bytes += data.length;
    c.frames++;
    c.frameBytes = data.length;
    if (isBinary && c.inflate) {
      // One inflate context per connection, fed synchronously frame by frame (Z_SYNC_FLUSH boundaries).
      let text: string;
      try {
        text = c.inflate.push(data).toString('utf8');
      } catch {
        otherEvents.inflateErrors = (otherEvents.inflateErrors ?? 0) + 1;
        return;
      }
      onText(c, text);
    } else if (!guildShapes && isGuildCreateHead(data)) onGuildCreateHead(c, data.toString('latin1', GC_PREFIX.length, GC_PREFIX.length + 24));
    else onText(c, data.toString('utf8'));
  });
  ws.on('close', (code) => {
    if (c.ws !== ws) return;
    stopHeartbeat(c);
    c.closeCode = code;
    if (c.phase !== 'dropped' && c.phase !== 'closed') c.phase = 'failed';
  });
  ws.on('error', () => {});
}

function resetTracking(messages: number, tag: string): void {
  tracking = { tag, messages, ids: new Array(messages) };
  for (const c of clients) c.recv = new Uint8Array(messages);
  lat = new Hist();
  deliveries = 0;
  firstDelivery = 0;
  lastDelivery = 0;
  idMismatch = 0;
  fastPathMisses = 0;
  otherEvents = {};
  invalidSessions = 0;
  reconnects = 0;
}

/** Starts tasks at `rate` per second (0 = all at once). */
async function paced(n: number, rate: number, fn: (i: number) => void): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (rate > 0) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 4) await new Promise((r) => setTimeout(r, wait));
    } else if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    fn(i);
  }
}

function newClient(i: number, token: string, url: string, compress: boolean): Client {
  return {
    i, token, url, compress, ws: null, inflate: null, phase: 'connecting', sessionId: null, resumeUrl: null,
    seq: 0, hbTimer: null, startedAt: 0, identifyAt: 0, readyAt: 0, guildsAt: 0, guildsWanted: 0, guildsSeen: 0, bytes: 0, frames: 0,
    frameBytes: 0, readyBytes: 0, guildCreateBytes: 0, guild: null,
    recv: tracking ? new Uint8Array(tracking.messages) : null, resumeStartedAt: 0, resumedAt: 0, replayed: 0, closeCode: 0,
  };
}

/**
 * Runs this worker's own client code before anything is timed: HELLO → IDENTIFY → READY against a stub gateway in
 * the worker itself, `rounds` times. A fresh process's first connections pay for compiling the WebSocket and HTTP
 * client paths, several ms each: without this, they landed in the first sessions of whichever server was measured
 * first (Accord's, before the floor's), and a cold client is not what a benchmark of the server measures.
 */
async function warmUp(rounds: number): Promise<void> {
  const stub = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => stub.once('listening', resolve));
  stub.on('connection', (ws) => {
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    ws.on('message', () => ws.send(JSON.stringify({ op: 0, t: 'READY', s: 1, d: { session_id: 'warm-up', resume_gateway_url: 'ws://127.0.0.1', guilds: [] } })));
  });
  const url = `ws://127.0.0.1:${(stub.address() as { port: number }).port}/?v=10&encoding=json`;
  try {
    for (let k = 0; k < rounds; k++) {
      const c = newClient(-1, 'warm-up', url, false);
      connect(c, url);
      await waitUntil(() => c.readyAt > 0 || c.phase === 'failed', 5_000);
      stopHeartbeat(c);
      c.phase = 'closed';
      c.ws?.terminate();
    }
  } finally {
    await new Promise((resolve) => stub.close(resolve));
  }
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function closeCodes(list: Client[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of list) if (c.phase === 'failed' || c.phase === 'connecting') out[`${c.phase}:${c.closeCode || 'none'}`] = (out[`${c.phase}:${c.closeCode || 'none'}`] ?? 0) + 1;
  return out;
}

async function open(m: any) {
  intents = m.intents;
  largeThreshold = m.largeThreshold;
  guildShapes = Boolean(m.detail);
  guildCreatesByHead = 0;
  expectGuilds = m.expectGuilds ?? 1;
  const base = clients.length;
  const fresh: Client[] = (m.tokens as string[]).map((token, k) => newClient(base + k, token, m.url, Boolean(m.compress)));
  clients.push(...fresh);
  const t0 = wallMs();
  await paced(fresh.length, m.rate, (k) => connect(fresh[k]!, m.url));
  const settled = (c: Client) => c.phase === 'failed' || (c.readyAt > 0 && c.guildsAt > 0);
  await waitUntil(() => fresh.every(settled), m.timeoutMs);
  const readyLat = new Hist();
  const guildsLat = new Hist();
  // READY's latency in two parts: the handshake (TCP, HTTP upgrade, HELLO, until IDENTIFY goes out) and the identify.
  const handshakeLat = new Hist();
  const identifyLat = new Hist();
  let ready = 0;
  let complete = 0;
  let lastReady = 0;
  for (const c of fresh) {
    if (c.readyAt) {
      ready++;
      readyLat.add(c.readyAt - c.startedAt);
      if (c.identifyAt) {
        handshakeLat.add(c.identifyAt - c.startedAt);
        identifyLat.add(c.readyAt - c.identifyAt);
      }
      lastReady = Math.max(lastReady, c.readyAt);
    }
    if (c.readyAt && c.guildsAt) {
      complete++;
      guildsLat.add(c.guildsAt - c.startedAt);
    }
  }
  return {
    opened: fresh.length, ready, complete, firstStart: t0, lastReady, readyLat: readyLat.toJSON(), guildsLat: guildsLat.toJSON(),
    handshakeLat: handshakeLat.toJSON(), identifyLat: identifyLat.toJSON(), guildCreatesByHead, lastSeqs: fresh.map((c) => c.seq), failures: closeCodes(fresh), invalidSessions,
    detail: m.detail
      ? fresh.map((c) => ({
        readyMs: c.readyAt - c.startedAt, guildsMs: c.guildsAt - c.startedAt, bytes: c.bytes, frames: c.frames, guilds: c.guildsSeen,
        identifyMs: c.identifyAt ? c.identifyAt - c.startedAt : 0, readyBytes: c.readyBytes, guildCreateBytes: c.guildCreateBytes, guild: c.guild,
      }))
      : undefined,
  };
}

function collect(m: { sent: Uint8Array }) {
  let missed = 0;
  let duplicated = 0;
  let unexpected = 0;
  let sessionsMissing = 0;
  for (const c of clients) {
    if (!c.recv) continue;
    let miss = 0;
    for (let i = 0; i < c.recv.length; i++) {
      const n = c.recv[i]!;
      if (m.sent[i]) {
        if (n === 0) miss++;
        else if (n > 1) duplicated += n - 1;
      } else if (n > 0) unexpected += n;
    }
    missed += miss;
    if (miss) sessionsMissing++;
  }
  return {
    sessions: clients.length, deliveries, missed, duplicated, unexpected, sessionsMissing, idMismatch, fastPathMisses, lat: lat.toJSON(),
    firstDelivery, lastDelivery, otherEvents, invalidSessions, reconnects, failures: closeCodes(clients), bytes: clients.reduce((a, c) => a + c.bytes, 0),
  };
}

async function resume(m: { rate: number; timeoutMs: number }) {
  const list = clients.filter((c) => c.phase === 'dropped' && c.sessionId && c.resumeUrl);
  const t0 = wallMs();
  await paced(list.length, m.rate, (k) => {
    const c = list[k]!;
    c.phase = 'resuming';
    c.replayed = 0;
    c.resumedAt = 0;
    c.resumeStartedAt = wallMs();
    const q = `?v=10&encoding=json${c.compress ? '&compress=zlib-stream' : ''}`;
    connect(c, c.resumeUrl!.replace(/\/?$/, '') + q);
  });
  await waitUntil(() => list.every((c) => c.phase !== 'resuming'), m.timeoutMs);
  const replay = new Hist();
  let resumed = 0;
  let replayed = 0;
  let last = 0;
  for (const c of list) {
    if (c.phase !== 'resumed') continue;
    resumed++;
    replayed += c.replayed;
    replay.add(c.resumedAt - c.resumeStartedAt);
    last = Math.max(last, c.resumedAt);
  }
  return { attempted: list.length, resumed, replayedFrames: replayed, replayLat: replay.toJSON(), seconds: (last - t0) / 1000, failures: closeCodes(list), invalidSessions };
}

/**
 * op 8 from the first live session; resolves when the chunk with chunk_index = chunk_count − 1 arrived, the
 * socket closed, or the timeout passed. Times are from sending op 8.
 */
async function requestMembers(m: { guildId: string; query: string; limit: number; presences: boolean; timeoutMs: number }) {
  const c = clients.find((x) => x.phase === 'ready' || x.phase === 'resumed');
  if (!c) throw new Error('no live session to send op 8 from');
  const nonce = `bench-${memberRequests.size}-${Math.random().toString(36).slice(2, 10)}`;
  const r: MemberRequest = {
    client: c, nonce, sentAt: wallMs(), firstChunkAt: 0, lastChunkAt: 0, chunkCount: 0, indexes: new Set(), chunks: 0, bytes: 0, members: 0, presences: 0, notFound: 0,
  };
  memberRequests.set(nonce, r);
  sendJson(c, { op: 8, d: { guild_id: m.guildId, query: m.query, limit: m.limit, presences: m.presences, nonce } });
  const done = await waitUntil(() => r.lastChunkAt > 0 || c.phase === 'failed', m.timeoutMs);
  memberRequests.delete(nonce);
  return {
    complete: r.lastChunkAt > 0, timedOut: !done, sessionPhase: c.phase, closeCode: c.closeCode || null,
    firstChunkMs: r.firstChunkAt ? r.firstChunkAt - r.sentAt : null, lastChunkMs: r.lastChunkAt ? r.lastChunkAt - r.sentAt : null,
    chunkCount: r.chunkCount, chunksReceived: r.chunks, distinctChunkIndexes: r.indexes.size, bytes: r.bytes, members: r.members, presences: r.presences, notFound: r.notFound,
  };
}

// -------------------------------------------------------------------------------------------- REST sender

const RATE_LIMIT_RETRIES = 5;

/**
 * One keep-alive agent per server and concurrency, kept across send calls: the warm-up's connections are the ones
 * the measured run uses, as a client's would be. A fresh agent per call opened C connections at once at the start
 * of every measured run, and those first C answers took up to 1.7 s (measured at the client only; the server
 * handled each in under 200 ms), which then stood as the run's worst case.
 */
const agents = new Map<string, http.Agent>();
function agentFor(base: string, concurrency: number): http.Agent {
  const key = `${base} ${concurrency}`;
  let agent = agents.get(key);
  if (!agent) agents.set(key, (agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })));
  return agent;
}

async function send(m: { base: string; tokens: string[]; channelIds: string[]; count: number; rate: number; concurrency: number; tag: string; idxStart?: number; timeoutMs: number }) {
  const agent = agentFor(m.base, m.concurrency);
  const total = (m.idxStart ?? 0) + m.count;
  const ok = new Uint8Array(total);
  const errors: Record<string, number> = {};
  const latency = new Hist();
  let inFlight = 0;
  let okCount = 0;
  let wake: (() => void) | null = null;
  const t0 = performance.now();
  const deadline = t0 + m.timeoutMs;
  // A 429 is waited out (Retry-After) and the same message posted again, up to RATE_LIMIT_RETRIES times. The waits
  // are counted apart, and latency is timed from the attempt that went through, so a server stall shows in the
  // latency and cannot hide among rate-limit waits (nor a rate limit pass for a stall).
  const rateLimited = { responses: 0, waitMs: 0, maxWaitMs: 0, gaveUp: 0 };
  const post = (idx: number, attempt = 0): Promise<void> =>
    new Promise<void>((resolve) => {
      const ts = wallMs();
      const body = JSON.stringify({ content: `bench|${m.tag}|${idx}|${ts.toFixed(3)}` });
      const req = http.request(`${m.base}/api/v10/channels/${m.channelIds[idx % m.channelIds.length]}/messages`, {
        method: 'POST', agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: m.tokens[idx % m.tokens.length]! },
      }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200 || res.statusCode === 201) {
            ok[idx] = 1;
            okCount++;
            latency.add(wallMs() - ts);
          } else if (res.statusCode === 429 && attempt < RATE_LIMIT_RETRIES) {
            const waitMs = Math.min(30_000, Math.max(0, Number(res.headers['retry-after'] ?? 1) * 1000));
            rateLimited.responses++;
            rateLimited.waitMs += waitMs;
            rateLimited.maxWaitMs = Math.max(rateLimited.maxWaitMs, waitMs);
            setTimeout(() => void post(idx, attempt + 1).then(resolve), waitMs);
            return;
          } else {
            if (res.statusCode === 429) rateLimited.gaveUp++;
            errors[String(res.statusCode)] = (errors[String(res.statusCode)] ?? 0) + 1;
          }
          resolve();
        });
      });
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        errors[err.message] = (errors[err.message] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
  let started = 0;
  for (let idx = m.idxStart ?? 0; idx < total && performance.now() < deadline; idx++) {
    if (m.rate > 0) {
      const due = t0 + ((idx - (m.idxStart ?? 0)) * 1000) / m.rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    }
    while (inFlight >= m.concurrency) await new Promise<void>((r) => (wake = r));
    inFlight++;
    started++;
    void post(idx).then(() => {
      inFlight--;
      const w = wake;
      wake = null;
      w?.();
    });
  }
  await waitUntil(() => inFlight === 0, 60_000);
  const seconds = (performance.now() - t0) / 1000;
  return { started, ok: okCount, okFlags: ok, errors, rateLimited, latency: latency.toJSON(), seconds, perSecond: okCount / seconds };
}

// -------------------------------------------------------------------------------------------- IPC

const handlers: Record<string, (m: any) => unknown> = {
  open,
  track: (m) => resetTracking(m.messages, m.tag),
  progress: () => ({ deliveries, lastDelivery, sessions: clients.length, live: clients.filter((c) => c.phase === 'ready' || c.phase === 'resumed').length }),
  collect,
  drop: () => {
    for (const c of clients) {
      if (c.phase !== 'ready' && c.phase !== 'resumed') continue;
      c.phase = 'dropped';
      stopHeartbeat(c);
      c.ws?.terminate();
    }
    return { dropped: clients.filter((c) => c.phase === 'dropped').length };
  },
  resume,
  closeAll: async () => {
    for (const c of clients) {
      c.phase = 'closed';
      stopHeartbeat(c);
      c.ws?.close(1000);
    }
    await waitUntil(() => clients.every((c) => !c.ws || c.ws.readyState === WebSocket.CLOSED), 10_000);
    for (const c of clients) c.ws?.terminate();
    clients = [];
    return {};
  },
  send,
  sample: () => sample,
  requestMembers,
  exit: () => {
    setTimeout(() => process.exit(0), 10);
  },
};

process.on('message', (m: { id: number; cmd: string }) => {
  const h = handlers[m.cmd];
  Promise.resolve()
    .then(() => {
      if (!h) throw new Error(`unknown command ${m.cmd}`);
      return h(m);
    })
    .then(
      (result) => process.send!({ id: m.id, ok: true, result }),
      (err: Error) => process.send!({ id: m.id, ok: false, error: err.stack ?? String(err) }),
    );
});
process.on('disconnect', () => process.exit(0));
// A worker holds thousands of sockets: its descriptor table grown now, not at its 256th, 512th … connect, each
// growth a stall of several ms in every session it is opening (src/lib/fd-table.ts).
reserveFdTable(16_384);
await warmUp(20);
process.send!({ ready: true });
