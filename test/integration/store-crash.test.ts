/**
 * Acknowledged writes survive a kill: a child writes messages to a SQLite store and prints each id once
 * messages.create resolved; we SIGKILL it mid-stream, reopen the store, migrate, and find every acknowledged id.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, it } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'accord-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('every acknowledged message is there after SIGKILL', { timeout: 60_000 }, async () => {
  const path = join(dir, 'accord.sqlite');
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/store-crash-writer.ts'), path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let channelId = '';
  const acked: string[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  for await (const line of createInterface({ input: child.stdout! })) {
    const [kind, value] = line.split(' ');
    if (kind === 'channel') channelId = value;
    if (kind === 'ack') acked.push(value);
    if (acked.length === 300) child.kill('SIGKILL');
  }
  clearTimeout(timer);
  assert.equal(await exited, 'SIGKILL');
  assert.ok(acked.length >= 300, `only ${acked.length} writes acknowledged before the child stopped`);

  const store = await openSqliteStore({ path });
  try {
    assert.deepEqual(await store.migrate(), []);
    const found = new Set<string>();
    for (let i = 0; i < acked.length; i += 100) {
      for (const m of await store.messages.getMany(channelId, acked.slice(i, i + 100))) found.add(m.id);
    }
    const missing = acked.filter((id) => !found.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged writes lost`);
    assert.equal((await store.channels.get(channelId))?.lastMessageId !== null, true);
  } finally {
    await store.close();
  }
});
