/**
 * Custom guild emoji (https://discord.com/developers/docs/resources/emoji): list, get, create, modify, delete.
 * Creating needs CREATE_GUILD_EXPRESSIONS; editing or deleting needs MANAGE_GUILD_EXPRESSIONS, or
 * CREATE_GUILD_EXPRESSIONS for an emoji the caller created. The image (PNG, JPEG, GIF or WebP image data of at most
 * 256 KiB, sniffed from its bytes) is stored in the blob store at `emojis/{id}` before the row that names it, and
 * the cdn role serves it at `/emojis/{id}.{ext}`; a GIF or WebP of several frames makes an animated emoji. Each
 * guild holds up to 50 static and 50 animated emoji (Discord's limit without boosts). Every change sends
 * GUILD_EMOJIS_UPDATE with all of the guild's emoji. Deleting an emoji keeps the reactions made with it (as on
 * Discord) and deletes its image.
 */
import { BlobStoreFullError, type BlobStore } from '../../blobs/types.ts';
import { imageKey } from '../../media/image-keys.ts';
import { readImageData } from '../../media/image.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { emojiJson } from '../../shapes/emoji.ts';
import type { GuildEmojiRecord, Store } from '../../store/types.ts';
import { guildAccess, type GuildAccess, permissionRefusal } from '../access.ts';
import { createdChanges, deletedChanges, diffChanges, recordAudit } from '../audit-log.ts';
import { imageBodyLimit } from '../image-fields.ts';
import type { RouteContext } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

/** Discord's per-guild limits at premium tier 0: 50 static and 50 animated. */
export const MAX_EMOJIS_PER_KIND = 50;
/** Discord's size limit for emoji images. */
export const EMOJI_MAX_BYTES = 256 * 1024;
const EMOJI_AUDIT_KEYS = ['name'] as const;

/** Discord's emoji names: 2 to 32 letters, digits and underscores (guild and application emoji alike). */
export const emojiName = z.string().min(2).max(32).regex(/^[A-Za-z0-9_]+$/, 'Invalid emoji name');
const roles = z.array(snowflake).max(250);
const createBody = z.object({ name: emojiName, image: z.string(), roles: roles.nullish() });
const modifyBody = z.object({ name: emojiName.optional(), roles: roles.nullish() });

/** Every emoji of the guild as Discord lists them (GUILD_EMOJIS_UPDATE, GUILD_CREATE, GET /guilds/{id}). */
export async function guildEmojisJson(store: Store, guildId: string) {
  return (await store.guildEmojis.listByGuild(guildId)).map((e) => emojiJson(e));
}

/** Deletes the images (and cached renditions) of these emoji from the blob store. */
export async function deleteEmojiImages(blobs: BlobStore, emojiIds: readonly string[]): Promise<void> {
  for (const id of emojiIds) {
    const key = imageKey({ kind: 'emojis' }, id);
    await blobs.delete(key);
    await blobs.deletePrefix(`cache/${key}/`);
  }
}

