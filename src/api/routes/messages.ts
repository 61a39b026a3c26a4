/** Message history, single messages, send, edit, delete and bulk delete. */
import { relayDeleteToLinkedLobby } from '../lobby-events.ts';
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import { snowflakeTimestamp } from '../../protocol/snowflake.ts';
import type { MessagePage } from '../../store/types.ts';
import { channelAccess, requirePermission } from '../access.ts';
import { messageAccess } from '../channels/common.ts';
import { createMessage } from '../messages/create.ts';
import { editMessage } from '../messages/edit.ts';
import { renderMedia } from '../messages/attachments.ts';
import { renderMessage, renderMessages } from '../../shapes/message.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { auditEntry, publishAudit } from '../audit-log.ts';
import type { AuditLogEntryRecord } from '../../store/types.ts';
import { readableContent } from '../message-content.ts';

/** Discord refuses to bulk delete messages older than two weeks. */
const BULK_DELETE_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  before: snowflake.optional(),
  after: snowflake.optional(),
  around: snowflake.optional(),
});

const bulkDeleteBody = z.object({ messages: z.array(snowflake) });

export function registerMessagesRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  ctx.get('/channels/:channelId/messages', {}, async (req) => {
    const access = await channelAccess(store, req.params.channelId, req.user.id, ctx.deps.now());
    const query = parse(listQuery, req.query);
    if (!hasPermission(access.permissions, Permissions.READ_MESSAGE_HISTORY)) return [];
    const page: MessagePage = { limit: query.limit ?? 50 };
    // The three cursors are mutually exclusive; like Discord, the first one in the query string wins.
    const cursor = Object.keys(req.query ?? {}).find((k): k is 'before' | 'after' | 'around' => k === 'before' || k === 'after' || k === 'around');
    if (cursor) page[cursor] = query[cursor];
    const messages = await store.messages.list(access.channel.id, page);
    return readableContent(store, req.user, access.channel, await renderMessages(store, messages, { viewerId: req.user.id, media: renderMedia(ctx.deps), now: ctx.deps.now() }));
  });

  ctx.get('/channels/:channelId/messages/:messageId', {}, async (req) => {
    const { access, message } = await messageAccess(store, req.params.channelId, req.params.messageId, req.user.id, ctx.deps.now());
    requirePermission(access, Permissions.READ_MESSAGE_HISTORY);
    const [json] = await readableContent(store, req.user, access.channel, [await renderMessage(store, message, { viewerId: req.user.id, media: renderMedia(ctx.deps), now: ctx.deps.now() })]);
    return json;
  });

  // Both take files: multipart bodies with files[n] and payload_json (messages/uploads.ts).
  ctx.post('/channels/:channelId/messages', { limit: RouteLimits.messageCreate, uploads: true }, (req) => createMessage(ctx, req.user, req.params.channelId, req));

  ctx.patch('/channels/:channelId/messages/:messageId', { uploads: true }, (req) => editMessage(ctx, req.user, req.params.channelId, req.params.messageId, req));

  ctx.delete('/channels/:channelId/messages/:messageId', { limit: RouteLimits.messageDelete }, async (req) => {
    const { access, message } = await messageAccess(store, req.params.channelId, req.params.messageId, req.user.id, ctx.deps.now());
    if (message.authorId !== req.user.id) {
      if (!access.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
      requirePermission(access, Permissions.MANAGE_MESSAGES);
    }
    // A delete by someone other than the author is a moderator's: MESSAGE_DELETE in the audit log, target the author.
    const entry = message.authorId !== req.user.id && access.channel.guildId
      ? auditEntry(ctx, req, access.channel.guildId, { actionType: AuditLogEvent.MESSAGE_DELETE, targetId: message.authorId, options: { channel_id: access.channel.id, count: '1' } })
      : undefined;
    await ctx.writes.delete(access.channel, message, entry ? [entry] : undefined);
    await relayDeleteToLinkedLobby(ctx, access.channel, [message.id]);
    if (entry) await publishAudit(ctx, entry);
    return undefined;
  });

  ctx.post('/channels/:channelId/messages/bulk-delete', { limit: RouteLimits.messageDelete }, async (req) => {
    const access = await channelAccess(store, req.params.channelId, req.user.id, ctx.deps.now());
    if (!access.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    requirePermission(access, Permissions.MANAGE_MESSAGES);
    const body = parse(bulkDeleteBody, req.body);
    const ids = [...new Set(body.messages)];
    if (body.messages.length < 2 || body.messages.length > 100) throw new ApiError(ErrorCodes.BULK_DELETE_COUNT);
    // Discord: the request "will fail with a 400 BAD REQUEST ... if any duplicate message IDs are provided".
    if (ids.length !== body.messages.length) {
      const dup = body.messages.findIndex((id, i) => body.messages.indexOf(id) !== i);
      throw formError([{ path: ['messages', dup], code: 'SET_TYPE_ALREADY_CONTAINS_VALUE', message: 'The set already contains this value.' }]);
    }
    const oldest = ctx.deps.now() - BULK_DELETE_MAX_AGE_MS;
    const tooOld = body.messages.findIndex((id) => snowflakeTimestamp(id) < oldest);
    if (tooOld !== -1) {
      throw new ApiError(ErrorCodes.BULK_DELETE_TOO_OLD, { errors: formError([{ path: ['messages', tooOld], code: 'MESSAGE_BULK_DELETE_TOO_OLD', message: 'A message provided was too old to bulk delete' }]).errors });
    }
    const guildId = access.channel.guildId;
    let entry: AuditLogEntryRecord | undefined;
    const deleted = await ctx.writes.bulkDelete(access.channel, ids, (gone) => {
      if (!gone.length) return [];
      entry = auditEntry(ctx, req, guildId, { actionType: AuditLogEvent.MESSAGE_BULK_DELETE, targetId: access.channel.id, options: { count: String(gone.length) } });
      return [entry];
    });
    await relayDeleteToLinkedLobby(ctx, access.channel, deleted);
    if (entry) await publishAudit(ctx, entry);
    return undefined;
  });
}
