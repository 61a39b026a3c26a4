/**
 * Driving gateway sessions spread over the load workers: open them at a fixed total rate, count deliveries
 * until every sent message reached every session (or progress stops), and merge the workers' reports.
 */
import { Hist, log, sleep, split, type HistJson, type WorkerClient } from './common.ts';

export interface OpenReport {
  opened: number;
  ready: number;
  complete: number;
  seconds: number;
  readyLat: Hist;
  guildsLat: Hist;
  /** readyLat in two parts: connect → IDENTIFY sent (TCP, upgrade, HELLO), and IDENTIFY → READY. */
  handshakeLat: Hist;
  identifyLat: Hist;
  failures: Record<string, number>;
  invalidSessions: number;
  detail?: SessionDetail[];
}

/** One session's open, with detail: times from the start of the connect, bytes on the wire (compressed for zlib). */
export interface SessionDetail {
  readyMs: number;
  guildsMs: number;
  bytes: number;
  frames: number;
  guilds: number;
  /** When IDENTIFY went out (after HELLO); READY and GUILD_CREATE from IDENTIFY are readyMs − identifyMs, guildsMs − identifyMs. */
  identifyMs: number;
  readyBytes: number;
  /** Summed over the session's GUILD_CREATEs. */
  guildCreateBytes: number;
  /** The first GUILD_CREATE's member list: how many members and presences it carried, `large`, `member_count`. */
  guild: { id: string; large: boolean; memberCount: number; members: number; presences: number } | null;
}

export async function openSessions(
  workers: WorkerClient[], url: string, tokens: string[],
  opts: { compress: boolean; intents: number; rate: number; expectGuilds?: number; timeoutMs: number; detail?: boolean; largeThreshold?: number },
): Promise<OpenReport> {
  const shares = split(tokens, workers.length);
  const reports = await Promise.all(workers.map((w, i) => w.call<any>('open', {
    url, tokens: shares[i], compress: opts.compress, intents: opts.intents, rate: opts.rate / workers.length,
    expectGuilds: opts.expectGuilds ?? 1, timeoutMs: opts.timeoutMs, detail: opts.detail, largeThreshold: opts.largeThreshold,
  }, opts.timeoutMs + 120_000)));
  const out: OpenReport = { opened: 0, ready: 0, complete: 0, seconds: 0, readyLat: new Hist(), guildsLat: new Hist(), handshakeLat: new Hist(), identifyLat: new Hist(), failures: {}, invalidSessions: 0, detail: opts.detail ? [] : undefined };
  const first = Math.min(...reports.map((r) => r.firstStart));
  const last = Math.max(...reports.map((r) => r.lastReady));
  for (const r of reports) {
    out.opened += r.opened;
    out.ready += r.ready;
    out.complete += r.complete;
    out.readyLat.merge(r.readyLat);
    out.guildsLat.merge(r.guildsLat);
    out.handshakeLat.merge(r.handshakeLat);
    out.identifyLat.merge(r.identifyLat);
    out.invalidSessions += r.invalidSessions;
    for (const [k, v] of Object.entries(r.failures as Record<string, number>)) out.failures[k] = (out.failures[k] ?? 0) + v;
    if (opts.detail) out.detail!.push(...r.detail);
  }
  out.seconds = (last - first) / 1000;
  return out;
}

/** Polls the workers until `expected` deliveries arrived, nothing arrived for `idleMs`, or `hardMs` passed. */
export async function waitDeliveries(workers: WorkerClient[], expected: number, idleMs: number, hardMs: number): Promise<number> {
  const deadline = Date.now() + hardMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const got = (await Promise.all(workers.map((w) => w.call<{ deliveries: number }>('progress', {}, 30_000)))).reduce((a, p) => a + p.deliveries, 0);
    if (got >= expected) return got;
    if (got !== last) {
      last = got;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > idleMs) {
      log(`  deliveries stopped at ${got}/${expected}`);
      return got;
    }
    if (Date.now() > deadline) {
      log(`  hard timeout: ${got}/${expected} deliveries`);
      return got;
    }
    await sleep(250);
  }
}

