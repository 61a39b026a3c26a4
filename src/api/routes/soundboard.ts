/**
 * Guild soundboard sounds (https://discord.com/developers/docs/resources/soundboard): list (`{items}`), get,
 * create, modify, delete, and `GET /soundboard-default-sounds`. Creating needs CREATE_GUILD_EXPRESSIONS; editing or
 * deleting needs MANAGE_GUILD_EXPRESSIONS, or CREATE_GUILD_EXPRESSIONS for a sound the caller created (the sticker
 * and emoji rules). Any member may list them; the creator (`user`) is shown to those who may create or manage.
 *
 * Create is JSON as Discord takes it: `name` (2–32), `sound` (a data URI of an MP3 or Ogg file of at most 512 KiB and
 * 5.2 seconds, judged from its bytes: media/sounds.ts; 50045 when larger, 50046 when it is neither or longer),
 * `volume` (0–1, default 1) and an emoji: `emoji_id` (one of the guild's) or `emoji_name` (a standard one). The file
 * is stored at `soundboard-sounds/{id}` before the row that names it; the cdn role serves it at
 * `/soundboard-sounds/{id}`. A guild holds 8 sounds (Discord's count without boosts; Accord has none), 30045 beyond.
 * Each change sends GUILD_SOUNDBOARD_SOUND_CREATE / _UPDATE / _DELETE (GUILD_EXPRESSIONS intent) and records an
 * audit entry (130 / 131 / 132); GUILD_CREATE carries the guild's sounds, and op 31 asks for them.
 *
 * Decided: Accord has no voice, so a sound cannot be played into a channel: `POST /channels/{id}/send-soundboard-sound`
 * checks what Discord checks (a voice channel, SPEAK and USE_SOUNDBOARD, USE_EXTERNAL_SOUNDS and membership for another
 * server's sound, the sound) and then answers 10065 Unknown Voice State, since nobody is ever connected to the
 * channel, which Discord requires. It ships no default sounds (`GET /soundboard-default-sounds` answers an empty list). Members play the sounds
 * in the web client's Soundboard settings.
 */
import { BlobStoreFullError, type BlobStore } from '../../blobs/types.ts';
import { inspectSound, SOUND_MAX_BYTES, SOUND_MAX_SECONDS, soundBlobKey, soundContentType, soundDataBytes } from '../../media/sounds.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { soundJson } from '../../shapes/soundboard.ts';
import type { GuildSoundRecord } from '../../store/types.ts';
import { channelAccess, guildAccess, type GuildAccess, permissionRefusal, requirePermission } from '../access.ts';
import { isVoiceLike } from '../../protocol/channel-types.ts';
import { createdChanges, deletedChanges, diffChanges, recordAudit } from '../audit-log.ts';
import { unicodeEmoji } from '../messages/reaction-emoji.ts';
import type { RouteContext } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

/** Discord's soundboard slots without boosts. */
export const SOUNDBOARD_SLOTS = 8;
const SOUND_AUDIT_KEYS = ['name', 'volume', 'emoji_id', 'emoji_name'] as const;
/** The longest data URI of an accepted sound: its base64 and the prefix. */
const SOUND_DATA_MAX_CHARS = Math.ceil(SOUND_MAX_BYTES / 3) * 4 + 32;

const name = z.string().min(2).max(32);
const volume = z.number().min(0).max(1);
const sendSoundBody = z.object({ sound_id: snowflake, source_guild_id: snowflake.optional() });
const createBody = z.object({
  name,
  // A longer string cannot be an accepted file: refused as too large below, without decoding it.
  sound: z.string().max(SOUND_DATA_MAX_CHARS * 2),
  volume: volume.nullish(),
  emoji_id: snowflake.nullish(),
  emoji_name: z.string().max(32).nullish(),
});
const modifyBody = z.object({ name: name.optional(), volume: volume.nullish(), emoji_id: snowflake.nullish(), emoji_name: z.string().max(32).nullish() });

/** Deletes the files of these sounds from the blob store. */
export async function deleteSoundFiles(blobs: BlobStore, soundIds: readonly string[]): Promise<void> {
  for (const id of soundIds) await blobs.delete(soundBlobKey(id));
}

