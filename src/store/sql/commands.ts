/**
 * Application commands and their per-guild permissions (types.ts ApplicationCommandStore). A command's scope is the
 * `scope` column: its guild id, or 0 for a global command (see the migration). Every write first locks the
 * application's row with a no-op UPDATE, so one application's command writes serialise on both databases
 * (SQLite writes one transaction at a time anyway): the per-type limit and the name matching of upserts and bulk
 * overwrites read a state nobody changes under them.
 */
import { ConflictError, InvalidInputError, LimitReachedError, NotFoundError } from '../errors.ts';
import {
  ApplicationCommandType, type ApplicationCommandRecord, type ApplicationCommandStore, type CommandPermission,
  type CommandPermissionsRecord, type DailyCreates, type LocalizationMap,
} from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { bits, bool, chunks, id, json, marks, rb, rj, rn, rs, rsn } from './values.ts';

const COLUMNS = `id, application_id, guild_id, type, name, name_localizations, description, description_localizations, options,
  default_member_permissions, contexts, integration_types, nsfw, version`;

/** Storage ceilings; the api enforces Discord's limits (api/commands/definition.ts) before this. */
const MAX_NAME = 32;
const MAX_DESCRIPTION = 100;
const MAX_DEFINITION_JSON = 256 * 1024;
const MAX_PERMISSIONS = 100;

const TYPES = new Set<number>(Object.values(ApplicationCommandType));

function commandFromRow(r: Row): ApplicationCommandRecord {
  return {
    id: rs(r.id),
    applicationId: rs(r.application_id),
    guildId: rsn(r.guild_id),
    type: rn(r.type) as ApplicationCommandRecord['type'],
    name: rs(r.name),
    nameLocalizations: rj<LocalizationMap | null>(r.name_localizations, null),
    description: rs(r.description),
    descriptionLocalizations: rj<LocalizationMap | null>(r.description_localizations, null),
    options: rj<unknown[]>(r.options, []),
    defaultMemberPermissions: rsn(r.default_member_permissions),
    contexts: rj<number[] | null>(r.contexts, null),
    integrationTypes: rj<number[] | null>(r.integration_types, null),
    nsfw: rb(r.nsfw),
    version: rs(r.version),
  };
}

function permissionsFromRow(r: Row): CommandPermissionsRecord {
  return {
    applicationId: rs(r.application_id),
    guildId: rs(r.guild_id),
    commandId: rs(r.command_id),
    permissions: rj<CommandPermission[]>(r.permissions, []),
  };
}

/** The scope column of a command's scope: its guild's id, 0 when global. */
const scopeOf = (guildId: Snowflake | null): bigint => (guildId === null ? 0n : id(guildId, 'guild_id'));

function optJson(value: unknown, field: string): string | null {
  return value === null || value === undefined ? null : json(value, field);
}

/** The command's columns as parameters, in COLUMNS order, after the storage checks. */
function encode(c: ApplicationCommandRecord): SqlValue[] {
  if (!TYPES.has(c.type)) throw new InvalidInputError('type', 'not an application command type');
  if (typeof c.name !== 'string' || c.name.length < 1 || c.name.length > MAX_NAME) throw new InvalidInputError('name', `length must be 1–${MAX_NAME}`);
  if (typeof c.description !== 'string' || c.description.length > MAX_DESCRIPTION) throw new InvalidInputError('description', `length must be 0–${MAX_DESCRIPTION}`);
  if (!Array.isArray(c.options)) throw new InvalidInputError('options', 'not a list');
  const options = json(c.options, 'options');
  const nameLocalizations = optJson(c.nameLocalizations, 'name_localizations');
  const descriptionLocalizations = optJson(c.descriptionLocalizations, 'description_localizations');
  const size = options.length + (nameLocalizations?.length ?? 0) + (descriptionLocalizations?.length ?? 0);
  if (size > MAX_DEFINITION_JSON) throw new InvalidInputError('options', 'definition too large');
  return [
    id(c.id), id(c.applicationId, 'application_id'), c.guildId === null ? null : id(c.guildId, 'guild_id'), c.type, c.name,
    nameLocalizations, c.description, descriptionLocalizations, options,
    c.defaultMemberPermissions === null ? null : bits(c.defaultMemberPermissions, 'default_member_permissions'),
    optJson(c.contexts, 'contexts'), optJson(c.integrationTypes, 'integration_types'), bool(c.nsfw, 'nsfw'), id(c.version, 'version'),
  ];
}

