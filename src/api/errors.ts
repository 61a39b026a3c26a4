/**
 * The one place where failures become HTTP responses with Discord's body `{code, message, errors?}`.
 * Store errors map to Discord codes here; anything unexpected is logged once and becomes a bare 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, ErrorCodes, fieldError, type ErrorCode } from '../protocol/errors.ts';
import { ConflictError, InvalidInputError, NotFoundError, StoreUnavailableError, type EntityKind } from '../store/errors.ts';

const NOT_FOUND_CODE: Record<EntityKind, ErrorCode> = {
  user: ErrorCodes.UNKNOWN_USER,
  token: ErrorCodes.UNKNOWN_TOKEN,
  application: ErrorCodes.UNKNOWN_APPLICATION,
  guild: ErrorCodes.UNKNOWN_GUILD,
  channel: ErrorCodes.UNKNOWN_CHANNEL,
  role: ErrorCodes.UNKNOWN_ROLE,
  member: ErrorCodes.UNKNOWN_MEMBER,
  ban: ErrorCodes.UNKNOWN_BAN,
  overwrite: ErrorCodes.UNKNOWN_OVERWRITE,
  invite: ErrorCodes.UNKNOWN_INVITE,
  message: ErrorCodes.UNKNOWN_MESSAGE,
  reaction: ErrorCodes.UNKNOWN_EMOJI,
  pin: ErrorCodes.UNKNOWN_MESSAGE,
  read_state: ErrorCodes.UNKNOWN_CHANNEL,
  push_subscription: ErrorCodes.GENERAL,
  webhook: ErrorCodes.UNKNOWN_WEBHOOK,
  application_command: ErrorCodes.UNKNOWN_APPLICATION_COMMAND,
  scheduled_event: ErrorCodes.UNKNOWN_GUILD_SCHEDULED_EVENT,
  guild_template: ErrorCodes.UNKNOWN_GUILD_TEMPLATE,
  application_emoji: ErrorCodes.UNKNOWN_EMOJI,
  stage_instance: ErrorCodes.UNKNOWN_STAGE_INSTANCE,
  lobby: ErrorCodes.UNKNOWN_LOBBY,
};

/** Seconds a client is told to wait (Retry-After) when the store is unavailable: a database restart takes a few. */
export const STORE_RETRY_AFTER_SECONDS = 1;

/** Converts any thrown value into the ApiError the client sees. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof NotFoundError) return new ApiError(NOT_FOUND_CODE[err.entity]);
  if (err instanceof ConflictError) {
    const message = err.entity === 'user' ? 'Username or email is already taken' : 'Already exists';
    return fieldError(err.field, err.entity === 'user' ? 'USERNAME_ALREADY_TAKEN' : 'ALREADY_EXISTS', message);
  }
  if (err instanceof InvalidInputError) return fieldError(err.field, 'BASE_TYPE_INVALID', err.message);
  if (err instanceof StoreUnavailableError) return new ApiError(ErrorCodes.GENERAL, { status: 503, message: 'Service Unavailable' });
  const fe = err as FastifyError;
  if (fe && typeof fe === 'object' && typeof fe.statusCode === 'number') {
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return fieldError([], 'CONTENT_TYPE_INVALID', 'Expected "Content-Type" header to be one of {\'application/json\'}.');
    }
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe instanceof SyntaxError) {
      // Discord's answer to a body that is not JSON (or nests deeper than ACCORD_JSON_MAX_DEPTH).
      return new ApiError(ErrorCodes.INVALID_JSON);
    }
    if (fe.statusCode === 413) return new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
    if (fe.statusCode >= 400 && fe.statusCode < 500) return new ApiError(ErrorCodes.GENERAL, { status: fe.statusCode, message: fe.message });
  }
  return null;
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const api = toApiError(err);
  if (!api) {
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ code: 0, message: '500: Internal Server Error' });
  }
  if (api.status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: api.code, status: api.status }, api.message);
  // The database is unreachable (restarting, failing over): the request did not happen; tell clients when to retry.
  if (err instanceof StoreUnavailableError) reply.header('Retry-After', String(STORE_RETRY_AFTER_SECONDS));
  return reply.status(api.status).send(api.toJSON());
}

/** What Discord answers for a route that does not exist. */
export const NOT_FOUND_BODY = { code: 0, message: '404: Not Found' } as const;

