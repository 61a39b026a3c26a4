/**
 * Guild stickers (https://discord.com/developers/docs/resources/sticker): list, get, create, modify, delete, and
 * `GET /stickers/{id}` / `GET /sticker-packs`. Creating needs CREATE_GUILD_EXPRESSIONS; editing or deleting needs
 * MANAGE_GUILD_EXPRESSIONS, or CREATE_GUILD_EXPRESSIONS for a sticker the caller created (the emoji routes' rules).
 *
 * Create is `multipart/form-data` as Discord takes it: `name` (2–30), `tags` (2–200), `description` (empty or
 * 2–100) and `file`, a PNG, APNG, GIF or Lottie JSON of at most 512 KiB judged from its bytes (50045 when larger,
 * 50046 when it is none of those). The file is stored in the blob store at `stickers/{id}` before the row that names
 * it; the cdn role serves it at `/stickers/{id}.{png|gif|json}`. A guild holds 5 stickers at premium tier 0 (15, 30,
 * 60 at tiers 1–3; Accord has no boosts, so 5), 30039 beyond. Every change sends GUILD_STICKERS_UPDATE with all of
 * the guild's stickers (GUILD_EXPRESSIONS intent) and records an audit entry (90 / 91 / 92).
 *
 * Accord has no standard sticker packs: `GET /sticker-packs` answers an empty list (and `GET /sticker-packs/{id}` 10061) and `GET /stickers/{id}` knows
 * only guild stickers, which it shows to any signed-in user (as Discord shows a sticker seen in a message).
 */
import { BlobStoreFullError, type BlobStore } from '../../blobs/types.ts';
import { STICKER_MAX_BYTES, stickerBlobKey, stickerContentType, stickerFormatOf } from '../../media/stickers.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { stickerJson } from '../../shapes/sticker.ts';
import type { GuildRecord, GuildStickerRecord, Store } from '../../store/types.ts';
import { guildAccess, type GuildAccess, permissionRefusal } from '../access.ts';
import { createdChanges, deletedChanges, diffChanges, recordAudit } from '../audit-log.ts';
import type { RouteContext } from '../route.ts';
import { readSingleFileForm } from '../single-file-form.ts';
import { parse, z } from '../validate.ts';

/** Discord's sticker slots by premium tier (0–3). */
export const STICKER_SLOTS = [5, 15, 30, 60] as const;
const STICKER_AUDIT_KEYS = ['name', 'tags', 'description'] as const;

const name = z.string().min(2).max(30);
const tags = z.string().min(2).max(200);
const description = z
  .string()
  .max(100)
  .refine((v) => v.length === 0 || v.length >= 2, { message: 'Must be between 2 and 100 in length.', params: { discordCode: 'BASE_TYPE_BAD_LENGTH' } });
const createFields = z.object({ name, tags, description: description.nullish() });
const modifyBody = z.object({ name: name.optional(), tags: tags.optional(), description: description.nullish() });

/** The guild's sticker slots: Accord has no boosts, so every guild is at tier 0. */
export function stickerSlots(_guild: GuildRecord): number {
  return STICKER_SLOTS[0];
}

/** Every sticker of the guild as Discord lists them (GUILD_STICKERS_UPDATE, GUILD_CREATE, GET /guilds/{id}). */
export async function guildStickersJson(store: Store, guildId: string) {
  return (await store.guildStickers.listByGuild(guildId)).map((s) => stickerJson(s));
}

/** Deletes the files of these stickers from the blob store. */
export async function deleteStickerFiles(blobs: BlobStore, stickerIds: readonly string[]): Promise<void> {
  for (const id of stickerIds) await blobs.delete(stickerBlobKey(id));
}

