#!/usr/bin/env node
// `npm run test:cluster`: the fault tests of test/cluster on a local cluster behind HAProxy (docs/cluster.md).
// They start their own nats-server and PostgreSQL (never the machine's shared ones), so they need HAProxy,
// nats-server and PostgreSQL's server binaries installed; a missing one fails here with what to install.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const missing = [];
const haproxy = process.env.ACCORD_HAPROXY ?? 'haproxy';
if (spawnSync(haproxy, ['-v']).status !== 0) missing.push(`HAProxy (${haproxy}): apt-get install haproxy, or set ACCORD_HAPROXY`);
const nats = process.env.ACCORD_NATS_SERVER ?? '/usr/sbin/nats-server';
if (!existsSync(nats)) missing.push(`nats-server (${nats}): apt-get install nats-server, or set ACCORD_NATS_SERVER`);
const pgBin = process.env.ACCORD_PG_BIN ?? (existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').length > 0 ? '/usr/lib/postgresql' : null);
if (!pgBin) missing.push('PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin): apt-get install postgresql, or set ACCORD_PG_BIN');
if (missing.length) {
  console.error(`test:cluster: cannot run the cluster fault tests; missing:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

const files = readdirSync('test/cluster').filter((f) => f.endsWith('.cluster.ts')).map((f) => `test/cluster/${f}`).sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=1200000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, ACCORD_LOG_LEVEL: process.env.ACCORD_LOG_LEVEL ?? 'info' } },
);
process.exit(result.status ?? 1);
