/**
 * How a route is declared: method, path, who may call it (auth), its rate-limit bucket, and a handler that gets
 * the authenticated user. Authentication, rate limiting and Discord's headers are applied here once, so route
 * files only hold what the route does. They run in the route's onRequest hook, before the body is read: an
 * unauthenticated or rate-limited caller never gets its body parsed.
 */
import type { LinkedChannels } from './linked-channels.ts';
import type { PresenceCounts } from './presence-counts.ts';
import { tokenLifetime, type TokenLifetime } from '../lib/tokens.ts';
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { ApiError, ErrorCodes, formError } from '../protocol/errors.ts';
import type { UserRecord } from '../store/types.ts';
import { authenticate } from './auth.ts';
import type { OAuth2Grant } from './oauth2.ts';
import type { ApiDeps } from './deps.ts';
import { RateLimiter, RouteLimits, type LimitResult, type RouteLimit } from './ratelimit.ts';
import { Dispatcher } from './dispatch.ts';
import type { MessageWrites } from './messages/write.ts';

export type AuthMode = 'user' | 'bot' | 'any' | 'none' | 'optional';

export interface RouteRequest<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** The caller; present unless auth is 'none' (or 'optional' without a header). */
  user: UserRecord;
  token: string;
  /** Set when the caller used an OAuth2 access token (Bearer): its scopes and application. */
  oauth?: OAuth2Grant;
  ip: string;
  headers: FastifyRequest['headers'];
  raw: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteOptions {
  auth?: AuthMode;
  /** Rate-limit bucket; the major parameter is taken from channelId / guildId / webhookId / lobbyId in the path. */
  limit?: RouteLimit;
  /** HTTP status for a successful response with a body (default 200); a handler returning undefined answers 204. */
  status?: number;
  /** Largest body in bytes, when not the process's (routes taking image data, api/image-fields.ts). */
  bodyLimit?: number;
  /** The route reads multipart bodies itself (files: api/messages/uploads.ts); any other route refuses them. */
  uploads?: boolean;
  /**
   * The OAuth2 scope that lets a Bearer access token call this route (Discord's: `identify` for /users/@me …);
   * `any` for any access token (/oauth2/@me). A route without one refuses access tokens (401).
   */
  oauth?: string;
}

type Handler = (req: RouteRequest<any, any, any>) => Promise<unknown> | unknown;

export class RouteContext {
  readonly dispatch: Dispatcher;
  /** How long an unused user token lives (ACCORD_TOKEN_IDLE_DAYS): every authentication resolves by it. */
  readonly tokenLifetime: TokenLifetime;

  constructor(
    readonly app: FastifyInstance,
    readonly deps: ApiDeps,
    readonly limiter: RateLimiter,
    /** Message and reaction writes with their outbox (messages/write.ts); other writes dispatch directly. */
    readonly writes: MessageWrites,
    /** approximate_presence_count, asked of the presence role and cached (presence-counts.ts). */
    readonly presenceCounts: PresenceCounts,
    /** The channels a lobby is linked to (linked-channels.ts): their messages go to the lobby too. */
    readonly linkedChannels: LinkedChannels,
  ) {
    this.dispatch = new Dispatcher(deps.bus);
    this.tokenLifetime = tokenLifetime(deps.config.tokenIdleDays, deps.now);
  }

  get(path: string, opts: RouteOptions, handler: Handler) {
    this.route('GET', path, opts, handler);
  }
  post(path: string, opts: RouteOptions, handler: Handler) {
    this.route('POST', path, opts, handler);
  }
  put(path: string, opts: RouteOptions, handler: Handler) {
    this.route('PUT', path, opts, handler);
  }
  patch(path: string, opts: RouteOptions, handler: Handler) {
    this.route('PATCH', path, opts, handler);
  }
  delete(path: string, opts: RouteOptions, handler: Handler) {
    this.route('DELETE', path, opts, handler);
  }