/** JSON with object keys sorted, so two definitions compare equal whatever order their dictionaries were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Whether two commands define the same thing (ids, scope and version aside). */
function sameDefinition(a: ApplicationCommandRecord, b: ApplicationCommandRecord): boolean {
  const def = (c: ApplicationCommandRecord) => canonical([
    c.type, c.name, c.nameLocalizations, c.description, c.descriptionLocalizations, c.options, c.defaultMemberPermissions,
    c.contexts, c.integrationTypes, c.nsfw,
  ]);
  return def(a) === def(b);
}

/** A no-op UPDATE of the application's row: it locks the row (PostgreSQL), so its command writes serialise. */
async function lockApplication(tx: SqlDriver, applicationId: Snowflake): Promise<void> {
  const { changes } = await tx.run('UPDATE applications SET flags = flags WHERE id = ?', [id(applicationId, 'application_id')]);
  if (changes === 0) throw new NotFoundError('application', applicationId);
}

async function insertCommand(tx: SqlDriver, c: ApplicationCommandRecord): Promise<void> {
  await tx.run(
    `INSERT INTO application_commands (${COLUMNS}, scope) VALUES (${marks(14)}, ?)`,
    [...encode(c), scopeOf(c.guildId)],
    { fk: c.guildId === null ? 'application' : 'guild' },
  );
}

