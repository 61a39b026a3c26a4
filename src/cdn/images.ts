/**
 * Discord's image CDN paths, from the blob store: the images set through image data (api/image-fields.ts) and the
 * default avatars.
 *
 *   /avatars/{user_or_webhook_id}/{hash}.{ext}            PNG, JPEG, WebP, GIF (webhook avatars too, as on Discord)
 *   /banners/{user_or_guild_id}/{hash}.{ext}              PNG, JPEG, WebP, GIF
 *   /icons/{guild_id}/{hash}.{ext}                        PNG, JPEG, WebP, GIF
 *   /guilds/{guild_id}/users/{user_id}/avatars/{hash}.{ext}  PNG, JPEG, WebP, GIF
 *   /splashes/{guild_id}/{hash}.{ext}                     PNG, JPEG, WebP
 *   /role-icons/{role_id}/{hash}.{ext}                    PNG, JPEG, WebP
 *   /app-icons/{application_id}/{hash}.{ext}              PNG, JPEG, WebP
 *   /channel-icons/{channel_id}/{hash}.{ext}              PNG, JPEG, WebP (group DM icons)
 *   /emojis/{emoji_id}.{ext}                              PNG, JPEG, WebP, GIF (custom emoji; a GIF or WebP one animated as GIF)
 *   /embed/avatars/{0-5}.png                              PNG
 *
 * `.png`, `.jpg`/`.jpeg`, `.webp`, `.gif` pick the format; `?size=` fits the image inside size×size (never
 * enlarged); `?quality=lossless` makes lossless WebP; an animated image (`a_` hash) stays animated as GIF, and as
 * WebP with `?animated=true`, and is its first frame otherwise. With neither a size nor another format, the bytes go
 * out exactly as uploaded. Every other rendition is made once (concurrent cold requests share one render) and
 * cached in the blob store under `cache/`; the hash names the bytes, so every answer is `immutable`.
 *
 * Answers as Discord's CDN: 404 for an unknown image, 400 for a size Discord does not serve, 415 for a format the
 * path does not serve (GIF splashes and role icons, extensions that are no image format).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProcessDeps } from '../contracts/role.ts';
import type { Logger } from '../lib/log.ts';
import type { MetricSample } from '../lib/metrics.ts';
import { IMAGE_CONTENT_TYPES, IMAGE_HASH, ImageRejectedError, imageWorkLoad, isAnimatedHash, renderImage, type ImageFormat } from '../media/image.ts';
import { imageKey, renditionKey, type ImageOwner } from '../media/image-keys.ts';
import { isSnowflake } from '../protocol/snowflake.ts';
import { defaultAvatars, DEFAULT_AVATAR_COUNT } from './default-avatars.ts';
import type { CdnPart } from './part.ts';
import { sendBlob } from './serve-blob.ts';
import { SingleFlight } from '../lib/single-flight.ts';

/**
 * The sizes Discord's CDN serves: every power of two from 16 to 4096 (the documented ones) and the in-between
 * sizes its own clients ask for (discord-api-docs#4923). Anything else is a 400, as there.
 */
export const IMAGE_SIZES: ReadonlySet<number> = new Set([
  16, 20, 22, 24, 28, 32, 40, 44, 48, 56, 60, 64, 80, 96, 100, 128, 160, 240, 256, 300, 320, 480, 512, 600, 640, 1024, 1280, 1536, 2048, 3072, 4096,
]);

const EXTENSIONS: Record<string, ImageFormat> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg', webp: 'webp', gif: 'gif' };
const FILE_EXTENSION: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif' };
const FORMAT_OF_TYPE = new Map(Object.entries(IMAGE_CONTENT_TYPES).map(([format, type]) => [type, format as ImageFormat]));

/** `{hash}` or `{hash}.{ext}`, the last segment of an image path. */
const FILE = /^([^.]+)(?:\.([A-Za-z0-9]{1,8}))?$/;

const errorBody = (status: number, text: string) => ({ message: `${status}: ${text}`, code: 0 });

interface ImageQuery {
  size?: unknown;
  quality?: unknown;
  animated?: unknown;
}

type Answer = { status: 400 | 404 | 415; text: string };

const NOT_FOUND: Answer = { status: 404, text: 'Not Found' };
const BAD_SIZE: Answer = { status: 400, text: 'Bad Request' };
const UNSUPPORTED: Answer = { status: 415, text: 'Unsupported Media Type' };

