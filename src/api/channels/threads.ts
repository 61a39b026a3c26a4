/**
 * Threads shared by the routes (routes/threads.ts), the channel routes (PATCH/DELETE of a thread), the send path
 * and the auto-archive sweep: the thread's JSON as Discord returns it, who may see it (a public thread: whoever may
 * VIEW_CHANNEL its parent; a private one: its members and those who may MANAGE_THREADS), and the checks a send
 * into a thread makes (SEND_MESSAGES_IN_THREADS, locked, archived → unarchived).
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { MAX_ACTIVE_THREADS } from '../../protocol/thread-limits.ts';
import { Permissions, computeChannelPermissions, hasPermission } from '../../protocol/permissions.ts';
import type { ChannelRecord, MemberRecord, Store, ThreadRecord } from '../../store/types.ts';
import { THREAD_TYPES, permissionContext, requirePermission, type ChannelAccess } from '../access.ts';
import type { Dispatcher } from '../dispatch.ts';
import type { RouteContext } from '../route.ts';
import { ConflictError } from '../../store/errors.ts';
import { memberJson } from '../../shapes/serialize.ts';
import { MEMBER_COUNT_CAP, forumFields, threadJson, threadMemberJson } from '../../shapes/thread.ts';

export { forumFields, threadJson, threadMemberJson };

export { THREAD_TYPES };
export const THREAD_ARCHIVE_DURATIONS = [60, 1440, 4320, 10080] as const;
/** Channel flag of a pinned forum post. */
export const CHANNEL_FLAG_PINNED = 2;
/** Message flag of a message a thread was started from. */
export const MESSAGE_FLAG_HAS_THREAD = 32;
/** Thread members read for a private thread's audience; and the members checked when @everyone may manage threads. */
const AUDIENCE_SCAN = 1000;

export function isThread(channel: Pick<ChannelRecord, 'type'>): boolean {
  return THREAD_TYPES.has(channel.type);
}

/** The thread's JSON read from the store (null when `channel` is not a thread). */
export async function threadPayload(store: Store, channel: ChannelRecord, viewerId?: string | null): Promise<Record<string, unknown> | null> {
  const t = await store.threads.get(channel.id);
  if (!t) return null;
  const [memberCount, member] = await Promise.all([store.threads.countMembers(channel.id), viewerId ? store.threads.getMember(channel.id, viewerId) : null]);
  return threadJson(channel, t, { memberCount, member });
}

/**
 * Users who may see a private thread: its members and the guild members allowed to MANAGE_THREADS in its parent.
 * The candidates are the owner, holders of a role that grants MANAGE_THREADS or ADMINISTRATOR or that an overwrite
 * of the parent allows it, and members the parent's overwrites name (read from the role index); each gets their
 * real permissions computed. When @everyone itself may grant it, every member is a candidate: then the first
 * AUDIENCE_SCAN members are checked.
 */
export async function privateThreadAudience(store: Store, channel: ChannelRecord): Promise<string[]> {
  const guildId = channel.guildId!;
  const [members, guild, roles, overwrites] = await Promise.all([
    store.threads.listMembers(channel.id, null, AUDIENCE_SCAN),
    store.guilds.get(guildId),
    store.roles.listByGuild(guildId),
    store.overwrites.listByChannel(channel.parentId!),
  ]);
  const out = new Set(members.map((m) => m.userId));
  if (!guild) return [...out];
  out.add(guild.ownerId);
  const ow = overwrites.map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) }));
  const grants = Permissions.MANAGE_THREADS | Permissions.ADMINISTRATOR;
  const roleCandidates = new Set([
    ...roles.filter((r) => (BigInt(r.permissions) & grants) !== 0n).map((r) => r.id),
    ...ow.filter((o) => o.type === 0 && (o.allow & Permissions.MANAGE_THREADS) !== 0n).map((o) => o.id),
  ]);
  let candidates: MemberRecord[];
  if (roleCandidates.has(guildId)) candidates = await store.members.list(guildId, { limit: AUDIENCE_SCAN });
  else {
    const ids = new Set([...(await store.members.holdersOf(guildId, [...roleCandidates])), ...ow.filter((o) => o.type === 1).map((o) => o.id)]);
    candidates = ids.size ? await store.members.getMany(guildId, [...ids]) : [];
  }
  for (const m of candidates) {
    if (hasPermission(computeChannelPermissions(permissionContext(guild, m, roles), ow), Permissions.MANAGE_THREADS)) out.add(m.userId);
  }
  return [...out];
}

