/**
 * Application-owned emoji (https://discord.com/developers/docs/resources/emoji#list-application-emojis): list
 * (`{items}`), get, create, rename, delete, by the application's bot or its owner (the developer portal). An
 * application holds up to 2,000, named uniquely within it (Discord's portal refuses a second emoji of a name; the
 * API answers 50035 on `name`). The image is checked and stored as a guild emoji's is (PNG, JPEG, GIF or WebP of
 * at most 256 KiB, at `emojis/{id}`, served by the cdn role at `/emojis/{id}.{ext}`).
 *
 * Only the application's bot may use them, in any channel and without USE_EXTERNAL_EMOJIS
 * (messages/emoji-rules.ts). Nothing is dispatched on a change: Discord sends no gateway event for app emoji.
 */
import { BlobStoreFullError } from '../../blobs/types.ts';
import { imageKey } from '../../media/image-keys.ts';
import { readImageData } from '../../media/image.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { applicationEmojiJson } from '../../shapes/emoji.ts';
import { ConflictError } from '../../store/errors.ts';
import type { ApplicationEmojiRecord, ApplicationRecord, Store } from '../../store/types.ts';
import { applicationAccess } from '../access.ts';
import { imageBodyLimit } from '../image-fields.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, z } from '../validate.ts';
import { deleteEmojiImages, EMOJI_MAX_BYTES, emojiName } from './emojis.ts';

/** Discord's limit of emoji per application. */
export const MAX_APPLICATION_EMOJIS = 2000;

const createBody = z.object({ name: emojiName, image: z.string() });
const modifyBody = z.object({ name: emojiName });

type Params = { appId: string; emojiId: string };

/**
 * The application's emoji with their uploaders, in one read of the users. `user` is never null (discord-api-types'
 * APIApplicationEmoji): an uploader whose account is gone reads as the application's bot.
 */
export async function applicationEmojisJson(store: Store, app: ApplicationRecord, emojis: readonly ApplicationEmojiRecord[]) {
  const uploaderIds = [...new Set([app.botUserId, ...emojis.map((e) => e.userId).filter((id): id is string => id !== null)])];
  const users = new Map((await store.users.getMany(uploaderIds)).map((u) => [u.id, u]));
  const bot = users.get(app.botUserId) ?? null;
  return emojis.map((e) => applicationEmojiJson(e, (e.userId && users.get(e.userId)) || bot));
}

/** A name the application already has: 50035 on `name`, as Discord's portal words it. */
async function nameTaken<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof ConflictError && err.entity === 'application_emoji') {
      throw fieldError('name', 'APPLICATION_EMOJI_NAME_ALREADY_TAKEN', 'An emoji with this name already exists.');
    }
    throw err;
  }
}

export function registerApplicationEmojisRoutes(ctx: RouteContext): void {
  const { store, ids, now, blobs, config } = ctx.deps;
  const base = '/applications/:appId/emojis';

  const app = (req: RouteRequest<Params>) => applicationAccess(store, req.params.appId, req.user.id, { bot: true });
  const findEmoji = async (application: ApplicationRecord, emojiId: string) => {
    const emoji = isSnowflake(emojiId) ? await store.applicationEmojis.get(emojiId) : null;
    if (!emoji || emoji.applicationId !== application.id) throw new ApiError(ErrorCodes.UNKNOWN_EMOJI);
    return emoji;
  };
  const one = async (application: ApplicationRecord, emoji: ApplicationEmojiRecord) => (await applicationEmojisJson(store, application, [emoji]))[0];

  ctx.get(base, {}, async (req) => {
    const application = await app(req);
    return { items: await applicationEmojisJson(store, application, await store.applicationEmojis.listByApplication(application.id)) };
  });

  ctx.get(`${base}/:emojiId`, {}, async (req) => {
    const application = await app(req);
    return one(application, await findEmoji(application, req.params.emojiId));
  });

  ctx.post(base, { status: 201, bodyLimit: imageBodyLimit(config, 1) }, async (req) => {
    const application = await app(req);
    const body = parse(createBody, req.body);
    const image = await readImageData(body.image, 'image', { maxPixels: config.imageMaxPixels, maxBytes: EMOJI_MAX_BYTES });
    if ((await store.applicationEmojis.countByApplication(application.id)) >= MAX_APPLICATION_EMOJIS) {
      throw new ApiError(ErrorCodes.MAX_EMOJIS, { message: `Maximum number of emojis reached (${MAX_APPLICATION_EMOJIS})` });
    }
    const emojiId = ids.next();
    const key = imageKey({ kind: 'emojis' }, emojiId);
    try {
      await blobs.put(key, [image.bytes], { contentType: image.contentType });
    } catch (err) {
      if (err instanceof BlobStoreFullError) throw new ApiError(ErrorCodes.GENERAL, { status: 507, message: 'Insufficient Storage' });
      throw err;
    }
    try {
      return await one(application, await nameTaken(store.applicationEmojis.create({
        id: emojiId, applicationId: application.id, name: body.name, userId: req.user.id, animated: image.animated, createdAt: now(),
      })));
    } catch (err) {
      // No row names the image: it goes, so a refused create leaves nothing behind.
      await blobs.delete(key).catch(() => undefined);
      throw err;
    }
  });

  ctx.patch(`${base}/:emojiId`, {}, async (req) => {
    const application = await app(req);
    const emoji = await findEmoji(application, req.params.emojiId);
    const body = parse(modifyBody, req.body ?? {});
    const renamed = body.name === emoji.name ? emoji : await nameTaken(store.applicationEmojis.rename(emoji.id, body.name));
    if (!renamed) throw new ApiError(ErrorCodes.UNKNOWN_EMOJI);
    return one(application, renamed);
  });

  ctx.delete(`${base}/:emojiId`, {}, async (req) => {
    const emoji = await findEmoji(await app(req), req.params.emojiId);
    if (!(await store.applicationEmojis.delete(emoji.id))) throw new ApiError(ErrorCodes.UNKNOWN_EMOJI);
    // Reactions made with it stay (named by id and name), as a guild emoji's do; the image and its renditions go.
    await deleteEmojiImages(blobs, [emoji.id]);
    return undefined;
  });
}