export function registerStickersRoutes(ctx: RouteContext): void {
  const { store, ids, now, blobs } = ctx.deps;

  const canManage = (access: GuildAccess) => (access.permissions & Permissions.MANAGE_GUILD_EXPRESSIONS) !== 0n;
  const canCreate = (access: GuildAccess) => (access.permissions & Permissions.CREATE_GUILD_EXPRESSIONS) !== 0n;

  const findSticker = async (access: GuildAccess, stickerId: string): Promise<GuildStickerRecord> => {
    const sticker = isSnowflake(stickerId) ? await store.guildStickers.get(stickerId) : null;
    if (!sticker || sticker.guildId !== access.guild.id) throw new ApiError(ErrorCodes.UNKNOWN_STICKER);
    return sticker;
  };

  /** 50013 (60003 for want of 2FA) unless the caller may edit or delete `sticker`. */
  const requireEditable = (access: GuildAccess, sticker: GuildStickerRecord, userId: string) => {
    if (canManage(access)) return;
    if (canCreate(access) && sticker.userId === userId) return;
    throw permissionRefusal(access, Permissions.MANAGE_GUILD_EXPRESSIONS);
  };

  /** The stickers as the caller is answered: with their creator for those with MANAGE_GUILD_EXPRESSIONS. */
  const answer = async (access: GuildAccess, stickers: GuildStickerRecord[]) => {
    if (!canManage(access)) return stickers.map((s) => stickerJson(s));
    const creatorIds = [...new Set(stickers.map((s) => s.userId).filter((id): id is string => id !== null))];
    const users = new Map((creatorIds.length ? await store.users.getMany(creatorIds) : []).map((u) => [u.id, u]));
    return stickers.map((s) => stickerJson(s, s.userId ? users.get(s.userId) : null));
  };

  const announce = async (guildId: string) => {
    ctx.dispatch.guild(guildId, 'GUILD_STICKERS_UPDATE', { guild_id: guildId, stickers: await guildStickersJson(store, guildId) });
  };

  ctx.get('/sticker-packs', {}, async () => ({ sticker_packs: [] }));
  ctx.get('/sticker-packs/:packId', {}, async () => {
    throw new ApiError(ErrorCodes.UNKNOWN_STICKER_PACK);
  });

  ctx.get('/stickers/:stickerId', {}, async (req) => {
    const sticker = isSnowflake(req.params.stickerId) ? await store.guildStickers.get(req.params.stickerId) : null;
    if (!sticker) throw new ApiError(ErrorCodes.UNKNOWN_STICKER);
    return stickerJson(sticker);
  });

  ctx.get('/guilds/:guildId/stickers', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return answer(access, await store.guildStickers.listByGuild(access.guild.id));
  });

  ctx.get('/guilds/:guildId/stickers/:stickerId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return (await answer(access, [await findSticker(access, req.params.stickerId)]))[0];
  });

  ctx.post('/guilds/:guildId/stickers', { status: 201, uploads: true }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    if (!canCreate(access)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    if (!req.raw.isMultipart()) {
      // Discord takes stickers only as a form with a file.
      parse(createFields, req.body);
      throw formError([{ path: ['file'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
    }
    const form = await readSingleFileForm(req.raw, 'file', STICKER_MAX_BYTES);
    const fields = parse(createFields, form.fields);
    if (form.file === null) throw formError([{ path: ['file'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
    if (form.tooLarge) throw new ApiError(ErrorCodes.FILE_TOO_LARGE);
    const format = stickerFormatOf(form.file);
    if (format === null) throw new ApiError(ErrorCodes.INVALID_FILE_ASSET);
    const existing = await store.guildStickers.listByGuild(access.guild.id);
    if (existing.length >= stickerSlots(access.guild)) throw new ApiError(ErrorCodes.MAX_STICKERS);

    const stickerId = ids.next();
    const key = stickerBlobKey(stickerId);
    try {
      await blobs.put(key, [form.file], { contentType: stickerContentType(format) });
    } catch (err) {
      if (err instanceof BlobStoreFullError) throw new ApiError(ErrorCodes.GENERAL, { status: 507, message: 'Insufficient Storage' });
      throw err;
    }
    let sticker: GuildStickerRecord;
    try {
      sticker = await store.guildStickers.create({
        id: stickerId, guildId: access.guild.id, name: fields.name, description: fields.description || null, tags: fields.tags,
        formatType: format, userId: req.user.id, createdAt: now(),
      });
    } catch (err) {
      await blobs.delete(key).catch(() => undefined);
      throw err;
    }
    await announce(access.guild.id);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.STICKER_CREATE, targetId: sticker.id, changes: createdChanges(stickerJson(sticker), STICKER_AUDIT_KEYS) });
    return stickerJson(sticker, req.user);
  });

  ctx.patch('/guilds/:guildId/stickers/:stickerId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const sticker = await findSticker(access, req.params.stickerId);
    requireEditable(access, sticker, req.user.id);
    const body = parse(modifyBody, req.body ?? {});
    const patch: Partial<Pick<GuildStickerRecord, 'name' | 'description' | 'tags'>> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.tags !== undefined) patch.tags = body.tags;
    if (body.description !== undefined) patch.description = body.description || null;
    const updated = Object.keys(patch).length ? await store.guildStickers.update(sticker.id, patch) : sticker;
    if (!updated) throw new ApiError(ErrorCodes.UNKNOWN_STICKER);
    if (Object.keys(patch).length) {
      await announce(access.guild.id);
      const changes = diffChanges(stickerJson(sticker), stickerJson(updated), STICKER_AUDIT_KEYS);
      if (changes.length) await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.STICKER_UPDATE, targetId: sticker.id, changes });
    }
    return (await answer(access, [updated]))[0];
  });

  ctx.delete('/guilds/:guildId/stickers/:stickerId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const sticker = await findSticker(access, req.params.stickerId);
    requireEditable(access, sticker, req.user.id);
    if (!(await store.guildStickers.delete(sticker.id))) throw new ApiError(ErrorCodes.UNKNOWN_STICKER);
    // Messages keep their sticker items (id, name, format); the file goes, as the emoji image does.
    await deleteStickerFiles(blobs, [sticker.id]);
    await announce(access.guild.id);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.STICKER_DELETE, targetId: sticker.id, changes: deletedChanges(stickerJson(sticker), STICKER_AUDIT_KEYS) });
    return undefined;
  });
}
