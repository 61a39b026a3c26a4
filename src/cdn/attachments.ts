/**
 * GET / HEAD /attachments/{channel_id}/{attachment_id}/{filename}: a message's file, for whoever holds a signed
 * URL (the message renderer signs one per render: media/attachments.ts). The signature covers the whole path, the
 * filename included, so a URL cannot be re-pointed at another file or name. A URL that is unsigned, tampered with
 * or expired, or whose file is gone (its message deleted), is answered as Discord answers: 404 with "This content
 * is no longer available." The bytes go out through sendBlob (ranges, ETag, 304; active content as a download).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProcessDeps } from '../contracts/role.ts';
import type { Logger } from '../lib/log.ts';
import { attachmentBlobKey, attachmentPath } from '../media/attachments.ts';
import { checkSignature } from '../media/signing.ts';
import type { CdnPart } from './part.ts';
import { sendBlob } from './serve-blob.ts';

const SNOWFLAKE = /^\d{1,20}$/;
export const GONE_MESSAGE = 'This content is no longer available.';

interface AttachmentParams {
  channelId: string;
  attachmentId: string;
  filename: string;
}

export async function registerAttachmentRoutes(deps: ProcessDeps, log: Logger): Promise<CdnPart> {
  const counts = { served: 0, refused: 0, missing: 0 };

  const gone = (reply: FastifyReply) => reply.status(404).header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(GONE_MESSAGE);

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { channelId, attachmentId, filename } = request.params as AttachmentParams;
    if (!SNOWFLAKE.test(channelId) || !SNOWFLAKE.test(attachmentId)) return gone(reply);
    const query = request.query as Record<string, unknown>;
    const check = checkSignature(deps.links.signingKey, attachmentPath(channelId, attachmentId, filename), query, deps.now());
    if (check !== 'ok') {
      counts.refused++;
      log.debug({ channelId, attachmentId, check }, 'attachment URL refused');
      return gone(reply);
    }
    const sent = await sendBlob(request, reply, deps.blobs, attachmentBlobKey(channelId, attachmentId), {
      filename,
      // Signed URLs change as they are re-signed: cacheable for a while, not forever.
      immutable: false,
      download: query.download !== undefined,
    });
    if (!sent) {
      counts.missing++;
      return gone(reply);
    }
    counts.served++;
    return reply;
  };

  deps.http.route({ method: ['GET', 'HEAD'], url: '/attachments/:channelId/:attachmentId/:filename', handler });

  return {
    metrics: () => [
      { name: 'cdn_attachments_served_total', help: 'Attachment requests answered with the file (200, 206, 304, 416)', type: 'counter', value: counts.served },
      { name: 'cdn_attachments_refused_total', help: 'Attachment requests with a missing, invalid or expired signature (404)', type: 'counter', value: counts.refused },
      { name: 'cdn_attachments_missing_total', help: 'Attachment requests, correctly signed, for a file that is gone (404)', type: 'counter', value: counts.missing },
    ],
  };
}
