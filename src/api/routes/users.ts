/**
 * Users: the current user, other users, the current user's guilds, and private channels (DMs and group DMs,
 * with their recipient routes, which live here rather than in channels.ts because only private channels have them).
 */
import { memberGone } from '../integrations.ts';
import { hashPassword, issueToken, tokenPublicId, verifyPassword } from '../../lib/secrets.ts';
import { grantedUser } from '../oauth2.ts';
import { accountHasMfa, channelAccess, guildAccess, permissionContext } from '../access.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { GuildMfaLevel, computeBasePermissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { ChannelType, type ChannelRecord, type Store, type UserRecord } from '../../store/types.ts';
import { acceptImage, imageBodyLimit } from '../image-fields.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { channelJson, memberJson, partialGuildJson, privateUser, publicUser } from '../../shapes/serialize.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';
import { botUsernameSchema, rethrowAccountConflict, revokeTokens, usernameSchema, userToken } from './auth.ts';
import { memberEventPayload } from './members.ts';
import { areFriends } from '../relationships.ts';

/** A group DM holds at most 10 users, its owner included (Discord's limit). */
export const GROUP_DM_MAX_USERS = 10;

/** The fields of a user that others see (publicUser). */
const PUBLIC_USER_FIELDS = ['username', 'globalName', 'avatar', 'banner'] as const;

/** A new username, checked by the account's kind once the caller is known. */
const usernameFor = { user: z.object({ username: usernameSchema }), bot: z.object({ username: botUsernameSchema }) };

const patchMeBody = z.object({
  // Checked by the account's kind (usernameSchema, botUsernameSchema) once the caller is known.
  username: z.string().optional(),
  global_name: z.string().max(32).nullish(),
  avatar: z.string().nullish(),
  banner: z.string().nullish(),
  bio: z.string().max(190).optional(),
  email: z.string().max(320).email().optional(),
  /** The current password: required to change the username, the email or the password (user accounts). */
  password: z.string().max(128).optional(),
  new_password: z.string().min(8).max(72).optional(),
});

const guildsQuery = z.object({
  before: snowflake.optional(),
  after: snowflake.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(200),
  with_counts: queryBool.optional(),
});

const createDmBody = z.union([
  z.object({ recipient_id: snowflake }),
  z.object({ recipients: z.array(snowflake).min(1).max(GROUP_DM_MAX_USERS - 1) }),
  z.object({ access_tokens: z.array(z.string().max(256)).min(1).max(GROUP_DM_MAX_USERS - 1), nicks: z.record(z.string(), z.string()).optional() }),
]);

/** Group DM Add Recipient: an app adds a user with their gdm.join access token; a person adds a friend with no body. */
const addRecipientBody = z.object({ access_token: z.string().max(256).nullish(), nick: z.string().max(32).nullish() }).nullish();

/**
 * Who may be put in a group DM: as on Discord, only the caller's friends (relationships, routes/relationships.ts).
 * Sharing a guild is not enough. Recipients added through access_tokens gave their token, which is consent by itself.
 */
const mayAdd = (store: Store, recipientId: string, callerId: string): Promise<boolean> => areFriends(store, callerId, recipientId);

/** The error for a recipient who is not the caller's friend: Discord's "Cannot send messages to this user". */
const notAddable = () => new ApiError(ErrorCodes.CANNOT_SEND_TO_USER, { status: 400 });

/**
 * True when the two users share a guild, already have a DM channel or are friends. A block does not stop opening
 * the DM (as on Discord, where the channel opens and sending in it answers 50007: api/relationships.ts).
 */
async function canReach(store: Store, a: string, b: string): Promise<boolean> {
  if (await store.channels.findDm(a, b)) return true;
  if (await areFriends(store, a, b)) return true;
  const [ga, gb] = await Promise.all([store.guilds.listIdsForUser(a), store.guilds.listIdsForUser(b)]);
  const set = new Set(ga);
  return gb.some((id) => set.has(id));
}

/** A private channel as `viewerId` sees it: the recipients are everyone else. */
export function privateChannelJson(c: ChannelRecord, users: readonly UserRecord[], viewerId: string) {
  return channelJson(c, { recipients: users.filter((u) => u.id !== viewerId) });
}

/** Group DMs a caller may hold made through access_tokens (Discord's limit for that form of the endpoint). */
const MAX_TOKEN_GROUP_DMS = 10;