export interface Collected {
  sessions: number;
  deliveries: number;
  missed: number;
  duplicated: number;
  unexpected: number;
  sessionsMissing: number;
  idMismatch: number;
  fastPathMisses: number;
  lat: Hist;
  firstDelivery: number;
  lastDelivery: number;
  otherEvents: Record<string, number>;
  invalidSessions: number;
  reconnects: number;
  failures: Record<string, number>;
  bytes: number;
}

export async function collect(workers: WorkerClient[], sent: Uint8Array): Promise<Collected> {
  const parts = await Promise.all(workers.map((w) => w.call<any>('collect', { sent }, 60_000)));
  const out: Collected = {
    sessions: 0, deliveries: 0, missed: 0, duplicated: 0, unexpected: 0, sessionsMissing: 0, idMismatch: 0, fastPathMisses: 0, lat: new Hist(),
    firstDelivery: Infinity, lastDelivery: 0, otherEvents: {}, invalidSessions: 0, reconnects: 0, failures: {}, bytes: 0,
  };
  for (const p of parts) {
    for (const k of ['sessions', 'deliveries', 'missed', 'duplicated', 'unexpected', 'sessionsMissing', 'idMismatch', 'fastPathMisses', 'invalidSessions', 'reconnects', 'bytes'] as const) out[k] += p[k];
    out.lat.merge(p.lat as HistJson);
    if (p.firstDelivery) out.firstDelivery = Math.min(out.firstDelivery, p.firstDelivery);
    out.lastDelivery = Math.max(out.lastDelivery, p.lastDelivery);
    for (const [k, v] of Object.entries(p.otherEvents as Record<string, number>)) out.otherEvents[k] = (out.otherEvents[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.failures as Record<string, number>)) out.failures[k] = (out.failures[k] ?? 0) + v;
  }
  return out;
}

export interface RateLimitWaits {
  responses: number;
  waitMs: number;
  maxWaitMs: number;
  gaveUp: number;
}

export interface SendReport {
  started: number;
  ok: number;
  okFlags: Uint8Array;
  errors: Record<string, number>;
  /** 429s waited out and retried (their waits are not in any latency), and messages given up after the retries. */
  rateLimited: RateLimitWaits;
  latency: Hist;
  seconds: number;
  perSecond: number;
}

export async function sendMessages(worker: WorkerClient, body: { base: string; tokens: string[]; channelIds: string[]; count: number; rate: number; concurrency: number; tag: string; timeoutMs: number; idxStart?: number }): Promise<SendReport> {
  const r = await worker.call<any>('send', body, body.timeoutMs + 90_000);
  return { ...r, latency: Hist.from(r.latency) };
}

/** Round-robin: session i belongs to user i mod users. */
export const sessionTokens = (tokens: string[], sessions: number) => Array.from({ length: sessions }, (_, i) => tokens[i % tokens.length]!);

export interface MemberRequestReport {
  /** The chunk with chunk_index = chunk_count − 1 arrived. */
  complete: boolean;
  timedOut: boolean;
  /** The asking session's state after: 'failed' with closeCode when the server closed it. */
  sessionPhase: string;
  closeCode: number | null;
  /** From sending op 8. */
  firstChunkMs: number | null;
  lastChunkMs: number | null;
  chunkCount: number;
  chunksReceived: number;
  distinctChunkIndexes: number;
  bytes: number;
  members: number;
  presences: number;
  notFound: number;
}

/** op 8 Request Guild Members from the worker's first live session, timed to its last GUILD_MEMBERS_CHUNK. */
export function requestMembers(worker: WorkerClient, body: { guildId: string; query: string; limit: number; presences: boolean; timeoutMs: number }): Promise<MemberRequestReport> {
  return worker.call<MemberRequestReport>('requestMembers', body, body.timeoutMs + 30_000);
}
