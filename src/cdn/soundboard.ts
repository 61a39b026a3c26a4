/**
 * Soundboard sound files at Discord's CDN path `/soundboard-sounds/{sound_id}` (no extension: the type is the
 * file's own, `audio/mpeg` or `audio/ogg`), the bytes as uploaded (api/routes/soundboard.ts), with ETags and ranges
 * (serve-blob.ts). An unknown or deleted sound answers 404. A sound's bytes never change: immutable.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProcessDeps } from '../contracts/role.ts';
import type { Logger } from '../lib/log.ts';
import { soundBlobKey } from '../media/sounds.ts';
import type { CdnPart } from './part.ts';
import { sendBlob } from './serve-blob.ts';

const FILE = /^\d{1,20}$/;
const errorBody = (status: number, text: string) => ({ message: `${status}: ${text}`, code: 0 });

export async function registerSoundboardRoutes(deps: ProcessDeps, _log: Logger): Promise<CdnPart> {
  const counts = { served: 0, missing: 0 };
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const id = (request.params as { file: string }).file;
    if (!FILE.test(id) || !(await sendBlob(request, reply, deps.blobs, soundBlobKey(id), { immutable: true }))) {
      counts.missing++;
      return reply.status(404).send(errorBody(404, 'Not Found'));
    }
    counts.served++;
    return reply;
  };
  deps.http.route({ method: ['GET', 'HEAD'], url: '/soundboard-sounds/:file', handler });
  return {
    metrics: () => [
      { name: 'cdn_soundboard_sounds_served_total', help: 'Soundboard sound requests answered with the file', type: 'counter', value: counts.served },
      { name: 'cdn_soundboard_sounds_missing_total', help: 'Soundboard sound requests for an unknown or deleted sound (404)', type: 'counter', value: counts.missing },
    ],
  };
}
