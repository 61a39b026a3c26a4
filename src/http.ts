/**
 * The process's HTTP server: whatever roles a process runs, it answers /healthz, /readyz and /metrics, speaks
 * Discord's error shape for unknown routes and failures, and carries the gateway's WebSocket upgrades. The api
 * role mounts the REST routes and the web client on it (api/index.ts); a sessions-only or worker-only process
 * serves health and metrics without booting the REST app.
 *
 * Before any route works on a request: its client address is resolved through the trusted proxies only
 * (lib/client-ip.ts), an IP banned for too many invalid requests is refused (lib/invalid-requests.ts), and a
 * request for no route is answered 404 without its body being read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { errorHandler, NOT_FOUND_BODY } from './api/errors.ts';
import { allowedOtherwise, METHOD_NOT_ALLOWED_BODY, watchApiPaths } from './api/method-not-allowed.ts';
import { canonicalApiUrl } from './api/versions.ts';
import type { Config } from './config/schema.ts';
import { trustProxies } from './lib/client-ip.ts';
import { BANNED_MESSAGE, InvalidRequestLimiter } from './lib/invalid-requests.ts';
import type { Logger } from './lib/log.ts';
import { metricsAccess } from './lib/metrics-access.ts';
import { formatPrometheus, processSamples, type MetricSample } from './lib/metrics.ts';

export interface ProcessHttpOptions {
  /** Extra options for fastify (https …). */
  fastify?: FastifyServerOptions & Record<string, unknown>;
  /** Whether the store answers (for /readyz). */
  storeOk: () => Promise<boolean>;
  /** Readiness of the roles of this process (for /readyz). */
  ready: () => boolean;
  /** Samples for GET /metrics (process-level counters and the roles'). */
  metrics: () => MetricSample[];
  now?: () => number;
}

/** Each process server's invalid-request bans, which the sessions role also consults for gateway upgrades. */
const BANS = new WeakMap<FastifyInstance, InvalidRequestLimiter>();

/** The bans of a server built by buildProcessHttp. */
export function clientBansOf(app: FastifyInstance): InvalidRequestLimiter | undefined {
  return BANS.get(app);
}
/** Statuses Discord counts as invalid requests. */
const INVALID_STATUSES = new Set([401, 403, 429]);
/** Probes keep answering a banned address: an orchestrator behind a shared IP must not restart a healthy process. */
const PROBES = new Set(['/healthz', '/readyz']);

const metricsListeners = new WeakMap<FastifyInstance, Server>();

/** Where the separate /metrics listener (ACCORD_METRICS_PORT) of `app` listens, once the app is ready. */
export function metricsListenerAddress(app: FastifyInstance): AddressInfo | null {
  return (metricsListeners.get(app)?.address() as AddressInfo | null | undefined) ?? null;
}

