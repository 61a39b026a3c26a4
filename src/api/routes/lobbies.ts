/**
 * Lobbies (https://discord.com/developers/docs/resources/lobby): an application's groups of users with a text chat,
 * the Social SDK's matchmaking and in-game chat.
 *
 * Who calls what, as Discord documents it:
 * - the application, with its bot's token: create, modify and delete lobbies, add, update and remove members (one
 *   or 25 at once), set a message's moderation metadata, create a linked-channel invite for a member;
 * - a member, with an access token of that application carrying `sdk.social_layer`: create or join a lobby by
 *   secret, leave it, link or unlink a channel (CanLinkLobby), send and read its messages, create a linked-channel
 *   invite for themselves;
 * - either may read a lobby.
 *
 * Decided:
 * - An application puts in its lobbies only users who let it act for them (a live grant with `sdk.social_layer`):
 *   others are left out of a create, a PATCH and a bulk change, as Discord drops users who "fail permission checks",
 *   and PUT of one is 50001.
 * - Accord's own client (a user's session token, no application) acts as the member too, in every lobby the user is
 *   in, except creating or joining by secret, which names an application; `GET /users/@me/lobbies` lists them.
 * - A member may leave any lobby, whoever made it (Discord's SDK cannot leave one made through the API).
 * - A lobby of another application, or one the caller is not in, is 10031 Unknown lobby, as if it did not exist;
 *   deleting one answers 204 either way.
 * - `linked_channel` names the channel (id, type, guild_id, name) and no more: it reaches members outside the guild.
 * - A field left out of a member update keeps its value.
 *
 * Events, to the lobby's members (user dispatch, no intent), named after the Social SDK's callbacks: LOBBY_CREATE
 * (the lobby object) to whoever joins or is added, LOBBY_MEMBER_ADD / _UPDATE / _REMOVE `{lobby_id, member}` to the
 * others, LOBBY_UPDATE (the lobby object) on a modify, a link, an unlink by a channel's deletion, or new metadata from
 * PUT /lobbies, LOBBY_DELETE `{id}` on delete and to a member who left or was removed, LOBBY_MESSAGE_CREATE and
 * LOBBY_MESSAGE_UPDATE (the lobby message object).
 *
 * A message sent to a lobby with a linked channel is also posted there, by its author with the application's id,
 * through the guild's auto moderation, unless its author is banned from the guild, timed out there, or a member the
 * channel refuses (no View Channel or Send Messages); if it is not
 * posted, the lobby message stands (Discord: "the lobby message is still delivered").
 *
 * Idle lobbies (nobody connected past `idle_timeout_seconds`) are deleted by api/idle-lobbies.ts.
 *
 * A secret lets users join for 30 days (Discord: "the lobby will still exist, but new users won't be able to join
 * the lobby after that"); PUT /lobbies with it then creates a new lobby, and the old one stays not linkable.
 *
 * A message sent in the linked channel (POST /channels/{id}/messages) is brought into the lobby by its author, its
 * text only, with LOBBY_MESSAGE_CREATE to the members; its edit and deletion follow (api/lobby-events.ts).
 *
 * A forwarded message counts against its author's slowmode in the channel, as their own send would (a player outside
 * the guild has no bypass); while the hold runs, the message stays in the lobby only.
 *
 * Left open: webhook and system messages of the linked channel are not brought into the lobby; the development rate limits (100 per 2 hours) are Discord's business, the default
 * per-route limits apply here (per lobby).
 */
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { MessageType } from '../../protocol/message-types.ts';
import { SUPPRESS_EMBEDS_FLAG } from '../../protocol/message-urls.ts';
import { hasPermission, Permissions } from '../../protocol/permissions.ts';
import { lobbyMemberJson, lobbyMessageJson } from '../../shapes/lobby.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { announceLobbyUpdate, lobbyMemberIds, renderLobby } from '../lobby-events.ts';
import { eventPayload, renderMessage } from '../../shapes/message.ts';
import { iso, publicUser } from '../../shapes/serialize.ts';
import { ConflictError, LimitReachedError, NotFoundError } from '../../store/errors.ts';
import { ChannelType, type InviteRecord, type LobbyLimits, type LobbyMemberInput, type LobbyMemberRecord, type LobbyMembersChange, type LobbyMessageRecord, type LobbyMetadata, type LobbyRecord, type UserRecord } from '../../store/types.ts';
import { channelAccess, requirePermission } from '../access.ts';
import { authorViolations, blocks, executeActions, messageViolations } from '../auto-moderation/enforce.ts';
import { inviteCode, inviteEventAudience } from '../community-invites.ts';
import { renderMedia } from '../messages/attachments.ts';
import { systemMessageRecord } from '../messages/system.ts';
import { sendLimits, slowedIn } from '../messages/send-limits.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

