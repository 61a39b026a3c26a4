/**
 * Child process for test/integration/gateway-resume-cluster.test.ts: a sessions-only Accord node on NATS,
 * sharing the parent's SQLite store. argv: <data dir> <nats url> <stream prefix> <node id> [guild partitions]
 * (another count than the guild role's makes some guilds' snapshot requests go unanswered). Prints
 * `url <http url>` once listening; the parent kills it with SIGKILL.
 */
import { writeSync } from 'node:fs';
import { NatsBus } from '../../src/bus/nats.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startServer } from '../../src/server.ts';
import { openStore } from '../../src/store/open.ts';

const [dataDir, natsUrl, streamPrefix, nodeId, guildPartitions] = process.argv.slice(2) as [string, string, string, string, string?];
const store = await openStore({ dataDir });
const bus = await NatsBus.connect({ servers: natsUrl, name: `accord-${nodeId}`, streamPrefix });
const config = loadConfig({
  env: {},
  overrides: {
    port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000,
    nodeId, workerId: 2, processId: 3, roles: ['sessions'],
    ...(guildPartitions ? { guildPartitions: Number(guildPartitions) } : {}),
  },
});
const server = await startServer(config, { store, bus, log: silentLogger });
writeSync(1, `url ${server.url}\n`);
