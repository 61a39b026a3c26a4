/**
 * Send limits across api nodes (docs/scaling.md): two api nodes in one test process, each with its own
 * PostgreSQL pool on one fresh schema and its own NATS connection, as two machines would have. enforce_nonce and
 * slowmode hold across them; a node killed (SIGKILL) between its commit and its answer leaves one message, which
 * the client's retry on the other node gets back, and one killed inside its transaction leaves nothing, so the
 * retry stores exactly one. With ACCORD_RATE_LIMIT_SHARED the write routes' windows are one across both nodes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { Bus } from '../../src/bus/types.ts';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip, TEST_DATABASE_URL, TEST_NATS_URL } from '../helpers/services.ts';
import { addMember } from './fixtures.guilds.ts';
import { assertError, textChannel } from './fixtures.messages.ts';

const skip = (await serviceSkip('postgres')) || (await serviceSkip('nats'));

/** Two api nodes on one fresh PostgreSQL schema, each with its own pool and NATS connection. */
async function startNodes(run: string, overrides: Record<string, unknown> = {}) {
  const fresh = await freshPostgresStore();
  await fresh.store.migrate();
  const second = await openPostgresStore({ url: TEST_DATABASE_URL, schema: fresh.schema });
  const { NatsBus } = await import('../../src/bus/nats.ts');
  const buses: Bus[] = [];
  const nodes: TestServer[] = [];
  for (const [i, store] of [fresh.store, second].entries()) {
    const bus = await NatsBus.connect({ servers: TEST_NATS_URL, name: `accord-limits-${i}`, streamPrefix: `L${run}` });
    buses.push(bus);
    // Distinct process ids: two generators in one process must not mint the same snowflake.
    nodes.push(await startTestServer({ roles: ['api'], nodeId: `limits-${run}-${i}`, workerId: 2, processId: i + 1, ...overrides }, { store, bus }));
  }
  return {
    fresh,
    nodes: nodes as [TestServer, TestServer],
    async close() {
      for (const node of nodes) await node.close().catch(() => {});
      for (const bus of buses) await bus.close().catch(() => {});
      await second.close();
      await fresh.drop();
    },
  };
}

describe('send limits across api nodes', { skip }, () => {
  const run = `${process.pid}-${Date.now().toString(36)}`;
  let cluster: Awaited<ReturnType<typeof startNodes>>;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>>;
  let a: TestServer;
  let b: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let guild: any;

  before(async () => {
    cluster = await startNodes(run);
    fresh = cluster.fresh;
    [a, b] = cluster.nodes;
    owner = await a.register();
    member = await b.register();
    guild = await a.createGuild(owner);
    await addMember(a, guild.id, member);
  });

  after(async () => {
    await cluster?.close();
  });

  const post = (node: TestServer, channelId: string, body: Record<string, unknown>, auth: TestUser = member) =>
    node.request('POST', `/channels/${channelId}/messages`, { auth, body });

  /** The channel's stored messages with this nonce (GET does not show nonces, as on Discord). */
  async function withNonce(channelId: string, nonce: string) {
    return (await fresh.store.messages.list(channelId, { limit: 100 })).filter((m) => m.nonce === nonce);
  }

  it('the same enforce_nonce send on both nodes at once stores one message; both answers carry its id', async () => {
    const ch = await textChannel(a, owner, guild.id, { name: 'nonce' });
    for (let i = 0; i < 8; i++) {
      const nonce = `n${run}-${i}`.slice(0, 25);
      const body = { content: `once ${i}`, nonce, enforce_nonce: true };
      const [onA, onB] = await Promise.all([post(a, ch.id, body), post(b, ch.id, body)]);
      assert.equal(onA.status, 200, JSON.stringify(onA.body));
      assert.equal(onB.status, 200, JSON.stringify(onB.body));
      assert.equal(onA.body.id, onB.body.id);
      assert.equal(onB.body.nonce, nonce);
      assert.equal((await withNonce(ch.id, nonce)).length, 1);
    }
    // Without enforce_nonce, the same nonce twice is two messages (Discord's default).
    const plain = { content: 'twice', nonce: 'plain' };
    const [x, y] = await Promise.all([post(a, ch.id, plain), post(b, ch.id, plain)]);
    assert.notEqual(x.body.id, y.body.id);
  });

  it('slowmode holds across nodes: a send on B inside the window taken on A → 429 20016', async () => {
    const ch = await textChannel(a, owner, guild.id, { name: 'slow', rate_limit_per_user: 60 });
    const first = await post(a, ch.id, { content: 'first', nonce: 'slow-1', enforce_nonce: true });
    assert.equal(first.status, 200);
    // The client's retry of that send on B is answered with the message, not refused by the hold it took.
    const retried = await post(b, ch.id, { content: 'first', nonce: 'slow-1', enforce_nonce: true });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.id, first.body.id);
    const refused = await post(b, ch.id, { content: 'second' });
    assertError(refused, 429, 20016);
    assert.equal(refused.body.global, false);
    assert.ok(refused.body.retry_after > 0 && refused.body.retry_after <= 60, JSON.stringify(refused.body));
    // Concurrent sends of another user on both nodes: exactly one goes through.
    const other = await a.register();
    await addMember(a, guild.id, other);
    const both = await Promise.all([post(a, ch.id, { content: 'race a' }, other), post(b, ch.id, { content: 'race b' }, other)]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 429]);
    // The owner bypasses slowmode (MANAGE_CHANNELS) on either node.
    assert.equal((await post(a, ch.id, { content: 'mod a' }, owner)).status, 200);
    assert.equal((await post(b, ch.id, { content: 'mod b' }, owner)).status, 200);
  });

  /** Runs the crash writer (test/helpers/nonce-crash-writer.ts) to its SIGKILL; the id it wrote and the last line it printed. */
  async function crashWriter(when: 'after-commit' | 'before-commit', channelId: string, nonce: string): Promise<{ messageId: string; last: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/nonce-crash-writer.ts'), when, TEST_DATABASE_URL, fresh.schema, channelId, member.id, nonce], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
    let messageId = '';
    let last = '';
    for await (const line of createInterface({ input: child.stdout! })) {
      const [what, id] = line.split(' ');
      if (what === 'message') messageId = id!;
      last = line;
    }
    clearTimeout(timer);
    assert.equal(await exited, 'SIGKILL');
    assert.ok(messageId);
    return { messageId, last };
  }

  it('a node killed between commit and answer: the retry on the other node gets the same message, one copy', { timeout: 60_000 }, async () => {
    const ch = await textChannel(a, owner, guild.id, { name: 'crash' });
    const nonce = `k${run}`.slice(0, 25);
    const crash = await crashWriter('after-commit', ch.id, nonce);
    assert.equal(crash.last, 'committed');

    const retry = await post(b, ch.id, { content: 'sent once', nonce, enforce_nonce: true });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(retry.body.id, crash.messageId);
    assert.equal(retry.body.nonce, nonce);
    assert.equal((await withNonce(ch.id, nonce)).length, 1);
  });

  it('a node killed inside its transaction: nothing of it stays, the retry on the other node stores one message', { timeout: 60_000 }, async () => {
    const ch = await textChannel(a, owner, guild.id, { name: 'crash-early' });
    const nonce = `e${run}`.slice(0, 25);
    const crash = await crashWriter('before-commit', ch.id, nonce);
    assert.equal(crash.last, 'in transaction');
    // PostgreSQL rolls the dead connection's transaction back, releasing its claim; the retry waits on it if need be.
    const retry = await post(b, ch.id, { content: 'sent once', nonce, enforce_nonce: true });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.notEqual(retry.body.id, crash.messageId);
    const again = await post(a, ch.id, { content: 'sent once', nonce, enforce_nonce: true });
    assert.equal(again.body.id, retry.body.id);
    assert.deepEqual((await withNonce(ch.id, nonce)).map((m) => m.id), [retry.body.id]);
  });
});

