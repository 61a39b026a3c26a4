/**
 * Application commands (https://discord.com/developers/docs/interactions/application-commands): global commands
 * under /applications/{app}/commands, guild commands under /applications/{app}/guilds/{guild}/commands, and their
 * per-guild permissions. Commands are managed with the application's own bot token (Discord also takes a
 * client-credentials token, which Accord has no OAuth2 grant for); anyone else gets 20012. Guild commands need
 * the bot in the guild (50001). Permissions are edited with a user's token (`Bearer`, as Discord requires) by
 * someone holding MANAGE_GUILD and MANAGE_ROLES; a bot token gets 20001. Definitions are checked in
 * api/commands/definition.ts; the store keeps the rules that need the database (names unique per type and scope,
 * ids kept by a bulk overwrite, the per-type limit) in its transactions.
 */
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake, type Snowflake } from '../../protocol/snowflake.ts';
import { applicationCommandJson, commandPermissionsJson, FULL_LOCALIZATIONS, type LocalizationView } from '../../shapes/application-command.ts';
import { ConflictError, LimitReachedError } from '../../store/errors.ts';
import type { ApplicationCommandRecord, ApplicationRecord, CommandPermission } from '../../store/types.ts';
import { isDiscordLocale } from '../../protocol/locales.ts';
import { guildAccess, requirePermission, roleRank, type GuildAccess } from '../access.ts';
import {
  checkDefinition, CommandLimits, commandBody, commandPatchBody, definitionAsBody, parseDefinition, type CommandBody, type CommandDefinition,
} from '../commands/definition.ts';
import type { RouteLimit } from '../ratelimit.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';

/** Command writes: Discord keeps a tighter bucket for them than for reads. */
const COMMAND_WRITES: RouteLimit = { bucket: 'commands.write', limit: 25, windowMs: 20_000 };
/** A whole command list may run to a few hundred kilobytes of localizations. */
const BULK_BODY_LIMIT = 4 * 1024 * 1024;
const MAX_PERMISSIONS = 100;

const listQuery = z.object({ with_localizations: queryBool.optional() });

const permissionsBody = z.object({
  permissions: z
    .array(z.object({ id: snowflake, type: z.number().int(), permission: z.boolean() }))
    .max(MAX_PERMISSIONS),
});

type AppParams = { appId: string; guildId?: string; commandId?: string };

/** The locale a plain list is localized to: X-Discord-Locale, else the first Discord locale in Accept-Language. */
function requestLocale(headers: RouteRequest['headers']): string | undefined {
  const explicit = headers['x-discord-locale'];
  if (typeof explicit === 'string' && isDiscordLocale(explicit)) return explicit;
  const accept = headers['accept-language'];
  if (typeof accept !== 'string') return undefined;
  for (const part of accept.split(',')) {
    const tag = part.split(';')[0]!.trim();
    if (isDiscordLocale(tag)) return tag;
  }
  return undefined;
}

