/**
 * The process's HTTP server: whatever roles a process runs, it answers /healthz, /readyz and /metrics, speaks
 * Discord's error shape for unknown routes and failures, and carries the gateway's WebSocket upgrades. The api
 * role mounts the REST routes and the web client on it (api/index.ts); a sessions-only or worker-only process
 * serves health and metrics without booting the REST app.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { errorHandler, NOT_FOUND_BODY, notFoundHandler } from './api/errors.ts';
import type { Config } from './config/schema.ts';
import type { Logger } from './lib/log.ts';
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
}

export function buildProcessHttp(config: Config, log: Logger, opts: ProcessHttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: config.bodyLimitBytes,
    // Per-request lines would dominate the log at chat volumes; errors are logged once in api/errors.ts.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: Boolean(config.publicUrl),
    // discord-api-types builds `/users/%40me`; Discord accepts it, so route it like `/users/@me`.
    rewriteUrl: (req) => (req.url && req.url.includes('%40') ? req.url.replace(/\/%40me(?=\/|\?|$)/gi, '/@me') : (req.url ?? '/')),
    // A path the router cannot decode (`/reactions/%F0`, a lone surrogate) or with an over-long parameter names
    // no resource: answer like any unknown route, in Discord's error shape rather than Fastify's own
    // `{error, code: "FST_ERR_BAD_URL", statusCode}` body, which client libraries cannot parse as an API error.
    // (No onSend hook runs for these replies; a Buffer body keeps the content type exactly as set, no charset.)
    frameworkErrors: (_err, _request, reply) => (reply as FastifyReply).status(404).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(NOT_FOUND_BODY))),
    ...opts.fastify,
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  // Some client libraries compare the content type with === 'application/json': no charset suffix.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', 'application/json');
    return payload;
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const storeOk = await opts.storeOk().catch(() => false);
    const ready = storeOk && opts.ready();
    return reply.status(ready ? 200 : 503).send({ ready, store: storeOk });
  });
  const responses = new Map<string, number>();
  app.addHook('onResponse', async (_request, reply) => {
    const key = `${Math.floor(reply.statusCode / 100)}xx`;
    responses.set(key, (responses.get(key) ?? 0) + 1);
  });
  app.get('/metrics', async (_req, reply) => {
    const http: MetricSample[] = [...responses].map(([status, value]) => ({ name: 'http_responses_total', help: 'HTTP responses by status class', type: 'counter', value, labels: { status } }));
    return reply.type('text/plain; version=0.0.4').send(formatPrometheus([...processSamples(), ...http, ...opts.metrics()]));
  });
  return app;
}
