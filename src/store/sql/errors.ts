/**
 * The one place where a database error becomes a store error, for both dialects. Unique violations name the
 * table and columns (SQLite in its message, PostgreSQL in `table` and `detail`); the table gives the entity
 * and the last column the field, with a few columns renamed to the field callers know.
 */
import { ConflictError, InvalidInputError, NotFoundError, StoreError, StoreUnavailableError, type EntityKind } from '../errors.ts';
import type { QueryOptions } from './driver.ts';

const TABLE_ENTITY: Record<string, EntityKind> = {
  users: 'user',
  tokens: 'token',
  applications: 'application',
  guilds: 'guild',
  channels: 'channel',
  stage_instances: 'stage_instance',
  lobbies: 'lobby',
  channel_recipients: 'channel',
  roles: 'role',
  members: 'member',
  member_roles: 'member',
  bans: 'ban',
  overwrites: 'overwrite',
  invites: 'invite',
  messages: 'message',
  reactions: 'reaction',
  pins: 'pin',
  read_states: 'read_state',
  push_subscriptions: 'push_subscription',
  application_commands: 'application_command',
  guild_templates: 'guild_template',
  application_emojis: 'application_emoji',
};

/** Columns whose field name differs from the column (lowercased shadow columns, composite keys). */
const FIELD_OF_COLUMN: Record<string, string> = {
  username_lower: 'username',
  email_lower: 'email',
  bot_user_id: 'bot_user_id',
};

interface DriverError {
  code?: string;
  message?: string;
  table?: string;
  detail?: string;
  constraint?: string;
}

function conflict(table: string | undefined, columns: string[]): ConflictError {
  const entity = (table && TABLE_ENTITY[table]) || 'user';
  const last = columns[columns.length - 1] ?? 'id';
  return new ConflictError(entity, FIELD_OF_COLUMN[last] ?? last);
}

export function toStoreError(err: unknown, dialect: 'sqlite' | 'postgres', opts?: QueryOptions): StoreError {
  if (err instanceof StoreError) return err;
  const e = (err ?? {}) as DriverError;
  const code = String(e.code ?? '');
  const message = String(e.message ?? err);
  if (dialect === 'sqlite') {
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      // "UNIQUE constraint failed: users.username_lower" / "…: tokens.user_id, tokens.hash"
      const list = message.split(': ').slice(1).join(': ');
      const cols = list.split(',').map((s) => s.trim());
      const table = cols[0]?.split('.')[0];
      return conflict(table, cols.map((c) => c.split('.').slice(1).join('.')));
    }
    // SQLite does not say which key failed, hence the caller's hint.
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new NotFoundError(opts?.fk ?? 'guild');
    if (code === 'SQLITE_CONSTRAINT_NOTNULL' || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG' || code === 'SQLITE_RANGE') {
      return new InvalidInputError('value', message);
    }
  } else {
    if (code === '23505') {
      // detail: "Key (user_id, hash)=(1, ab) already exists."
      const m = /^Key \((.+?)\)=/.exec(e.detail ?? '');
      const cols = m ? m[1].split(',').map((s) => s.trim().replace(/^lower\((.*)\)$/, '$1')) : [];
      return conflict(e.table, cols);
    }
    if (code === '23503') {
      // detail: 'Key (guild_id)=(1) is not present in table "guilds".'
      if (opts?.fk) return new NotFoundError(opts.fk);
      const m = /table "([^"]+)"/.exec(e.detail ?? '');
      return new NotFoundError((m && TABLE_ENTITY[m[1]]) || 'guild');
    }
    // Class 22 is "data exception" (numeric out of range, invalid text representation …); 23502 NOT NULL.
    if (code.startsWith('22') || code === '23502') return new InvalidInputError('value', message);
  }
  return new StoreUnavailableError(`${dialect}: ${message}`, { cause: err });
}