export function registerSoundboardRoutes(ctx: RouteContext): void {
  const { store, ids, now, blobs, config } = ctx.deps;

  const canManage = (access: GuildAccess) => (access.permissions & Permissions.MANAGE_GUILD_EXPRESSIONS) !== 0n;
  const canCreate = (access: GuildAccess) => (access.permissions & Permissions.CREATE_GUILD_EXPRESSIONS) !== 0n;

  const findSound = async (access: GuildAccess, soundId: string): Promise<GuildSoundRecord> => {
    const sound = isSnowflake(soundId) ? await store.guildSounds.get(soundId) : null;
    if (!sound || sound.guildId !== access.guild.id) throw new ApiError(ErrorCodes.UNKNOWN_SOUND);
    return sound;
  };

  /** 50013 (60003 for want of 2FA) unless the caller may edit or delete `sound`. */
  const requireEditable = (access: GuildAccess, sound: GuildSoundRecord, userId: string) => {
    if (canManage(access)) return;
    if (canCreate(access) && sound.userId === userId) return;
    throw permissionRefusal(access, Permissions.MANAGE_GUILD_EXPRESSIONS);
  };

  /** The sounds as the caller is answered: with their creator for those who may create or manage sounds. */
  const answer = async (access: GuildAccess, sounds: GuildSoundRecord[]) => {
    if (!canManage(access) && !canCreate(access)) return sounds.map((s) => soundJson(s));
    const creatorIds = [...new Set(sounds.map((s) => s.userId).filter((id): id is string => id !== null))];
    const users = new Map((creatorIds.length ? await store.users.getMany(creatorIds) : []).map((u) => [u.id, u]));
    return sounds.map((s) => soundJson(s, s.userId ? users.get(s.userId) : null));
  };

  /** The emoji fields as stored: one of the guild's custom emoji, or one standard emoji (fully qualified). */
  const emojiOf = async (guildId: string, emojiId: string | null | undefined, emojiName: string | null | undefined) => {
    if (emojiId) {
      const emoji = await store.guildEmojis.get(emojiId);
      if (!emoji || emoji.guildId !== guildId) throw fieldError('emoji_id', 'SOUNDBOARD_INVALID_EMOJI', 'Unknown emoji');
      return { emojiId, emojiName: null };
    }
    if (emojiName) {
      const standard = unicodeEmoji(emojiName);
      if (!standard) throw fieldError('emoji_name', 'SOUNDBOARD_INVALID_EMOJI', 'Must be a single unicode emoji');
      return { emojiId: null, emojiName: standard };
    }
    return { emojiId: null, emojiName: null };
  };

  ctx.get('/soundboard-default-sounds', {}, async () => []);

  ctx.post('/channels/:channelId/send-soundboard-sound', { status: 204 }, async (req) => {
    const a = await channelAccess(store, req.params.channelId, req.user.id, now());
    if (!a.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    if (!isVoiceLike(a.channel.type)) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    const body = parse(sendSoundBody, req.body);
    const sourceGuildId = body.source_guild_id ?? a.channel.guildId;
    const external = sourceGuildId !== a.channel.guildId;
    requirePermission(a, Permissions.SPEAK | Permissions.USE_SOUNDBOARD | (external ? Permissions.USE_EXTERNAL_SOUNDS : 0n));
    // Another server's sound is theirs to play only as a member there (10004 otherwise).
    if (external) await guildAccess(store, sourceGuildId, req.user.id, now());
    const sound = await store.guildSounds.get(body.sound_id);
    if (!sound || sound.guildId !== sourceGuildId) throw new ApiError(ErrorCodes.UNKNOWN_SOUND);
    // Discord plays it for whoever is connected to the channel; the caller must be among them, and nobody is here.
    throw new ApiError(ErrorCodes.UNKNOWN_VOICE_STATE);
  });

  ctx.get('/guilds/:guildId/soundboard-sounds', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return { items: await answer(access, await store.guildSounds.listByGuild(access.guild.id)) };
  });

  ctx.get('/guilds/:guildId/soundboard-sounds/:soundId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return (await answer(access, [await findSound(access, req.params.soundId)]))[0];
  });

  ctx.post('/guilds/:guildId/soundboard-sounds', { status: 201, bodyLimit: config.bodyLimitBytes + SOUND_DATA_MAX_CHARS * 2 }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    if (!canCreate(access)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const body = parse(createBody, req.body);
    if (body.sound.length > SOUND_DATA_MAX_CHARS) throw new ApiError(ErrorCodes.FILE_TOO_LARGE);
    const bytes = soundDataBytes(body.sound);
    if (!bytes) throw fieldError('sound', 'SOUNDBOARD_INVALID_SOUND', 'Must be a data URI of an MP3 or Ogg file');
    if (bytes.length > SOUND_MAX_BYTES) throw new ApiError(ErrorCodes.FILE_TOO_LARGE);
    const info = inspectSound(bytes);
    if (!info || info.seconds > SOUND_MAX_SECONDS) throw new ApiError(ErrorCodes.INVALID_FILE_ASSET);
    const emoji = await emojiOf(access.guild.id, body.emoji_id, body.emoji_name);
    const existing = await store.guildSounds.listByGuild(access.guild.id);
    if (existing.length >= SOUNDBOARD_SLOTS) throw new ApiError(ErrorCodes.MAX_SOUNDBOARD_SOUNDS);

    const soundId = ids.next();
    const key = soundBlobKey(soundId);
    try {
      await blobs.put(key, [bytes], { contentType: soundContentType(info.format) });
    } catch (err) {
      if (err instanceof BlobStoreFullError) throw new ApiError(ErrorCodes.GENERAL, { status: 507, message: 'Insufficient Storage' });
      throw err;
    }
    let sound: GuildSoundRecord;
    try {
      sound = await store.guildSounds.create({
        id: soundId, guildId: access.guild.id, name: body.name, volume: body.volume ?? 1, ...emoji, userId: req.user.id, createdAt: now(),
      });
    } catch (err) {
      await blobs.delete(key).catch(() => undefined);
      throw err;
    }
    const json = soundJson(sound, req.user);
    ctx.dispatch.guild(access.guild.id, 'GUILD_SOUNDBOARD_SOUND_CREATE', json);
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.SOUNDBOARD_SOUND_CREATE, targetId: sound.id, changes: createdChanges(json, SOUND_AUDIT_KEYS) });
    return json;
  });

  ctx.patch('/guilds/:guildId/soundboard-sounds/:soundId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const sound = await findSound(access, req.params.soundId);
    requireEditable(access, sound, req.user.id);
    const body = parse(modifyBody, req.body ?? {});
    const patch: Partial<Pick<GuildSoundRecord, 'name' | 'volume' | 'emojiId' | 'emojiName'>> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.volume != null) patch.volume = body.volume;
    // Either emoji field given (null included) sets the emoji anew from both.
    if (body.emoji_id !== undefined || body.emoji_name !== undefined) Object.assign(patch, await emojiOf(access.guild.id, body.emoji_id, body.emoji_name));
    const updated = Object.keys(patch).length ? await store.guildSounds.update(sound.id, patch) : sound;
    if (!updated) throw new ApiError(ErrorCodes.UNKNOWN_SOUND);
    const [json] = await answer(access, [updated]);
    if (Object.keys(patch).length) {
      ctx.dispatch.guild(access.guild.id, 'GUILD_SOUNDBOARD_SOUND_UPDATE', soundJson(updated));
      const changes = diffChanges(soundJson(sound), soundJson(updated), SOUND_AUDIT_KEYS);
      if (changes.length) await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.SOUNDBOARD_SOUND_UPDATE, targetId: sound.id, changes });
    }
    return json;
  });

  ctx.delete('/guilds/:guildId/soundboard-sounds/:soundId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const sound = await findSound(access, req.params.soundId);
    requireEditable(access, sound, req.user.id);
    if (!(await store.guildSounds.delete(sound.id))) throw new ApiError(ErrorCodes.UNKNOWN_SOUND);
    await deleteSoundFiles(blobs, [sound.id]);
    ctx.dispatch.guild(access.guild.id, 'GUILD_SOUNDBOARD_SOUND_DELETE', { sound_id: sound.id, guild_id: access.guild.id });
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.SOUNDBOARD_SOUND_DELETE, targetId: sound.id, changes: deletedChanges(soundJson(sound), SOUND_AUDIT_KEYS) });
    return undefined;
  });
}