export function registerUsersRoutes(ctx: RouteContext): void {
  const { store, ids, now } = ctx.deps;

  /** Publishes CHANNEL_CREATE to each user, with the recipients list that user sees. */
  const announceChannel = (c: ChannelRecord, users: readonly UserRecord[], to: readonly string[], t = 'CHANNEL_CREATE') => {
    for (const userId of to) ctx.dispatch.users([userId], t, privateChannelJson(c, users, userId));
  };

  // An OAuth2 access token reads it with `identify`, and sees the email only with `email` (api/oauth2.ts).
  ctx.get('/users/@me', { oauth: 'identify' }, (req) => {
    const me = privateUser(req.user);
    if (!req.oauth || req.oauth.scopes.includes('email')) return me;
    const { email: _email, verified: _verified, ...withoutEmail } = me;
    return withoutEmail;
  });

  /**
   * As Discord: a user account confirms its current `password` to change its username, email or password. A new
   * password revokes every token of the user (closing their gateway sessions) and the answer carries a fresh
   * `token` to go on with. Under the auth rate limit: the current password must not be guessable here.
   */
  ctx.patch('/users/@me', { limit: RouteLimits.auth, bodyLimit: imageBodyLimit(ctx.deps.config, 2) }, async (req) => {
    const body = parse(patchMeBody, req.body);
    const me = req.user;
    const patch: Partial<UserRecord> = {};
    const username = body.username === undefined ? undefined : parse(me.bot ? usernameFor.bot : usernameFor.user, { username: body.username }).username;
    if (username !== undefined && username !== me.username) {
      patch.username = username;
      // A bot's display name is its username (Discord's bots have no global_name): the application's name it got
      // at creation would otherwise keep showing after a rename.
      if (me.bot) patch.globalName = null;
    }
    if (body.global_name !== undefined) patch.globalName = body.global_name?.trim() || null;
    if (body.bio !== undefined) patch.bio = body.bio;
    // Bots have neither an email nor a password.
    const newPassword = me.bot ? undefined : body.new_password;
    if (!me.bot && body.email !== undefined && body.email !== me.email) patch.email = body.email;
    if (!me.bot && (patch.username !== undefined || patch.email !== undefined || newPassword !== undefined)) {
      if (body.password === undefined) throw fieldError('password', 'BASE_TYPE_REQUIRED', 'This field is required');
      if (!(await verifyPassword(body.password, me.passwordHash))) throw fieldError('password', 'PASSWORD_DOES_NOT_MATCH', 'Password does not match.');
    }
    // Images last, once everything else is valid: their bytes are stored before the hashes that name them.
    if (body.avatar !== undefined) patch.avatar = await acceptImage(ctx.deps, body.avatar, { field: 'avatar', owner: { kind: 'avatars', id: me.id }, current: me.avatar });
    if (body.banner !== undefined) patch.banner = await acceptImage(ctx.deps, body.banner, { field: 'banner', owner: { kind: 'banners', id: me.id }, current: me.banner });
    const passwordHash = newPassword === undefined ? undefined : await hashPassword(newPassword);
    const user = Object.keys(patch).length ? await store.users.update(me.id, patch).catch(rethrowAccountConflict) : me;
    let token: string | undefined;
    if (passwordHash !== undefined) {
      const at = now();
      const issued = issueToken(me.id, at);
      const revoked = await store.tokens.replaceForUser(me.id, 'user', userToken(req, me.id, issued.hash, at), { passwordHash });
      revokeTokens(ctx, { userId: me.id, tokenIds: revoked.map((t) => tokenPublicId(t.hash)) });
      token = issued.token;
    }
    ctx.dispatch.users([user.id], 'USER_UPDATE', privateUser(user));
    // What others see of the user changed: Discord tells each guild they share through GUILD_MEMBER_UPDATE (the
    // member object carries the new user), so avatars and names change for everyone without a reload.
    if (PUBLIC_USER_FIELDS.some((field) => patch[field] !== undefined && patch[field] !== me[field])) {
      for (const guildId of await store.guilds.listIdsForUser(user.id)) {
        const member = await store.members.get(guildId, user.id);
        if (member) ctx.dispatch.guild(guildId, 'GUILD_MEMBER_UPDATE', memberEventPayload(member, user));
      }
    }
    return token === undefined ? privateUser(user) : { ...privateUser(user), token };
  });

  ctx.get('/users/@me/guilds', { oauth: 'guilds' }, async (req) => {
    const q = parse(guildsQuery, req.query);
    let guildIds = await store.guilds.listIdsForUser(req.user.id);
    if (q.after) guildIds = guildIds.filter((id) => BigInt(id) > BigInt(q.after!));
    if (q.before) guildIds = guildIds.filter((id) => BigInt(id) < BigInt(q.before!));
    // Discord pages `before` from the newest end; the result stays in ascending order either way.
    guildIds = q.before && !q.after ? guildIds.slice(-q.limit) : guildIds.slice(0, q.limit);
    const guilds = await store.guilds.getMany(guildIds);
    // Server-wide 2FA: in a guild that requires it, an account without 2FA holds no moderator permission, as every
    // route check sees it (access.ts). The account is read once, and only if some guild requires it.
    let ownMfa: Promise<boolean> | undefined;
    const withoutMfa = async (mfaLevel: number | undefined) => mfaLevel === GuildMfaLevel.ELEVATED && !(await (ownMfa ??= accountHasMfa(store, req.user.id)));
    return Promise.all(
      guilds.map(async (g) => {
        const [member, roles] = await Promise.all([store.members.get(g.id, req.user.id), store.roles.listByGuild(g.id)]);
        const perms = member ? computeBasePermissions({ ...permissionContext(g, member, roles, now()), withoutMfa: await withoutMfa(g.mfaLevel) }) : 0n;
        const json: Record<string, unknown> = partialGuildJson(g, perms, req.user.id);
        if (q.with_counts) {
          json.approximate_member_count = await store.members.count(g.id);
          json.approximate_presence_count = await ctx.presenceCounts.online(g.id);
        }
        return json;
      }),
    );
  });

  ctx.get('/users/@me/guilds/:guildId/member', { oauth: 'guilds.members.read' }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    return memberJson(access.member, req.user);
  });

  // The owner cannot leave (Discord answers 400 "Invalid Guild", code 50055): they must transfer or delete it.
  ctx.delete('/users/@me/guilds/:guildId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    if (access.isOwner) throw new ApiError(ErrorCodes.INVALID_GUILD);
    await store.members.remove(access.guild.id, req.user.id);
    ctx.dispatch.guild(access.guild.id, 'GUILD_MEMBER_REMOVE', { guild_id: access.guild.id, user: publicUser(req.user) });
    await memberGone(ctx, access.guild.id, req.user);
    return undefined;
  });

  // Accounts connected elsewhere (Twitch, GitHub…): Accord links none, so the list is always empty.
  ctx.get('/users/@me/connections', { oauth: 'connections' }, () => []);

  ctx.get('/users/@me/channels', {}, async (req) => {
    const channels = await store.channels.listPrivateForUser(req.user.id);
    const recipientIds = await Promise.all(channels.map((c) => store.channels.listRecipients(c.id)));
    const users = new Map((await store.users.getMany([...new Set(recipientIds.flat())])).map((u) => [u.id, u]));
    return channels.map((c, i) => privateChannelJson(c, recipientIds[i]!.map((id) => users.get(id)).filter((u): u is UserRecord => !!u), req.user.id));
  });

  ctx.post('/users/@me/channels', {}, async (req) => {
    const body = parse(createDmBody, req.body);
    const me = req.user;

    if ('recipient_id' in body) {
      const other = body.recipient_id === me.id ? null : await store.users.get(body.recipient_id);
      if (!other) throw new ApiError(ErrorCodes.UNKNOWN_USER);
      const existing = await store.channels.findDm(me.id, other.id);
      if (existing) return privateChannelJson(existing, [me, other], me.id);
      if (!(await canReach(store, me.id, other.id))) throw new ApiError(ErrorCodes.CANNOT_SEND_TO_USER, { status: 400 });
      const channel = await store.channels.create(newPrivateChannel(ids.next(), ChannelType.DM, null, now()), [me.id, other.id]);
      // Both sides learn of the DM now (Discord tells the other side only with the first message): a client
      // that already knows the channel handles that first MESSAGE_CREATE without fetching it.
      announceChannel(channel, [me, other], [me.id, other.id]);
      return privateChannelJson(channel, [me, other], me.id);
    }

    let others: UserRecord[];
    if ('recipients' in body) {
      const wanted = [...new Set(body.recipients)].filter((id) => id !== me.id);
      others = await store.users.getMany(wanted);
      if (others.length !== wanted.length) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    } else {
      // access_tokens: OAuth2 access tokens of users who granted the caller's application gdm.join (the caller is
      // its bot; an application's id is its bot's). Anything else is 50025, as Discord answers a bad token.
      const resolved = await Promise.all(body.access_tokens.map((t) => grantedUser(store, t, me.id, 'gdm.join', now())));
      if (resolved.some((u) => !u)) throw new ApiError(ErrorCodes.INVALID_OAUTH2_ACCESS_TOKEN);
      others = [...new Map((resolved as UserRecord[]).filter((u) => u.id !== me.id).map((u) => [u.id, u])).values()];
      // Discord: "This endpoint is limited to 10 active group DMs". Counted as the group DMs the caller owns: a bot's
      // are all made this way; a user's own ones made with `recipients` count too (Accord keeps no record of how).
      const owned = (await store.channels.listPrivateWithRecipients(me.id)).filter((c) => c.channel.type === ChannelType.GROUP_DM && c.channel.ownerId === me.id);
      if (owned.length >= MAX_TOKEN_GROUP_DMS) throw new ApiError(ErrorCodes.MAX_GROUP_DMS);
    }
    for (const u of others) {
      if ('recipients' in body && !(await mayAdd(store, u.id, me.id))) throw notAddable();
    }
    const members = [me, ...others];
    const channel = await store.channels.create(newPrivateChannel(ids.next(), ChannelType.GROUP_DM, me.id, now()), members.map((u) => u.id));
    announceChannel(channel, members, members.map((u) => u.id));
    return privateChannelJson(channel, members, me.id);
  });

  ctx.put('/channels/:channelId/recipients/:userId', {}, async (req) => {
    const body = parse(addRecipientBody, req.body) ?? {};
    const { channel } = await channelAccess(store, req.params.channelId, req.user.id, now());
    if (channel.type !== ChannelType.GROUP_DM) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    if (channel.ownerId !== req.user.id) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const target = isSnowflake(req.params.userId) ? await store.users.get(req.params.userId) : null;
    if (!target) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    const current = await store.channels.listRecipients(channel.id);
    if (current.includes(target.id)) return undefined;
    if (current.length >= GROUP_DM_MAX_USERS) throw new ApiError(ErrorCodes.INVALID_RECIPIENTS, { message: `A group DM holds at most ${GROUP_DM_MAX_USERS} users` });
    if (body.access_token != null) {
      // The user's own consent (OAuth2 gdm.join granted to the caller's application) replaces friendship.
      if ((await grantedUser(store, body.access_token, req.user.id, 'gdm.join', now()))?.id !== target.id) throw new ApiError(ErrorCodes.INVALID_OAUTH2_ACCESS_TOKEN);
    } else if (!(await mayAdd(store, target.id, req.user.id))) throw notAddable();
    await store.channels.addRecipient(channel.id, target.id);
    const users = await store.users.getMany([...current, target.id]);
    ctx.dispatch.users(current, 'CHANNEL_RECIPIENT_ADD', { channel_id: channel.id, user: publicUser(target) });
    announceChannel(channel, users, [target.id]);
    return undefined;
  });

  ctx.delete('/channels/:channelId/recipients/:userId', {}, async (req) => {
    const { channel } = await channelAccess(store, req.params.channelId, req.user.id, now());
    if (channel.type !== ChannelType.GROUP_DM) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    const targetId = req.params.userId === '@me' ? req.user.id : req.params.userId;
    if (targetId !== req.user.id && channel.ownerId !== req.user.id) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const current = await store.channels.listRecipients(channel.id);
    if (!current.includes(targetId)) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    const users = await store.users.getMany(current);
    const target = users.find((u) => u.id === targetId)!;
    // One transaction: the recipient goes, an owner who leaves hands the group to a remaining recipient (the
    // lowest id, as recipients carry no join time), and the last one out deletes the group.
    const { channel: updated, recipients: remaining } = await store.channels.removeGroupRecipient(channel.id, targetId);
    ctx.dispatch.users(remaining, 'CHANNEL_RECIPIENT_REMOVE', { channel_id: channel.id, user: publicUser(target) });
    if (updated && updated.ownerId !== channel.ownerId) announceChannel(updated, users.filter((u) => u.id !== targetId), remaining, 'CHANNEL_UPDATE');
    announceChannel(channel, users, [targetId], 'CHANNEL_DELETE');
    return undefined;
  });

  // Registered last: the static /users/@me routes above take precedence over the parameter anyway.
  ctx.get('/users/:userId', {}, async (req) => {
    const user = isSnowflake(req.params.userId) ? await store.users.get(req.params.userId) : null;
    if (!user) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    return publicUser(user);
  });
}

function newPrivateChannel(id: string, type: typeof ChannelType.DM | typeof ChannelType.GROUP_DM, ownerId: string | null, at: number): ChannelRecord {
  return {
    id, type, guildId: null, name: null, topic: null, position: 0, parentId: null, nsfw: false, rateLimitPerUser: 0,
    lastMessageId: null, lastPinTimestamp: null, ownerId, icon: null, bitrate: null, userLimit: null, createdAt: at,
  };
}
