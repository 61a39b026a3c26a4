/**
 * `npm run cluster [-- options]`: a local cluster in one command (docs/cluster.md). Starts the nodes of
 * topology.ts on PostgreSQL and NATS behind HAProxy, prints where everything is, and stops it all on Ctrl-C.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { renderHaproxyConfig } from './haproxy.ts';
import { Cluster, haproxyMissing } from './launcher.ts';
import { PrivateNats, PrivatePostgres, portOpen } from './services.ts';
import { clusterNodes, DEFAULT_BASE_PORT, DEFAULT_PROXY_PORT, DEFAULT_STATS_PORT } from './topology.ts';

const USAGE = `usage: npm run cluster -- [options]
  --database-url URL    PostgreSQL to use (default postgres://postgres@127.0.0.1:5432/accord_cluster, created when missing)
  --private-postgres    run a PostgreSQL of the cluster's own in <dir>/postgres instead (port 5442)
  --nats-url URL        NATS (JetStream) to use (default: a nats-server of the cluster's own on 127.0.0.1:4322,
                        store in <dir>/nats; on a shared server give each cluster its own ACCORD_NATS_PREFIX)
  --proxy-port N        HAProxy's port (default ${DEFAULT_PROXY_PORT})
  --stats-port N        HAProxy's status page, http://127.0.0.1:N/stats (default ${DEFAULT_STATS_PORT})
  --base-port N         nodes listen on N+1, N+2, … (default ${DEFAULT_BASE_PORT})
  --dir DIR             logs, generated haproxy.cfg, local data (default ./data/cluster)
  --print-haproxy-config  print the HAProxy configuration for these ports and exit`;

/** Creates the database of a postgres:// URL when it does not exist (connecting to the server's postgres database). */
async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      'private-postgres': { type: 'boolean', default: false },
      'nats-url': { type: 'string' },
      'proxy-port': { type: 'string', default: String(DEFAULT_PROXY_PORT) },
      'base-port': { type: 'string', default: String(DEFAULT_BASE_PORT) },
      'stats-port': { type: 'string', default: String(DEFAULT_STATS_PORT) },
      dir: { type: 'string', default: './data/cluster' },
      'print-haproxy-config': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const proxyPort = Number(values['proxy-port']);
  const basePort = Number(values['base-port']);
  const statsPort = Number(values['stats-port']);
  if (values['print-haproxy-config']) {
    process.stdout.write(renderHaproxyConfig({ proxyPort, statsPort, nodes: clusterNodes(basePort) }));
    return 0;
  }
  const missing = haproxyMissing();
  if (missing) {
    console.error(`cluster: ${missing}`);
    return 1;
  }
  const dir = path.resolve(values.dir!);
  const cleanups: Array<() => Promise<void>> = [];

  let natsUrl = values['nats-url'];
  if (!natsUrl) {
    const nats = new PrivateNats(4322, path.join(dir, 'nats'));
    if (await portOpen(nats.port)) throw new Error(`port ${nats.port} is taken: is another cluster running? (or pass --nats-url)`);
    await nats.start();
    cleanups.unshift(() => nats.stop());
    natsUrl = nats.url;
  }
  let databaseUrl = values['database-url'] ?? 'postgres://postgres@127.0.0.1:5432/accord_cluster';
  if (values['private-postgres']) {
    const postgres = new PrivatePostgres(5442, path.join(dir, 'postgres'));
    await postgres.init();
    await postgres.start();
    cleanups.unshift(() => postgres.stop());
    databaseUrl = postgres.url;
  } else {
    await ensureDatabase(databaseUrl);
  }

  const cluster = new Cluster({ databaseUrl, natsUrl, proxyPort, statsPort, basePort, dir });
  cleanups.unshift(() => cluster.stop());
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\ncluster: ${why}: stopping…`);
    for (const c of cleanups) await c().catch((err) => console.error('cluster: stop failed:', err instanceof Error ? err.message : err));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  cluster.onUnexpectedExit = (node, code, signal) => console.error(`cluster: ${node.spec.id} exited (${signal ?? code}); see ${path.join(dir, 'logs', `${node.spec.id}.log`)}`);

  console.log(`cluster: PostgreSQL ${databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}, NATS ${natsUrl}; starting ${cluster.nodes.length} nodes…`);
  try {
    await cluster.start();
  } catch (err) {
    console.error('cluster: failed to start:', err instanceof Error ? err.message : err);
    await stop('start failed');
    return 1;
  }
  console.log('');
  console.log(`  proxy       ${cluster.proxyUrl}   (REST ${cluster.proxyUrl}/api/v10, gateway ${cluster.proxyUrl.replace(/^http/, 'ws')}/gateway)`);
  console.log(`  haproxy.cfg ${cluster.haproxyConfigPath}   (status page http://127.0.0.1:${statsPort}/stats)`);
  for (const n of cluster.nodes) console.log(`  ${n.spec.id.padEnd(11)} ${n.spec.roles.join(',').padEnd(9)} port ${n.spec.port}  pid ${n.child?.pid ?? '-'}`);
  console.log(`  logs        ${path.join(dir, 'logs')}`);
  console.log('\ncluster: ready. Ctrl-C stops everything.');
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    console.error('cluster:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
