/**
 * Log-in under load: C clients log in at once, R rounds, while a probe asks GET /healthz every 10 ms. The login
 * latency shows what the password hash costs a user; the probe's latency shows whether hashing stalls the event
 * loop (everything else the process serves).
 *
 *   node --import tsx bench/run.ts login [--concurrency C] [--rounds R] [--costs 14,17]
 *
 * Each cost (ACCORD_PASSWORD_HASH_COST, log2 of scrypt's N) gets its own server in the same run: 14 is what
 * Accord used before, 17 its default now.
 */
import os from 'node:os';
import { api, Args, Hist, log, pool, round, startAccord, table, writeResults } from './lib/common.ts';
import { registerUsers } from './lib/setup.ts';

async function measure(env: Record<string, string>, concurrency: number, rounds: number) {
  const server = await startAccord({ env });
  try {
    const users = await registerUsers(server.url, concurrency, concurrency);
    const names = await pool(users, 8, async (u) => (await api<{ username: string }>(server.url, 'GET', '/users/@me', undefined, u.token)).username);
    const logins = new Hist();
    const probe = new Hist();
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const t0 = performance.now();
        await fetch(`${server.url}/healthz`).then((r) => r.arrayBuffer());
        probe.add(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      await Promise.all(names.map(async (username) => {
        const s = performance.now();
        await api(server.url, 'POST', '/auth/login', { login: username, password: 'bench-password-1' });
        logins.add(performance.now() - s);
      }));
    }
    const seconds = (performance.now() - t0) / 1000;
    probing = false;
    await prober;
    return { logins: concurrency * rounds, seconds: round(seconds, 2), loginsPerSecond: round((concurrency * rounds) / seconds, 1), login: logins.summary(), healthProbe: probe.summary() };
  } finally {
    await server.stop();
  }
}

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const p = { concurrency: a.int('concurrency', 20, 1, 200), rounds: a.int('rounds', 5, 1, 100), costs: (a.str('costs') ?? '14,17').split(',').map(Number) };
  const loadBefore = os.loadavg();
  log(`login bench: ${p.concurrency} concurrent logins × ${p.rounds} rounds, hash costs ${p.costs.join(', ')}`);
  const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  for (const cost of p.costs) results[cost] = await measure({ ACCORD_PASSWORD_HASH_COST: String(cost) }, p.concurrency, p.rounds);
  console.log(table([
    ['hash cost', 'concurrency', 'logins', 'logins/s', 'login p50 ms', 'login p99 ms', 'healthz p50 ms', 'healthz p99 ms', 'healthz max ms'],
    ...p.costs.map((cost) => {
      const r = results[cost]!;
      return [cost, p.concurrency, r.logins, r.loginsPerSecond, r.login.p50Ms, r.login.p99Ms, r.healthProbe.p50Ms, r.healthProbe.p99Ms, r.healthProbe.maxMs];
    }),
  ]));
  writeResults('login', p, loadBefore, results);
}
