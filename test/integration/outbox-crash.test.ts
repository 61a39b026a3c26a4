/**
 * The transactional outbox under a crash: a writer killed (SIGKILL) between its commit and its publish loses
 * nothing. The message and its outbox record are in the database; the next process's relay publishes the
 * MESSAGE_CREATE (with the record's id, for deduplication) and marks it done. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { MemoryBus } from '../../src/bus/memory.ts';
import { subscribeEvent, GatewaySubjects, type DispatchEnvelope } from '../../src/contracts/index.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { startTestServer } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip, TEST_DATABASE_URL, waitFor } from '../helpers/services.ts';

async function crashWriter(args: string[]): Promise<{ messageId: string; guildId: string; outboxIds: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/outbox-crash-writer.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
  let messageId = '';
  let guildId = '';
  let outboxIds: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    const [what, a, b] = line.split(' ');
    if (what === 'message') [messageId, guildId] = [a!, b!];
    if (what === 'committed') outboxIds = a!.split(',');
    assert.notEqual(what, 'survived', 'the writer was to die between commit and publish');
  }
  clearTimeout(timer);
  assert.equal(await exited, 'SIGKILL');
  // The MESSAGE_CREATE dispatch first, then the message's search.index and push.message jobs.
  assert.ok(messageId && outboxIds.length === 3, 'the writer committed its three records');
  return { messageId, guildId, outboxIds };
}

/** After the crash: the write and its record are there, and a new process publishes the record once. */
async function recovers(store: Store, crash: { messageId: string; guildId: string; outboxIds: string[] }, start: (bus: MemoryBus) => Promise<{ close(): Promise<void> }>) {
  const pending = await store.outbox.pending({ limit: 10 });
  assert.deepEqual(pending.map((r) => r.id), crash.outboxIds, 'the record is pending');
  assert.equal(JSON.parse(pending[0]!.payload).t, 'MESSAGE_CREATE');
  const channelId = JSON.parse(pending[0]!.payload).channelId as string;
  // A message create's event is recorded by reference: the new process renders it from the stored message.
  assert.deepEqual(JSON.parse(pending[0]!.payload).dRef, { of: 'message', channelId, messageId: crash.messageId });
  assert.ok(await store.messages.get(channelId, crash.messageId), 'the message is stored');

  const bus = new MemoryBus();
  const seen: DispatchEnvelope[] = [];
  subscribeEvent(bus, GatewaySubjects.allGuildDispatches, (env) => seen.push(env));
  const server = await start(bus);
  try {
    const event = await waitFor(() => seen.find((e) => e.t === 'MESSAGE_CREATE' && e.d.id === crash.messageId), { what: 'the republished MESSAGE_CREATE' });
    assert.equal(event.id, crash.outboxIds[0], 'it carries the outbox id consumers deduplicate on');
    assert.equal(event.d.content, 'written, never published', 'rendered from the stored message');
    assert.equal(event.guildId, crash.guildId);
    await waitFor(async () => (await store.outbox.pending({ limit: 10 })).length === 0, { what: 'the record marked done' });
    assert.equal(seen.filter((e) => e.id === crash.outboxIds[0]).length, 1, 'published once by the new process');
  } finally {
    await server.close();
    await bus.close();
  }
}

const pgSkip = await serviceSkip('postgres');

describe('outbox: SIGKILL between commit and publish', () => {
  it('SQLite: the next process publishes what the dead one committed', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-outbox-'));
    try {
      const crash = await crashWriter(['sqlite', dir]);
      const store = await openStore({ dataDir: dir });
      try {
        await recovers(store, crash, (bus) => startTestServer({ dataDir: dir }, { bus, store }));
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: the next process publishes what the dead one committed', { timeout: 60_000, skip: pgSkip }, async () => {
    const { store, schema, drop } = await freshPostgresStore();
    try {
      const crash = await crashWriter(['postgres', TEST_DATABASE_URL, schema]);
      await recovers(store, crash, (bus) => startTestServer({}, { bus, store }));
    } finally {
      await drop();
    }
  });
});
