/**
 * Several processes opening the same new SQLite files at the same wall-clock moments, as ACCORD_WORKERS's workers do
 * on one data folder. Run as a script, it is one such process; `openAtOnce` starts several and gathers what each
 * printed.
 *
 * Script arguments: kind (store | search), folder, process number, start time (ms since the epoch), rounds. In round
 * r the process waits for start + r × ROUND_MS, opens `<kind>-<r>.sqlite` in the folder, writes (the store migrates;
 * the search index adds a document of its own) and closes it; it prints a JSON array of what each round returned
 * (the migrations it applied, or nothing).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROUND_MS = 250;
/** How long before its moment a process stops sleeping and spins. */
const SPIN_MS = 20;
/** Time for every process to load before the first round: tsx start-up, slower under a loaded CI. */
const LOAD_MS = 5000;

export type RaceKind = 'store' | 'search';

export async function openAtOnce(kind: RaceKind, dir: string, processes: number, rounds: number): Promise<{ results: unknown[][][]; failures: string[] }> {
  const startAt = Date.now() + LOAD_MS;
  const runs = Array.from({ length: processes }, (_, who) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), kind, dir, String(who), String(startAt), String(rounds)], { timeout: 60_000 }));
  const outcomes = await Promise.allSettled(runs);
  const results: unknown[][][] = [];
  const failures: string[] = [];
  for (const o of outcomes) {
    if (o.status === 'fulfilled') results.push(JSON.parse(o.value.stdout) as unknown[][]);
    else failures.push(String((o.reason as { stderr?: string }).stderr || o.reason).slice(0, 600));
  }
  return { results, failures };
}

async function race(kind: RaceKind, dir: string, who: number, startAt: number, rounds: number): Promise<unknown[]> {
  const { openSqliteStore } = await import('../../src/store/sqlite/index.ts');
  const { SqliteSearchIndex } = await import('../../src/search/sqlite-index.ts');
  const results: unknown[] = [];
  for (let r = 0; r < rounds; r++) {
    const at = startAt + r * ROUND_MS;
    // Asleep until just before, then a busy wait: a timer alone could fire late by more than the race lasts, and
    // spinning all along would take the cores from the tests running beside this one.
    const wake = at - SPIN_MS - Date.now();
    if (wake > 0) await new Promise((resolve) => setTimeout(resolve, wake));
    while (Date.now() < at);
    const path = join(dir, `${kind}-${r}.sqlite`);
    if (kind === 'store') {
      const store = await openSqliteStore({ path });
      results.push(await store.migrate());
      await store.close();
    } else {
      const index = new SqliteSearchIndex(path);
      await index.upsert([{ id: String(1_100_000_000_000_000_000n + BigInt(who)), guildId: null, channelId: '5', authorId: '6', authorType: 'user', content: `from ${who}`, mentions: [], mentionRoles: [], mentionEveryone: false, has: [], pinned: false }]);
      await index.close();
      results.push([]);
    }
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [kind, dir, who, startAt, rounds] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(await race(kind as RaceKind, dir!, Number(who), Number(startAt), Number(rounds))));
}