/** The scope an access token needs for the member routes. */
export const SOCIAL_LAYER_SCOPE = 'sdk.social_layer';
/** LobbyMemberFlags.CanLinkLobby. */
export const CAN_LINK_LOBBY = 1 << 0;
const LOBBY_LIMITS: LobbyLimits = { perLobby: 1000, perUser: 100, secretTtlMs: 30 * 24 * 3600 * 1000 };
const METADATA_MAX = 1000;
const MEMBERS_PER_REQUEST = 25;
const DEFAULT_IDLE_TIMEOUT_S = 300;
const LOBBY_INVITE_MAX_AGE_S = 3600;
const LOBBY_MESSAGE_MAX = 2000;
/** The message flags a lobby message may carry: SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS. */
const LOBBY_MESSAGE_FLAGS = SUPPRESS_EMBEDS_FLAG | (1 << 12);

/** Discord's metadata: string keys and values, at most 1,000 characters in all (keys and values counted). */
const metadata = z.record(z.string(), z.string()).nullable().refine(
  (m) => m === null || Object.entries(m).reduce((n, [k, v]) => n + k.length + v.length, 0) <= METADATA_MAX,
  { message: `Must be ${METADATA_MAX} or fewer in length.` },
);
const idleTimeout = z.number().int().min(5).max(604_800);
const additionalName = z.string().min(1).max(80).nullable();
const memberFlags = z.number().int().min(0).max(CAN_LINK_LOBBY);
const memberInput = z.object({ id: snowflake, metadata: metadata.optional(), flags: memberFlags.optional() });
const memberList = z.array(memberInput).max(MEMBERS_PER_REQUEST);
const createBody = z.object({ metadata: metadata.optional(), members: memberList.optional(), idle_timeout_seconds: idleTimeout.optional() });
const createOrJoinBody = z.object({ secret: z.string().min(1).max(250), idle_timeout_seconds: idleTimeout.optional(), lobby_metadata: metadata.optional(), member_metadata: metadata.optional() });
const modifyBody = createBody;
const memberBody = z.object({ metadata: metadata.optional(), flags: memberFlags.optional(), additional_name: additionalName.optional() });
const bulkBody = z.array(memberInput.extend({ additional_name: additionalName.optional(), remove_member: z.boolean().optional() })).min(1).max(MEMBERS_PER_REQUEST);
const linkBody = z.object({ channel_id: snowflake.nullish() });
const messageBody = z.object({ content: z.string().trim().min(1).max(LOBBY_MESSAGE_MAX), metadata: metadata.optional(), flags: z.number().int().min(0).max(LOBBY_MESSAGE_FLAGS).optional() });
const messagesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).optional() });
const moderationBody = z.record(z.string().max(1024), z.string().max(2000)).refine((m) => Object.keys(m).length <= 5, { message: 'Must have 5 or fewer keys.' });

/** Who is calling: the application (its bot) or a member (an access token of one application, or the user's own session). */
type Caller = { kind: 'app'; applicationId: string } | { kind: 'member'; user: UserRecord; applicationId: string | null };

/** A member from a request: the fields it leaves out keep their stored values (a new member: none, 0). */
const toInput = (m: { id: string; metadata?: LobbyMetadata | null; flags?: number; additional_name?: string | null }): LobbyMemberInput => ({
  userId: m.id,
  ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
  ...(m.flags !== undefined ? { flags: m.flags } : {}),
  ...(m.additional_name !== undefined ? { additionalName: m.additional_name } : {}),
});