export function registerEmojisRoutes(ctx: RouteContext): void {
  const { store, ids, now, blobs } = ctx.deps;

  const canManage = (access: GuildAccess) => (access.permissions & Permissions.MANAGE_GUILD_EXPRESSIONS) !== 0n;
  const canCreate = (access: GuildAccess) => (access.permissions & Permissions.CREATE_GUILD_EXPRESSIONS) !== 0n;

  const findEmoji = async (access: GuildAccess, emojiId: string): Promise<GuildEmojiRecord> => {
    const emoji = isSnowflake(emojiId) ? await store.guildEmojis.get(emojiId) : null;
    if (!emoji || emoji.guildId !== access.guild.id) throw new ApiError(ErrorCodes.UNKNOWN_EMOJI);
    return emoji;
  };

  /** 50013 (60003 for want of 2FA) unless the caller may edit or delete `emoji`. */
  const requireEditable = (access: GuildAccess, emoji: GuildEmojiRecord, userId: string) => {
    if (canManage(access)) return;
    if (canCreate(access) && emoji.userId === userId) return;
    throw permissionRefusal(access, Permissions.MANAGE_GUILD_EXPRESSIONS);
  };

  /**
   * The emoji as the caller is answered, with its creator where `showsCreator` says so. Discord: the list "includes
   * user fields if the bot has the CREATE_GUILD_EXPRESSIONS or MANAGE_GUILD_EXPRESSIONS permission"; one emoji
   * "if the bot has the MANAGE_GUILD_EXPRESSIONS permission, or if the bot created the emoji and has the
   * CREATE_GUILD_EXPRESSIONS permission".
   */
  const answer = async (emojis: GuildEmojiRecord[], showsCreator: (e: GuildEmojiRecord) => boolean) => {
    const creatorIds = [...new Set(emojis.filter(showsCreator).map((e) => e.userId).filter((id): id is string => id !== null))];
    const users = new Map((creatorIds.length ? await store.users.getMany(creatorIds) : []).map((u) => [u.id, u]));
    return emojis.map((e) => (showsCreator(e) ? emojiJson(e, e.userId ? users.get(e.userId) : null) : emojiJson(e)));
  };
  const listShowsCreator = (access: GuildAccess) => () => canManage(access) || canCreate(access);
  const oneShowsCreator = (access: GuildAccess, userId: string) => (e: GuildEmojiRecord) => canManage(access) || (canCreate(access) && e.userId === userId);

  /** Only roles of this guild restrict an emoji. */
  const checkRoles = (access: GuildAccess, wanted: readonly string[]) => {
    const known = new Set(access.roles.map((r) => r.id));
    wanted.forEach((id, i) => {
      if (!known.has(id)) throw fieldError(['roles', i], 'BASE_TYPE_INVALID', 'Unknown role');
    });
    return [...new Set(wanted)];
  };

  const announce = async (guildId: string) => {
    ctx.dispatch.guild(guildId, 'GUILD_EMOJIS_UPDATE', { guild_id: guildId, emojis: await guildEmojisJson(store, guildId) });
  };

  ctx.get('/guilds/:guildId/emojis', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return answer(await store.guildEmojis.listByGuild(access.guild.id), listShowsCreator(access));
  });

  ctx.get('/guilds/:guildId/emojis/:emojiId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return (await answer([await findEmoji(access, req.params.emojiId)], oneShowsCreator(access, req.user.id)))[0];
  });

  ctx.post('/guilds/:guildId/emojis', { status: 201, bodyLimit: imageBodyLimit(ctx.deps.config, 1) }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    if (!canCreate(access)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const body = parse(createBody, req.body);
    const roleIds = checkRoles(access, body.roles ?? []);
    const image = await readImageData(body.image, 'image', { maxPixels: ctx.deps.config.imageMaxPixels, maxBytes: EMOJI_MAX_BYTES });
    const existing = await store.guildEmojis.listByGuild(access.guild.id);
    if (existing.filter((e) => e.animated === image.animated).length >= MAX_EMOJIS_PER_KIND) throw new ApiError(ErrorCodes.MAX_EMOJIS);
    const emojiId = ids.next();
    const key = imageKey({ kind: 'emojis' }, emojiId);
    try {
      await blobs.put(key, [image.bytes], { contentType: image.contentType });
    } catch (err) {
      if (err instanceof BlobStoreFullError) throw new ApiError(ErrorCodes.GENERAL, { status: 507, message: 'Insufficient Storage' });
      throw err;
    }
    let emoji: GuildEmojiRecord;
    try {
      emoji = await store.guildEmojis.create({
        id: emojiId, guildId: access.guild.id, name: body.name, roles: roleIds, userId: req.user.id, animated: image.animated, createdAt: now(),
      });
    } catch (err) {
      await blobs.delete(key).catch(() => undefined);
      throw err;
    }
    await announce(access.guild.id);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.EMOJI_CREATE, targetId: emoji.id, changes: createdChanges(emojiJson(emoji), EMOJI_AUDIT_KEYS) });
    return emojiJson(emoji, req.user);
  });

  ctx.patch('/guilds/:guildId/emojis/:emojiId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const emoji = await findEmoji(access, req.params.emojiId);
    requireEditable(access, emoji, req.user.id);
    const body = parse(modifyBody, req.body ?? {});
    const patch: Partial<Pick<GuildEmojiRecord, 'name' | 'roles'>> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.roles !== undefined) patch.roles = checkRoles(access, body.roles ?? []);
    const updated = Object.keys(patch).length ? await store.guildEmojis.update(emoji.id, patch) : emoji;
    if (!updated) throw new ApiError(ErrorCodes.UNKNOWN_EMOJI);
    if (Object.keys(patch).length) {
      await announce(access.guild.id);
      const changes = diffChanges(emojiJson(emoji), emojiJson(updated), EMOJI_AUDIT_KEYS);
      if (changes.length) await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.EMOJI_UPDATE, targetId: emoji.id, changes });
    }
    return (await answer([updated], oneShowsCreator(access, req.user.id)))[0];
  });

  ctx.delete('/guilds/:guildId/emojis/:emojiId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const emoji = await findEmoji(access, req.params.emojiId);
    requireEditable(access, emoji, req.user.id);
    if (!(await store.guildEmojis.delete(emoji.id))) throw new ApiError(ErrorCodes.UNKNOWN_EMOJI);
    // The image goes with the emoji (reactions made with it stay, named by id and name); so do its renditions.
    await deleteEmojiImages(blobs, [emoji.id]);
    await announce(access.guild.id);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.EMOJI_DELETE, targetId: emoji.id, changes: deletedChanges(emojiJson(emoji), EMOJI_AUDIT_KEYS) });
    return undefined;
  });
}