export function buildProcessHttp(config: Config, log: Logger, opts: ProcessHttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: config.bodyLimitBytes,
    // Per-request lines would dominate the log at chat volumes; errors are logged once in api/errors.ts.
    logController: new LogController({ disableRequestLogging: true }),
    // X-Forwarded-* is believed only from the configured proxies, whatever the public URL: request.ip is the client.
    trustProxy: trustProxies(config.trustedProxies),
    // discord-api-types builds `/users/%40me`; Discord accepts it, so route it like `/users/@me`. /api/v9/… and
    // /api/… are routed as /api/v10/…, where the api role mounts its routes once (api/versions.ts).
    rewriteUrl: (req) => canonicalApiUrl(req.url && req.url.includes('%40') ? req.url.replace(/\/%40me(?=\/|\?|$)/gi, '/@me') : (req.url ?? '/')),
    // A path the router cannot decode (`/reactions/%F0`, a lone surrogate) or with an over-long parameter names
    // no resource: answer like any unknown route, in Discord's error shape rather than Fastify's own
    // `{error, code: "FST_ERR_BAD_URL", statusCode}` body, which client libraries cannot parse as an API error.
    // (No onSend hook runs for these replies; a Buffer body keeps the content type exactly as set, no charset.)
    frameworkErrors: (_err, _request, reply) => (reply as FastifyReply).status(404).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(NOT_FOUND_BODY))),
    ...opts.fastify,
  });

  app.setErrorHandler(errorHandler);
  // An API path served under other methods answers 405, anything else no route takes 404.
  watchApiPaths(app);
  const answerUnmatched = (request: FastifyRequest, reply: FastifyReply) => {
    const allowed = allowedOtherwise(app, request.method, request.url ?? '/');
    if (allowed) return reply.status(405).header('Allow', allowed.join(', ')).send(METHOD_NOT_ALLOWED_BODY);
    return reply.status(404).send(NOT_FOUND_BODY);
  };
  app.setNotFoundHandler(answerUnmatched);

  const invalid = new InvalidRequestLimiter({
    limit: config.invalidRequestLimit,
    banMs: config.invalidRequestBanMs,
    now: opts.now,
    // Once per ban: a banned client's further requests are refused without a line each.
    onBan: (ip, invalidRequests, until) => log.warn({ ip, invalidRequests, until: new Date(until).toISOString() }, 'client IP refused: too many invalid requests (401, 403, 429)'),
  });
  BANS.set(app, invalid);

  // The first hook of every request, before any body is read.
  // The process-wide hooks here take Fastify's callback form, not async functions: they await nothing, and an async
  // hook costs every request a promise and a microtask hop (about 1% of a message create's CPU each).
  app.addHook('onRequest', (request, reply, done) => {
    if (request.ip && !PROBES.has(request.routeOptions.url ?? '')) {
      const bannedForMs = invalid.refuse(request.ip);
      if (bannedForMs > 0) {
        const retryAfter = bannedForMs / 1000;
        reply.header('Retry-After', String(Math.ceil(retryAfter))).header('X-RateLimit-Global', 'true').header('X-RateLimit-Scope', 'global');
        // Answering from a callback hook: the chain stops, done is not called.
        reply.status(429).send({ message: BANNED_MESSAGE, retry_after: Number(retryAfter.toFixed(3)), global: true, code: 0 });
        return;
      }
    }
    // Fastify would read and parse the body of a request for no route before answering 404.
    if (request.is404) {
      answerUnmatched(request, reply);
      return;
    }
    done();
  });

  // Some client libraries compare the content type with === 'application/json': no charset suffix.
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', 'application/json');
    done(null, payload);
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const storeOk = await opts.storeOk().catch(() => false);
    const ready = storeOk && opts.ready();
    return reply.status(ready ? 200 : 503).send({ ready, store: storeOk });
  });
  const responses = new Map<string, number>();
  app.addHook('onResponse', (_request, reply, done) => {
    const key = `${Math.floor(reply.statusCode / 100)}xx`;
    responses.set(key, (responses.get(key) ?? 0) + 1);
    done();
  });
  // Counted as the answer is sent, not after: the client's next request already meets the ban.
  app.addHook('onSend', (request, reply, payload, done) => {
    // Discord does not count a 429 of a shared (per-resource) limit against the client.
    if (INVALID_STATUSES.has(reply.statusCode) && reply.getHeader('x-ratelimit-scope') !== 'shared' && request.ip) invalid.record(request.ip);
    done(null, payload);
  });

  const metricsText = () => {
    const http: MetricSample[] = [...responses].map(([status, value]) => ({ name: 'http_responses_total', help: 'HTTP responses by status class', type: 'counter', value, labels: { status } }));
    const bans: MetricSample[] = [
      { name: 'http_invalid_request_bans_total', help: 'Client IPs refused for too many invalid requests (401, 403, 429)', type: 'counter', value: invalid.counts.bans },
      { name: 'http_invalid_request_refused_total', help: 'Requests refused because their IP was banned for invalid requests', type: 'counter', value: invalid.counts.refused },
    ];
    return formatPrometheus([...processSamples(config.nodeId), ...http, ...bans, ...opts.metrics()]);
  };
  app.get('/metrics', async (request, reply) => {
    const access = metricsAccess(config, { ip: request.ip, authorization: request.headers.authorization, onMetricsPort: false });
    if (access === 'hidden') return reply.status(404).send(NOT_FOUND_BODY);
    if (access === 'unauthorized') return reply.status(401).header('WWW-Authenticate', 'Bearer').send({ code: 0, message: '401: Unauthorized' });
    return reply.type('text/plain; version=0.0.4').send(metricsText());
  });

  if (config.metricsPort !== undefined) {
    const port = config.metricsPort;
    // A plain listener of its own: nothing of the client port's routing, limits or bodies applies there.
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const access = path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')
        ? metricsAccess(config, { ip: req.socket.remoteAddress ?? '', authorization: req.headers.authorization, onMetricsPort: true })
        : 'hidden';
      const [status, type, body] = access === 'allow'
        ? [200, 'text/plain; version=0.0.4', metricsText()]
        : access === 'unauthorized' ? [401, 'application/json', JSON.stringify({ code: 0, message: '401: Unauthorized' })] : [404, 'application/json', JSON.stringify(NOT_FOUND_BODY)];
      res.writeHead(status, { 'content-type': type, ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    metricsListeners.set(app, server);
    // Ready comes before the client port listens: a metrics port that cannot be bound fails the start.
    app.addHook('onReady', () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, config.host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          log.info({ port: address.port, host: config.host }, `metrics listening on ${config.host}:${address.port}`);
          resolve();
        });
      }),
    );
    app.addHook('onClose', () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    );
  }
  return app;
}
