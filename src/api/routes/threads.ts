/**
 * Threads (Discord API v10): start one from a message or on its own (in a forum or media channel a post, with its
 * first message and tags), thread members, active and archived lists; PATCH and DELETE of a thread come through
 * the channel routes (patchThread, deleteThread below). Shared pieces: channels/threads.ts.
 */
import { executeActions, moderateThreadStart } from '../auto-moderation/enforce.ts';
import { MessageType } from '../../protocol/message-types.ts';
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import { Permissions, computeChannelPermissions, hasPermission } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import type { ChannelRecord, MessageRecord, ThreadMemberRecord, ThreadRecord, UserRecord } from '../../store/types.ts';
import { channelAccess, guildAccess, permissionContext, permissionRefusal, requirePermission, type ChannelAccess } from '../access.ts';
import { auditEntry, createdChanges, deletedChanges, diffChanges, publishAudit, recordAudit } from '../audit-log.ts';
import { messageAccess } from '../channels/common.ts';
import {
  CHANNEL_FLAG_PINNED, MESSAGE_FLAG_HAS_THREAD, announceMembers, announceUnarchived, insertThread, isThread, publishThreadEvent, threadEnvelope, threadJson,
  threadMemberJson, threadPayload, type ThreadFields,
} from '../channels/threads.ts';
import { embedsSchema } from '../messages/embeds.ts';
import { attachmentsSchema, renderMedia } from '../messages/attachments.ts';
import { readMessageBody, type Uploads } from '../messages/uploads.ts';
import { systemMessageRecord } from '../messages/system.ts';
import { allowedMentionsSchema, parseMentions } from '../messages/mentions.ts';
import { mentionRecipients } from '../messages/mention-audience.ts';
import { componentsSchema } from '../messages/components.ts';
import { MessageFlags, messageParts } from '../messages/create.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { eventPayload, renderMessage } from '../../shapes/message.ts';
import { CHANNEL_FLAG_REQUIRE_TAG } from '../channels/forum.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';

/** Message types: the "started a thread" line in the parent, and a thread's starter message. */
const THREAD_AUDIT_KEYS = ['name', 'type', 'archived', 'locked', 'auto_archive_duration', 'rate_limit_per_user', 'invitable', 'flags', 'applied_tags'] as const;
const MAX_APPLIED_TAGS = 5;

const duration = z.union([z.literal(60), z.literal(1440), z.literal(4320), z.literal(10080)]);
const fromMessageBody = z.object({
  name: z.string().trim().min(1).max(100),
  auto_archive_duration: duration.nullish(),
  rate_limit_per_user: z.number().int().min(0).max(21600).nullish(),
});
/** The flags a forum post's first message may set (Discord: "only SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS"). */
const POST_FLAGS = MessageFlags.SUPPRESS_EMBEDS | MessageFlags.SUPPRESS_NOTIFICATIONS;

