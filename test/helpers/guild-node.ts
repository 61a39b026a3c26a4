/**
 * Child process for test/integration/guild-partitions.test.ts: one guild node (the guild role alone) on NATS,
 * reading the parent's SQLite store. argv[2] is JSON: { natsUrl, streamPrefix, dataDir, nodeId, partitions,
 * ttlMs }. Prints `ready` once its first lease round is done; the parent kills it with SIGKILL (no release).
 */
import { NatsBus } from '../../src/bus/nats.ts';
import { loadConfig } from '../../src/config/load.ts';
import { startGuildRole } from '../../src/guild/index.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import { openStore } from '../../src/store/open.ts';

const opts = JSON.parse(process.argv[2]!) as { natsUrl: string; streamPrefix: string; dataDir: string; nodeId: string; partitions: number; ttlMs: number };
const config = loadConfig({
  env: {},
  overrides: { dataDir: opts.dataDir, nodeId: opts.nodeId, logLevel: 'silent', roles: ['guild'], guildPartitions: opts.partitions, guildPartitionTtlMs: opts.ttlMs, roleTimeoutMs: 500 },
});
const store = await openStore({ dataDir: opts.dataDir });
const bus = await NatsBus.connect({ servers: opts.natsUrl, name: `accord-test-${opts.nodeId}`, streamPrefix: opts.streamPrefix });
// The guild role reads neither blobs nor links.
await startGuildRole({ config, store, bus, log: silentLogger, ids: new SnowflakeGenerator({ workerId: 2 }), now: Date.now, blobs: undefined as never, links: undefined as never });
process.stdout.write('ready\n');