/** Where a thread's events go: the parent's viewers, narrowed to the private thread's audience. */
export async function threadEnvelope(store: Store, channel: ChannelRecord): Promise<{ channelId: string; userIds?: string[] }> {
  const channelId = channel.parentId ?? channel.id;
  return channel.type === 12 ? { channelId, userIds: await privateThreadAudience(store, channel) } : { channelId };
}

/** Publishes a thread event (THREAD_CREATE/UPDATE/DELETE, THREAD_MEMBERS_UPDATE) to whoever may see the thread. */
export async function publishThreadEvent(dispatch: Dispatcher, store: Store, channel: ChannelRecord, t: string, d: Record<string, unknown>): Promise<void> {
  dispatch.guild(channel.guildId!, t, d, await threadEnvelope(store, channel));
}

/**
 * Checks a send into a thread (instead of SEND_MESSAGES): SEND_MESSAGES_IN_THREADS, a locked thread only for
 * MANAGE_THREADS (160005). Returns the thread's metadata.
 */
export async function checkThreadSend(store: Store, access: ChannelAccess): Promise<ThreadRecord> {
  requirePermission(access, Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES_IN_THREADS);
  const t = await store.threads.get(access.channel.id);
  if (!t) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
  if (t.locked && !hasPermission(access.permissions, Permissions.MANAGE_THREADS)) throw new ApiError(t.archived ? ErrorCodes.THREAD_ARCHIVED : ErrorCodes.THREAD_LOCKED);
  return t;
}

/**
 * After a message was stored in a thread: counts it, and when it was archived it is unarchived, with a
 * THREAD_UPDATE, as Discord does. The sender joins the thread if they were not in it.
 */
export async function threadMessageSent(dispatch: Dispatcher, store: Store, channel: ChannelRecord, before: ThreadRecord, senderId: string, now: number): Promise<void> {
  const after = await store.threads.messageSent(channel.id, now);
  if (!after) return;
  const joined = await store.threads.addMember({ channelId: channel.id, userId: senderId, joinTimestamp: now, flags: 0 });
  const fresh = (await store.channels.get(channel.id)) ?? channel;
  if (before.archived) {
    await publishThreadEvent(dispatch, store, fresh, 'THREAD_UPDATE', threadJson(fresh, after, { memberCount: await store.threads.countMembers(channel.id) }));
    await announceUnarchived(dispatch, store, fresh);
  }
  if (joined) await announceMembers(dispatch, store, fresh, { added: [senderId] });
}

/** Thread members told per unarchive, at most: a thread's member list is bounded in practice; this bounds the work. */
const UNARCHIVE_NOTICES = 1000;

/**
 * After a thread's THREAD_UPDATE that unarchived it: a THREAD_MEMBER_UPDATE to each of its members (Discord's
 * "Unarchiving a Thread": "A Thread Member Update event, which is sent to all members of the unarchived thread").
 */
export async function announceUnarchived(dispatch: Dispatcher, store: Store, channel: ChannelRecord): Promise<void> {
  let after: string | null = null;
  for (let told = 0; told < UNARCHIVE_NOTICES;) {
    const page = await store.threads.listMembers(channel.id, after, 100);
    for (const m of page) dispatch.users([m.userId], 'THREAD_MEMBER_UPDATE', threadMemberJson(m, { guildId: channel.guildId! }));
    told += page.length;
    if (page.length < 100) break;
    after = page.at(-1)!.userId;
  }
}

/** THREAD_MEMBERS_UPDATE for members added or removed, and THREAD_MEMBER_UPDATE to each one who joined. */
export async function announceMembers(dispatch: Dispatcher, store: Store, channel: ChannelRecord, change: { added?: string[]; removed?: string[] }): Promise<void> {
  const guildId = channel.guildId!;
  const added: Record<string, unknown>[] = [];
  for (const userId of change.added ?? []) {
    const m = await store.threads.getMember(channel.id, userId);
    if (!m) continue;
    const [member, user] = await Promise.all([store.members.get(guildId, userId), store.users.get(userId)]);
    added.push({ ...threadMemberJson(m), ...(member && user ? { member: memberJson(member, user) } : {}), presence: null });
    dispatch.users([userId], 'THREAD_MEMBER_UPDATE', threadMemberJson(m, { guildId }));
  }
  const d: Record<string, unknown> = { id: channel.id, guild_id: guildId, member_count: Math.min(await store.threads.countMembers(channel.id), MEMBER_COUNT_CAP) };
  if (added.length) d.added_members = added;
  if (change.removed?.length) d.removed_member_ids = change.removed;
  // Those removed from a private thread are no longer in its audience: they are told directly.
  const env = await threadEnvelope(store, channel);
  dispatch.guild(guildId, 'THREAD_MEMBERS_UPDATE', d, env.userIds ? { ...env, userIds: [...new Set([...env.userIds, ...(change.removed ?? [])])] } : env);
}

