/**
 * Invites by code: look one up (no auth needed), delete it, and accept it (POST /invites/{code}, as Discord's
 * user clients join guilds). A `temporary` invite makes a temporary member, removed once disconnected unless given
 * a role (api/temporary-members.ts).
 * `with_counts=true` adds the member count (from the store) and the online count (from the presence role).
 */
import { postJoinMessage } from '../messages/system.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import { ConflictError } from '../../store/errors.ts';
import type { InviteRecord, MemberRecord } from '../../store/types.ts';
import { channelAccess, everyoneChannelPermissions, guildAccess, permissionRefusal } from '../access.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { inviteJson, memberJson } from '../../shapes/serialize.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';
import { scheduledEventJson } from '../../shapes/scheduled-event.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { INVITE_AUDIT_KEYS, deletedChanges, inviteChanges, recordAudit } from '../audit-log.ts';
import { memberEventPayload } from './members.ts';
import { inviteEventAudience, mayListInvites } from '../community-invites.ts';

const getQuery = z.object({ with_counts: queryBool.optional(), with_expiration: queryBool.optional(), guild_scheduled_event_id: snowflake.optional() });

/** The refusal of a join while the guild's invites are paused (Discord documents no code of its own: 403, 50001). */
export const INVITES_PAUSED = 'Invites to this server are paused';

