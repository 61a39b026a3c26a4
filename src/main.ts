/**
 * The CLI: `accord start [--roles api,sessions,…] [flags]` and `accord migrate`.
 * Flags mirror the settings in config/schema.ts; see the README's configuration table.
 */
import cluster from 'node:cluster';
import { mkdirSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/load.ts';
import { ALL_ROLES, ROLE_CATALOG } from './config/roles.ts';
import { setHeapGrowingPercent } from './lib/heap-growing.ts';
import { capSemiSpace } from './lib/semi-space.ts';
import { reserveFdTable } from './lib/fd-table.ts';
import { createLogger } from './lib/log.ts';
import { startServer } from './server.ts';
import { openStore } from './store/open.ts';
import { startWorkers, WORKER_INDEX_ENV, workerOverrides } from './workers.ts';

const USAGE = `usage: accord <start|migrate> [--config file.json] [--port N] [--host H] [--data-dir DIR]
                     [--database-url postgres://…] [--nats-url nats://…] [--roles ${ALL_ROLES.join(',')}|all] …
roles:
${ROLE_CATALOG.map((r) => `  ${r.name.padEnd(10)} ${r.summary}`).join('\n')}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  let config;
  try {
    config = loadConfig({ argv: rest });
    // A worker of ACCORD_WORKERS (workers.ts) loads what its primary loaded, then takes its own name and ids.
    const workerIndex = cluster.isWorker ? process.env[WORKER_INDEX_ENV] : undefined;
    if (workerIndex !== undefined) config = loadConfig({ argv: rest, overrides: workerOverrides(config, Number(workerIndex)) });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`accord: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel, nodeId: config.nodeId });

  if (command === 'migrate') {
    if (!config.databaseUrl) mkdirSync(config.dataDir, { recursive: true });
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await store.migrate();
      log.info({ applied, store: store.kind }, applied.length ? `applied migrations ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await store.close();
    }
    return 0;
  }
  if (command !== 'start') {
    console.error(`accord: unknown command ${command}\n${USAGE}`);
    return 2;
  }

  setHeapGrowingPercent(config.heapGrowingPercent);
  capSemiSpace(config.semiSpaceMb);
  // Before anything listens: the table's growths, once each, while no handshake waits on them (lib/fd-table.ts).
  const fdTable = reserveFdTable(config.fdTable);
  if (fdTable.highest >= 0) log.debug({ highest: fdTable.highest, ms: fdTable.ms }, 'descriptor table grown');
  if (config.workers > 1 && cluster.isPrimary) {
    const pool = startWorkers(config, log);
    let stoppingPool = false;
    const stopPool = async (signal: NodeJS.Signals) => {
      if (stoppingPool) return;
      stoppingPool = true;
      log.info({ signal }, 'stopping the workers');
      await pool.stop(signal);
      process.exit(0);
    };
    process.on('SIGINT', () => void stopPool('SIGINT'));
    process.on('SIGTERM', () => void stopPool('SIGTERM'));
    return -1;
  }

  const server = await startServer(config, { log });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    console.error('accord: failed to start:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