describe('rate limits across api nodes (ACCORD_RATE_LIMIT_SHARED)', { skip }, () => {
  const run = `${process.pid}-${Date.now().toString(36)}r`;
  let cluster: Awaited<ReturnType<typeof startNodes>>;

  before(async () => {
    cluster = await startNodes(run, { rateLimitScale: 1, rateLimitShared: true });
  });
  after(async () => {
    await cluster?.close();
  });

  // guilds.create (10 per 60 s per user): a window long enough that a loaded machine cannot outlast it mid-test.
  it('requests spread over both nodes share one window: headers count down across nodes, then Discord\'s 429 on either', async () => {
    const [a, b] = cluster.nodes;
    const owner = await a.register();
    const buckets = new Set<string | null>();
    for (let i = 1; i <= 10; i++) {
      const res = await (i % 2 ? a : b).request('POST', '/guilds', { auth: owner, body: { name: `g${i}` } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.headers.get('x-ratelimit-limit'), '10');
      assert.equal(res.headers.get('x-ratelimit-remaining'), String(10 - i), `request ${i}`);
      buckets.add(res.headers.get('x-ratelimit-bucket'));
    }
    assert.equal(buckets.size, 1);
    for (const node of [a, b]) {
      const refused = await node.request('POST', '/guilds', { auth: owner, body: { name: 'one too many' } });
      assert.equal(refused.status, 429);
      assert.deepEqual(Object.keys(refused.body).sort(), ['code', 'global', 'message', 'retry_after']);
      assert.equal(refused.body.message, 'You are being rate limited.');
      assert.equal(refused.body.global, false);
      assert.ok(refused.body.retry_after > 0 && refused.body.retry_after <= 60, JSON.stringify(refused.body));
      assert.equal(refused.headers.get('x-ratelimit-scope'), 'user');
      assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    }
    // Another user has a window of their own; reads are not counted in shared windows.
    const other = await b.register();
    assert.equal((await a.request('POST', '/guilds', { auth: other, body: { name: 'mine' } })).headers.get('x-ratelimit-remaining'), '9');
    assert.equal((await a.request('GET', '/users/@me/guilds', { auth: owner })).status, 200);
  });
});