export function registerCommandsRoutes(ctx: RouteContext): void {
  const { store, ids, now } = ctx.deps;

  /** The application of the path, for its own bot: 10002 unknown, 20012 anyone else's token. */
  const application = async (req: RouteRequest<AppParams>): Promise<ApplicationRecord> => {
    const app = isSnowflake(req.params.appId) ? await store.applications.get(req.params.appId) : null;
    if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
    if (app.botUserId !== req.user.id) throw new ApiError(ErrorCodes.NOT_AUTHORIZED_FOR_APPLICATION);
    return app;
  };

  /** The scope of the path (null: global); for a guild the application's bot must be in it (10004, 50001). */
  const scopeOf = async (req: RouteRequest<AppParams>, app: ApplicationRecord): Promise<Snowflake | null> => {
    if (req.params.guildId === undefined) return null;
    const access = await guildAccess(store, req.params.guildId, app.botUserId, now());
    return access.guild.id;
  };

  const commandId = (req: RouteRequest<AppParams>): Snowflake => {
    if (!isSnowflake(req.params.commandId)) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION_COMMAND);
    return req.params.commandId;
  };

  const record = (app: ApplicationRecord, guildId: Snowflake | null, d: CommandDefinition, id = ids.next()): ApplicationCommandRecord => ({
    ...d, id, applicationId: app.id, guildId, version: ids.next(),
  });

  /**
   * Discord's 200 command creates a day per application (per guild for guild commands), counted in the store so
   * every api process of a cluster shares the count. Beyond it Discord answers 429 with code 30034, `retry_after`
   * and `global: false` (its shared-scope rate limit), and X-RateLimit-Scope: shared.
   */
  const daily = () => ({ max: CommandLimits.dailyCreates, now: now() });
  const withDailyLimit = async <T>(req: RouteRequest<AppParams>, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof LimitReachedError)) throw err;
      const retryAfter = Math.max(0, (err.resetAt - now()) / 1000);
      req.reply.header('x-ratelimit-scope', 'shared');
      req.reply.header('retry-after', String(Math.ceil(retryAfter)));
      throw new ApiError(ErrorCodes.MAX_DAILY_APPLICATION_COMMAND_CREATES, { extra: { retry_after: Number(retryAfter.toFixed(3)), global: false } });
    }
  };

  /** 30032 when `definitions` hold more commands of a type than a scope may. */
  const requireWithinLimits = (definitions: readonly CommandDefinition[]) => {
    const counts = new Map<number, number>();
    for (const d of definitions) counts.set(d.type, (counts.get(d.type) ?? 0) + 1);
    for (const [type, n] of counts) if (n > CommandLimits.perType[type as keyof typeof CommandLimits.perType]) throw new ApiError(ErrorCodes.MAX_APPLICATION_COMMANDS);
  };

  for (const base of ['/applications/:appId/commands', '/applications/:appId/guilds/:guildId/commands']) {
    const scopeName = base.includes(':guildId') ? 'guild' : 'global';

    ctx.get(base, {}, async (req) => {
      const app = await application(req);
      const guildId = await scopeOf(req, app);
      const q = parse(listQuery, req.query);
      const view: LocalizationView = q.with_localizations ? FULL_LOCALIZATIONS : { full: false, locale: requestLocale(req.headers) };
      return (await store.applicationCommands.list(app.id, guildId)).map((c) => applicationCommandJson(c, view));
    });

    // Discord's upsert: a command of the same type and name is overwritten (200), else one is created (201).
    ctx.post(base, { limit: COMMAND_WRITES }, async (req) => {
      const app = await application(req);
      const guildId = await scopeOf(req, app);
      const definition = parseDefinition(parse(commandBody, req.body), scopeName);
      const result = await withDailyLimit(req, () => store.applicationCommands.upsert(record(app, guildId, definition), { maxOfType: CommandLimits.perType[definition.type], daily: daily() }));
      if ('limited' in result) throw new ApiError(ErrorCodes.MAX_APPLICATION_COMMANDS);
      return req.reply.status(result.created ? 201 : 200).send(applicationCommandJson(result.command));
    });

    // Bulk overwrite: the scope becomes exactly this list, in one transaction, ids kept by name (or given id).
    ctx.put(base, { limit: COMMAND_WRITES, bodyLimit: BULK_BODY_LIMIT }, async (req) => {
      const app = await application(req);
      const guildId = await scopeOf(req, app);
      const bodies = parse(z.array(commandBody), req.body);
      const issues: Array<{ path: Array<string | number>; code: string; message: string }> = [];
      const definitions: CommandDefinition[] = [];
      const seen = new Set<string>();
      for (const [i, body] of bodies.entries()) {
        const checked = checkDefinition(body, scopeName, [i]);
        if ('issues' in checked) {
          issues.push(...checked.issues);
          continue;
        }
        const key = `${checked.definition.type}:${checked.definition.name}`;
        if (seen.has(key)) issues.push({ path: [i], code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: 'Application command names must be unique' });
        seen.add(key);
        definitions.push(checked.definition);
      }
      if (issues.length) throw formError(issues);
      requireWithinLimits(definitions);
      const commands = definitions.map((d, i) => ({ ...record(app, guildId, d), ...(bodies[i]!.id ? { knownId: bodies[i]!.id } : {}) }));
      return (await withDailyLimit(req, () => store.applicationCommands.overwrite(app.id, guildId, commands, { daily: daily() }))).map((c) => applicationCommandJson(c));
    });

    ctx.get(`${base}/:commandId`, {}, async (req) => {
      const app = await application(req);
      const guildId = await scopeOf(req, app);
      const command = await store.applicationCommands.get(app.id, guildId, commandId(req));
      if (!command) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION_COMMAND);
      return applicationCommandJson(command);
    });

    // The fields given replace the command's; the rest is kept, and the whole is checked again.
    ctx.patch(`${base}/:commandId`, { limit: COMMAND_WRITES }, async (req) => {
      const app = await application(req);
      const guildId = await scopeOf(req, app);
      const current = await store.applicationCommands.get(app.id, guildId, commandId(req));
      if (!current) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION_COMMAND);
      const patch = parse(commandPatchBody, req.body);
      const merged: CommandBody = { ...definitionAsBody(current) };
      for (const [key, value] of Object.entries(patch)) if (value !== undefined && key !== 'type') (merged as Record<string, unknown>)[key] = value;
      // dm_permission alone speaks for the contexts it stands for.
      if (patch.dm_permission !== undefined && patch.contexts === undefined) delete merged.contexts;
      const definition = parseDefinition(merged, scopeName);
      try {
        return applicationCommandJson(await store.applicationCommands.update({ ...definition, id: current.id, applicationId: app.id, guildId, version: ids.next() }));
      } catch (err) {
        if (err instanceof ConflictError && err.entity === 'application_command') throw new ApiError(ErrorCodes.APPLICATION_COMMAND_NAME_EXISTS);
        throw err;
      }
    });

    ctx.delete(`${base}/:commandId`, { limit: COMMAND_WRITES }, async (req) => {
      const app = await application(req);
      const guildId = await scopeOf(req, app);
      await store.applicationCommands.delete(app.id, guildId, commandId(req));
      return undefined;
    });
  }

  // ------------------------------------------------------------------------------------------- permissions

  /**
   * Who may read a guild's command permissions: the application's bot, or a member who may edit them. Either way
   * the application must be in the guild (its bot a member), as commands are only there when it is.
   */
  const permissionsGuild = async (req: RouteRequest<AppParams>): Promise<{ app: ApplicationRecord; access: GuildAccess }> => {
    const app = isSnowflake(req.params.appId) ? await store.applications.get(req.params.appId) : null;
    if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
    if (req.user.bot && app.botUserId !== req.user.id) throw new ApiError(ErrorCodes.NOT_AUTHORIZED_FOR_APPLICATION);
    const access = await guildAccess(store, req.params.guildId!, req.user.id, now());
    if (!req.user.bot) {
      requirePermission(access, Permissions.MANAGE_GUILD | Permissions.MANAGE_ROLES);
      if (!(await store.members.get(access.guild.id, app.botUserId))) throw new ApiError(ErrorCodes.MISSING_ACCESS);
    }
    return { app, access };
  };

  /** The command a permission path names: a global command, one of this guild, or the application itself. */
  const permissionTarget = async (app: ApplicationRecord, guildId: Snowflake, req: RouteRequest<AppParams>): Promise<Snowflake> => {
    const id = commandId(req);
    if (id === app.id) return id;
    const command = (await store.applicationCommands.get(app.id, null, id)) ?? (await store.applicationCommands.get(app.id, guildId, id));
    if (!command) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION_COMMAND);
    return id;
  };

  const permissionsBase = '/applications/:appId/guilds/:guildId/commands';

  ctx.get(`${permissionsBase}/permissions`, {}, async (req) => {
    const { app, access } = await permissionsGuild(req);
    return (await store.applicationCommands.listPermissions(app.id, access.guild.id)).map(commandPermissionsJson);
  });

  ctx.get(`${permissionsBase}/:commandId/permissions`, {}, async (req) => {
    const { app, access } = await permissionsGuild(req);
    const target = await permissionTarget(app, access.guild.id, req);
    const found = await store.applicationCommands.getPermissions(app.id, access.guild.id, target);
    if (!found) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION_COMMAND_PERMISSIONS);
    return commandPermissionsJson(found);
  });

  // Replaces the command's permissions in the guild and tells the guild (APPLICATION_COMMAND_PERMISSIONS_UPDATE).
  ctx.put(`${permissionsBase}/:commandId/permissions`, { limit: COMMAND_WRITES }, async (req) => {
    if (req.user.bot) throw new ApiError(ErrorCodes.BOTS_CANNOT_USE_ENDPOINT);
    const { app, access } = await permissionsGuild(req);
    const target = await permissionTarget(app, access.guild.id, req);
    const permissions = await checkPermissions(access, parse(permissionsBody, req.body).permissions);
    const saved = await store.applicationCommands.setPermissions({ applicationId: app.id, guildId: access.guild.id, commandId: target, permissions });
    const json = commandPermissionsJson(saved);
    ctx.dispatch.guild(access.guild.id, 'APPLICATION_COMMAND_PERMISSIONS_UPDATE', json);
    return json;
  });

  /**
   * Each entry must name a role, user or channel of the guild (the guild's id is @everyone, the guild's id − 1
   * every channel), once; the editor must be above each role it names (the owner is above all).
   */
  const checkPermissions = async (access: GuildAccess, entries: Array<{ id: string; type: number; permission: boolean }>): Promise<CommandPermission[]> => {
    const guildId = access.guild.id;
    const allChannels = (BigInt(guildId) - 1n).toString();
    const roles = new Map(access.roles.map((r) => [r.id, r]));
    const channels = new Set((await store.channels.listByGuild(guildId)).map((c) => c.id));
    const userIds = entries.filter((e) => e.type === 2).map((e) => e.id);
    const users = new Set((userIds.length ? await store.users.getMany(userIds) : []).map((u) => u.id));
    const issues: Array<{ path: Array<string | number>; code: string; message: string }> = [];
    const seen = new Set<string>();
    let above = true;
    entries.forEach((e, i) => {
      const at = ['permissions', i];
      if (e.type !== 1 && e.type !== 2 && e.type !== 3) {
        issues.push({ path: [...at, 'type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {1, 2, 3}.' });
        return;
      }
      const known = e.type === 1 ? roles.has(e.id) : e.type === 2 ? users.has(e.id) : e.id === allChannels || channels.has(e.id);
      if (!known) {
        const what = e.type === 1 ? 'role' : e.type === 2 ? 'user' : 'channel';
        issues.push({ path: [...at, 'id'], code: 'APPLICATION_COMMAND_PERMISSIONS_INVALID_ID', message: `Unknown ${what} ${e.id}` });
      }
      if (seen.has(`${e.type}:${e.id}`)) issues.push({ path: [...at, 'id'], code: 'APPLICATION_COMMAND_PERMISSIONS_DUPLICATE_ID', message: 'Each role, user and channel may appear once' });
      seen.add(`${e.type}:${e.id}`);
      const role = e.type === 1 ? roles.get(e.id) : undefined;
      if (role && role.id !== guildId && !access.isOwner && roleRank(access.roles, role) >= access.topPosition) above = false;
    });
    if (issues.length) throw formError(issues);
    if (!above) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    return entries.map((e) => ({ id: e.id, type: e.type as CommandPermission['type'], permission: e.permission }));
  };
}
