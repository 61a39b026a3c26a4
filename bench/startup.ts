/**
 * Startup: the server run as compiled JavaScript (dist/, what `npm start` runs) beside the same sources through
 * the tsx loader, started alternately in one run so both see the same machine:
 *
 *   npm run bench -- startup [--quick] [--runs N] [--idle SECONDS] [--sessions S]
 *
 * Per start: time from spawn to the first 200 of /readyz; CPU seconds the process used to get there; VmRSS once
 * ready and after `idle` seconds with nothing connected (the memory held before the first session); then S
 * sessions identify and each of them is sent one message, and the CPU the server spent per 1,000 deliveries is
 * reported (a small fan-out, enough to see a difference in the code that runs on the hot path, not a load test).
 */
import os from 'node:os';
import WebSocket from 'ws';
import { api, Args, cpuSeconds, gatewayUrl, Intents, log, mb, memory, round, sleep, startAccord, table, writeResults, type ServerRuntime } from './lib/common.ts';
import { guildWithMembers, registerUsers } from './lib/setup.ts';

const RUNTIMES: ServerRuntime[] = ['compiled', 'tsx'];

interface StartFigures {
  readyMs: number;
  cpuToReady: number;
  rssReady: number;
  rssIdle: number;
  cpuPer1kDeliveries: number;
}

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const p = {
    runs: a.int('runs', quick ? 3 : 7, 1, 100),
    idleSeconds: a.num('idle', quick ? 2 : 5, 0, 600),
    sessions: a.int('sessions', quick ? 50 : 200, 1, 2_000),
    messages: a.int('messages', quick ? 20 : 50, 1, 10_000),
  };
  const loadBefore = os.loadavg();
  log(`startup bench: ${p.runs} starts of each runtime (alternating), ${p.idleSeconds} s idle, then ${p.sessions} sessions × ${p.messages} messages`);
  const figures: Record<ServerRuntime, StartFigures[]> = { compiled: [], tsx: [] };
  for (let run = 0; run < p.runs; run++) {
    for (const runtime of run % 2 === 0 ? RUNTIMES : [...RUNTIMES].reverse()) {
      const f = await oneStart(runtime, p);
      figures[runtime].push(f);
      log(`  ${runtime.padEnd(8)} ready ${f.readyMs.toFixed(0)} ms, ${f.cpuToReady.toFixed(2)} cpu s, rss ${mb(f.rssReady)} → ${mb(f.rssIdle)} MB idle, ${f.cpuPer1kDeliveries.toFixed(3)} cpu s per 1k deliveries`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const summary = Object.fromEntries(RUNTIMES.map((r) => {
    const fs = figures[r];
    return [r, {
      readyMs: round(median(fs.map((f) => f.readyMs)), 0),
      cpuToReadySeconds: round(median(fs.map((f) => f.cpuToReady)), 2),
      rssReadyMb: mb(median(fs.map((f) => f.rssReady))),
      rssIdleMb: mb(median(fs.map((f) => f.rssIdle))),
      cpuPer1kDeliveries: round(median(fs.map((f) => f.cpuPer1kDeliveries)), 3),
    }];
  })) as unknown as Record<ServerRuntime, Record<string, number>>;
  console.log('\nmedian of the runs');
  console.log(table([
    ['runtime', 'start → ready ms', 'cpu s to ready', 'rss ready MB', `rss after ${p.idleSeconds} s idle MB`, 'cpu s / 1k deliveries'],
    ...RUNTIMES.map((r) => [r, summary[r].readyMs, summary[r].cpuToReadySeconds, summary[r].rssReadyMb, summary[r].rssIdleMb, summary[r].cpuPer1kDeliveries]),
  ]));
  writeResults('startup', p, loadBefore, { summary, runs: figures });
}

async function oneStart(runtime: ServerRuntime, p: { idleSeconds: number; sessions: number; messages: number }): Promise<StartFigures> {
  const t0 = performance.now();
  const server = await startAccord({ runtime });
  try {
    const readyMs = performance.now() - t0;
    const cpuToReady = cpuSeconds(server.pid);
    const rssReady = memory(server.pid).rss;
    await sleep(p.idleSeconds * 1000);
    const rssIdle = memory(server.pid).rss;
    const cpuPer1kDeliveries = await smallFanout(server.url, server.pid, p.sessions, p.messages);
    return { readyMs, cpuToReady, rssReady, rssIdle, cpuPer1kDeliveries };
  } finally {
    await server.stop();
  }
}

/** S sessions of S users in one guild; the owner sends M messages one after another, each awaited at every session. */
async function smallFanout(base: string, pid: number, sessions: number, messages: number): Promise<number> {
  const users = await registerUsers(base, sessions);
  const g = await guildWithMembers(base, users);
  const sockets = await Promise.all(users.map((u) => identify(base, u.token)));
  try {
    let pending = 0;
    let done: (() => void) | undefined;
    for (const ws of sockets) {
      ws.on('message', (raw: Buffer) => {
        if (!raw.includes('"MESSAGE_CREATE"')) return;
        if (--pending === 0) done?.();
      });
    }
    const cpu0 = cpuSeconds(pid);
    for (let i = 0; i < messages; i++) {
      pending = sockets.length;
      const all = new Promise<void>((resolve, reject) => {
        done = resolve;
        setTimeout(() => reject(new Error(`message ${i}: ${pending} of ${sockets.length} sessions never got it`)), 15_000).unref();
      });
      await api(base, 'POST', `/channels/${g.channelId}/messages`, { content: `startup ${i}` }, g.owner.token);
      await all;
    }
    return ((cpuSeconds(pid) - cpu0) / (messages * sockets.length)) * 1000;
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

function identify(base: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(gatewayUrl(base, false));
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('no READY in 15 s')); }, 15_000);
    ws.on('error', reject);
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as { op: number; t?: string; d?: { heartbeat_interval?: number } };
      if (m.op === 10) ws.send(JSON.stringify({ op: 2, d: { token, intents: Intents.GUILDS | Intents.GUILD_MESSAGES, properties: { os: 'linux', browser: 'bench', device: 'bench' } } }));
      else if (m.t === 'READY') {
        clearTimeout(timer);
        resolve(ws);
      }
    });
  });
}
