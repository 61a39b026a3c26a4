/**
 * The search role survives its own death without gaps. Accord runs as `npm start` runs it (its own process, SQLite,
 * the in-memory bus, every role). A guild is indexed, then eight clients send messages as fast as they can and the
 * process is SIGKILLed while they do: the jobs the in-memory queue and the role's batch held die with it. A second
 * life without the search role takes more messages and is killed too (their jobs only ever were in memory). The
 * index file, read after the kills, proves it misses messages the store has; after a restart every stored message
 * is searchable (catch-up from the scope's watermark, search/catch-up.ts), and so is a new one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteSearchIndex } from '../../src/search/sqlite-index.ts';
import { freePort } from '../compat/setup.ts';
import { waitFor } from '../helpers/services.ts';

const ROOT = join(import.meta.dirname, '../..');

interface Accord {
  child: ChildProcess;
  base: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

/** Starts `src/main.ts start` as `npm start` does, in `dataDir`; resolves once /readyz answers. */
async function startAccord(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Accord> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', ACCORD_DATA_DIR: dataDir, ACCORD_LOG_LEVEL: 'warn',
    // Four clients sending as fast as they can: no 429s in the way.
    ACCORD_RATE_LIMIT_SCALE: '1000', ACCORD_RATE_LIMIT_GLOBAL: '100000' };
  Object.assign(env, extraEnv);
  // The embedded defaults, whatever the environment running the tests says.
  for (const name of ['ACCORD_DATABASE_URL', 'ACCORD_NATS_URL', 'ACCORD_BLOB_STORE', 'ACCORD_ROLES', 'ACCORD_CONFIG', 'ACCORD_SEARCH_INDEX']) if (!(name in extraEnv)) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  try {
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok, { timeoutMs: 60_000, intervalMs: 100, what: `Accord to be ready (output: ${output.slice(-500)})` });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { child, base, exited };
}

async function call(a: Accord, method: string, route: string, auth?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${a.base}/api/v10${route}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Every message id of the channel, from history (newest first pages of 100). */
async function storedIds(a: Accord, auth: string, channelId: string): Promise<string[]> {
  const out: string[] = [];
  let before = '';
  for (;;) {
    const page = await call(a, 'GET', `/channels/${channelId}/messages?limit=100${before ? `&before=${before}` : ''}`, auth);
    assert.equal(page.status, 200);
    out.push(...page.body.map((m: any) => m.id));
    if (page.body.length < 100) return out;
    before = page.body[page.body.length - 1].id;
  }
}

/** Every id the guild search finds for `word`, paging through the results (25 at a time). */
async function searchedIds(a: Accord, auth: string, guildId: string, word: string): Promise<string[] | null> {
  const out: string[] = [];
  for (let offset = 0; ; offset += 25) {
    const res = await call(a, 'GET', `/guilds/${guildId}/messages/search?content=${word}&offset=${offset}`, auth);
    if (res.status === 202) return null;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    out.push(...res.body.messages.map((hit: any[]) => hit[0].id));
    if (offset + 25 >= res.body.total_results) return out;
  }
}

describe('search survives a SIGKILL mid-batch', () => {
  it('every stored message is searchable after the restart', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'accord-search-crash-'));
    let accord: Accord | undefined;
    try {
      accord = await startAccord(dataDir);
      const reg = await call(accord, 'POST', '/auth/register', undefined, { username: 'searcher', password: 'a long password' });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const auth = reg.body.token as string;
      const guild = await call(accord, 'POST', '/guilds', auth, { name: 'Crash' });
      assert.equal(guild.status, 201);
      const guildId = guild.body.id as string;
      const channelId = guild.body.system_channel_id as string;
      assert.equal((await call(accord, 'POST', `/channels/${channelId}/messages`, auth, { content: 'seed pelican' })).status, 200);
      const first = accord;
      await waitFor(async () => (await searchedIds(first, auth, guildId, 'pelican'))?.length === 1, { timeoutMs: 20_000, what: 'the guild to be indexed' });

      // Eight senders as fast as they go; the process dies once 200 messages are acknowledged, others in flight,
      // while the search role holds a batch (or jobs waiting for one).
      await burstThenKill(first, auth, channelId, 200);
      // Whatever the first kill left, a second life without the search role takes messages whose jobs only the
      // in-memory queue holds when it is killed: a gap for sure.
      const second = (accord = await startAccord(dataDir, { ACCORD_ROLES: 'api,sessions,guild,presence,cdn,embed' }));
      for (let i = 0; i < 10; i++) assert.equal((await call(second, 'POST', `/channels/${channelId}/messages`, auth, { content: `pelican unqueued ${i}` })).status, 200);
      second.child.kill('SIGKILL');
      assert.equal(await second.exited, 'SIGKILL');

      // The index as the dead processes left it.
      const indexedBefore = await indexedCount(dataDir, channelId);
      const restarted = (accord = await startAccord(dataDir));
      const stored = await storedIds(restarted, auth, channelId);
      assert.ok(stored.length >= 211, `stored ${stored.length}`);
      assert.ok(indexedBefore < stored.length, `the kill left messages unindexed (${indexedBefore} of ${stored.length} indexed): the test proves nothing otherwise`);

      const found = await waitFor(async () => {
        const ids = await searchedIds(restarted, auth, guildId, 'pelican');
        return ids && ids.length >= stored.length ? ids : null;
      }, { timeoutMs: 30_000, what: 'every stored message to be searchable' });
      assert.deepEqual([...found].sort(), [...stored].sort());

      const after = await call(restarted, 'POST', `/channels/${channelId}/messages`, auth, { content: 'pelican after restart' });
      assert.equal(after.status, 200);
      await waitFor(async () => (await searchedIds(restarted, auth, guildId, 'pelican'))?.includes(after.body.id), { timeoutMs: 20_000, what: 'a new message' });
    } finally {
      if (accord && accord.child.exitCode === null && accord.child.signalCode === null) {
        accord.child.kill('SIGTERM');
        await accord.exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** Eight clients send until `count` sends are acknowledged, then Accord is SIGKILLed with more in flight. */
async function burstThenKill(a: Accord, auth: string, channelId: string, count: number): Promise<void> {
  let acked = 0;
  let killed = false;
  const sender = async (n: number) => {
    for (let i = 0; !killed; i++) {
      const res = await call(a, 'POST', `/channels/${channelId}/messages`, auth, { content: `pelican burst ${n}-${i}` }).catch(() => null);
      if (!res || killed) return;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      if (++acked === count) {
        killed = true;
        a.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(sender));
  assert.equal(await a.exited, 'SIGKILL');
}

/** How many of the channel's messages the index file holds (the process that wrote it is dead). */
async function indexedCount(dataDir: string, channelId: string): Promise<number> {
  const index = new SqliteSearchIndex(join(dataDir, 'search.sqlite'));
  try {
    return (await index.search({ channelIds: [channelId], content: 'pelican', sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 1 })).total;
  } finally {
    await index.close();
  }
}
