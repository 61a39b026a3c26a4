/**
 * The cdn role: Discord's CDN paths on this process's HTTP server, from the blob store.
 *
 * - /attachments/{channel_id}/{attachment_id}/{filename}: message files, signed (ex / is / hm) like Discord's
 *   (attachments.ts).
 * - /stickers/{id}.{png|gif|json}: guild sticker files as uploaded (stickers.ts).
 * - /soundboard-sounds/{id}: guild soundboard sounds as uploaded (soundboard.ts).
 * - /avatars, /icons, /banners, /role-icons, /embed/avatars: images set through data URIs, resized on request
 *   with `?size=` and converted by extension, the results cached in the blob store (images.ts).
 * - /external/...: images of link embeds, fetched behind the embed role's SSRF guard and cached, so clients never
 *   contact third parties (external.ts).
 *
 * It also consumes the `blobs.delete` queue: the files of deleted messages, channels and guilds go after the
 * delete committed, off the request (janitor.ts).
 *
 * In one process the cdn role shares the api role's port; in a cluster it can run alone, behind ACCORD_CDN_URL.
 */
import type { ProcessDeps, RoleStart, RunningRole } from '../contracts/role.ts';
import { registerAttachmentRoutes } from './attachments.ts';
import { registerExternalRoutes } from './external.ts';
import { registerImageRoutes } from './images.ts';
import { registerStickerRoutes } from './stickers.ts';
import { registerSoundboardRoutes } from './soundboard.ts';
import { startBlobJanitor } from './janitor.ts';

export async function startCdnRole(deps: ProcessDeps): Promise<RunningRole> {
  const log = deps.log.child({ role: 'cdn' });
  const parts = [
    await registerAttachmentRoutes(deps, log),
    await registerImageRoutes(deps, log),
    await registerStickerRoutes(deps, log),
    await registerSoundboardRoutes(deps, log),
    await registerExternalRoutes(deps, log),
    await startBlobJanitor(deps, log),
  ];
  return {
    name: 'cdn',
    ready: () => true,
    metrics: () => parts.flatMap((p) => p.metrics?.() ?? []),
    close: async () => {
      for (const p of parts) await p.close?.();
    },
  };
}

export const start: RoleStart = startCdnRole;
