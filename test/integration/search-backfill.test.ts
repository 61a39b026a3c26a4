/**
 * The lazy backfill resumes where it stopped: its progress (an id cursor across the scope's channels and a count)
 * is in the index, so a new process's backfill reads only what is older than the cursor. Runs the search role's
 * Backfills against a real store (messages sent over HTTP; SQLite, and PostgreSQL when it runs) and a real
 * SQLite index file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/lib/log.ts';
import { Backfills } from '../../src/search/backfill.ts';
import { LiveWatermarks } from '../../src/search/catch-up.ts';
import { SqliteSearchIndex } from '../../src/search/sqlite-index.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip, waitFor } from '../helpers/services.ts';
import { guildFixture, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

const pgSkip = await serviceSkip('postgres');
for (const kind of ['sqlite', 'postgres'] as const) backfillSuite(kind);

function backfillSuite(kind: 'sqlite' | 'postgres') {
  describe(`search backfill (${kind} store)`, { skip: kind === 'postgres' && pgSkip }, () => {
    let t: TestServer;
    let f: GuildFixture;
    let dir: string;
    let dropStore: (() => Promise<void>) | undefined;
    const sent: string[] = [];

    before(async () => {
      // No search role here: the test drives the backfill itself.
      if (kind === 'postgres') {
        const pg = await freshPostgresStore();
        dropStore = pg.drop;
        t = await startTestServer({ roles: ['api'] }, { store: pg.store });
      } else t = await startTestServer({ roles: ['api'] });
      f = await guildFixture(t);
      const other = await textChannel(t, f.owner, f.guild.id, { name: 'second' });
      for (let i = 0; i < 130; i++) sent.push((await send(t, f.member, i % 2 ? other.id : f.channel.id, `backlog ${i}`)).id);
      dir = mkdtempSync(join(tmpdir(), 'accord-backfill-'));
    });
    after(async () => {
      await t.close();
      await dropStore?.();
      rmSync(dir, { recursive: true, force: true });
    });

    const open = (index: SqliteSearchIndex) => {
      const watermarks = new LiveWatermarks({ index, store: t.store, log: silentLogger, now: Date.now, marginMs: 30_000 });
      // optimizeAfter 100: each backfill here ends with the index's incremental merge.
      return new Backfills({ index, store: t.store, log: silentLogger, watermarks, batch: 50, optimizeAfter: 100 });
    };
    let channelIds: string[] = [];
    const all = (index: SqliteSearchIndex) => index.search({ channelIds, sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 200 });

    it('indexes the history backwards in batches, then continues from its cursor in a new process', async () => {
      channelIds = (await t.store.channels.listByGuild(f.guild.id)).map((c) => c.id);
      // A first process that stopped after 50 messages: the state it left.
      const cursor = [...sent].sort((a, b) => (BigInt(a) < BigInt(b) ? 1 : -1))[49]!;
      const first = new SqliteSearchIndex(join(dir, 'search.sqlite'));
      const firstRun = open(first);
      const fresh = await firstRun.state(f.guild.id, true);
      assert.deepEqual(fresh, { done: false, cursor: null, indexed: 0 });
      await waitFor(async () => (await first.getBackfill(f.guild.id))?.done, { what: 'the first backfill' });
      await firstRun.close();
      assert.equal(firstRun.indexed, 130);
      assert.equal((await all(first)).total, 130);
      // Rewind to "50 newest indexed" and drop the rest from the index, as a process killed after one batch leaves it.
      await first.setBackfill(f.guild.id, { done: false, cursor, indexed: 50 });
      await first.delete(sent.filter((id) => BigInt(id) < BigInt(cursor)));
      assert.equal((await all(first)).total, 50);
      await first.close();

      const second = new SqliteSearchIndex(join(dir, 'search.sqlite'));
      const secondRun = open(second);
      const resumed = await secondRun.state(f.guild.id, true);
      assert.deepEqual(resumed, { done: false, cursor, indexed: 50 });
      await waitFor(async () => (await second.getBackfill(f.guild.id))?.done, { what: 'the resumed backfill' });
      await secondRun.close();
      assert.equal(secondRun.indexed, 80, 'only what is older than the cursor was read again');
      assert.equal((await second.getBackfill(f.guild.id))?.indexed, 130);
      const found = await all(second);
      assert.equal(found.total, 130);
      assert.deepEqual([...found.ids].sort(), [...sent].sort());
      assert.equal(second.segmentCount(), 1, 'the finished backfill merged the index');
      await second.close();
    });
  });
}