/** What a new thread is made of. */
export interface ThreadFields {
  id: string;
  type: 10 | 11 | 12;
  name: string;
  autoArchive: number;
  rateLimit: number;
  invitable: boolean;
  appliedTags: string[];
}

/**
 * Stores a new thread of `parent` owned by `ownerId` (a user, or a webhook for a forum post by webhook) with its
 * first members, and announces it: THREAD_CREATE with newly_created, then THREAD_MEMBERS_UPDATE for the members.
 * 160004 when the id is taken (a message's thread), 160006 when the guild has too many active threads.
 */
export async function insertThread(
  ctx: RouteContext, parent: ChannelRecord, fields: ThreadFields, ownerId: string, memberIds: readonly string[],
): Promise<{ channel: ChannelRecord; thread: ThreadRecord }> {
  const { store } = ctx.deps;
  if ((await store.threads.listActive(parent.guildId!)).length >= MAX_ACTIVE_THREADS) throw new ApiError(ErrorCodes.MAX_ACTIVE_THREADS);
  const at = ctx.deps.now();
  const channel: ChannelRecord = {
    id: fields.id, type: fields.type, guildId: parent.guildId, name: fields.name, topic: null, position: 0, parentId: parent.id, nsfw: parent.nsfw,
    rateLimitPerUser: fields.rateLimit, lastMessageId: null, lastPinTimestamp: null, ownerId, icon: null, bitrate: null, userLimit: null, createdAt: at,
  };
  const thread: ThreadRecord = {
    channelId: fields.id, guildId: parent.guildId!, parentId: parent.id, archived: false, autoArchiveDuration: fields.autoArchive, archiveTimestamp: at,
    locked: false, invitable: fields.invitable, createTimestamp: at, messageCount: 0, totalMessageSent: 0, flags: 0, appliedTags: fields.appliedTags, lastActivityAt: at,
  };
  try {
    await store.threads.create(channel, thread, memberIds.map((userId) => ({ channelId: fields.id, userId, joinTimestamp: at, flags: 0 })));
  } catch (err) {
    if (err instanceof ConflictError) throw new ApiError(ErrorCodes.THREAD_ALREADY_CREATED);
    throw err;
  }
  // A forum or media channel's last_message_id is "the ID of the most recently created thread in that channel".
  if (parent.type === 15 || parent.type === 16) await store.channels.advanceLastMessageId(parent.id, channel.id);
  const json = threadJson(channel, thread, { memberCount: memberIds.length });
  await publishThreadEvent(ctx.dispatch, store, channel, 'THREAD_CREATE', { ...json, newly_created: true });
  if (memberIds.length) await announceMembers(ctx.dispatch, store, channel, { added: [...memberIds] });
  return { channel, thread };
}

/**
 * The threads of a guild a user may read, for guild-wide search: those whose parent `permsOf` allows to
 * VIEW_CHANNEL and READ_MESSAGE_HISTORY (of `parentIds`), private ones only as a member or with MANAGE_THREADS.
 */
export async function readableThreads(store: Store, guildId: string, userId: string, parentIds: ReadonlySet<string>, permsOf: (parentId: string) => bigint): Promise<ChannelRecord[]> {
  const threads = (await store.threads.listByGuild(guildId)).filter((t) => parentIds.has(t.parentId));
  const mine = new Set((await store.threads.membershipsOf(userId, threads.filter((t) => t.type === 12).map((t) => t.channelId))).map((m) => m.channelId));
  const out: ChannelRecord[] = [];
  for (const t of threads) {
    if (t.type === 12 && !mine.has(t.channelId) && !hasPermission(permsOf(t.parentId), Permissions.MANAGE_THREADS)) continue;
    const channel = await store.channels.get(t.channelId);
    if (channel) out.push(channel);
  }
  return out;
}