export function registerLobbyRoutes(ctx: RouteContext): void {
  const { store, ids, now } = ctx.deps;

  const callerOf = async (req: RouteRequest): Promise<Caller> => {
    if (req.oauth) return { kind: 'member', user: req.user, applicationId: req.oauth.applicationId };
    if (!req.user.bot) return { kind: 'member', user: req.user, applicationId: null };
    const app = await store.applications.getByBotUser(req.user.id);
    if (!app) throw new ApiError(ErrorCodes.MISSING_ACCESS);
    return { kind: 'app', applicationId: app.id };
  };
  const appOf = async (req: RouteRequest): Promise<Extract<Caller, { kind: 'app' }>> => {
    const caller = await callerOf(req);
    if (caller.kind !== 'app') throw new ApiError(ErrorCodes.ONLY_BOTS_CAN_USE_ENDPOINT);
    return caller;
  };
  const memberCaller = async (req: RouteRequest): Promise<Extract<Caller, { kind: 'member' }>> => {
    const caller = await callerOf(req);
    if (caller.kind !== 'member') throw new ApiError(ErrorCodes.BOTS_CANNOT_USE_ENDPOINT);
    return caller;
  };

  /** The lobby if it exists and is `caller`'s application's (any application's for a session token); else null. */
  const lobbyOf = async (caller: Caller, lobbyId: string): Promise<LobbyRecord | null> => {
    const lobby = isSnowflake(lobbyId) ? await store.lobbies.get(lobbyId) : null;
    return lobby && (caller.applicationId === null || lobby.applicationId === caller.applicationId) ? lobby : null;
  };
  /** The lobby as `caller` may see it: its application's, or one the member is in; 10031 otherwise, as if it did not exist. */
  const visibleLobby = async (caller: Caller, lobbyId: string): Promise<LobbyRecord> =>
    caller.kind === 'member' ? (await membership(caller, lobbyId)).lobby : ((await lobbyOf(caller, lobbyId)) ?? unknownLobby());
  /** The lobby and the calling member's record in it, read once (10031 when not a member). */
  const membership = async (caller: Extract<Caller, { kind: 'member' }>, lobbyId: string): Promise<{ lobby: LobbyRecord; me: LobbyMemberRecord }> => {
    const lobby = await lobbyOf(caller, lobbyId);
    const me = lobby ? await store.lobbies.member(lobby.id, caller.user.id) : null;
    return lobby && me ? { lobby, me } : unknownLobby();
  };
  const unknownLobby = (): never => {
    throw new ApiError(ErrorCodes.UNKNOWN_LOBBY);
  };

  /** Every user id named must be an account (10013 otherwise), before anything is written. */
  const requireUsers = async (userIds: readonly string[]): Promise<void> => {
    if (userIds.some((u) => !isSnowflake(u))) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    const found = new Set((await store.users.getMany([...new Set(userIds)])).map((u) => u.id));
    if (userIds.some((u) => !found.has(u))) throw new ApiError(ErrorCodes.UNKNOWN_USER);
  };
  /**
   * The users who let the application act for them in lobbies: a live OAuth2 grant to it with `sdk.social_layer`
   * (the Social SDK's sign-in). An application cannot put anyone else in a lobby, where other players could write
   * to them (Discord drops users who "fail permission checks").
   */
  const consenting = async (applicationId: string, userIds: readonly string[]): Promise<Set<string>> =>
    new Set(userIds.length ? await store.oauth2.usersGranting(applicationId, userIds, SOCIAL_LAYER_SCOPE, now()) : []);

  /** The events of a membership change: the lobby to whoever joined, the member change to the others, DELETE to whoever left. */
  const announceMembers = async (lobby: LobbyRecord, change: LobbyMembersChange): Promise<Record<string, unknown> | null> => {
    if (!change.upserted.length && !change.removed.length) return null;
    const json = await renderLobby(store, lobby);
    const joined = new Set(change.upserted.filter((u) => u.added).map((u) => u.member.userId));
    if (joined.size) ctx.dispatch.users(joined, 'LOBBY_CREATE', json);
    const others = lobbyMemberIds(json).filter((id) => !joined.has(id));
    for (const { member, added } of change.upserted) ctx.dispatch.users(others, added ? 'LOBBY_MEMBER_ADD' : 'LOBBY_MEMBER_UPDATE', { lobby_id: lobby.id, member: lobbyMemberJson(member) });
    for (const userId of change.removed) ctx.dispatch.users(others, 'LOBBY_MEMBER_REMOVE', { lobby_id: lobby.id, member: { id: userId } });
    if (change.removed.length) ctx.dispatch.users(change.removed, 'LOBBY_DELETE', { id: lobby.id });
    return json;
  };

  const changeMembers = async (lobby: LobbyRecord, upserts: LobbyMemberInput[], removals: string[], replace = false): Promise<LobbyMembersChange> => {
    let change: LobbyMembersChange;
    try {
      change = await store.lobbies.changeMembers(lobby.id, upserts, removals, LOBBY_LIMITS, { replace });
    } catch (err) {
      if (err instanceof NotFoundError && err.entity === 'lobby') throw new ApiError(ErrorCodes.UNKNOWN_LOBBY);
      throw err;
    }
    await announceMembers(lobby, change);
    return change;
  };
  /**
   * The members the application may add or keep: those who consented, and those already in `lobby` (a grant that
   * lapsed later does not throw a player out); the rest are left out, silently.
   */
  const admissible = async (applicationId: string, members: LobbyMemberInput[], lobby?: LobbyRecord): Promise<LobbyMemberInput[]> => {
    const present = new Set(lobby && members.length ? await store.lobbies.membersAmong(lobby.id, members.map((m) => m.userId)) : []);
    const ok = await consenting(applicationId, members.map((m) => m.userId).filter((u) => !present.has(u)));
    return members.filter((m) => present.has(m.userId) || ok.has(m.userId));
  };

  ctx.post('/lobbies', { auth: 'bot' }, async (req) => {
    const { applicationId } = await appOf(req);
    const body = parse(createBody, req.body);
    const members = (body.members ?? []).map(toInput);
    await requireUsers(members.map((m) => m.userId));
    const lobby: LobbyRecord = {
      id: ids.next(), applicationId, secret: null, metadata: body.metadata ?? null,
      idleTimeoutSeconds: body.idle_timeout_seconds ?? DEFAULT_IDLE_TIMEOUT_S, linkedChannelId: null, createdAt: now(),
    };
    const change = await store.lobbies.create(lobby, await admissible(applicationId, members), LOBBY_LIMITS);
    // The lobby as its first members were told of it, rendered once.
    return (await announceMembers(lobby, change)) ?? renderLobby(store, lobby);
  });

  ctx.put('/lobbies', { auth: 'user', oauth: SOCIAL_LAYER_SCOPE }, async (req) => {
    const caller = await memberCaller(req);
    // The secret is the application's: a session token names none.
    if (!caller.applicationId) throw new ApiError(ErrorCodes.UNAUTHORIZED);
    const body = parse(createOrJoinBody, req.body);
    const fresh: LobbyRecord = {
      id: ids.next(), applicationId: caller.applicationId, secret: body.secret, metadata: null,
      idleTimeoutSeconds: body.idle_timeout_seconds ?? DEFAULT_IDLE_TIMEOUT_S, linkedChannelId: null, createdAt: now(),
    };
    let joined;
    try {
      joined = await store.lobbies.createOrJoin(fresh, { userId: caller.user.id, ...(body.member_metadata !== undefined ? { metadata: body.member_metadata } : {}) }, body.lobby_metadata, LOBBY_LIMITS);
    } catch (err) {
      if (err instanceof LimitReachedError) throw fieldError('secret', 'LOBBY_FULL', 'The lobby is full, or you are in the most lobbies of this application.');
      throw err;
    }
    // Those already in it hear of the new metadata, then of the member; the one who joined gets the lobby (LOBBY_CREATE).
    if (joined.metadataChanged) await announceLobbyUpdate(ctx, joined.lobby, { except: [caller.user.id] });
    return (await announceMembers(joined.lobby, joined.change)) ?? renderLobby(store, joined.lobby);
  });

  ctx.get('/users/@me/lobbies', { auth: 'user' }, async (req) => {
    const lobbies = await store.lobbies.listForUser(req.user.id);
    return Promise.all(lobbies.map((l) => renderLobby(store, l)));
  });

  ctx.get('/lobbies/:lobbyId', { oauth: SOCIAL_LAYER_SCOPE }, async (req) => {
    return renderLobby(store, await visibleLobby(await callerOf(req), req.params.lobbyId));
  });

  ctx.patch('/lobbies/:lobbyId', { auth: 'bot' }, async (req) => {
    const caller = await appOf(req);
    const lobby = await visibleLobby(caller, req.params.lobbyId);
    const body = parse(modifyBody, req.body);
    const patch: Partial<Pick<LobbyRecord, 'metadata' | 'idleTimeoutSeconds'>> = {};
    if (body.metadata !== undefined) patch.metadata = body.metadata;
    if (body.idle_timeout_seconds !== undefined) patch.idleTimeoutSeconds = body.idle_timeout_seconds;
    const members = body.members?.map(toInput);
    if (members) await requireUsers(members.map((m) => m.userId));
    const updated = (Object.keys(patch).length ? await store.lobbies.update(lobby.id, patch) : lobby) ?? lobby;
    // The list replaces the members: those not in it, or who did not consent, are removed.
    if (members) await changeMembers(updated, await admissible(caller.applicationId, members, updated), [], true);
    if (Object.keys(patch).length) return announceLobbyUpdate(ctx, updated);
    return renderLobby(store, updated);
  });

  ctx.delete('/lobbies/:lobbyId', { auth: 'bot', status: 204 }, async (req) => {
    const lobby = await lobbyOf(await appOf(req), req.params.lobbyId);
    // Safe to call for a lobby already deleted; another application's is answered alike and kept.
    if (!lobby) return undefined;
    const deleted = await store.lobbies.delete(lobby.id);
    if (deleted) ctx.dispatch.users(deleted.memberIds, 'LOBBY_DELETE', { id: lobby.id });
    return undefined;
  });

  ctx.put('/lobbies/:lobbyId/members/:userId', { auth: 'bot' }, async (req) => {
    const caller = await appOf(req);
    const lobby = await visibleLobby(caller, req.params.lobbyId);
    const body = parse(memberBody, req.body);
    await requireUsers([req.params.userId]);
    if ((await admissible(caller.applicationId, [{ userId: req.params.userId }], lobby)).length === 0) {
      throw new ApiError(ErrorCodes.MISSING_ACCESS, { message: 'The user has not authorized this application (sdk.social_layer)' });
    }
    const change = await changeMembers(lobby, [toInput({ id: req.params.userId, ...body })], []);
    if (change.dropped.length) throw fieldError('user_id', 'LOBBY_FULL', 'The lobby is full, or the user is in the most lobbies of this application.');
    return lobbyMemberJson(change.upserted[0]!.member);
  });

  ctx.post('/lobbies/:lobbyId/members/bulk', { auth: 'bot' }, async (req) => {
    const caller = await appOf(req);
    const lobby = await visibleLobby(caller, req.params.lobbyId);
    const body = parse(bulkBody, req.body);
    await requireUsers(body.map((m) => m.id));
    // A user named twice: the last entry counts.
    const last = [...new Map(body.map((m) => [m.id, m])).values()];
    const upserts = await admissible(caller.applicationId, last.filter((m) => !m.remove_member).map(toInput), lobby);
    const removals = last.filter((m) => m.remove_member).map((m) => m.id);
    // Users without consent or over a limit are silently left out, as Discord documents.
    const change = await changeMembers(lobby, upserts, removals);
    return change.upserted.map((u) => lobbyMemberJson(u.member));
  });

  ctx.delete('/lobbies/:lobbyId/members/@me', { auth: 'user', oauth: SOCIAL_LAYER_SCOPE, status: 204 }, async (req) => {
    const caller = await memberCaller(req);
    // A session token reaches only lobbies its user is in; an application's token, any of its lobbies (safe to call
    // when no longer a member).
    const lobby = caller.applicationId === null ? await visibleLobby(caller, req.params.lobbyId) : await lobbyOf(caller, req.params.lobbyId);
    if (!lobby) throw new ApiError(ErrorCodes.UNKNOWN_LOBBY);
    await changeMembers(lobby, [], [caller.user.id]);
    return undefined;
  });

  ctx.delete('/lobbies/:lobbyId/members/:userId', { auth: 'bot', status: 204 }, async (req) => {
    const lobby = await lobbyOf(await appOf(req), req.params.lobbyId);
    if (!lobby) throw new ApiError(ErrorCodes.UNKNOWN_LOBBY);
    if (isSnowflake(req.params.userId)) await changeMembers(lobby, [], [req.params.userId]);
    return undefined;
  });

  ctx.patch('/lobbies/:lobbyId/channel-linking', { auth: 'user', oauth: SOCIAL_LAYER_SCOPE }, async (req) => {
    const caller = await memberCaller(req);
    const { lobby, me } = await membership(caller, req.params.lobbyId);
    if (!(me.flags & CAN_LINK_LOBBY)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const body = parse(linkBody, req.body);
    const channelId = body.channel_id ?? null;
    if (channelId) {
      if (lobby.secret !== null) throw fieldError('channel_id', 'LOBBY_NOT_LINKABLE', 'A lobby joined by secret cannot be linked to a channel.');
      const a = await channelAccess(store, channelId, caller.user.id, now());
      if (a.channel.type !== ChannelType.GUILD_TEXT) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
      if (a.channel.nsfw) throw fieldError('channel_id', 'CHANNEL_AGE_RESTRICTED', 'An age-restricted channel cannot be linked.');
      requirePermission(a, Permissions.VIEW_CHANNEL | Permissions.MANAGE_CHANNELS | Permissions.SEND_MESSAGES);
    }
    let linked: LobbyRecord | null;
    try {
      linked = await store.lobbies.link(lobby.id, channelId);
    } catch (err) {
      if (err instanceof ConflictError) throw fieldError('channel_id', 'CHANNEL_ALREADY_LINKED', 'This channel is linked to another lobby.');
      throw err;
    }
    if (!linked) throw new ApiError(ErrorCodes.UNKNOWN_LOBBY);
    // The channel's messages go to the lobby from now on (api/linked-channels.ts).
    if (channelId) ctx.linkedChannels.add(channelId);
    return announceLobbyUpdate(ctx, linked);
  });

  ctx.post('/lobbies/:lobbyId/messages', { auth: 'user', oauth: SOCIAL_LAYER_SCOPE, limit: RouteLimits.messageCreate }, async (req) => {
    const caller = await memberCaller(req);
    const { lobby, me } = await membership(caller, req.params.lobbyId);
    const body = parse(messageBody, req.body);
    if (body.flags !== undefined && body.flags & ~LOBBY_MESSAGE_FLAGS) throw fieldError('flags', 'MESSAGE_FLAGS_INVALID', 'Only SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS may be set.');
    const message = {
      id: ids.next(), lobbyId: lobby.id, authorId: caller.user.id, content: body.content, flags: body.flags ?? 0,
      additionalName: me.additionalName, moderationMetadata: null,
    };
    try {
      await store.lobbies.addMessage(message);
    } catch (err) {
      if (err instanceof NotFoundError) throw new ApiError(ErrorCodes.UNKNOWN_LOBBY);
      throw err;
    }
    const json = lobbyMessageJson(message, caller.user, lobby.applicationId, body.metadata);
    const members = await store.lobbies.members(lobby.id);
    ctx.dispatch.users(members.map((m) => m.userId), 'LOBBY_MESSAGE_CREATE', json);
    if (lobby.linkedChannelId) await forwardToLinkedChannel(ctx, lobby, caller.user, body.content, message.flags);
    return json;
  });

  /** A player banned from a linked channel's guild does not read what was brought in from it (lobby-events.ts). */
  const withoutBarredSources = async (userId: string, messages: LobbyMessageRecord[]): Promise<LobbyMessageRecord[]> => {
    const barred = new Set<string>();
    for (const channelId of new Set(messages.flatMap((m) => (m.sourceChannelId ? [m.sourceChannelId] : [])))) {
      const channel = await store.channels.get(channelId);
      if (channel?.guildId && (await store.bans.get(channel.guildId, userId))) barred.add(channelId);
    }
    return barred.size ? messages.filter((m) => !m.sourceChannelId || !barred.has(m.sourceChannelId)) : messages;
  };

  ctx.get('/lobbies/:lobbyId/messages', { auth: 'user', oauth: SOCIAL_LAYER_SCOPE }, async (req) => {
    const caller = await memberCaller(req);
    const lobby = await visibleLobby(caller, req.params.lobbyId);
    const q = parse(messagesQuery, req.query);
    const messages = await withoutBarredSources(caller.user.id, await store.lobbies.messages(lobby.id, q.limit ?? 50));
    const authors = new Map((await store.users.getMany([...new Set(messages.map((m) => m.authorId))])).map((u) => [u.id, u]));
    return messages.flatMap((m) => {
      const author = authors.get(m.authorId);
      return author ? [lobbyMessageJson(m, author, lobby.applicationId)] : [];
    });
  });

  ctx.put('/lobbies/:lobbyId/messages/:messageId/moderation-metadata', { auth: 'bot', status: 204 }, async (req) => {
    const lobby = await visibleLobby(await appOf(req), req.params.lobbyId);
    const body = parse(moderationBody, req.body);
    const message = await store.lobbies.setModerationMetadata(lobby.id, req.params.messageId, body);
    if (!message) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
    const author = (await store.users.getMany([message.authorId]))[0];
    if (author) {
      const members = await store.lobbies.members(lobby.id);
      ctx.dispatch.users(members.map((m) => m.userId), 'LOBBY_MESSAGE_UPDATE', lobbyMessageJson(message, author, lobby.applicationId));
    }
    return undefined;
  });

  /**
   * A single-use invite to the linked channel, for one hour, that only `userId` may accept (a targeted invite). A
   * user banned from the guild gets none (50001).
   */
  const linkedChannelInvite = async (lobby: LobbyRecord, userId: string, inviterId: string): Promise<{ code: string }> => {
    if (!isSnowflake(userId) || !(await store.lobbies.member(lobby.id, userId))) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    const channel = lobby.linkedChannelId ? await store.channels.get(lobby.linkedChannelId) : null;
    if (!channel?.guildId) throw fieldError('channel_id', 'LOBBY_NOT_LINKED', 'The lobby has no linked channel.');
    if (await store.bans.get(channel.guildId, userId)) throw new ApiError(ErrorCodes.MISSING_ACCESS);
    const at = now();
    for (let attempt = 0; ; attempt++) {
      const record: InviteRecord = {
        code: inviteCode(), guildId: channel.guildId, channelId: channel.id, inviterId, uses: 0, maxUses: 1, maxAge: LOBBY_INVITE_MAX_AGE_S,
        temporary: false, createdAt: at, expiresAt: at + LOBBY_INVITE_MAX_AGE_S * 1000, roleIds: [],
      };
      try {
        const invite = await store.invites.create(record, { targetUserIds: [userId] });
        const inviter = (await store.users.getMany([inviterId]))[0];
        ctx.dispatch.guild(channel.guildId, 'INVITE_CREATE', {
          channel_id: invite.channelId, guild_id: channel.guildId, code: invite.code, created_at: iso(invite.createdAt), ...(inviter ? { inviter: publicUser(inviter) } : {}),
          max_age: invite.maxAge, max_uses: invite.maxUses, temporary: false, uses: 0, type: 0, expires_at: iso(invite.expiresAt!),
        }, inviteEventAudience(invite.channelId));
        return { code: invite.code };
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= 4) throw err;
      }
    }
  };

  ctx.post('/lobbies/:lobbyId/members/@me/invites', { auth: 'user', oauth: SOCIAL_LAYER_SCOPE }, async (req) => {
    const caller = await memberCaller(req);
    const lobby = await visibleLobby(caller, req.params.lobbyId);
    return linkedChannelInvite(lobby, caller.user.id, caller.user.id);
  });

  ctx.post('/lobbies/:lobbyId/members/:userId/invites', { auth: 'bot' }, async (req) => {
    const lobby = await visibleLobby(await appOf(req), req.params.lobbyId);
    return linkedChannelInvite(lobby, req.params.userId, req.user.id);
  });
}