/** `?size=`: undefined when absent, null when Discord would refuse it. */
export function parseImageSize(raw: unknown): number | undefined | null {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,4}$/.test(raw)) return null;
  const size = Number(raw);
  return IMAGE_SIZES.has(size) ? size : null;
}

interface Wanted {
  key: string;
  format: ImageFormat;
  size?: number;
  animated: boolean;
  lossless: boolean;
  /** The stored bytes as they are. */
  original: boolean;
}

export async function registerImageRoutes(deps: ProcessDeps, log: Logger): Promise<CdnPart> {
  const { http, blobs, config } = deps;
  const flights = new SingleFlight<Buffer>();
  const counts = { originals: 0, cached: 0, rendered: 0, refused: 0 };

  /** Which bytes a request names, or why there are none. */
  const resolve = async (owner: ImageOwner, file: string, query: ImageQuery, gif: boolean): Promise<Wanted | Answer> => {
    const m = FILE.exec(file);
    // Emoji images are named by the emoji's id, not a hash.
    const emoji = owner.kind === 'emojis';
    if (!m || !(emoji ? isSnowflake(m[1]!) : IMAGE_HASH.test(m[1]!))) return NOT_FOUND;
    const hash = m[1]!;
    const size = parseImageSize(query.size);
    if (size === null) return BAD_SIZE;
    const key = imageKey(owner, hash);
    const info = await blobs.head(key);
    if (!info) return NOT_FOUND;
    const stored = FORMAT_OF_TYPE.get(info.contentType);
    if (!stored) return UNSUPPORTED;
    // No extension: the format it was uploaded in (Discord answers extensionless paths too).
    const format = m[2] === undefined ? stored : EXTENSIONS[m[2].toLowerCase()];
    if (!format || (format === 'gif' && !gif)) return UNSUPPORTED;
    // An emoji stored as GIF or WebP may be animated (the CDN serves it so as GIF, a still frame otherwise).
    const animatedHash = emoji ? stored === 'gif' || stored === 'webp' : isAnimatedHash(hash);
    const animated = animatedHash && (format === 'gif' || (format === 'webp' && query.animated === 'true'));
    const lossless = format === 'webp' && query.quality === 'lossless';
    // The bytes as stored, unless they might be animated where they must not be: an a_ image asked for as a
    // still, or a GIF or WebP on a path that serves no animation (those hashes never carry a_).
    const mayAnimate = animatedHash || (!gif && (stored === 'gif' || stored === 'webp'));
    const original = size === undefined && format === stored && !lossless && (!mayAnimate || animated);
    return { key, format, size, animated, lossless, original };
  };

  /** The rendition's bytes, from the cache or rendered (once for concurrent requests) and cached. */
  const rendition = (w: Wanted, cacheKey: string): Promise<Buffer> =>
    flights.run(cacheKey, async () => {
      const read = await blobs.get(w.key);
      if (!read) throw new ImageRejectedError('corrupt', `${w.key} went away`);
      const chunks: Buffer[] = [];
      for await (const chunk of read.stream) chunks.push(chunk as Buffer);
      const bytes = await renderImage(Buffer.concat(chunks), { format: w.format, size: w.size, animated: w.animated, lossless: w.lossless, maxPixels: config.imageMaxPixels });
      counts.rendered++;
      try {
        await blobs.put(cacheKey, [bytes], { contentType: IMAGE_CONTENT_TYPES[w.format] });
      } catch (err) {
        // A full store still serves the rendition, uncached.
        log.warn({ err, key: cacheKey }, 'image rendition not cached');
      }
      return bytes;
    });

  const serve = async (request: FastifyRequest<{ Querystring: ImageQuery }>, reply: FastifyReply, owner: ImageOwner, file: string, gif: boolean) => {
    const wanted = await resolve(owner, file, request.query, gif);
    if ('status' in wanted) {
      if (wanted.status !== 404) counts.refused++;
      return reply.status(wanted.status).send(errorBody(wanted.status, wanted.text));
    }
    const contentType = IMAGE_CONTENT_TYPES[wanted.format];
    const filename = `${file.split('.')[0]}.${FILE_EXTENSION[wanted.format]}`;
    if (wanted.original) {
      counts.originals++;
      if (await sendBlob(request, reply, blobs, wanted.key, { immutable: true, contentType, filename })) return reply;
      return reply.status(404).send(errorBody(404, 'Not Found'));
    }
    const name = `${wanted.size ?? 'full'}${wanted.animated ? '-animated' : ''}${wanted.lossless ? '-lossless' : ''}.${FILE_EXTENSION[wanted.format]}`;
    const cacheKey = renditionKey(wanted.key, name);
    if (await sendBlob(request, reply, blobs, cacheKey, { immutable: true, contentType, filename })) {
      counts.cached++;
      return reply;
    }
    let bytes: Buffer;
    try {
      bytes = await rendition(wanted, cacheKey);
    } catch (err) {
      if (!(err instanceof ImageRejectedError)) throw err;
      log.warn({ err, key: wanted.key }, 'stored image does not render');
      return reply.status(415).send(errorBody(415, 'Unsupported Media Type'));
    }
    if (await sendBlob(request, reply, blobs, cacheKey, { immutable: true, contentType, filename })) return reply;
    return sendBytes(request, reply, bytes, { contentType, immutable: true });
  };

  type Params = Record<string, string>;
  const route = (path: string, gif: boolean, ownerOf: (p: Params) => ImageOwner | null) => {
    http.get<{ Params: Params; Querystring: ImageQuery }>(path, async (request, reply) => {
      const owner = ownerOf(request.params);
      if (!owner) return reply.status(404).send(errorBody(404, 'Not Found'));
      return serve(request, reply, owner, request.params.file!, gif);
    });
  };
  const byId = (kind: Extract<ImageOwner, { id: string }>['kind']) => (p: Params): ImageOwner | null => (isSnowflake(p.id!) ? { kind, id: p.id! } : null);

  route('/avatars/:id/:file', true, byId('avatars'));
  route('/banners/:id/:file', true, byId('banners'));
  route('/icons/:id/:file', true, byId('icons'));
  route('/splashes/:id/:file', false, byId('splashes'));
  route('/role-icons/:id/:file', false, byId('role-icons'));
  route('/app-icons/:id/:file', false, byId('app-icons'));
  route('/channel-icons/:id/:file', false, byId('channel-icons'));
  route('/emojis/:file', true, () => ({ kind: 'emojis' }));
  const byMember = (kind: 'member-avatars' | 'member-banners') => (p: Params): ImageOwner | null =>
    isSnowflake(p.guildId!) && isSnowflake(p.userId!) ? { kind, guildId: p.guildId!, userId: p.userId! } : null;
  route('/guilds/:guildId/users/:userId/avatars/:file', true, byMember('member-avatars'));
  route('/guilds/:guildId/users/:userId/banners/:file', true, byMember('member-banners'));

  http.get<{ Params: { file: string } }>('/embed/avatars/:file', async (request, reply) => {
    const m = /^(\d)\.png$/.exec(request.params.file);
    const index = m ? Number(m[1]) : -1;
    if (index < 0 || index >= DEFAULT_AVATAR_COUNT) return reply.status(404).send(errorBody(404, 'Not Found'));
    const avatar = (await defaultAvatars())[index]!;
    // The path names an index, not bytes: cacheable for a day, not forever.
    return sendBytes(request, reply, avatar.png, { contentType: 'image/png', immutable: false, sha256: avatar.sha256 });
  });

  return {
    metrics: (): MetricSample[] => {
      const load = imageWorkLoad();
      const served = (source: string, value: number): MetricSample => ({ name: 'cdn_images_served_total', help: 'Image CDN answers by where the bytes came from', type: 'counter', value, labels: { source } });
      return [
        served('original', counts.originals),
        served('cache', counts.cached),
        served('render', counts.rendered),
        { name: 'cdn_image_requests_refused_total', help: 'Image CDN requests refused for a bad size or format (400, 415)', type: 'counter', value: counts.refused },
        { name: 'media_image_work_running', help: 'Image decodes and renders running in this process', type: 'gauge', value: load.running },
        { name: 'media_image_work_waiting', help: 'Image decodes and renders waiting for a slot', type: 'gauge', value: load.waiting },
      ];
    },
  };
}

/** Bytes in hand (a default avatar, a rendition the store was too full to keep), with the headers sendBlob sets. */
function sendBytes(request: FastifyRequest, reply: FastifyReply, bytes: Buffer, opts: { contentType: string; immutable: boolean; sha256?: string }) {
  const etag = `"${opts.sha256 ?? createHash('sha256').update(bytes).digest('hex')}"`;
  reply.header('Content-Type', opts.contentType);
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Content-Security-Policy', "default-src 'none'; sandbox");
  reply.header('ETag', etag);
  reply.header('Cache-Control', opts.immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=86400');
  reply.header('Access-Control-Allow-Origin', '*');
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) return reply.status(304).send();
  reply.header('Content-Length', String(bytes.length));
  return reply.send(bytes);
}