const standaloneBody = fromMessageBody.extend({
  type: z.union([z.literal(10), z.literal(11), z.literal(12)]).nullish(),
  invitable: z.boolean().nullish(),
  applied_tags: z.array(snowflake).max(MAX_APPLIED_TAGS).nullish(),
  // A forum post's first message (Discord's forum thread message params): its text, embeds, mentions, components,
  // stickers, files and the two flags a client may set.
  message: z.object({
    content: z.string().max(2000).nullish(),
    embeds: embedsSchema.nullish(),
    allowed_mentions: allowedMentionsSchema.nullish(),
    components: componentsSchema.nullish(),
    sticker_ids: z.array(snowflake).max(3).nullish(),
    flags: z.number().int().min(0).nullish(),
    attachments: attachmentsSchema.nullish(),
  }).passthrough().nullish(),
});
export const threadPatchBody = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  archived: z.boolean().optional(),
  auto_archive_duration: duration.optional(),
  locked: z.boolean().optional(),
  invitable: z.boolean().optional(),
  rate_limit_per_user: z.number().int().min(0).max(21600).nullish(),
  flags: z.number().int().min(0).optional(),
  applied_tags: z.array(snowflake).max(MAX_APPLIED_TAGS).optional(),
});
const archivedQuery = z.object({
  before: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const membersQuery = z.object({
  with_member: queryBool.optional(),
  after: snowflake.optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

const THREAD_PARENT_TYPES = new Set([0, 5, 15, 16]);
const isForum = (c: ChannelRecord) => c.type === 15 || c.type === 16;

export function registerThreadsRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const now = () => ctx.deps.now();

  async function threadAccess(channelId: string, user: UserRecord): Promise<{ access: ChannelAccess; thread: ThreadRecord }> {
    const access = await channelAccess(store, channelId, user.id, now());
    const thread = isThread(access.channel) ? await store.threads.get(access.channel.id) : null;
    if (!thread) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    return { access, thread };
  }

  /** Stores a new thread (channels/threads.ts insertThread) and audits it. */
  async function startThread(
    req: RouteRequest, parent: ChannelRecord, fields: ThreadFields,
  ): Promise<{ channel: ChannelRecord; thread: ThreadRecord }> {
    const made = await insertThread(ctx, parent, fields, req.user.id, [req.user.id]);
    const json = threadJson(made.channel, made.thread, { memberCount: 1 });
    await recordAudit(ctx, req, parent.guildId!, { actionType: AuditLogEvent.THREAD_CREATE, targetId: made.channel.id, changes: createdChanges(auditView(json), THREAD_AUDIT_KEYS) });
    return made;
  }

  function checkParent(parent: ChannelRecord) {
    if (!parent.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    if (!THREAD_PARENT_TYPES.has(parent.type)) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
  }

  // ------------------------------------------------------------------------------------ start threads

  ctx.post('/channels/:channelId/messages/:messageId/threads', { limit: RouteLimits.channelEdit, status: 201 }, async (req) => {
    const { access, message } = await messageAccess(store, req.params.channelId, req.params.messageId, req.user.id, now());
    const parent = access.channel;
    checkParent(parent);
    if (isForum(parent)) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    requirePermission(access, Permissions.CREATE_PUBLIC_THREADS | Permissions.READ_MESSAGE_HISTORY);
    const body = parse(fromMessageBody, req.body);
    if (await store.threads.get(message.id)) throw new ApiError(ErrorCodes.THREAD_ALREADY_CREATED);
    const flagged = await moderateThreadStart(ctx, access, req.user, body.name, '');
    const { channel, thread } = await startThread(req, parent, {
      // The parent's thread defaults, when set, are copied to the thread (Discord's default_* fields).
      id: message.id, type: parent.type === 5 ? 10 : 11, name: body.name, autoArchive: body.auto_archive_duration ?? parent.defaultAutoArchiveDuration ?? 4320,
      rateLimit: body.rate_limit_per_user ?? parent.defaultThreadRateLimitPerUser ?? 0, invitable: true, appliedTags: [],
    });
    // The message shows the thread: HAS_THREAD (32), with a MESSAGE_UPDATE to the parent's viewers.
    const patched = { ...message, flags: message.flags | MESSAGE_FLAG_HAS_THREAD };
    const rendered = await renderMessage(store, patched, { viewerId: null, media: renderMedia(ctx.deps) });
    await ctx.writes.update(parent, message, { flags: patched.flags }, await eventPayload(store, patched, { ...rendered, thread: threadJson(channel, thread, { memberCount: 1 }) }, { update: true }));
    // The thread opens with Discord's starter message pointing at the message it was started from.
    const starter = systemMessageRecord(ctx.deps.ids.next(), channel, req.user.id, MessageType.THREAD_STARTER_MESSAGE, {
      reference: { type: 0, messageId: message.id, channelId: parent.id, guildId: parent.guildId! },
    });
    const starterJson = await renderMessage(store, starter, { viewerId: req.user.id, fresh: true, media: renderMedia(ctx.deps) });
    await ctx.writes.create(channel, starter, [], await eventPayload(store, starter, starterJson));
    for (const f of flagged) await executeActions(ctx, f.violations, { user: req.user, channel: parent, content: f.content, messageId: null, blocked: false });
    const fresh = (await store.channels.get(channel.id)) ?? channel;
    return threadPayload(store, fresh, req.user.id);
  });

  ctx.post('/channels/:channelId/threads', { limit: RouteLimits.channelEdit, status: 201, uploads: true }, async (req) => {
    const access = await channelAccess(store, req.params.channelId, req.user.id, now());
    checkParent(access.channel);
    const forum = isForum(access.channel);
    // A forum post's files (files[n] beside payload_json, named in message.attachments, as Discord takes them) are
    // stored under the post's id, made first: the post's first message has the thread's own id.
    const threadId = ctx.deps.ids.next();
    const fileRefusal = !forum
      ? formError([{ path: ['files'], code: 'THREAD_FILES_FORUM_ONLY', message: 'Only a forum post takes files' }])
      : hasPermission(access.permissions, Permissions.ATTACH_FILES) ? null : new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const { body, uploads } = await readMessageBody(ctx.deps, req, { channelId: threadId, fileRefusal });
    try {
      return await startStandalone(req, access, parse(standaloneBody, body), uploads, threadId);
    } finally {
      // Files the post's first message took are its own; any other upload of this request goes.
      await uploads.release();
    }
  });

  /** Start Thread without Message, and Start Thread in Forum or Media Channel (a post with its first message). */
  async function startStandalone(req: RouteRequest, access: ChannelAccess, body: z.infer<typeof standaloneBody>, uploads: Uploads, threadId: string) {
    const parent = access.channel;
    const forum = isForum(parent);
    const type = forum ? 11 : (body.type ?? 12);
    if (parent.type === 5 && type === 12) throw formError([{ path: ['type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {10, 11}.' }]);
    if (parent.type === 0 && type === 10) throw formError([{ path: ['type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {11, 12}.' }]);
    // A forum post needs SEND_MESSAGES, below; Discord ignores CREATE_PUBLIC_THREADS there.
    if (!forum) requirePermission(access, type === 12 ? Permissions.CREATE_PRIVATE_THREADS : Permissions.CREATE_PUBLIC_THREADS);
    let appliedTags: string[] = [];
    let firstParts: Awaited<ReturnType<typeof messageParts>> | null = null;
    if (forum) {
      // A forum post needs its first message and SEND_MESSAGES (Discord's permission for posting in a forum).
      requirePermission(access, Permissions.SEND_MESSAGES);
      if (!body.message) throw formError([{ path: ['message'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
      // Checked as any message is (messages/create.ts); of the flags only the two Discord lets a post set count.
      firstParts = await messageParts(ctx.deps, access, req.user, { ...body.message, flags: (body.message.flags ?? 0) & POST_FLAGS, poll: undefined }, uploads, false);
      appliedTags = await checkAppliedTags(parent, access, body.applied_tags ?? [], []);
      if (appliedTags.length === 0 && ((await store.threads.getForum(parent.id))?.flags ?? 0) & CHANNEL_FLAG_REQUIRE_TAG) throw new ApiError(ErrorCodes.FORUM_TAG_REQUIRED);
    }
    // Auto moderation reads the title, and a forum post's first message (auto-moderation/enforce.ts).
    const flagged = await moderateThreadStart(ctx, access, req.user, body.name, forum ? (body.message?.content ?? '') : '');
    const forumSettings = forum ? await store.threads.getForum(parent.id) : null;
    const { channel } = await startThread(req, parent, {
      id: threadId, type, name: body.name,
      autoArchive: body.auto_archive_duration ?? (forum ? forumSettings?.defaultAutoArchiveDuration : parent.defaultAutoArchiveDuration) ?? 4320,
      rateLimit: body.rate_limit_per_user ?? (forum ? forumSettings?.defaultThreadRateLimitPerUser : parent.defaultThreadRateLimitPerUser) ?? 0,
      invitable: body.invitable ?? true, appliedTags,
    });
    if (forum) {
      // The post's first message has the thread's own id, as on Discord.
      const parts = firstParts!;
      const mentions = await parseMentions(store, { content: parts.mentionText, allowed: body.message!.allowed_mentions ?? undefined, permissions: access.permissions, guildId: parent.guildId, roles: access.guild?.roles ?? [] });
      const first: MessageRecord = {
        ...systemMessageRecord(channel.id, channel, req.user.id, 0, { content: parts.content }),
        embeds: parts.embeds,
        flags: (body.message!.flags ?? 0) & POST_FLAGS,
        mentionEveryone: mentions.everyone, mentions: mentions.users, mentionRoles: mentions.roles,
        components: parts.components, stickerItems: parts.stickerItems, attachments: parts.attachments,
      };
      const firstJson = await renderMessage(store, first, { viewerId: req.user.id, fresh: true, media: renderMedia(ctx.deps) });
      const mentioned = await mentionRecipients(store, access, mentions, req.user.id, now());
      // Not counted: message_count is "not including the initial message" (Discord's channel object).
      const fileIds = first.attachments.map((a) => a.id);
      await ctx.writes.create(channel, first, mentioned, await eventPayload(store, first, firstJson), { unfurl: hasPermission(access.permissions, Permissions.EMBED_LINKS), uploadKeys: uploads.keysOf(fileIds) });
      uploads.claim(fileIds);
      for (const f of flagged) await executeActions(ctx, f.violations, { user: req.user, channel: parent, content: f.content, messageId: first.id, blocked: false });
      const fresh = (await store.channels.get(channel.id)) ?? channel;
      return { ...(await threadPayload(store, fresh, req.user.id)), message: firstJson };
    }
    if (type !== 12) {
      // Discord's "started a thread" line in the parent, pointing at the thread.
      const line = systemMessageRecord(ctx.deps.ids.next(), parent, req.user.id, MessageType.THREAD_CREATED, {
        content: channel.name ?? '', reference: { type: 0, channelId: channel.id, guildId: parent.guildId! },
      });
      const lineJson = await renderMessage(store, line, { viewerId: req.user.id, fresh: true, media: renderMedia(ctx.deps) });
      await ctx.writes.create(parent, line, [], await eventPayload(store, line, lineJson));
    }
    for (const f of flagged) await executeActions(ctx, f.violations, { user: req.user, channel: parent, content: f.content, messageId: null, blocked: false });
    return threadPayload(store, channel, req.user.id);
  }

  /** applied_tags on a forum post: tags of the forum, at most 5; a moderated tag needs MANAGE_THREADS (unless kept). */
  async function checkAppliedTags(forum: ChannelRecord, access: ChannelAccess, tags: readonly string[], current: readonly string[]): Promise<string[]> {
    const settings = await store.threads.getForum(forum.id);
    const available = new Map((settings?.availableTags ?? []).map((t) => [t.id, t]));
    const out = [...new Set(tags)];
    for (const [i, tagId] of out.entries()) {
      const tag = available.get(tagId);
      if (!tag) throw formError([{ path: ['applied_tags', i], code: 'CHANNEL_TAG_INVALID', message: 'Invalid tag' }]);
      if (tag.moderated && !current.includes(tagId) && !hasPermission(access.permissions, Permissions.MANAGE_THREADS)) throw permissionRefusal(access, Permissions.MANAGE_THREADS);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------- thread members

  async function addMember(req: RouteRequest, channelId: string, userId: string) {
    const { access, thread } = await threadAccess(channelId, req.user);
    const channel = access.channel;
    if (thread.archived) throw new ApiError(ErrorCodes.THREAD_ARCHIVED);
    if (userId !== req.user.id) {
      requirePermission(access, Permissions.SEND_MESSAGES_IN_THREADS);
      // In a private thread only members may add others, and only when it is invitable (or with MANAGE_THREADS).
      if (channel.type === 12 && !hasPermission(access.permissions, Permissions.MANAGE_THREADS) && !thread.invitable && channel.ownerId !== req.user.id) {
        throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
      }
      if (!isSnowflake(userId) || !(await store.members.get(channel.guildId!, userId))) throw new ApiError(ErrorCodes.UNKNOWN_MEMBER);
    }
    const added = await store.threads.addMember({ channelId: channel.id, userId, joinTimestamp: now(), flags: 0 });
    if (added) {
      // Whoever joins or is added gets THREAD_CREATE, with their thread member (Discord: "the Gateway will send a
      // Thread Create event when a user is added to *any* thread"; Join Thread "fires a Thread Members Update and a
      // Thread Create"); for a private thread it is how they learn it exists.
      const json = await threadPayload(store, channel, userId);
      if (json) ctx.dispatch.users([userId], 'THREAD_CREATE', json);
      await announceMembers(ctx.dispatch, store, channel, { added: [userId] });
    }
    return undefined;
  }

  async function removeMember(req: RouteRequest, channelId: string, userId: string) {
    const { access, thread } = await threadAccess(channelId, req.user);
    const channel = access.channel;
    if (thread.archived) throw new ApiError(ErrorCodes.THREAD_ARCHIVED);
    if (userId !== req.user.id) {
      // MANAGE_THREADS, or the creator of a private thread.
      const creator = channel.type === 12 && channel.ownerId === req.user.id;
      if (!creator) requirePermission(access, Permissions.MANAGE_THREADS);
      if (!isSnowflake(userId)) throw new ApiError(ErrorCodes.UNKNOWN_MEMBER);
    }
    const removed = await store.threads.removeMember(channel.id, userId);
    if (removed) await announceMembers(ctx.dispatch, store, channel, { removed: [userId] });
    return undefined;
  }

  ctx.put('/channels/:channelId/thread-members/@me', {}, (req) => addMember(req, req.params.channelId, req.user.id));
  ctx.delete('/channels/:channelId/thread-members/@me', {}, (req) => removeMember(req, req.params.channelId, req.user.id));
  ctx.put('/channels/:channelId/thread-members/:userId', {}, (req) => addMember(req, req.params.channelId, req.params.userId));
  ctx.delete('/channels/:channelId/thread-members/:userId', {}, (req) => removeMember(req, req.params.channelId, req.params.userId));

  async function memberWithGuild(guildId: string, m: ThreadMemberRecord, withMember: boolean) {
    if (!withMember) return threadMemberJson(m);
    const [member, user] = await Promise.all([store.members.get(guildId, m.userId), store.users.get(m.userId)]);
    return threadMemberJson(m, member && user ? { member: { member, user } } : {});
  }

  ctx.get('/channels/:channelId/thread-members/:userId', {}, async (req) => {
    const { access } = await threadAccess(req.params.channelId, req.user);
    const userId = req.params.userId === '@me' ? req.user.id : req.params.userId;
    const q = parse(membersQuery, req.query);
    const m = isSnowflake(userId) ? await store.threads.getMember(access.channel.id, userId) : null;
    if (!m) throw new ApiError(ErrorCodes.UNKNOWN_MEMBER);
    return memberWithGuild(access.channel.guildId!, m, q.with_member === true);
  });

  ctx.get('/channels/:channelId/thread-members', {}, async (req) => {
    const { access } = await threadAccess(req.params.channelId, req.user);
    const q = parse(membersQuery, req.query);
    const withMember = q.with_member === true;
    // Paginated when with_member is set (Discord, before v11); otherwise every member.
    const list = await store.threads.listMembers(access.channel.id, withMember ? (q.after ?? null) : null, withMember ? (q.limit ?? 100) : 10_000);
    return Promise.all(list.map((m) => memberWithGuild(access.channel.guildId!, m, withMember)));
  });

  // ---------------------------------------------------------------------------------------------- lists

  /** Threads of `list` the user may see, with their JSON and the user's memberships. */
  async function visibleThreads(guildId: string, userId: string, list: ThreadRecord[]) {
    const g = await guildAccess(store, guildId, userId, now());
    const ctxP = permissionContext(g.guild, g.member, g.roles, now());
    const parentPerms = new Map<string, bigint>();
    const channels = new Map<string, ChannelRecord>();
    const mine = new Map((await store.threads.membershipsOf(userId, list.map((t) => t.channelId))).map((m) => [m.channelId, m]));
    const threads: Record<string, unknown>[] = [];
    for (const t of list) {
      let perms = parentPerms.get(t.parentId);
      if (perms === undefined) {
        const ow = (await store.overwrites.listByChannel(t.parentId)).map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) }));
        perms = computeChannelPermissions(ctxP, ow);
        parentPerms.set(t.parentId, perms);
      }
      if (!hasPermission(perms, Permissions.VIEW_CHANNEL)) continue;
      const channel = channels.get(t.channelId) ?? (await store.channels.get(t.channelId));
      if (!channel) continue;
      if (channel.type === 12 && !mine.has(t.channelId) && !hasPermission(perms, Permissions.MANAGE_THREADS)) continue;
      threads.push(threadJson(channel, t, { memberCount: await store.threads.countMembers(t.channelId) }));
    }
    const shown = new Set(threads.map((t) => t.id));
    return { threads, members: [...mine.values()].filter((m) => shown.has(m.channelId)).map((m) => threadMemberJson(m)) };
  }

  ctx.get('/guilds/:guildId/threads/active', {}, async (req) => {
    await guildAccess(store, req.params.guildId, req.user.id, now());
    return visibleThreads(req.params.guildId, req.user.id, await store.threads.listActive(req.params.guildId));
  });

  function beforeOf(raw: string | undefined): number | null {
    if (raw === undefined) return null;
    const at = Date.parse(raw);
    if (Number.isNaN(at)) throw formError([{ path: ['before'], code: 'DATE_TIME_TYPE_PARSE', message: 'Could not parse timestamp.' }]);
    return at;
  }

  async function archived(req: RouteRequest, kind: 'public' | 'private' | 'joined') {
    const access = await channelAccess(store, req.params.channelId, req.user.id, now());
    checkParent(access.channel);
    requirePermission(access, Permissions.READ_MESSAGE_HISTORY);
    if (kind === 'private') requirePermission(access, Permissions.MANAGE_THREADS);
    const q = parse(archivedQuery, req.query);
    const limit = q.limit ?? 50;
    let list: ThreadRecord[];
    if (kind === 'joined') {
      // `before` is a thread id here, as on Discord.
      if (q.before !== undefined && !isSnowflake(q.before)) throw formError([{ path: ['before'], code: 'NUMBER_TYPE_COERCE', message: 'Value is not snowflake.' }]);
      const all = await store.threads.listArchived(access.channel.id, [12], null, 10_000, req.user.id);
      list = all.filter((t) => q.before === undefined || BigInt(t.channelId) < BigInt(q.before)).sort((a, b) => (BigInt(b.channelId) > BigInt(a.channelId) ? 1 : -1)).slice(0, limit + 1);
    } else {
      list = await store.threads.listArchived(access.channel.id, kind === 'public' ? [10, 11] : [12], beforeOf(q.before), limit + 1);
    }
    const out = await visibleThreads(access.channel.guildId!, req.user.id, list.slice(0, limit));
    return { ...out, has_more: list.length > limit };
  }

  ctx.get('/channels/:channelId/threads/archived/public', {}, (req) => archived(req, 'public'));
  ctx.get('/channels/:channelId/threads/archived/private', {}, (req) => archived(req, 'private'));
  ctx.get('/channels/:channelId/users/@me/threads/archived/private', {}, (req) => archived(req, 'joined'));
}

function auditView(json: Record<string, unknown>): Record<string, unknown> {
  const meta = (json.thread_metadata ?? {}) as Record<string, unknown>;
  return { ...json, archived: meta.archived, locked: meta.locked, auto_archive_duration: meta.auto_archive_duration, invitable: meta.invitable };
}

/** PATCH /channels/{thread.id}: Discord's thread fields and who may change which. */
export async function patchThread(ctx: RouteContext, access: ChannelAccess, raw: unknown, req: RouteRequest): Promise<Record<string, unknown>> {
  const { store } = ctx.deps;
  const channel = access.channel;
  const thread = await store.threads.get(channel.id);
  if (!thread) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
  const body = parse(threadPatchBody, raw);
  const perms = access.permissions;
  const manager = hasPermission(perms, Permissions.MANAGE_THREADS);
  const owner = channel.ownerId === req.user.id;
  // An archived thread takes only its unarchiving (with other fields in the same request).
  if (thread.archived && body.archived !== false) throw new ApiError(ErrorCodes.THREAD_ARCHIVED);
  if (thread.locked && !manager) throw new ApiError(ErrorCodes.THREAD_LOCKED);
  if (body.locked !== undefined || body.invitable !== undefined || body.flags !== undefined) requirePermission(access, Permissions.MANAGE_THREADS);
  if (body.rate_limit_per_user != null && !manager && !hasPermission(perms, Permissions.MANAGE_CHANNELS)) throw permissionRefusal(access, Permissions.MANAGE_THREADS, Permissions.MANAGE_CHANNELS);
  if ((body.name !== undefined || body.auto_archive_duration !== undefined || body.applied_tags !== undefined) && !owner && !manager) throw permissionRefusal(access, Permissions.MANAGE_THREADS);
  // Discord: changing name, archived or auto_archive_duration needs MANAGE_THREADS or being the thread's creator;
  // unarchiving (below) only what sending in it needs.
  if (body.archived === true && !owner && !manager) throw permissionRefusal(access, Permissions.MANAGE_THREADS);
  if (body.archived === false) requirePermission(access, Permissions.SEND_MESSAGES_IN_THREADS);
  if (body.invitable !== undefined && channel.type !== 12) throw formError([{ path: ['invitable'], code: 'THREAD_INVITABLE_INVALID', message: 'Only private threads can be invitable' }]);
  const parent = channel.parentId ? await store.channels.get(channel.parentId) : null;
  let appliedTags: string[] | undefined;
  if (body.applied_tags !== undefined) {
    if (!parent || (parent.type !== 15 && parent.type !== 16)) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    const settings = await store.threads.getForum(parent.id);
    const available = new Map((settings?.availableTags ?? []).map((t) => [t.id, t]));
    appliedTags = [...new Set(body.applied_tags)];
    for (const [i, tagId] of appliedTags.entries()) {
      const tag = available.get(tagId);
      if (!tag) throw formError([{ path: ['applied_tags', i], code: 'CHANNEL_TAG_INVALID', message: 'Invalid tag' }]);
      if (tag.moderated && !thread.appliedTags.includes(tagId) && !manager) throw permissionRefusal(access, Permissions.MANAGE_THREADS);
    }
  }
  if (body.flags !== undefined && body.flags & ~CHANNEL_FLAG_PINNED) throw formError([{ path: ['flags'], code: 'BASE_TYPE_INVALID', message: 'Invalid flags' }]);
  if (body.flags !== undefined && body.flags & CHANNEL_FLAG_PINNED && (!parent || (parent.type !== 15 && parent.type !== 16))) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);

  const at = ctx.deps.now();
  const before = threadJson(channel, thread, { memberCount: 0 });
  let updatedChannel = channel;
  const channelPatch: Parameters<typeof store.channels.update>[1] = {};
  if (body.name !== undefined) channelPatch.name = body.name;
  if (body.rate_limit_per_user != null) channelPatch.rateLimitPerUser = body.rate_limit_per_user;
  if (Object.keys(channelPatch).length) updatedChannel = await store.channels.update(channel.id, channelPatch);
  const patch: Parameters<typeof store.threads.update>[1] = {};
  if (body.archived !== undefined && body.archived !== thread.archived) Object.assign(patch, { archived: body.archived, archiveTimestamp: at });
  // "archive_timestamp is changed when … changing the auto_archive_duration field".
  if (body.auto_archive_duration !== undefined && body.auto_archive_duration !== thread.autoArchiveDuration) Object.assign(patch, { autoArchiveDuration: body.auto_archive_duration, archiveTimestamp: at });
  if (body.locked !== undefined) patch.locked = body.locked;
  if (body.invitable !== undefined) patch.invitable = body.invitable;
  if (body.flags !== undefined) patch.flags = body.flags;
  // A pinned forum post is unpinned by archiving it (Discord: "archiving that thread will unset the flag").
  if (body.archived === true && !thread.archived) patch.flags = (patch.flags ?? thread.flags) & ~CHANNEL_FLAG_PINNED;
  if (appliedTags !== undefined) patch.appliedTags = appliedTags;
  const updated = await store.threads.update(channel.id, patch);
  const json = threadJson(updatedChannel, updated, { memberCount: await store.threads.countMembers(channel.id) });
  await publishThreadEvent(ctx.dispatch, store, updatedChannel, 'THREAD_UPDATE', json);
  if (thread.archived && body.archived === false) await announceUnarchived(ctx.dispatch, store, updatedChannel);
  const changes = diffChanges(auditView(before), auditView(json), THREAD_AUDIT_KEYS);
  if (changes.length) await recordAudit(ctx, req, channel.guildId!, { actionType: AuditLogEvent.THREAD_UPDATE, targetId: channel.id, changes });
  const member = await store.threads.getMember(channel.id, req.user.id);
  return { ...json, ...(member ? { member: threadMemberJson(member) } : {}) };
}

/** DELETE /channels/{thread.id}: MANAGE_THREADS; THREAD_DELETE to those who could see it. */
export async function deleteThread(ctx: RouteContext, access: ChannelAccess, req: RouteRequest): Promise<Record<string, unknown>> {
  const { store } = ctx.deps;
  const channel = access.channel;
  requirePermission(access, Permissions.MANAGE_THREADS);
  const json = (await threadPayload(store, channel, null)) ?? { id: channel.id, type: channel.type };
  const env = await threadEnvelope(store, channel);
  const entry = auditEntry(ctx, req, channel.guildId!, { actionType: AuditLogEvent.THREAD_DELETE, targetId: channel.id, changes: deletedChanges(auditView(json), THREAD_AUDIT_KEYS) });
  await ctx.writes.deleteChannel(channel.id, [entry]);
  ctx.dispatch.guild(channel.guildId!, 'THREAD_DELETE', { id: channel.id, guild_id: channel.guildId, parent_id: channel.parentId, type: channel.type }, env);
  await publishAudit(ctx, entry);
  return json;
}

