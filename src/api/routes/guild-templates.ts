/**
 * Guild templates (https://discord.com/developers/docs/resources/guild-template): a guild's managers (MANAGE_GUILD)
 * create, list, sync, modify and delete its template (one per guild: 30031 for a second), and anyone signed in
 * reads a template by its code and makes a guild from it (POST /guilds/templates/{code}, the same guild creation
 * as POST /guilds; its owner is the caller). 10057 for an unknown code. `is_dirty` is true while the guild differs
 * from the snapshot (compared when read), null once synced. Templates send no gateway events and no audit entries,
 * as on Discord.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { guildSnapshot, guildTemplateJson } from '../../shapes/guild-template.ts';
import { ConflictError } from '../../store/errors.ts';
import type { GuildTemplateRecord, Store } from '../../store/types.ts';
import { guildAccess, requirePermission } from '../access.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { parse, z } from '../validate.ts';
import { createGuild, createGuildBody } from './guilds.ts';
import { imageBodyLimit } from '../image-fields.ts';

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CODE_LENGTH = 12;

/** 12 characters of 62: about 71 bits, unguessable. */
function newCode(): string {
  const bytes = randomBytes(CODE_LENGTH * 2);
  let out = '';
  // 248 is the largest multiple of 62 below 256: bytes at or above it are skipped, so every character is as likely.
  for (const b of bytes) if (b < 248 && out.length < CODE_LENGTH) out += CODE_ALPHABET[b % 62];
  return out.length === CODE_LENGTH ? out : newCode();
}

const metaBody = z.object({ name: z.string().min(1).max(100), description: z.string().max(120).nullish() });
const modifyBody = z.object({ name: z.string().min(1).max(100).optional(), description: z.string().max(120).nullish() });
const useBody = z.object({ name: z.string().trim().min(2).max(100), icon: z.string().nullish() });

/** The guild as a template would capture it now. */
async function currentSnapshot(store: Store, guildId: string): Promise<Record<string, unknown> | null> {
  const [guild, roles, channels, overwrites] = await Promise.all([
    store.guilds.get(guildId), store.roles.listByGuild(guildId), store.channels.listByGuild(guildId), store.overwrites.listByGuild(guildId),
  ]);
  return guild ? guildSnapshot(guild, roles, channels, overwrites) : null;
}

export function registerGuildTemplateRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const now = () => ctx.deps.now();

  const render = async (t: GuildTemplateRecord) => {
    const [creator, current] = await Promise.all([store.users.get(t.creatorId), currentSnapshot(store, t.guildId)]);
    return guildTemplateJson(t, creator, current !== null && JSON.stringify(current) !== JSON.stringify(t.snapshot));
  };
  const byCode = async (code: string) => {
    const t = await store.guildTemplates.get(code);
    if (!t) throw new ApiError(ErrorCodes.UNKNOWN_GUILD_TEMPLATE);
    return t;
  };
  const manager = async (guildId: string, userId: string) => {
    const access = await guildAccess(store, guildId, userId, now());
    requirePermission(access, Permissions.MANAGE_GUILD);
    return access;
  };
  const ownTemplate = async (guildId: string, code: string) => {
    const t = await store.guildTemplates.get(code);
    if (!t || t.guildId !== guildId) throw new ApiError(ErrorCodes.UNKNOWN_GUILD_TEMPLATE);
    return t;
  };

  ctx.get('/guilds/templates/:code', {}, async (req) => render(await byCode(req.params.code)));

  ctx.post('/guilds/templates/:code', { limit: RouteLimits.guildCreate, status: 201, bodyLimit: imageBodyLimit(ctx.deps.config, 1) }, async (req) => {
    const t = await byCode(req.params.code);
    const body = parse(useBody, req.body);
    const s = t.snapshot as Record<string, unknown>;
    // The snapshot is a POST /guilds body already; the new guild takes the caller's name and icon.
    const guild = await createGuild(ctx, req.user, parse(createGuildBody, {
      name: body.name, icon: body.icon ?? null, roles: s.roles, channels: s.channels, system_channel_id: s.system_channel_id, afk_channel_id: s.afk_channel_id,
      afk_timeout: s.afk_timeout, verification_level: s.verification_level, default_message_notifications: s.default_message_notifications,
      explicit_content_filter: s.explicit_content_filter, system_channel_flags: s.system_channel_flags,
    }));
    await store.guildTemplates.countUse(t.code);
    return guild;
  });

  ctx.get('/guilds/:guildId/templates', {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    return Promise.all((await store.guildTemplates.listByGuild(access.guild.id)).map(render));
  });

  ctx.post('/guilds/:guildId/templates', {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    const body = parse(metaBody, req.body);
    const snapshot = (await currentSnapshot(store, access.guild.id))!;
    const at = now();
    try {
      const created = await store.guildTemplates.create({
        code: newCode(), guildId: access.guild.id, name: body.name, description: body.description ?? null, usageCount: 0, creatorId: req.user.id,
        createdAt: at, updatedAt: at, snapshot,
      });
      return guildTemplateJson(created, req.user, false);
    } catch (err) {
      if (err instanceof ConflictError && err.field === 'guild_id') throw new ApiError(ErrorCodes.GUILD_ALREADY_HAS_TEMPLATE);
      throw err;
    }
  });

  ctx.put('/guilds/:guildId/templates/:code', {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    const t = await ownTemplate(access.guild.id, req.params.code);
    const snapshot = (await currentSnapshot(store, access.guild.id))!;
    const synced = await store.guildTemplates.update(access.guild.id, t.code, { snapshot, updatedAt: now() });
    if (!synced) throw new ApiError(ErrorCodes.UNKNOWN_GUILD_TEMPLATE);
    // Just synced: not dirty, without reading the guild a second time to compare.
    return guildTemplateJson(synced, await store.users.get(synced.creatorId), false);
  });

  ctx.patch('/guilds/:guildId/templates/:code', {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    const t = await ownTemplate(access.guild.id, req.params.code);
    const body = parse(modifyBody, req.body);
    const updated = await store.guildTemplates.update(access.guild.id, t.code, {
      ...(body.name !== undefined ? { name: body.name } : {}), ...(body.description !== undefined ? { description: body.description ?? null } : {}),
    });
    if (!updated) throw new ApiError(ErrorCodes.UNKNOWN_GUILD_TEMPLATE);
    return render(updated);
  });

  ctx.delete('/guilds/:guildId/templates/:code', {}, async (req) => {
    const access = await manager(req.params.guildId, req.user.id);
    await ownTemplate(access.guild.id, req.params.code);
    const deleted = await store.guildTemplates.delete(access.guild.id, req.params.code);
    if (!deleted) throw new ApiError(ErrorCodes.UNKNOWN_GUILD_TEMPLATE);
    // Discord answers with the deleted template.
    return guildTemplateJson(deleted, await store.users.get(deleted.creatorId), false);
  });
}