  route(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, opts: RouteOptions, handler: Handler) {
    const auth = opts.auth ?? 'any';
    // A route without a bucket of its own gets the default figures in a bucket of its own: one shared by every such
    // route made clients queue them all behind each other (discord.js queues by bucket and major parameter).
    const limit = opts.limit ?? { ...RouteLimits.default, bucket: `${RouteLimits.default.bucket}:${method} ${path}` };
    const deps = this.deps;
    const limiter = this.limiter;
    this.app.route({
      method,
      url: path,
      ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
      // Authentication and rate limits run before the body is read: a caller that is refused costs no parsing.
      onRequest: async (request, reply) => {
        let user: UserRecord | undefined;
        let token = '';
        let oauth: OAuth2Grant | undefined;
        if (auth !== 'none') {
          const header = request.headers.authorization;
          if (auth !== 'optional' || header) {
            ({ user, token, oauth } = await authenticate(deps.store, header, this.tokenLifetime));
            if (oauth && (!opts.oauth || (opts.oauth !== 'any' && !oauth.scopes.includes(opts.oauth)))) {
              throw new ApiError(ErrorCodes.GENERAL, { status: 401, message: '401: Unauthorized' });
            }
            // Discord's own codes: 20001 "Bots cannot use this endpoint", 20002 "Only bots can use this endpoint".
            if (auth === 'user' && user.bot) throw new ApiError(ErrorCodes.BOTS_CANNOT_USE_ENDPOINT);
            if (auth === 'bot' && !user.bot) throw new ApiError(ErrorCodes.ONLY_BOTS_CAN_USE_ENDPOINT);
          }
        }
        const identity = user?.id ?? request.ip;
        const global = limiter.checkGlobal(identity);
        if (global) return sendRateLimited(reply, global);
        const params = request.params as Record<string, string>;
        checkPathIds(params);
        const major = params.channelId ?? params.guildId ?? params.webhookId ?? params.lobbyId ?? '';
        const result = await limiter.checkRoute(limit, major, identity);
        setRateLimitHeaders(reply, result);
        if (!result.allowed) return sendRateLimited(reply, result);
        callers.set(request, { user, token, oauth });
      },
      handler: async (request, reply) => {
        // A multipart body is left unread by its parser; only routes that take files read it.
        if (!opts.uploads && request.isMultipart()) throw new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('multipart/form-data');
        const caller = callers.get(request);
        const out = await handler({
          params: request.params as Record<string, string>,
          query: request.query as Record<string, unknown>,
          body: request.body,
          user: caller?.user as UserRecord,
          token: caller?.token ?? '',
          ...(caller?.oauth ? { oauth: caller.oauth } : {}),
          ip: request.ip,
          headers: request.headers,
          raw: request,
          reply,
        });
        if (reply.sent) return reply;
        if (out === undefined) return reply.status(204).send();
        return reply.status(opts.status ?? 200).send(out);
      },
    });
  }
}

/**
 * The path parameters that name resources by id, with Discord's key for each and the words some routes take in
 * their place. Discord answers an id it cannot read as a number with 50035 (`"channel_id": NUMBER_TYPE_COERCE,
 * Value "abc" is not snowflake.`), not with the resource's Unknown error; an id it can read but never issued
 * (`123`, or one past 2^63) is the resource's 404, which the route answers.
 */
const PATH_IDS: Record<string, { key: string; words?: readonly string[] }> = {
  channelId: { key: 'channel_id' },
  guildId: { key: 'guild_id', words: ['@me'] },
  userId: { key: 'user_id', words: ['@me'] },
  messageId: { key: 'message_id', words: ['@original'] },
  roleId: { key: 'role_id' },
  webhookId: { key: 'webhook_id' },
  appId: { key: 'application_id', words: ['@me'] },
  stickerId: { key: 'sticker_id' },
  emojiId: { key: 'emoji_id' },
  overwriteId: { key: 'overwrite_id' },
  interactionId: { key: 'interaction_id' },
  integrationId: { key: 'integration_id' },
  lobbyId: { key: 'lobby_id' },
};
const UINT64_MAX = 0xffffffffffffffffn;

/** Throws Discord's 50035 for a path id that is not a number Discord could read (an unsigned 64-bit decimal). */
function checkPathIds(params: Record<string, string>): void {
  // Made only for a bad id: a well-formed path (nearly every request) allocates nothing here.
  let issues: Array<{ path: string[]; code: string; message: string }> | undefined;
  for (const name in params) {
    const spec = PATH_IDS[name];
    const value = params[name]!;
    if (!spec || spec.words?.includes(value)) continue;
    // Only a 20-digit number can pass 2^64 - 1, so only such a one is read as a BigInt.
    if (/^\d{1,20}$/.test(value) && (value.length < 20 || BigInt(value) <= UINT64_MAX)) continue;
    (issues ??= []).push({ path: [spec.key], code: 'NUMBER_TYPE_COERCE', message: `Value "${value}" is not snowflake.` });
  }
  if (issues) throw formError(issues);
}

/** Who each admitted request is, from its onRequest check to its handler. */
const callers = new WeakMap<FastifyRequest, { user: UserRecord | undefined; token: string; oauth?: OAuth2Grant }>();

function setRateLimitHeaders(reply: FastifyReply, r: LimitResult) {
  reply.header('X-RateLimit-Limit', String(r.limit));
  reply.header('X-RateLimit-Remaining', String(r.remaining));
  reply.header('X-RateLimit-Reset', (r.resetAt / 1000).toFixed(3));
  reply.header('X-RateLimit-Reset-After', (r.resetAfterMs / 1000).toFixed(3));
  reply.header('X-RateLimit-Bucket', r.bucketHash);
}

function sendRateLimited(reply: FastifyReply, r: LimitResult) {
  const retryAfter = Math.max(0.001, r.resetAfterMs / 1000);
  if (r.global) reply.header('X-RateLimit-Global', 'true');
  reply.header('X-RateLimit-Scope', r.scope ?? 'user');
  reply.header('Retry-After', String(Math.ceil(retryAfter)));
  reply.header('X-RateLimit-Reset-After', retryAfter.toFixed(3));
  return reply.status(429).send({ message: 'You are being rate limited.', retry_after: Number(retryAfter.toFixed(3)), global: Boolean(r.global), code: 0 });
}
