/**
 * The search role: keeps the message index (open-index.ts picks SQLite FTS5 or PostgreSQL full-text) current
 * from the durable search.index queue (indexer.ts, in batches), indexes a scope's history the first time it is
 * searched (backfill.ts), closes the gap a crash of the in-memory bus leaves (catch-up.ts), and answers the api
 * nodes' search.query requests (query.ts). Permissions are the api's business: it sends the channels the caller
 * may read.
 */
import { Queues, SearchSubjects, consumeJobs, serveRpc, type SearchIndexJob } from '../contracts/index.ts';
import type { Consumer } from '../bus/types.ts';
import type { RoleDeps, RunningRole } from '../contracts/role.ts';
import { Backfills } from './backfill.ts';
import { LiveWatermarks } from './catch-up.ts';
import { Indexer, JobBatcher } from './indexer.ts';
import { openSearchIndex } from './open-index.ts';
import { SearchQueries } from './query.ts';

export const SEARCH_DEFAULTS = {
  /** Jobs applied together (the queue delivers this many at once to one node). */
  batch: 100,
  /** How long a job waits for others to fill its batch. */
  batchDelayMs: 20,
  /** Messages a backfill indexes per batch (also the store's largest history page). */
  backfillBatch: 100,
  /** A backfill of at least this many messages is followed by SearchIndex.optimize() (incremental on SQLite). */
  optimizeAfterBackfill: 10_000,
  /** How often an idle role advances its live watermarks (catch-up.ts). */
  checkpointIntervalMs: 2_000,
  /** Not after a failed job for this long: its redelivery waits in the queue (the bus's backoff is at most 10 s). */
  failureQuietMs: 15_000,
  /** A watermark trails now by at least this much (and by four outbox stale ages). */
  minMarginMs: 30_000,
} as const;

export async function startSearchRole(deps: RoleDeps): Promise<RunningRole> {
  const log = deps.log.child({ role: 'search' });
  const index = await openSearchIndex({
    dataDir: deps.config.dataDir,
    databaseUrl: deps.config.databaseUrl,
    databasePoolSize: deps.config.databasePoolSize,
    searchIndex: deps.config.searchIndex,
  });
  const marginMs = Math.max(SEARCH_DEFAULTS.minMarginMs, 4 * deps.config.outboxStaleAfterMs);
  const watermarks = new LiveWatermarks({ index, store: deps.store, log, now: deps.now, marginMs });
  const backfills = new Backfills({ index, store: deps.store, log, watermarks, batch: SEARCH_DEFAULTS.backfillBatch, optimizeAfter: SEARCH_DEFAULTS.optimizeAfterBackfill });
  const indexer = new Indexer({ index, store: deps.store, log, now: deps.now, watermarks });
  const queries = new SearchQueries({ index, store: deps.store, backfills, watermarks });
  const batcher = new JobBatcher<SearchIndexJob>((jobs) => indexer.apply(jobs), SEARCH_DEFAULTS.batch, SEARCH_DEFAULTS.batchDelayMs, deps.now);

  const consumer: Consumer = await consumeJobs(deps.bus, Queues.searchIndex, (job) => batcher.add(job), { concurrency: SEARCH_DEFAULTS.batch });
  const serving = serveRpc(deps.bus, SearchSubjects.query, (req) => queries.answer(req));

  let checkpointing = false;
  const checkpoint = setInterval(() => {
    const idle = !batcher.busy && !watermarks.catchingUp && deps.now() - batcher.lastFailureAt > SEARCH_DEFAULTS.failureQuietMs;
    if (!idle || checkpointing) return;
    checkpointing = true;
    watermarks.checkpoint().catch((err) => log.warn({ err }, 'search watermark checkpoint failed')).finally(() => (checkpointing = false));
  }, SEARCH_DEFAULTS.checkpointIntervalMs);
  checkpoint.unref();

  let closed = false;
  log.debug({ index: index.kind }, 'search role started');
  const lag = indexer.lag;
  return {
    name: 'search',
    ready: () => !closed,
    metrics: () => [
      { name: 'search_jobs_total', help: 'search.index jobs applied', type: 'counter', value: indexer.counts.jobs },
      { name: 'search_batches_total', help: 'Batches of search.index jobs applied', type: 'counter', value: indexer.counts.batches },
      { name: 'search_messages_indexed_total', help: 'Messages (re)indexed from the queue', type: 'counter', value: indexer.counts.upserted },
      { name: 'search_messages_skipped_total', help: 'Queued messages of scopes not indexed yet (their backfill reads them)', type: 'counter', value: indexer.counts.skipped },
      { name: 'search_backfill_messages_total', help: 'Messages indexed by backfills', type: 'counter', value: backfills.indexed },
      { name: 'search_backfills_running', help: 'Scopes whose history is being indexed', type: 'gauge', value: backfills.running },
      { name: 'search_catch_up_messages_total', help: 'Messages re-read after a restart (newer than a scope watermark)', type: 'counter', value: watermarks.recovered },
      { name: 'search_queries_total', help: 'Search queries answered', type: 'counter', value: queries.counts.queries },
      { name: 'search_lag_seconds_sum', help: 'Send to searchable, summed over new messages indexed from the queue', type: 'counter', value: lag.sumMs / 1000 },
      { name: 'search_lag_seconds_count', help: 'New messages whose send-to-searchable lag was measured', type: 'counter', value: lag.count },
      { name: 'search_lag_seconds_max', help: 'Longest send-to-searchable lag seen', type: 'gauge', value: lag.maxMs / 1000 },
    ],
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(checkpoint);
      serving.unsubscribe();
      await consumer.stop();
      await backfills.close();
      await index.close();
    },
  };
}
