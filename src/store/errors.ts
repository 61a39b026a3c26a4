/**
 * The typed errors every store implementation throws. A raw driver error never leaves the store: unique
 * violations become ConflictError, bad input (over-long strings, malformed ids) InvalidInputError, and a
 * missing row that an operation needs NotFoundError. Anything else is wrapped in StoreUnavailableError.
 */
export type EntityKind =
  | 'user' | 'token' | 'application' | 'guild' | 'channel' | 'role' | 'member' | 'ban' | 'overwrite'
  | 'invite' | 'message' | 'reaction' | 'pin' | 'read_state' | 'push_subscription' | 'application_command' | 'webhook' | 'scheduled_event' | 'guild_template'
  | 'application_emoji' | 'stage_instance' | 'lobby';

export class StoreError extends Error {}

export class NotFoundError extends StoreError {
  constructor(readonly entity: EntityKind, readonly id?: string) {
    super(`unknown ${entity}${id ? ` ${id}` : ''}`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends StoreError {
  constructor(readonly entity: EntityKind, readonly field: string) {
    super(`${entity}.${field} already exists`);
    this.name = 'ConflictError';
  }
}

export class InvalidInputError extends StoreError {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InvalidInputError';
  }
}

/** The backing database failed or could not be reached; the operation did not happen (it was rolled back). */
/** A counted limit the write would pass (e.g. daily command creates); `resetAt` is when room frees (Unix ms). */
export class LimitReachedError extends StoreError {
  constructor(readonly limit: string, readonly resetAt: number) {
    super(`${limit} limit reached until ${resetAt}`);
    this.name = 'LimitReachedError';
  }
}

export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
