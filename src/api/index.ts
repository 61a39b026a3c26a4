/**
 * The api role: Discord's REST API under /api/v10 (also /api/v9 and /api), and the web client's files, mounted
 * on the process's HTTP server (src/http.ts). Routes live in routes/*.ts, one file per resource; route.ts applies
 * authentication, rate limits and Discord's headers once for all of them.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { ProcessDeps, RoleStart, RunningRole } from '../contracts/role.ts';
import { setPasswordHashCost } from '../lib/passwords.ts';
import { ApiError, ErrorCodes } from '../protocol/errors.ts';
import { installBodyParsing } from './json-body.ts';
import { MessageWrites } from './messages/write.ts';
import { PollEndings } from './messages/poll-endings.ts';
import { LinkedChannels } from './linked-channels.ts';
import { IdleLobbies } from './idle-lobbies.ts';
import { ThreadArchiver } from './channels/thread-archiver.ts';
import { TemporaryMembers } from './temporary-members.ts';
import { Dispatcher } from './dispatch.ts';
import { PresenceCounts } from './presence-counts.ts';
import { OutboxRelay } from '../contracts/outbox.ts';
import { messageCreateRebuilder } from '../shapes/message.ts';
import { attachmentLinks } from '../media/attachments.ts';
import { EVENT_LOG, eventLogRetention } from '../contracts/gateway.ts';
import { RateLimiter } from './ratelimit.ts';
import { RouteContext } from './route.ts';
import { registerAllRoutes } from './routes/index.ts';
import { registerStatic } from './static.ts';
import { API_PREFIX } from './versions.ts';
import { allowedOtherwise, METHOD_NOT_ALLOWED_BODY } from './method-not-allowed.ts';

export async function startApiRole(deps: ProcessDeps): Promise<RunningRole> {
  const app = deps.http;
  // Bodiless requests with any content type, exact 64-bit JSON integers, urlencoded forms: json-body.ts.
  installBodyParsing(app, { maxDepth: deps.config.jsonMaxDepth });
  // multipart/form-data is only recognised here; the routes that take files read it (messages/uploads.ts).
  await app.register(multipart);
  setPasswordHashCost(deps.config.passwordHashCost);
  await registerStatic(app, { root: fileURLToPath(new URL('../../web/dist', import.meta.url)) });

  const limiter = new RateLimiter({
    globalPerSecond: deps.config.rateLimitGlobalPerSecond, scale: deps.config.rateLimitScale, now: deps.now,
    ...(deps.config.rateLimitShared ? { shared: deps.store.rateWindows, onSharedError: (err: unknown) => deps.log.warn({ err }, 'shared rate limit unavailable; counting on this node') } : {}),
  });
  // The publishers keep the event log too: after a NATS restart (memory streams lost) the bus makes it again
  // before it counts as connected, so nothing the relay publishes after the reconnect escapes the log that
  // sessions nodes catch up from (sessions/catch-up.ts).
  if (deps.bus.kind === 'nats' && deps.config.resumeLogMaxBytes > 0) {
    await deps.bus.retain(EVENT_LOG, eventLogRetention(deps.config.resumeGraceMs, deps.config.resumeLogMaxBytes)).catch((err: unknown) => deps.log.warn({ err }, 'event log unavailable'));
  }
  // The writer's relay publishes its own outbox records at once and sweeps for any a dead writer left.
  const relay = new OutboxRelay({ store: deps.store, bus: deps.bus, ids: deps.ids, log: deps.log.child({ role: 'api', part: 'outbox' }), now: deps.now,
    sweepIntervalMs: deps.config.outboxSweepIntervalMs, staleAfterMs: deps.config.outboxStaleAfterMs,
    rebuild: messageCreateRebuilder(deps.store, () => attachmentLinks(deps.links, deps.now())) });
  relay.start();
  const writes = new MessageWrites(deps.store, relay);
  // Polls whose expiry passed get their MESSAGE_UPDATE with final results (messages/poll-endings.ts).
  const pollEndings = new PollEndings(deps, writes);
  pollEndings.start();
  // Threads idle past their auto_archive_duration are archived (channels/thread-archiver.ts).
  const threadArchiver = new ThreadArchiver(deps, new Dispatcher(deps.bus));
  threadArchiver.start();
  // Members who joined through a temporary invite go when they disconnect, unless given a role (temporary-members.ts).
  const temporaryMembers = new TemporaryMembers(deps, new Dispatcher(deps.bus));
  temporaryMembers.start();
  // Lobbies nobody is connected to past their idle_timeout_seconds are deleted (idle-lobbies.ts).
  const idleLobbies = new IdleLobbies(deps, new Dispatcher(deps.bus));
  idleLobbies.start();
  // The channels lobbies are linked to, read again every few seconds (linked-channels.ts).
  const linkedChannels = new LinkedChannels(deps.store, deps.log.child({ role: 'api', part: 'linked-channels' }));
  await linkedChannels.sweep();
  linkedChannels.start();
  const presenceCounts = new PresenceCounts(deps);
  // Once, under /api/v10: /api/v9 and /api reach these routes through the process's URL rewrite (versions.ts).
  await app.register(
    async (scope) => {
      registerAllRoutes(new RouteContext(scope, deps, limiter, writes, presenceCounts, linkedChannels));
    },
    { prefix: API_PREFIX },
  );
  // Old API versions are refused the way Discord refuses them; in onRequest, so no body is read for it.
  // A v10 path served under other methods is 405, as Discord answers (api/method-not-allowed.ts).
  const refuse = async (request: FastifyRequest, reply: FastifyReply) => {
    const v = Number((request.params as { version: string }).version);
    if (v < 6 || v > 10) throw new ApiError(ErrorCodes.INVALID_API_VERSION);
    const allowed = allowedOtherwise(app, request.method, request.url);
    if (allowed) return reply.status(405).header('Allow', allowed.join(', ')).send(METHOD_NOT_ALLOWED_BODY);
    throw new ApiError(ErrorCodes.GENERAL, { status: 404, message: '404: Not Found' });
  };
  app.all('/api/v:version/*', { onRequest: refuse }, refuse);
  // The HTTP server belongs to the process, which closes it.
  return {
    name: 'api',
    ready: () => true,
    metrics: () => [
      { name: 'outbox_published_total', help: 'Outbox records published right after their commit', type: 'counter', value: relay.counts.published },
      { name: 'outbox_republished_total', help: 'Outbox records published by a sweep (their writer had not)', type: 'counter', value: relay.counts.republished },
      { name: 'outbox_failures_total', help: 'Outbox publishes that failed and were left for a sweep', type: 'counter', value: relay.counts.failures },
      { name: 'temporary_members_removed_total', help: 'Temporary members removed once disconnected', type: 'counter', value: temporaryMembers.counts.removed },
      { name: 'idle_lobbies_deleted_total', help: 'Lobbies deleted after their idle timeout with nobody connected', type: 'counter', value: idleLobbies.counts.deleted },
      { name: 'idle_lobby_sweeps_unchecked_total', help: 'Idle-lobby sweeps that deleted nothing because the presence role or the store did not answer', type: 'counter', value: idleLobbies.counts.unchecked },
      { name: 'temporary_member_sweeps_unchecked_total', help: 'Temporary-member sweeps that removed nobody because the presence role or the store did not answer', type: 'counter', value: temporaryMembers.counts.unchecked },
    ],
    close: async () => {
      await pollEndings.close();
      await threadArchiver.close();
      await temporaryMembers.close();
      await idleLobbies.close();
      await linkedChannels.close();
      await relay.close();
    },
  };
}

/** The process starts the role through this (src/roles.ts). */
export const start: RoleStart = (deps) => startApiRole(deps);
