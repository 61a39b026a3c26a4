/**
 * The api role's HTTP application, built by a factory that does not listen: tests call `inject()` or listen
 * on port 0; main.ts attaches it to the real server. Routes live in routes/*.ts, one file per resource, and are
 * mounted under /api/v10, /api/v9 and /api.
 */
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { ApiError, ErrorCodes } from '../protocol/errors.ts';
import type { ApiDeps } from './deps.ts';
import { errorHandler, NOT_FOUND_BODY, notFoundHandler } from './errors.ts';
import { RateLimiter } from './ratelimit.ts';
import { registerAllRoutes } from './routes/index.ts';
import { registerStatic } from './static.ts';
import { formatPrometheus, processSamples, type MetricSample } from '../lib/metrics.ts';
import { RouteContext } from './route.ts';
import { installBodyParsing } from './json-body.ts';

export const API_PREFIXES = ['/api/v10', '/api/v9', '/api'] as const;

export interface BuildOptions {
  /** Extra options for fastify (https, serverFactory …). */
  fastify?: FastifyServerOptions & Record<string, unknown>;
  /** Mount the REST routes (false on a process without the api role: only health routes). */
  api?: boolean;
  /** Readiness check for /readyz (all roles of this process started). */
  ready?: () => boolean;
  /** Samples for GET /metrics (the roles of this process). */
  metrics?: () => MetricSample[];
}

export async function buildHttpApp(deps: ApiDeps, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: deps.config.bodyLimitBytes,
    // Per-request lines would dominate the log at chat volumes; errors are logged once in api/errors.ts.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: Boolean(deps.config.publicUrl),
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

  // Bodiless requests with any content type, exact 64-bit JSON integers, urlencoded forms: api/json-body.ts.
  installBodyParsing(app);

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const storeOk = await deps.store.ping().catch(() => false);
    const ready = storeOk && (opts.ready?.() ?? true);
    return reply.status(ready ? 200 : 503).send({ ready, store: storeOk });
  });
  const responses = new Map<string, number>();
  app.addHook('onResponse', async (_request, reply) => {
    const key = `${Math.floor(reply.statusCode / 100)}xx`;
    responses.set(key, (responses.get(key) ?? 0) + 1);
  });
  app.get('/metrics', async (_req, reply) => {
    const http: MetricSample[] = [...responses].map(([status, value]) => ({ name: 'http_responses_total', help: 'HTTP responses by status class', type: 'counter', value, labels: { status } }));
    return reply.type('text/plain; version=0.0.4').send(formatPrometheus([...processSamples(), ...http, ...(opts.metrics?.() ?? [])]));
  });

  if (opts.api !== false) await registerStatic(app, { root: fileURLToPath(new URL('../../web/dist', import.meta.url)) });

  if (opts.api !== false) {
    const limiter = new RateLimiter({ globalPerSecond: deps.config.rateLimitGlobalPerSecond, scale: deps.config.rateLimitScale, now: deps.now });
    for (const prefix of API_PREFIXES) {
      await app.register(
        async (scope) => {
          registerAllRoutes(new RouteContext(scope, deps, limiter));
        },
        { prefix },
      );
    }
    // Old API versions are refused the way Discord refuses them.
    app.all('/api/v:version/*', async (request) => {
      const v = Number((request.params as { version: string }).version);
      if (v < 6 || v > 10) throw new ApiError(ErrorCodes.INVALID_API_VERSION);
      throw new ApiError(ErrorCodes.GENERAL, { status: 404, message: '404: Not Found' });
    });
  }
  return app;
}