/**
 * A lobby message posted in the lobby's linked channel, by its author, carrying the application's id. The guild's
 * auto moderation reads it as it reads a member's send (a lobby member outside the guild counts as a member with no
 * roles); a blocking rule keeps it out of the channel after its actions ran, and so does its author's slowmode there.
 * The lobby message stands whatever happens here (blocked, slowed, the channel gone, the store refused): logged, not
 * answered.
 */
async function forwardToLinkedChannel(ctx: RouteContext, lobby: LobbyRecord, author: UserRecord, content: string, flags: number): Promise<void> {
  const { store } = ctx.deps;
  try {
    const channel = await store.channels.get(lobby.linkedChannelId!);
    if (!channel?.guildId) return;
    // A user banned from the guild, or a member timed out there, does not write in it through a lobby either.
    if (await store.bans.get(channel.guildId, author.id)) return;
    const member = await store.members.get(channel.guildId, author.id);
    if (member?.communicationDisabledUntil && member.communicationDisabledUntil > ctx.deps.now()) return;
    const memberAccess = member ? await channelAccess(store, channel.id, author.id, ctx.deps.now()).catch(() => null) : null;
    // A member the channel refuses (no View Channel or Send Messages there) is not let in by the lobby either.
    if (member && (!memberAccess || !hasPermission(memberAccess.permissions, Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES))) return;
    // A player outside the guild counts as a member with no roles.
    const violations = memberAccess
      ? await messageViolations(ctx, memberAccess, content)
      : await authorViolations(ctx, { guildId: channel.guildId, channel, exempt: false, roleIds: [] }, content);
    if (blocks(violations)) {
      await executeActions(ctx, violations, { user: author, channel, content, messageId: null, blocked: true });
      return;
    }
    // The channel's slowmode holds for its author as for a send of theirs (a player outside the guild has no bypass):
    // while it runs, the message stays in the lobby only.
    let releaseSlowmode: (() => Promise<void>) | null = null;
    if (slowedIn(channel, memberAccess?.permissions ?? 0n)) {
      try {
        releaseSlowmode = await sendLimits(ctx.deps).holdSlowmode(channel.id, author.id, channel.rateLimitPerUser);
      } catch (err) {
        if (err instanceof ApiError && err.code === ErrorCodes.SLOWMODE_RATE_LIMIT) return;
        throw err;
      }
    }
    const record = { ...systemMessageRecord(ctx.deps.ids.next(), channel, author.id, MessageType.DEFAULT, { content }), flags, applicationId: lobby.applicationId };
    try {
      const json = await renderMessage(store, record, { viewerId: author.id, fresh: true, media: renderMedia(ctx.deps) });
      await ctx.writes.create(channel, record, [], await eventPayload(store, record, json));
    } catch (err) {
      await releaseSlowmode?.().catch(() => {});
      throw err;
    }
    if (violations.length) await executeActions(ctx, violations, { user: author, channel, content, messageId: record.id, blocked: false });
  } catch (err) {
    ctx.deps.log.warn({ err, lobbyId: lobby.id }, 'lobby message not forwarded to its linked channel');
  }
}
