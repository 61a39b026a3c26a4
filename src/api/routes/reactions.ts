/**
 * Reactions. The emoji in the path is URL-encoded unicode (`%F0%9F%91%8D`) or `name:id` for a custom emoji;
 * messages/reaction-emoji.ts decides which are real emoji (400 / 10014 otherwise). Adding one needs an emoji
 * that exists; removing and listing take any well-formed one, so old reactions can still be cleaned up.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import type { EmojiRef, MessageRecord, UserRecord } from '../../store/types.ts';
import { requirePermission } from '../access.ts';
import { messageAccess } from '../channels/common.ts';
import { addableEmoji, parseEmoji } from '../messages/reaction-emoji.ts';
import { findCustomEmoji, requireUsableReaction } from '../messages/emoji-rules.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { memberJson, publicUser } from '../../shapes/serialize.ts';
import { parse, snowflake, z } from '../validate.ts';

export { parseEmoji };

/** Distinct emojis one message may carry (Discord's limit). */
const MAX_EMOJIS = 20;

const emojiJson = (e: EmojiRef) => ({ id: e.id, name: e.name, ...(e.animated ? { animated: true } : {}) });
const sameEmoji = (a: EmojiRef, b: EmojiRef) => (a.id ? a.id === b.id : !b.id && a.name === b.name);

const listQuery = z.object({ after: snowflake.optional(), limit: z.coerce.number().int().min(1).max(100).optional(), type: z.coerce.number().int().optional() });

type Params = { channelId: string; messageId: string; emoji: string; userId: string };

export function registerReactionsRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const base = '/channels/:channelId/messages/:messageId/reactions';
  const opts = { limit: RouteLimits.reactions };

  const load = async (p: Params, user: UserRecord) => messageAccess(store, p.channelId, p.messageId, user.id, ctx.deps.now());

  const guildFields = (m: MessageRecord) => (m.guildId ? { guild_id: m.guildId } : {});

  const removeEvent = (message: MessageRecord, emoji: EmojiRef, userId: string) => ({
    user_id: userId, channel_id: message.channelId, message_id: message.id, ...guildFields(message), emoji: emojiJson(emoji), burst: false, type: 0,
  });

  ctx.put(`${base}/:emoji/@me`, opts, async (req) => {
    const { access, message } = await load(req.params, req.user);
    // The custom emoji is read once, for its name and for who may use it.
    let found: Awaited<ReturnType<typeof findCustomEmoji>> = null;
    const emoji = await addableEmoji(req.params.emoji, async (id) => {
      found = await findCustomEmoji(store, id);
      return found && ('app' in found ? found.app : found.guild);
    });
    // Role-restricted and other guilds' emoji: refused as unknown unless usable (emoji-rules.ts).
    if (emoji.id) await requireUsableReaction(store, req.user.id, found, message.guildId, access.permissions);
    requirePermission(access, Permissions.READ_MESSAGE_HISTORY);
    const existing = (await store.reactions.summarize(message.channelId, [message.id], null)).get(message.id) ?? [];
    if (!existing.some((r) => sameEmoji(r.emoji, emoji))) {
      requirePermission(access, Permissions.ADD_REACTIONS);
      // Count-then-add is not atomic: two new emojis racing at 19 can make 21. Accepted; the limit is a nuisance cap.
      if (existing.length >= MAX_EMOJIS) throw new ApiError(ErrorCodes.MAX_REACTIONS);
    }
    const member = message.guildId ? await store.members.get(message.guildId, req.user.id) : null;
    await ctx.writes.addReaction(access.channel, message, emoji, req.user.id, {
      user_id: req.user.id,
      channel_id: message.channelId,
      message_id: message.id,
      ...guildFields(message),
      ...(member ? { member: memberJson(member, req.user) } : {}),
      emoji: emojiJson(emoji),
      message_author_id: message.authorId,
      burst: false,
      type: 0,
    });
    return undefined;
  });

  ctx.delete(`${base}/:emoji/@me`, opts, async (req) => {
    const { access, message } = await load(req.params, req.user);
    const emoji = parseEmoji(req.params.emoji);
    await ctx.writes.removeReaction(access.channel, message, emoji, req.user.id, removeEvent(message, emoji, req.user.id));
    return undefined;
  });

  ctx.delete(`${base}/:emoji/:userId`, opts, async (req) => {
    const { access, message } = await load(req.params, req.user);
    const emoji = parseEmoji(req.params.emoji);
    // discord-api-types builds `%40me` for '@me' here; the router decodes it into this parameter route.
    const userId = req.params.userId === '@me' ? req.user.id : parse(z.object({ user_id: snowflake }), { user_id: req.params.userId }).user_id;
    if (userId !== req.user.id) {
      if (!access.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
      requirePermission(access, Permissions.MANAGE_MESSAGES);
    }
    await ctx.writes.removeReaction(access.channel, message, emoji, userId, removeEvent(message, emoji, userId));
    return undefined;
  });

  ctx.get(`${base}/:emoji`, {}, async (req) => {
    const { access, message } = await load(req.params, req.user);
    requirePermission(access, Permissions.READ_MESSAGE_HISTORY);
    const emoji = parseEmoji(req.params.emoji);
    const query = parse(listQuery, req.query);
    // Burst (super) reactions do not exist in Accord: type=1 lists nobody.
    if (query.type === 1) return [];
    const ids = await store.reactions.listUsers(message.channelId, message.id, emoji, { after: query.after, limit: query.limit ?? 25 });
    return (await store.users.getMany(ids)).map(publicUser);
  });

  ctx.delete(base, opts, async (req) => {
    const { access, message } = await load(req.params, req.user);
    if (!access.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    requirePermission(access, Permissions.MANAGE_MESSAGES);
    await ctx.writes.removeAllReactions(access.channel, message, { channel_id: message.channelId, message_id: message.id, ...guildFields(message) });
    return undefined;
  });

  ctx.delete(`${base}/:emoji`, opts, async (req) => {
    const { access, message } = await load(req.params, req.user);
    if (!access.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    requirePermission(access, Permissions.MANAGE_MESSAGES);
    const emoji = parseEmoji(req.params.emoji);
    await ctx.writes.removeEmojiReactions(access.channel, message, emoji, { channel_id: message.channelId, ...guildFields(message), message_id: message.id, emoji: emojiJson(emoji) });
    return undefined;
  });

}
