/**
 * Every setting Accord reads, with its default and environment variable, in one table. The README's
 * configuration table is this table. Loading order: defaults → JSON file (ACCORD_CONFIG / --config) → env → flags.
 */
import { z } from 'zod';

import { ALL_ROLES, type Role } from './roles.ts';

export { ALL_ROLES, type Role };

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A list setting: a JSON array in the config file, comma-separated in env and flags. */
const list = z.union([z.array(z.string().min(1)), z.string().transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))]);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

export const configSchema = z
  .object({
    port: int(0, 65535),
    host: z.string().min(1),
    dataDir: z.string().min(1),
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    natsUrl: z.string().regex(/^(nats|tls|wss?):\/\//, 'must be a nats:// URL').optional(),
    roles: z.array(z.enum(ALL_ROLES)).min(1),
    publicUrl: z.string().url().optional(),
    tlsCert: z.string().optional(),
    tlsKey: z.string().optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    nodeId: z.string().min(1).max(64),
    workerId: int(0, 31),
    processId: int(0, 31),
    bodyLimitBytes: int(1024, 100 * 1024 * 1024),
    registrationOpen: bool,
    rateLimitGlobalPerSecond: int(1, 1_000_000),
    rateLimitScale: z.coerce.number().min(0.001).max(1000),
    heartbeatIntervalMs: int(1000, 600_000),
    resumeGraceMs: int(0, 3_600_000),
    replayMaxEvents: int(1, 1_000_000),
    replayMaxBytes: int(1024, 1024 * 1024 * 1024),
    outboundMaxBytes: int(1024, 1024 * 1024 * 1024),
    roleTimeoutMs: int(50, 60_000),
    identifyConcurrency: int(1, 1024),
    identifyQueueMax: int(0, 1_000_000),
    busCheckPayloads: bool,
    identifyTimeoutMs: int(1000, 3_600_000),
    maxSessionsPerUser: int(1, 100_000),
    databasePoolSize: int(1, 1000),
    guildCacheMaxGuilds: int(1, 10_000_000),
    outboxSweepIntervalMs: int(100, 3_600_000),
    outboxStaleAfterMs: int(100, 3_600_000),
    busMaxQueueJobs: int(1, 100_000_000),
    busMaxPendingMessages: int(1, 100_000_000),
    presenceSessionTtlMs: int(1000, 3_600_000),
    presenceMaxSessions: int(1, 100_000_000),
    gatewayDedupeIds: int(16, 10_000_000),
    trustedProxies: list,
    tokenIdleDays: int(1, 36_500),
    maxTokensPerUser: int(1, 10_000),
    jsonMaxDepth: int(2, 1000),
    invalidRequestLimit: int(1, 100_000_000),
    invalidRequestBanMs: int(1000, 7 * 86_400_000),
    gatewaySocketsPerIp: int(1, 10_000_000),
    identifyMaxConcurrency: int(1, 1024),
    sessionStartLimit: int(1, 100_000_000),
    metricsToken: z.string().min(16).optional(),
    metricsPort: int(0, 65535).optional(),
    maxApplicationsPerUser: int(1, 10_000),
    passwordHashCost: int(10, 20),
    blobStore: z.enum(['files', 'nats']).optional(),
    blobMaxBytes: int(1, Number.MAX_SAFE_INTEGER),
    embedAllowHosts: list,
    attachmentMaxBytes: int(1, Number.MAX_SAFE_INTEGER),
    messageUploadMaxBytes: int(1, Number.MAX_SAFE_INTEGER),
    uploadSweepIntervalMs: int(100, 86_400_000),
    uploadStaleAfterMs: int(100, 30 * 86_400_000),
    cdnUrl: z.string().url().optional(),
    cdnSigningKey: z.string().min(32).optional(),
    imageMaxPixels: int(1, 1_000_000_000),
  })
  .refine((c) => Boolean(c.tlsCert) === Boolean(c.tlsKey), { message: 'ACCORD_TLS_CERT and ACCORD_TLS_KEY go together', path: ['tlsCert'] });

export type Config = Readonly<z.infer<typeof configSchema>>;

export interface SettingInfo {
  env: string;
  flag: string;
  default: unknown;
  doc: string;
}

/** Defaults, env names and docs: one row per setting. */
export const SETTINGS: Record<keyof z.infer<typeof configSchema>, SettingInfo> = {
  port: { env: 'PORT', flag: '--port', default: 8080, doc: 'TCP port for HTTP (REST, gateway, web client)' },
  host: { env: 'HOST', flag: '--host', default: '0.0.0.0', doc: 'Address to listen on' },
  dataDir: { env: 'ACCORD_DATA_DIR', flag: '--data-dir', default: './data', doc: 'Folder for the SQLite database and other local state' },
  databaseUrl: { env: 'ACCORD_DATABASE_URL', flag: '--database-url', default: undefined, doc: 'A postgres:// URL switches storage from SQLite to PostgreSQL' },
  natsUrl: { env: 'ACCORD_NATS_URL', flag: '--nats-url', default: undefined, doc: 'A nats:// URL switches the bus from in-memory to NATS (JetStream for queues)' },
  roles: { env: 'ACCORD_ROLES', flag: '--roles', default: [...ALL_ROLES], doc: `Comma-separated roles this process runs (or all): ${ALL_ROLES.join(', ')}` },
  publicUrl: { env: 'ACCORD_PUBLIC_URL', flag: '--public-url', default: undefined, doc: 'Address clients are told to use for the API and gateway (behind a proxy); default derived from the request' },
  tlsCert: { env: 'ACCORD_TLS_CERT', flag: '--tls-cert', default: undefined, doc: 'PEM certificate file: serve HTTPS and WSS directly' },
  tlsKey: { env: 'ACCORD_TLS_KEY', flag: '--tls-key', default: undefined, doc: 'PEM private key file for ACCORD_TLS_CERT' },
  logLevel: { env: 'ACCORD_LOG_LEVEL', flag: '--log-level', default: 'info', doc: 'fatal, error, warn, info, debug, trace or silent' },
  nodeId: { env: 'ACCORD_NODE_ID', flag: '--node-id', default: undefined, doc: 'Name of this process in logs and on the bus (default: host-pid)' },
  workerId: { env: 'ACCORD_WORKER_ID', flag: '--worker-id', default: 0, doc: 'Snowflake worker id, 0–31; unique per machine in a cluster' },
  processId: { env: 'ACCORD_PROCESS_ID', flag: '--process-id', default: undefined, doc: 'Snowflake process id, 0–31 (default: pid mod 32)' },
  bodyLimitBytes: { env: 'ACCORD_BODY_LIMIT', flag: '--body-limit', default: 1024 * 1024, doc: 'Largest accepted request body in bytes (413 above)' },
  registrationOpen: { env: 'ACCORD_REGISTRATION_OPEN', flag: '--registration-open', default: true, doc: 'Whether POST /auth/register accepts new accounts' },
  rateLimitGlobalPerSecond: { env: 'ACCORD_RATE_LIMIT_GLOBAL', flag: '--rate-limit-global', default: 50, doc: 'Requests per second per user (or per IP unauthenticated) before a global 429' },
  rateLimitScale: { env: 'ACCORD_RATE_LIMIT_SCALE', flag: '--rate-limit-scale', default: 1, doc: 'Multiplies every per-route limit (e.g. 100 for load tests)' },
  heartbeatIntervalMs: { env: 'ACCORD_HEARTBEAT_INTERVAL', flag: '--heartbeat-interval', default: 41250, doc: 'Gateway heartbeat_interval in ms' },
  resumeGraceMs: { env: 'ACCORD_RESUME_GRACE_MS', flag: '--resume-grace', default: 180_000, doc: 'How long a session outlives its socket and can be resumed' },
  replayMaxEvents: { env: 'ACCORD_REPLAY_MAX_EVENTS', flag: '--replay-max-events', default: 2000, doc: 'Dispatches each session keeps for RESUME (count bound)' },
  replayMaxBytes: { env: 'ACCORD_REPLAY_MAX_BYTES', flag: '--replay-max-bytes', default: 2 * 1024 * 1024, doc: 'Dispatches each session keeps for RESUME (byte bound: full frame sizes, though the payload bytes are shared between sessions)' },
  outboundMaxBytes: { env: 'ACCORD_OUTBOUND_MAX_BYTES', flag: '--outbound-max-bytes', default: 4 * 1024 * 1024, doc: 'Bytes queued to one socket before presences are coalesced, then the socket is closed (resumable)' },
  roleTimeoutMs: { env: 'ACCORD_ROLE_TIMEOUT_MS', flag: '--role-timeout', default: 2000, doc: 'How long a role waits for another role over the bus before degrading' },
  identifyConcurrency: { env: 'ACCORD_IDENTIFY_CONCURRENCY', flag: '--identify-concurrency', default: 8, doc: 'IDENTIFYs one sessions node works on at once (READY and first GUILD_CREATEs); the rest wait in a queue, still heartbeating' },
  identifyQueueMax: { env: 'ACCORD_IDENTIFY_QUEUE_MAX', flag: '--identify-queue-max', default: 5000, doc: 'IDENTIFYs that may wait for a slot; beyond, the client gets INVALID_SESSION (false) and identifies again later' },
  identifyTimeoutMs: { env: 'ACCORD_IDENTIFY_TIMEOUT_MS', flag: '--identify-timeout', default: 60_000, doc: 'A gateway socket that has not sent IDENTIFY or RESUME this long after HELLO (or op 9) is closed with 4003' },
  maxSessionsPerUser: { env: 'ACCORD_MAX_SESSIONS_PER_USER', flag: '--max-sessions-per-user', default: 100, doc: 'Gateway sessions one user may hold on a node; at the cap the oldest disconnected one is dropped, or the new socket closes with 4015' },
  databasePoolSize: { env: 'ACCORD_DATABASE_POOL_SIZE', flag: '--database-pool-size', default: 10, doc: 'PostgreSQL connections each process keeps in its pool' },
  guildCacheMaxGuilds: { env: 'ACCORD_GUILD_CACHE_GUILDS', flag: '--guild-cache-guilds', default: 10_000, doc: 'Guilds whose live state one guild node keeps in memory (least recently used dropped beyond, rebuilt from the store when asked again)' },
  outboxSweepIntervalMs: { env: 'ACCORD_OUTBOX_SWEEP_MS', flag: '--outbox-sweep', default: 2_000, doc: 'How often an api node looks for outbox records that no process published (a writer died between commit and publish)' },
  outboxStaleAfterMs: { env: 'ACCORD_OUTBOX_STALE_MS', flag: '--outbox-stale', default: 5_000, doc: 'Age after which an unpublished outbox record counts as orphaned and is published by the sweep' },
  busMaxQueueJobs: { env: 'ACCORD_BUS_MAX_QUEUE_JOBS', flag: '--bus-max-queue-jobs', default: 100_000, doc: 'Jobs one durable queue (search, push, embed) may hold before new jobs are refused and stay in the outbox' },
  busMaxPendingMessages: { env: 'ACCORD_BUS_MAX_PENDING', flag: '--bus-max-pending', default: 65_536, doc: 'In-memory bus: messages one subscriber may fall behind before new ones are dropped (and counted as slow-consumer)' },
  presenceSessionTtlMs: { env: 'ACCORD_PRESENCE_TTL_MS', flag: '--presence-ttl', default: 60_000, doc: 'A presence session not heard of this long (its node died) goes offline' },
  presenceMaxSessions: { env: 'ACCORD_PRESENCE_MAX_SESSIONS', flag: '--presence-max-sessions', default: 1_000_000, doc: 'Sessions one presence node tracks across the cluster; updates for new sessions beyond are dropped and logged' },
  gatewayDedupeIds: { env: 'ACCORD_GATEWAY_DEDUPE_IDS', flag: '--gateway-dedupe-ids', default: 8192, doc: 'Recent outbox ids each sessions node remembers to drop a dispatch the relay published twice' },
  trustedProxies: { env: 'ACCORD_TRUSTED_PROXIES', flag: '--trusted-proxies', default: [], doc: 'Comma-separated addresses or CIDRs (or loopback) of reverse proxies whose X-Forwarded-For is believed; from anyone else the socket address is the client (empty: nobody is trusted)' },
  tokenIdleDays: { env: 'ACCORD_TOKEN_IDLE_DAYS', flag: '--token-idle-days', default: 30, doc: 'A user token unused this many days expires (bot tokens do not expire)' },
  maxTokensPerUser: { env: 'ACCORD_MAX_TOKENS_PER_USER', flag: '--max-tokens-per-user', default: 50, doc: 'Live log-in tokens one user may hold; a new log-in beyond revokes the least recently used' },
  jsonMaxDepth: { env: 'ACCORD_JSON_MAX_DEPTH', flag: '--json-max-depth', default: 32, doc: 'Deepest nesting of arrays and objects a JSON body may have (400 beyond)' },
  invalidRequestLimit: { env: 'ACCORD_INVALID_REQUEST_LIMIT', flag: '--invalid-request-limit', default: 10_000, doc: 'Invalid requests (401, 403, 429) one IP may make in 10 minutes before it is refused for ACCORD_INVALID_REQUEST_BAN_MS, as Discord does' },
  invalidRequestBanMs: { env: 'ACCORD_INVALID_REQUEST_BAN_MS', flag: '--invalid-request-ban', default: 3_600_000, doc: 'How long an IP over ACCORD_INVALID_REQUEST_LIMIT is refused' },
  gatewaySocketsPerIp: { env: 'ACCORD_GATEWAY_SOCKETS_PER_IP', flag: '--gateway-sockets-per-ip', default: 1000, doc: 'Open gateway sockets one IP may hold on a sessions node; beyond, the upgrade is refused with 429' },
  identifyMaxConcurrency: { env: 'ACCORD_IDENTIFY_MAX_CONCURRENCY', flag: '--identify-max-concurrency', default: 1, doc: 'IDENTIFYs a bot may send per 5 seconds (max_concurrency in GET /gateway/bot)' },
  sessionStartLimit: { env: 'ACCORD_SESSION_START_LIMIT', flag: '--session-start-limit', default: 1000, doc: 'New gateway sessions (IDENTIFYs) a bot may start per 24 hours (session_start_limit in GET /gateway/bot)' },
  metricsToken: { env: 'ACCORD_METRICS_TOKEN', flag: '--metrics-token', default: undefined, doc: 'Bearer token (16+ characters) that GET /metrics requires; without it and without ACCORD_METRICS_PORT, /metrics answers only loopback clients' },
  metricsPort: { env: 'ACCORD_METRICS_PORT', flag: '--metrics-port', default: undefined, doc: 'Serve /metrics on this port (on HOST) instead of the client port' },
  maxApplicationsPerUser: { env: 'ACCORD_MAX_APPLICATIONS_PER_USER', flag: '--max-applications-per-user', default: 25, doc: 'Applications (bots) one user may own' },
  passwordHashCost: { env: 'ACCORD_PASSWORD_HASH_COST', flag: '--password-hash-cost', default: 17, doc: 'log2 of scrypt\'s N for new password hashes (17: 128 MiB, about half a second of one core); older hashes are upgraded at the next log-in. Lower only for load tests' },
  blobStore: { env: 'ACCORD_BLOB_STORE', flag: '--blob-store', default: undefined, doc: 'Where file bytes (attachments, avatars) live: files (in ACCORD_DATA_DIR/blobs) or nats (a JetStream object store bucket); default nats when ACCORD_NATS_URL is set, else files' },
  blobMaxBytes: { env: 'ACCORD_BLOB_MAX_BYTES', flag: '--blob-max-bytes', default: 10 * 1024 ** 3, doc: 'Total bytes the blob store may hold (10 GiB); an upload that would go beyond is refused' },
  embedAllowHosts: { env: 'ACCORD_EMBED_ALLOW_HOSTS', flag: '--embed-allow-hosts', default: [], doc: 'Comma-separated addresses or CIDRs the embed role may fetch although they are private, loopback or link-local (empty: none; for tests and intranet previews)' },
  attachmentMaxBytes: { env: 'ACCORD_ATTACHMENT_MAX_BYTES', flag: '--attachment-max-bytes', default: 10 * 1024 ** 2, doc: 'Largest file one attachment may be (10 MiB, Discord\'s default); a bigger one is refused with 413 / 40005' },
  messageUploadMaxBytes: { env: 'ACCORD_MESSAGE_UPLOAD_MAX_BYTES', flag: '--message-upload-max-bytes', default: 25 * 1024 ** 2, doc: 'Largest total of the files of one message (25 MiB); beyond it the request is refused with 413 / 40005' },
  uploadSweepIntervalMs: { env: 'ACCORD_UPLOAD_SWEEP_MS', flag: '--upload-sweep', default: 300_000, doc: 'How often a cdn node looks for files of uploads that no message took (the process died mid-request) and deletes them' },
  uploadStaleAfterMs: { env: 'ACCORD_UPLOAD_STALE_MS', flag: '--upload-stale', default: 3_600_000, doc: 'Age after which an upload no message has taken counts as abandoned: its files are deleted, and a request still sending it is refused (400)' },
  cdnUrl: { env: 'ACCORD_CDN_URL', flag: '--cdn-url', default: undefined, doc: 'Base of attachment, avatar and icon URLs (a CDN in front of Accord, or a cdn node); default ACCORD_PUBLIC_URL, else the address this process listens on' },
  cdnSigningKey: { env: 'ACCORD_CDN_SIGNING_KEY', flag: '--cdn-signing-key', default: undefined, doc: 'Secret (32+ characters) that signs attachment URLs (ex/is/hm); default: one generated at first start and kept in the store, shared by every node' },
  imageMaxPixels: { env: 'ACCORD_IMAGE_MAX_PIXELS', flag: '--image-max-pixels', default: 50_000_000, doc: 'Largest image (width × height) that is decoded, for dimensions and resizing; larger ones are refused as avatars and icons and stored without dimensions as attachments' },
  busCheckPayloads: { env: 'ACCORD_BUS_CHECK_PAYLOADS', flag: '--bus-check-payloads', default: false, doc: 'In-memory bus: check every payload is JSON-serialisable, as NATS needs (one JSON.stringify per message; the tests turn it on)' },
};
