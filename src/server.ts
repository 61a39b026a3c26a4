/**
 * Assembles a process from its configuration: store, bus, the HTTP server (src/http.ts), and the roles it runs
 * (the registry in src/roles.ts). main.ts and
 * the test harness both start Accord through here, so tests run the code path users run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { openBlobStore } from './blobs/index.ts';
import type { BlobStore } from './blobs/types.ts';
import { BusFailures, openBus } from './bus/index.ts';
import type { Bus } from './bus/types.ts';
import type { Config } from './config/schema.ts';
import { createLogger, type Logger } from './lib/log.ts';
import { SnowflakeGenerator } from './protocol/snowflake.ts';
import type { PublicLinks, RoleDeps, RunningRole } from './contracts/role.ts';
import { buildProcessHttp, clientBansOf } from './http.ts';
import { ROLE_DEFINITIONS } from './roles.ts';
import { openStore } from './store/open.ts';
import { AccessCache, withAccessCache } from './store/access-cache.ts';
import { IdentityCache, withIdentityCache } from './store/identity-cache.ts';
import type { MetricSample } from './lib/metrics.ts';
import type { Store } from './store/types.ts';

/** The listen queue's length (see the listen call). */
const LISTEN_BACKLOG = 4096;

export interface RunningServer {
  config: Config;
  store: Store;
  bus: Bus;
  blobs: BlobStore;
  links: PublicLinks;
  log: Logger;
  app: FastifyInstance;
  roles: RunningRole[];
  /** http(s)://host:port where this process listens. */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Use this store instead of opening one from config (tests); it is not closed by close(). */
  store?: Store;
  /** Use this bus instead of opening one from config (tests); it is not closed by close(). */
  bus?: Bus;
  /** Use this blob store instead of opening one from config (tests); it is not closed by close(). */
  blobs?: BlobStore;
  log?: Logger;
  now?: () => number;
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger({ level: config.logLevel, nodeId: config.nodeId });
  const now = opts.now ?? Date.now;
  if (!config.databaseUrl) mkdirSync(config.dataDir, { recursive: true });
  // One process on its own SQLite file and in-memory bus is the only writer of its database: it may keep users with
  // their tokens (store/identity-cache.ts) and what permission checks read (store/access-cache.ts) in memory, and its
  // reads of one event-loop turn may share one snapshot (store/sqlite/driver.ts). With NATS, or PostgreSQL (which
  // other processes may share), or handed a store or a bus (tests run several nodes on one), others may write too,
  // and the store is read every time.
  const soleWriter = !opts.store && !opts.bus && !config.natsUrl && !config.databaseUrl;
  const opened = opts.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, databasePoolSize: config.databasePoolSize, soleProcess: soleWriter }));
  const closers: Array<() => Promise<void>> = [];
  if (!opts.store) closers.push(() => opened.close());
  const caching = soleWriter && opened.watchRows !== undefined;
  const identityCache = caching ? new IdentityCache({ now }) : null;
  const accessCache = caching ? new AccessCache({ now }) : null;
  let store = opened;
  try {
    await store.migrate();
    // After the migrations: the caches hear of row changes through triggers, which a rebuilt table would lose.
    if (identityCache) store = await withIdentityCache(store, identityCache);
    if (accessCache) store = await withAccessCache(store, accessCache);
    // Every bus failure (disconnects, slow consumers, handler exceptions, dead letters, timeouts) is logged and counted.
    const busFailures = new BusFailures(log);
    const bus = opts.bus ?? (await openBus({ natsUrl: config.natsUrl, streamPrefix: config.natsPrefix, nodeId: config.nodeId, checkPayloads: config.busCheckPayloads, maxQueueJobs: config.busMaxQueueJobs, maxPendingMessages: config.busMaxPendingMessages, onError: busFailures.handler }));
    if (!opts.bus) closers.unshift(() => bus.close());
    const ids = new SnowflakeGenerator({ workerId: config.workerId, processId: config.processId, now });
    const blobs = opts.blobs ?? (await openBlobStore({ dataDir: config.dataDir, natsUrl: config.natsUrl, blobStore: config.blobStore, blobMaxBytes: config.blobMaxBytes, nodeId: config.nodeId, bucketPrefix: config.natsPrefix }));
    if (!opts.blobs) closers.unshift(() => blobs.close());
    // Until the process listens, only a configured base is known; requests (and so rendered URLs) come after.
    let listenBase = '';
    const configuredBase = (config.cdnUrl ?? config.publicUrl)?.replace(/\/+$/, '');
    const signingKey = Buffer.from(config.cdnSigningKey ?? (await store.secrets.getOrCreate('cdn-signing-key', randomBytes(32).toString('base64url'), now())));
    const links = { cdnBase: () => configuredBase ?? listenBase, signingKey };
    const deps: RoleDeps = { config, store, bus, log, ids, now, blobs, links };

    const roles: RunningRole[] = [];
    const https = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
    const app = buildProcessHttp(config, log, {
      fastify: https ? { https } : {},
      storeOk: () => store.ping(),
      ready: () => roles.every((r) => r.ready()),
      metrics: () => [...busFailures.metrics(), ...storeCacheMetrics(identityCache, accessCache), ...roles.flatMap((r) => r.metrics?.() ?? [])],
    });
    // Roles mount their routes and upgrade handlers before the server listens.
    for (const role of ROLE_DEFINITIONS) if (config.roles.includes(role.name)) roles.push(await role.start({ ...deps, http: app, clientBans: clientBansOf(app) }));

    // A connect storm (every client of a restarted node at once) can outrun accept() while the event loop works
    // through identifies; with Node's default backlog of 511 the kernel then drops connections and clients retry
    // after seconds. 4096 (the kernel caps it at net.core.somaxconn) lets them wait in order instead.
    await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${https ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
    listenBase = url;
    log.info({ url, roles: config.roles, store: store.kind, bus: bus.kind }, `Accord listening on ${url}`);

    let closing: Promise<void> | undefined;
    return {
      config, store, bus, blobs, links, log, app, roles, url,
      close: () =>
        (closing ??= (async () => {
          // Sessions first: clients get op 7 RECONNECT while the bus, store and other roles are still up.
          const order = [...roles.filter((r) => r.name === 'sessions'), ...roles.filter((r) => r.name !== 'sessions').reverse()];
          for (const role of order) await role.close().catch((err) => log.error({ err, role: role.name }, 'role close failed'));
          await app.close();
          for (const close of closers) await close().catch((err) => log.error({ err }, 'close failed'));
        })()),
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}

/**
 * `identity_cache_reads_total{result}` and `access_cache_reads_total{result}`: how often a token's user, and what a
 * permission check reads, came from memory; absent where there is no cache.
 */
function storeCacheMetrics(identity: IdentityCache | null, access: AccessCache | null): MetricSample[] {
  const reads = (name: string, help: string, { hits, misses }: { hits: number; misses: number }): MetricSample[] => [
    { name, help, type: 'counter', value: hits, labels: { result: 'hit' } },
    { name, help, type: 'counter', value: misses, labels: { result: 'miss' } },
  ];
  return [
    ...(identity ? reads('identity_cache_reads_total', 'Reads of a user with their tokens (every authenticated request and IDENTIFY), by whether memory had them (store/identity-cache.ts)', identity) : []),
    ...(access ? reads('access_cache_reads_total', 'Reads of a guild, its roles, a member or a channel\'s overwrites (permission checks), by whether memory had them (store/access-cache.ts)', access.counts) : []),
  ];
}
