/**
 * Sticker files at Discord's CDN path `/stickers/{sticker_id}.{png|gif|json}`: PNG and APNG stickers as `.png`,
 * GIF ones as `.gif`, Lottie ones as `.json` (sent as a download: JSON is not a type the CDN shows inline), the
 * bytes as uploaded (api/routes/stickers.ts), with ETags and ranges (serve-blob.ts). Another extension than the
 * sticker's own answers 415; an unknown or deleted sticker 404. A sticker's bytes never change: immutable.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProcessDeps } from '../contracts/role.ts';
import type { Logger } from '../lib/log.ts';
import { stickerBlobKey } from '../media/stickers.ts';
import type { CdnPart } from './part.ts';
import { sendBlob } from './serve-blob.ts';

const FILE = /^(\d{1,20})\.(png|gif|json)$/i;
const TYPE_OF_EXT: Record<string, string> = { png: 'image/png', gif: 'image/gif', json: 'application/json' };
const errorBody = (status: number, text: string) => ({ message: `${status}: ${text}`, code: 0 });

export async function registerStickerRoutes(deps: ProcessDeps, _log: Logger): Promise<CdnPart> {
  const counts = { served: 0, missing: 0 };
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const m = FILE.exec((request.params as { file: string }).file);
    if (!m) return reply.status(404).send(errorBody(404, 'Not Found'));
    const key = stickerBlobKey(m[1]!);
    const info = await deps.blobs.head(key);
    if (!info) {
      counts.missing++;
      return reply.status(404).send(errorBody(404, 'Not Found'));
    }
    if (TYPE_OF_EXT[m[2]!.toLowerCase()] !== info.contentType) return reply.status(415).send(errorBody(415, 'Unsupported Media Type'));
    if (!(await sendBlob(request, reply, deps.blobs, key, { immutable: true, filename: `${m[1]}.${m[2]!.toLowerCase()}` }))) {
      counts.missing++;
      return reply.status(404).send(errorBody(404, 'Not Found'));
    }
    counts.served++;
    return reply;
  };
  deps.http.route({ method: ['GET', 'HEAD'], url: '/stickers/:file', handler });
  return {
    metrics: () => [
      { name: 'cdn_stickers_served_total', help: 'Sticker file requests answered with the file', type: 'counter', value: counts.served },
      { name: 'cdn_stickers_missing_total', help: 'Sticker file requests for an unknown or deleted sticker (404)', type: 'counter', value: counts.missing },
    ],
  };
}