/** Overwrites the stored definition of `c.id` (same application and scope) with `c`'s. */
async function rewriteCommand(tx: SqlDriver, c: ApplicationCommandRecord): Promise<void> {
  const [, , , type, name, nameLoc, description, descriptionLoc, options, dmp, contexts, integrationTypes, nsfw, version] = encode(c);
  await tx.run(
    `UPDATE application_commands SET type = ?, name = ?, name_localizations = ?, description = ?, description_localizations = ?,
       options = ?, default_member_permissions = ?, contexts = ?, integration_types = ?, nsfw = ?, version = ? WHERE id = ?`,
    [type, name, nameLoc, description, descriptionLoc, options, dmp, contexts, integrationTypes, nsfw, version, id(c.id)],
  );
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Counts `creating` new commands against the daily limit of the application's scope and records them; throws
 * LimitReachedError (nothing recorded) when they do not fit. Runs in the write's transaction, after
 * lockApplication, so concurrent writers of one application (on any process of a cluster) count in turn.
 */
async function takeDailyCreates(tx: SqlDriver, applicationId: Snowflake, guildId: Snowflake | null, creating: number, daily: DailyCreates | undefined): Promise<void> {
  if (!daily || creating === 0) return;
  const app = id(applicationId, 'application_id');
  const scope = scopeOf(guildId);
  const since = daily.now - DAY_MS;
  // Older entries count for nothing any more.
  await tx.run('DELETE FROM application_command_creates WHERE application_id = ? AND scope = ? AND created_at <= ?', [app, scope, since]);
  const row = await tx.get('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM application_command_creates WHERE application_id = ? AND scope = ?', [app, scope]);
  const used = rn(row?.n ?? 0);
  if (used + creating > daily.max) {
    const oldest = row?.oldest === null || row?.oldest === undefined ? daily.now : rn(row.oldest);
    throw new LimitReachedError('daily_command_creates', oldest + DAY_MS);
  }
  for (let n = 0; n < creating; n++) {
    await tx.run('INSERT INTO application_command_creates (application_id, scope, created_at) VALUES (?, ?, ?)', [app, scope, daily.now], { fk: 'application' });
  }
}

async function deletePermissionsOf(tx: SqlDriver, commandIds: readonly Snowflake[]): Promise<void> {
  for (const chunk of chunks(commandIds.map((c) => id(c)), 400)) {
    await tx.run(`DELETE FROM application_command_permissions WHERE command_id IN (${marks(chunk.length)})`, chunk);
  }
}

function validPermissions(list: unknown): CommandPermission[] {
  if (!Array.isArray(list) || list.length > MAX_PERMISSIONS) throw new InvalidInputError('permissions', `not a list of at most ${MAX_PERMISSIONS}`);
  return list.map((p: CommandPermission) => {
    if (!p || (p.type !== 1 && p.type !== 2 && p.type !== 3) || typeof p.permission !== 'boolean') throw new InvalidInputError('permissions', 'not a command permission');
    id(p.id, 'permissions');
    return { id: p.id, type: p.type, permission: p.permission };
  });
}

export class SqlApplicationCommandStore implements ApplicationCommandStore {
  constructor(private readonly db: SqlDriver) {}

  async list(applicationId: Snowflake, guildId: Snowflake | null): Promise<ApplicationCommandRecord[]> {
    return listIn(this.db, applicationId, guildId);
  }

  async get(applicationId: Snowflake, guildId: Snowflake | null, commandId: Snowflake): Promise<ApplicationCommandRecord | null> {
    return getIn(this.db, applicationId, guildId, commandId);
  }

  async upsert(command: ApplicationCommandRecord, opts: { maxOfType: number; daily?: DailyCreates }): Promise<{ command: ApplicationCommandRecord; created: boolean } | { limited: true }> {
    return this.db.transaction(async (tx) => {
      await lockApplication(tx, command.applicationId);
      const row = await tx.get(
        `SELECT ${COLUMNS} FROM application_commands WHERE application_id = ? AND scope = ? AND type = ? AND name = ?`,
        [id(command.applicationId, 'application_id'), scopeOf(command.guildId), command.type, command.name],
      );
      if (row) {
        const existing = commandFromRow(row);
        if (sameDefinition(existing, command)) return { command: existing, created: false };
        const next = { ...command, id: existing.id };
        await rewriteCommand(tx, next);
        return { command: next, created: false };
      }
      const count = await tx.get('SELECT COUNT(*) AS n FROM application_commands WHERE application_id = ? AND scope = ? AND type = ?', [
        id(command.applicationId, 'application_id'), scopeOf(command.guildId), command.type,
      ]);
      if (rn(count?.n ?? 0) >= opts.maxOfType) return { limited: true as const };
      await takeDailyCreates(tx, command.applicationId, command.guildId, 1, opts.daily);
      await insertCommand(tx, command);
      return { command, created: true };
    });
  }

  async update(next: ApplicationCommandRecord): Promise<ApplicationCommandRecord> {
    return this.db.transaction(async (tx) => {
      await lockApplication(tx, next.applicationId);
      const current = await getIn(tx, next.applicationId, next.guildId, next.id);
      if (!current) throw new NotFoundError('application_command', next.id);
      const clash = await tx.get('SELECT id FROM application_commands WHERE application_id = ? AND scope = ? AND type = ? AND name = ? AND id <> ?', [
        id(next.applicationId, 'application_id'), scopeOf(next.guildId), next.type, next.name, id(next.id),
      ]);
      if (clash) throw new ConflictError('application_command', 'name');
      if (sameDefinition(current, next)) return current;
      await rewriteCommand(tx, next);
      // Discord: renaming a command deletes its permissions.
      if (current.name !== next.name || current.type !== next.type) await deletePermissionsOf(tx, [next.id]);
      return next;
    });
  }

  async delete(applicationId: Snowflake, guildId: Snowflake | null, commandId: Snowflake): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { changes } = await tx.run('DELETE FROM application_commands WHERE application_id = ? AND scope = ? AND id = ?', [
        id(applicationId, 'application_id'), scopeOf(guildId), id(commandId),
      ]);
      if (changes === 0) throw new NotFoundError('application_command', commandId);
      await deletePermissionsOf(tx, [commandId]);
    });
  }

  async overwrite(
    applicationId: Snowflake,
    guildId: Snowflake | null,
    commands: ReadonlyArray<ApplicationCommandRecord & { knownId?: Snowflake }>,
    opts: { daily?: DailyCreates } = {},
  ): Promise<ApplicationCommandRecord[]> {
    for (const c of commands) {
      if (c.applicationId !== applicationId || c.guildId !== guildId) throw new InvalidInputError('application_id', 'a command of another application or scope');
    }
    return this.db.transaction(async (tx) => {
      await lockApplication(tx, applicationId);
      const existing = await listIn(tx, applicationId, guildId);
      const byId = new Map(existing.map((c) => [c.id, c]));
      const byKey = new Map(existing.map((c) => [`${c.type}:${c.name}`, c]));
      const claimed = new Set<Snowflake>();
      const losing: Snowflake[] = [];
      let creating = 0;
      const result = commands.map(({ knownId, ...wanted }) => {
        const free = (c: ApplicationCommandRecord | undefined) => (c && !claimed.has(c.id) ? c : undefined);
        const match = free(knownId === undefined ? undefined : byId.get(knownId)) ?? free(byKey.get(`${wanted.type}:${wanted.name}`));
        if (!match) {
          creating++;
          return wanted;
        }
        claimed.add(match.id);
        if (match.name !== wanted.name || match.type !== wanted.type) losing.push(match.id);
        return sameDefinition(match, wanted) ? { ...wanted, id: match.id, version: match.version } : { ...wanted, id: match.id };
      });
      for (const c of existing) if (!claimed.has(c.id)) losing.push(c.id);
      await takeDailyCreates(tx, applicationId, guildId, creating, opts.daily);
      // Delete and insert rather than update in place: renames and swaps of names never trip the unique key midway.
      await tx.run('DELETE FROM application_commands WHERE application_id = ? AND scope = ?', [id(applicationId, 'application_id'), scopeOf(guildId)]);
      await deletePermissionsOf(tx, losing);
      for (const c of result) await insertCommand(tx, c);
      return result;
    });
  }

  async getPermissions(applicationId: Snowflake, guildId: Snowflake, commandId: Snowflake): Promise<CommandPermissionsRecord | null> {
    const row = await this.db.get(
      'SELECT application_id, guild_id, command_id, permissions FROM application_command_permissions WHERE application_id = ? AND guild_id = ? AND command_id = ?',
      [id(applicationId, 'application_id'), id(guildId, 'guild_id'), id(commandId, 'command_id')],
    );
    return row ? permissionsFromRow(row) : null;
  }

  async listPermissions(applicationId: Snowflake, guildId: Snowflake): Promise<CommandPermissionsRecord[]> {
    const rows = await this.db.all(
      'SELECT application_id, guild_id, command_id, permissions FROM application_command_permissions WHERE application_id = ? AND guild_id = ? ORDER BY command_id',
      [id(applicationId, 'application_id'), id(guildId, 'guild_id')],
    );
    return rows.map(permissionsFromRow);
  }

  async setPermissions(record: CommandPermissionsRecord): Promise<CommandPermissionsRecord> {
    const permissions = validPermissions(record.permissions);
    const app = id(record.applicationId, 'application_id');
    const guild = id(record.guildId, 'guild_id');
    const command = id(record.commandId, 'command_id');
    return this.db.transaction(async (tx) => {
      await lockApplication(tx, record.applicationId);
      if (command !== app) {
        const found = await tx.get('SELECT id FROM application_commands WHERE id = ? AND application_id = ? AND scope IN (0, ?)', [command, app, guild]);
        if (!found) throw new NotFoundError('application_command', record.commandId);
      }
      if (permissions.length === 0) {
        await tx.run('DELETE FROM application_command_permissions WHERE guild_id = ? AND command_id = ?', [guild, command]);
      } else {
        await tx.run(
          `INSERT INTO application_command_permissions (guild_id, command_id, application_id, permissions) VALUES (?, ?, ?, ?)
             ON CONFLICT (guild_id, command_id) DO UPDATE SET permissions = excluded.permissions`,
          [guild, command, app, json(permissions, 'permissions')],
          { fk: 'guild' },
        );
      }
      return { applicationId: record.applicationId, guildId: record.guildId, commandId: record.commandId, permissions };
    });
  }
}

async function listIn(db: SqlDriver, applicationId: Snowflake, guildId: Snowflake | null): Promise<ApplicationCommandRecord[]> {
  const rows = await db.all(`SELECT ${COLUMNS} FROM application_commands WHERE application_id = ? AND scope = ? ORDER BY id`, [
    id(applicationId, 'application_id'), scopeOf(guildId),
  ]);
  return rows.map(commandFromRow);
}

async function getIn(db: SqlDriver, applicationId: Snowflake, guildId: Snowflake | null, commandId: Snowflake): Promise<ApplicationCommandRecord | null> {
  const row = await db.get(`SELECT ${COLUMNS} FROM application_commands WHERE application_id = ? AND scope = ? AND id = ?`, [
    id(applicationId, 'application_id'), scopeOf(guildId), id(commandId),
  ]);
  return row ? commandFromRow(row) : null;
}
