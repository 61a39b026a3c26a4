/**
 * Polls (Discord's poll resource): voting the way Discord's client does (PUT …/answers/@me with the whole set of
 * the user's answers; an empty list takes the vote back), the voters of one answer, and ending a poll early.
 * The poll itself is created with its message (messages/create.ts, messages/polls.ts). A poll is over once its
 * expiry has passed: votes are refused (520001) and its results read as finalized.
 */
import { postPollResult } from '../messages/poll-result.ts';
import { ApiError, ErrorCodes, fieldError, formError } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import type { MessageRecord, PollRecord } from '../../store/types.ts';
import { requirePermission } from '../access.ts';
import { messageAccess } from '../channels/common.ts';
import { renderMedia } from '../messages/attachments.ts';
import { eventPayload, renderMessage } from '../../shapes/message.ts';
import { publicUser } from '../../shapes/serialize.ts';
import type { RouteContext } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

const voteBody = z.object({ answer_ids: z.array(z.number().int()).max(10) });
const votersQuery = z.object({ after: snowflake.optional(), limit: z.coerce.number().int().min(1).max(100).optional() });

type Params = { channelId: string; messageId: string };

export function registerPollsRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const base = '/channels/:channelId/polls/:messageId';

  /** The message and its poll, for a user who may read the channel's history. */
  const load = async (p: Params, userId: string) => {
    const { access, message } = await messageAccess(store, p.channelId, p.messageId, userId, ctx.deps.now());
    requirePermission(access, Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY);
    return { access, message };
  };
  const pollOf = (message: MessageRecord): PollRecord => {
    if (!message.poll) throw new ApiError(ErrorCodes.CANNOT_EXPIRE_NON_POLL);
    return message.poll;
  };

  // "Apps are not allowed to vote on polls" (Discord's poll resource): a bot is refused as on any user-only route.
  ctx.put(`${base}/answers/@me`, { auth: 'user' }, async (req) => {
    const { access, message } = await load(req.params, req.user.id);
    const poll = pollOf(message);
    const body = parse(voteBody, req.body);
    const answerIds = [...new Set(body.answer_ids)];
    if (ctx.deps.now() >= poll.expiresAt) throw new ApiError(ErrorCodes.POLL_EXPIRED);
    if (answerIds.length > 1 && !poll.allowMultiselect) throw fieldError('answer_ids', 'BASE_TYPE_MAX_LENGTH', 'Must be 1 or fewer in length.');
    const known = new Set(poll.answers.map((a) => a.id));
    const unknown = body.answer_ids.findIndex((a) => !known.has(a));
    if (unknown !== -1) {
      throw formError([{ path: ['answer_ids', unknown], code: 'BASE_TYPE_CHOICES', message: `Value must be one of ${[...known].join(', ')}.` }]);
    }
    await ctx.writes.setPollVotes(access.channel, message, req.user.id, answerIds);
    return undefined;
  });

  ctx.get(`${base}/answers/:answerId`, {}, async (req) => {
    const { message } = await load(req.params, req.user.id);
    const poll = pollOf(message);
    const answerId = Number(req.params.answerId);
    if (!poll.answers.some((a) => a.id === answerId)) throw fieldError('answer_id', 'BASE_TYPE_INVALID', 'Unknown answer');
    const query = parse(votersQuery, req.query);
    const ids = await store.pollVotes.voters(message.channelId, message.id, answerId, { after: query.after, limit: query.limit ?? 25 });
    const users = new Map((await store.users.getMany(ids)).map((u) => [u.id, u]));
    return { users: ids.flatMap((id) => (users.has(id) ? [publicUser(users.get(id)!)] : [])) };
  });

  ctx.post(`${base}/expire`, {}, async (req) => {
    const { access, message } = await load(req.params, req.user.id);
    const poll = pollOf(message);
    // Only the poll's author ends it early (Discord: "You cannot end polls from other users").
    if (message.authorId !== req.user.id) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const now = ctx.deps.now();
    if (now >= poll.expiresAt) throw new ApiError(ErrorCodes.POLL_EXPIRED);
    const ended: MessageRecord = { ...message, poll: { ...poll, expiresAt: now } };
    const media = renderMedia(ctx.deps);
    const rendered = await renderMessage(store, ended, { viewerId: null, media, now });
    await ctx.writes.update(access.channel, message, { poll: ended.poll }, await eventPayload(store, ended, rendered, { update: true }));
    await postPollResult(ctx.deps, ctx.writes, access.channel, ended);
    return renderMessage(store, ended, { viewerId: req.user.id, media, now });
  });
}
