/**
 * GET /users/{user.id}/profile: the profile card a client opens on a name. Discord's client reads it (it is not
 * in the bot documentation): the user with their About Me and banner (`user_profile`), and with `guild_id`, the
 * member and their per-server profile (`guild_member_profile`), whose banner and About Me are shown over the
 * user's. `mutual_guilds` lists the guilds both are in, with the user's nickname there.
 *
 * Decided: user accounts only (a bot gets 20001, as on Discord), and only for someone the caller has reason to
 * see: themselves, a member of a guild they share, a friend, or the other side of a DM. Anyone else is Discord's
 * 50001 Missing Access, so that a stranger's About Me is not one id away.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { MemberRecord, UserRecord } from '../../store/types.ts';
import type { RouteContext } from '../route.ts';
import { memberJson, publicUser } from '../../shapes/serialize.ts';
import { areFriends } from '../relationships.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';

const profileQuery = z.object({
  guild_id: snowflake.optional(),
  with_mutual_guilds: queryBool.optional(),
});

/** A user's own profile fields, as Discord's `user_profile`. */
function userProfileJson(u: UserRecord) {
  return { bio: u.bio, accent_color: null, banner: u.banner, pronouns: '', theme_colors: null };
}

/** A member's profile in one guild, as Discord's `guild_member_profile`: empty where they use their user's. */
function memberProfileJson(m: MemberRecord) {
  return { guild_id: m.guildId, bio: m.bio ?? '', banner: m.banner ?? null, accent_color: null, pronouns: '', theme_colors: null };
}

export function registerUserProfileRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  ctx.get('/users/:userId/profile', { auth: 'user' }, async (req) => {
    const q = parse(profileQuery, req.query);
    const targetId = req.params.userId === '@me' ? req.user.id : req.params.userId;
    const user = isSnowflake(targetId) ? await store.users.get(targetId) : null;
    if (!user) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    const self = user.id === req.user.id;
    const [theirs, mine] = await Promise.all([store.members.nicknamesOf(user.id), self ? null : store.guilds.listIdsForUser(req.user.id)]);
    const mineSet = mine ? new Set(mine) : null;
    const mutualNicks = mineSet ? theirs.filter((m) => mineSet.has(m.guildId)) : theirs;
    const mutual = mutualNicks.map((m) => m.guildId);
    if (!self && mutual.length === 0 && !(await areFriends(store, req.user.id, user.id)) && !(await store.channels.findDm(req.user.id, user.id))) {
      throw new ApiError(ErrorCodes.MISSING_ACCESS);
    }
    // The guild's member and profile only where both are in it: another guild's nickname is not the caller's to read.
    const member = q.guild_id && mutual.includes(q.guild_id) ? await store.members.get(q.guild_id, user.id) : null;
    const mutualGuilds = q.with_mutual_guilds === false || self
      ? undefined
      : mutualNicks.map((m) => ({ id: m.guildId, nick: m.nick }));
    return {
      user: { ...publicUser(user), bio: user.bio },
      user_profile: userProfileJson(user),
      badges: [],
      connected_accounts: [],
      premium_type: null,
      premium_since: null,
      premium_guild_since: null,
      ...(member ? { guild_member: memberJson(member, user), guild_member_profile: memberProfileJson(member), guild_badges: [] } : {}),
      ...(mutualGuilds ? { mutual_guilds: mutualGuilds } : {}),
    };
  });
}