export function registerInvitesRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  /** An invite, or the guild's vanity code as an invite (never expiring, unlimited, no inviter). */
  async function load(code: string): Promise<InviteRecord & { vanity?: true }> {
    const invite = code.length <= 32 ? await store.invites.get(code, ctx.deps.now()) : null;
    if (invite) return invite;
    const guildId = await store.guildCommunity.guildIdByVanityCode(code);
    const guild = guildId ? await store.guilds.get(guildId) : null;
    if (!guild?.vanityUrlCode) throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
    const channels = guild.systemChannelId ? [] : await store.channels.listByGuild(guild.id);
    const channelId = guild.systemChannelId ?? channels.find((c) => c.type === 0)?.id ?? channels[0]?.id;
    if (!channelId) throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
    return {
      code: guild.vanityUrlCode, guildId: guild.id, channelId, inviterId: null, uses: guild.vanityUses ?? 0, maxUses: 0, maxAge: 0,
      temporary: false, createdAt: guild.createdAt, expiresAt: null, vanity: true,
    };
  }

  /**
   * The scheduled event an invite link names (`guild_scheduled_event_id`), when it is one of the invite's guild that
   * someone joining could see: no channel, or a channel @everyone may view. An event of no such kind is left out, as
   * Discord leaves out an id that is not "a valid guild scheduled event id"; a value that is no snowflake is 50035.
   */
  async function inviteEvent(guildId: string, eventId: string) {
    const event = await store.scheduledEvents.get(guildId, eventId);
    if (!event) return null;
    if (event.channelId) {
      const [guild, roles] = await Promise.all([store.guilds.get(guildId), store.roles.listByGuild(guildId)]);
      if (!guild || !hasPermission(await everyoneChannelPermissions(store, guild, roles, event.channelId, ctx.deps.now()), Permissions.VIEW_CHANNEL)) return null;
    }
    return scheduledEventJson(event);
  }

  async function render(invite: InviteRecord, opts: { counts?: boolean } = {}) {
    const [guild, channel, inviter, roles] = await Promise.all([
      invite.guildId ? store.guilds.get(invite.guildId) : null,
      store.channels.get(invite.channelId),
      invite.inviterId ? store.users.get(invite.inviterId) : null,
      invite.guildId && invite.roleIds?.length ? store.roles.listByGuild(invite.guildId) : undefined,
    ]);
    if (!opts.counts || !guild) return inviteJson(invite, { guild, channel, inviter, roles });
    const [memberCount, presenceCount] = await Promise.all([store.members.count(guild.id), ctx.presenceCounts.online(guild.id)]);
    return { ...inviteJson(invite, { guild, channel, inviter, memberCount, roles }), approximate_presence_count: presenceCount };
  }

  /**
   * A targeted invite is seen only by the users on its list, its inviter, and those who may list the guild's
   * invites (Manage Server or View Audit Log); to anyone else, signed in or not, it is 10006 as if it did not exist.
   */
  async function requireVisible(invite: InviteRecord, userId: string | undefined): Promise<void> {
    if (invite.targetUsersAt == null) return;
    if (userId && (userId === invite.inviterId || (await store.invites.isTargetUser(invite.code, userId)) || (await listsInvites(invite.guildId!, userId)))) return;
    throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
  }

  async function listsInvites(guildId: string, userId: string): Promise<boolean> {
    const access = await guildAccess(store, guildId, userId, ctx.deps.now()).catch(() => null);
    return access !== null && mayListInvites(access);
  }

  ctx.get('/invites/:code', { auth: 'optional' }, async (req) => {
    const query = parse(getQuery, req.query);
    const invite = await load(req.params.code);
    await requireVisible(invite, req.user?.id);
    const json = await render(invite, { counts: query.with_counts });
    const event = query.guild_scheduled_event_id && invite.guildId ? await inviteEvent(invite.guildId, query.guild_scheduled_event_id) : null;
    return event ? { ...json, guild_scheduled_event: event } : json;
  });

  // "Requires the MANAGE_GUILD or VIEW_AUDIT_LOG permission. Invite Metadata is included with the MANAGE_GUILD permission."
  ctx.get('/guilds/:guildId/invites', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, ctx.deps.now());
    const manager = hasPermission(access.permissions, Permissions.MANAGE_GUILD);
    if (!mayListInvites(access)) throw permissionRefusal(access, Permissions.MANAGE_GUILD, Permissions.VIEW_AUDIT_LOG);
    const invites = await store.invites.listByGuild(access.guild.id);
    const channels = new Map((await store.channels.listByGuild(access.guild.id)).map((c) => [c.id, c]));
    const inviters = new Map((await store.users.getMany([...new Set(invites.flatMap((i) => (i.inviterId ? [i.inviterId] : [])))])).map((u) => [u.id, u]));
    return invites.map((i) => inviteJson(i, { guild: access.guild, channel: channels.get(i.channelId) ?? null, inviter: i.inviterId ? inviters.get(i.inviterId) : null, withMetadata: manager, roles: access.roles }));
  });

  ctx.delete('/invites/:code', {}, async (req) => {
    const invite = await load(req.params.code);
    // A vanity code is changed through PATCH /guilds/{id}, not deleted as an invite.
    if (invite.vanity) throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
    const now = ctx.deps.now();
    const guild = await guildAccess(store, invite.guildId!, req.user.id, now);
    if (!hasPermission(guild.permissions, Permissions.MANAGE_GUILD)) {
      const channel = await channelAccess(store, invite.channelId, req.user.id, now);
      // Either would do: 60003 when 2FA would give back one of them.
      if (!hasPermission(channel.permissions, Permissions.MANAGE_CHANNELS)) {
        throw (guild.mfaWithheld & Permissions.MANAGE_GUILD) !== 0n ? permissionRefusal(guild, Permissions.MANAGE_GUILD) : permissionRefusal(channel, Permissions.MANAGE_CHANNELS);
      }
    }
    const json = await render(invite);
    await store.invites.delete(invite.code);
    ctx.dispatch.guild(guild.guild.id, 'INVITE_DELETE', { channel_id: invite.channelId, guild_id: guild.guild.id, code: invite.code }, inviteEventAudience(invite.channelId));
    await recordAudit(ctx, req, guild.guild.id, { actionType: AuditLogEvent.INVITE_DELETE, targetId: null, changes: deletedChanges(inviteChanges(invite), INVITE_AUDIT_KEYS) });
    return json;
  });

  ctx.post('/invites/:code', { auth: 'user', limit: RouteLimits.invitesUse }, async (req) => {
    const invite = await load(req.params.code);
    await requireVisible(invite, req.user.id);
    const guildId = invite.guildId!;
    if (await store.bans.get(guildId, req.user.id)) throw new ApiError(ErrorCodes.ALREADY_EXISTS, { status: 403, message: 'The user is banned from this guild.' });
    const existing = await store.members.get(guildId, req.user.id);
    if (existing && !invite.roleIds?.length) return render(invite);
    // Invites paused (incident actions, routes/guild-community.ts, or the INVITES_DISABLED feature): nobody new joins,
    // and no invite gives its roles.
    const guild = await store.guilds.get(guildId);
    if ((guild?.invitesDisabledUntil ?? 0) > ctx.deps.now() || guild?.features.includes('INVITES_DISABLED')) throw new ApiError(ErrorCodes.MISSING_ACCESS, { message: INVITES_PAUSED });
    if (existing) {
      // Discord gives an invite's roles "even if they're already in your server": one use counted when any is new.
      const accepted = await store.members.acceptInviteRoles(guildId, req.user.id, invite.code, ctx.deps.now());
      if (!accepted) throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
      if (accepted.added.length > 0) ctx.dispatch.guild(guildId, 'GUILD_MEMBER_UPDATE', memberEventPayload(accepted.member, req.user));
      return render(accepted.invite);
    }

    const record: MemberRecord = {
      guildId,
      userId: req.user.id,
      nick: null,
      avatar: null,
      roles: [],
      joinedAt: ctx.deps.now(),
      deaf: false,
      mute: false,
      pending: false,
      communicationDisabledUntil: null,
      flags: 0,
      ...(invite.temporary ? { temporary: true } : {}),
    };
    // The use and the membership are one transaction: no use is counted for a join that did not happen.
    let joined: { member: MemberRecord; invite: InviteRecord } | null;
    try {
      if (invite.vanity) {
        const member = await store.guildCommunity.joinByVanity(record, invite.code);
        joined = member && { member, invite: { ...invite, uses: invite.uses + 1 } };
      } else joined = await store.members.addWithInvite(record, invite.code, ctx.deps.now());
    } catch (err) {
      // A concurrent accept of the same user got there first (and this use was not counted): joined either way.
      if (err instanceof ConflictError) return render(invite);
      throw err;
    }
    if (!joined) throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
    const { member, invite: used } = joined;
    ctx.dispatch.guild(guildId, 'GUILD_MEMBER_ADD', { ...memberJson(member, req.user), guild_id: guildId });
    await postJoinMessage(ctx, guildId, req.user);
    return { ...(await render(used)), new_member: true };
  });
}
