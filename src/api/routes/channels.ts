/**
 * Channels: get, modify (a group DM rename posts Discord's type 4 system message), delete (a DM "close", a group
 * DM leave), permission overwrites, invites of a channel, typing, and read-state acks.
 */
import { MessageType } from '../../protocol/message-types.ts';
import { ApiError, ErrorCodes, fieldError, formError } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { ConflictError } from '../../store/errors.ts';
import { ChannelType, type ChannelRecord, type InviteRecord, type OverwriteRecord, type UserRecord } from '../../store/types.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import {
  CHANNEL_AUDIT_KEYS, CHANNEL_UPDATE_AUDIT_KEYS, INVITE_AUDIT_KEYS, auditEntry, createdChanges, deletedChanges, diffChanges, inviteChanges, overwriteAudits, publishAudit, recordAudit,
} from '../audit-log.ts';
import { channelAccess, requirePermission, type ChannelAccess } from '../access.ts';
import { channelPayload, publishInChannel } from '../channels/common.ts';
import { isThread } from '../channels/threads.ts';
import { checkTopicLength, forumFieldsSchema, forumSettingsFrom, threadDefaultsPatch, topicSchema } from '../channels/forum.ts';
import { deleteThread, patchThread } from './threads.ts';
import { checkOverwriteBits, checkOverwriteTarget, overwriteBody, overwriteEntry, toOverwrite } from '../channels/overwrites.ts';
import { RouteLimits } from '../ratelimit.ts';
import { acceptImage } from '../image-fields.ts';
import { channelName } from './guilds.ts';
import { isVoiceLike } from '../../protocol/channel-types.ts';
import { stageInstanceJson } from '../../shapes/stage-instance.ts';
import { EventStatus } from '../../protocol/scheduled-events.ts';
import { moveStageEvent } from '../stage-events.ts';
import { convertedType } from '../channels/announcements.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { channelJson, inviteJson, iso, memberJson, publicUser } from '../../shapes/serialize.ts';
import { postSystemMessage } from '../messages/system.ts';
import { announceUnlinked } from '../lobby-events.ts';
import { inviteCode, inviteEventAudience, checkInviteRoles, checkTargetUsersFile, readInviteCreateBody } from '../community-invites.ts';
import { parse, snowflake, z } from '../validate.ts';

const guildChannelPatch = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  topic: topicSchema,
  position: z.number().int().min(0).nullish(),
  parent_id: snowflake.nullish(),
  rate_limit_per_user: z.number().int().min(0).max(21600).nullish(),
  nsfw: z.boolean().nullish(),
  bitrate: z.number().int().min(8000).max(384000).nullish(),
  user_limit: z.number().int().min(0).max(99).nullish(),
  permission_overwrites: z.array(overwriteEntry).max(100).nullish(),
  // Text ↔ announcement only (channels/announcements.ts).
  type: z.number().int().optional(),
  // Forum and media channels (channels/forum.ts).
  ...forumFieldsSchema,
});

const groupDmPatch = z.object({
  name: z.string().max(100).nullish(),
  icon: z.string().max(10 * 1024 * 1024).nullish(),
});

const inviteBody = z.object({
  max_age: z.number().int().min(0).max(604800).nullish(),
  max_uses: z.number().int().min(0).max(100).nullish(),
  temporary: z.boolean().nullish(),
  unique: z.boolean().nullish(),
  target_type: z.union([z.literal(1), z.literal(2)]).nullish(),
  target_user_id: snowflake.nullish(),
  target_application_id: snowflake.nullish(),
  role_ids: z.array(snowflake).max(250).nullish(),
});

/**
 * An invite's target (Discord: 1 a user's stream, with target_user_id; 2 an embedded activity, with
 * target_application_id): each needs its id, and then voice, which Accord does not have, so a target is refused
 * (50035) rather than dropped from an invite made without it.
 */
function refuseInviteTarget(body: z.infer<typeof inviteBody>): void {
  if (body.target_type == null) return;
  if (body.target_type === 1 && !body.target_user_id) throw fieldError('target_user_id', 'BASE_TYPE_REQUIRED', 'This field is required');
  if (body.target_type === 2 && !body.target_application_id) throw fieldError('target_application_id', 'BASE_TYPE_REQUIRED', 'This field is required');
  throw fieldError('target_type', 'INVITE_TARGET_UNSUPPORTED', 'Stream and activity invites need voice, which this server does not have');
}

const ackBody = z.object({ token: z.string().nullish(), manual: z.boolean().nullish(), mention_count: z.number().int().min(0).nullish() });

export function registerChannelsRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const access = (channelId: string, user: UserRecord) => channelAccess(store, channelId, user.id, ctx.deps.now());

  ctx.get('/channels/:channelId', {}, async (req) => {
    const a = await access(req.params.channelId, req.user);
    return channelPayload(store, a.channel, req.user.id);
  });

  ctx.patch('/channels/:channelId', { limit: RouteLimits.channelEdit }, async (req) => {
    const a = await access(req.params.channelId, req.user);
    if (a.channel.type === ChannelType.DM) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    if (a.channel.type === ChannelType.GROUP_DM) return patchGroupDm(a.channel, req.body, req.user);
    if (isThread(a.channel)) return patchThread(ctx, a, req.body, req);
    return patchGuildChannel(a, req.body, req.user, req);
  });

  async function patchGuildChannel(a: ChannelAccess, raw: unknown, user: UserRecord, req: RouteRequest) {
    requirePermission(a, Permissions.MANAGE_CHANNELS);
    const body = parse(guildChannelPatch, raw);
    const c = a.channel;
    const patch: Parameters<typeof store.channels.update>[1] = {};
    if (body.name !== undefined) patch.name = channelName(body.name, c.type);
    if (body.position != null) patch.position = body.position;
    if (body.nsfw != null) patch.nsfw = body.nsfw;
    const forum = c.type === ChannelType.GUILD_FORUM || c.type === ChannelType.GUILD_MEDIA;
    const textLike = c.type === ChannelType.GUILD_TEXT || c.type === ChannelType.GUILD_ANNOUNCEMENT || forum;
    checkTopicLength(c.type, body.topic);
    if (textLike && body.topic !== undefined) patch.topic = body.topic || null;
    // Discord's slowmode is for text, voice, stage, forum and media channels: an announcement channel has none.
    const slowable = (textLike && c.type !== ChannelType.GUILD_ANNOUNCEMENT) || isVoiceLike(c.type);
    if (slowable && body.rate_limit_per_user != null) patch.rateLimitPerUser = body.rate_limit_per_user;
    // Thread defaults of a text or announcement channel (a forum's are in its forum settings, below); null clears.
    if (!forum && textLike) Object.assign(patch, threadDefaultsPatch(c.type, body));
    if (isVoiceLike(c.type) && body.bitrate != null) patch.bitrate = body.bitrate;
    if (isVoiceLike(c.type) && body.user_limit != null) patch.userLimit = body.user_limit;
    if (body.parent_id !== undefined && c.type !== ChannelType.GUILD_CATEGORY) {
      if (body.parent_id !== null) {
        const parent = await store.channels.get(body.parent_id);
        if (!parent || parent.guildId !== c.guildId || parent.type !== ChannelType.GUILD_CATEGORY) {
          throw formError([{ path: ['parent_id'], code: 'CHANNEL_PARENT_INVALID', message: 'Category does not exist' }]);
        }
      }
      patch.parentId = body.parent_id;
    }

    const overwrites = body.permission_overwrites?.map((o) => toOverwrite(c.id, o.id, o));
    let previousOverwrites: OverwriteRecord[] = [];
    if (overwrites) {
      const current = await store.overwrites.listByChannel(c.id);
      previousOverwrites = current;
      const key = (o: { id: string; type: number; allow: string; deny: string }) => `${o.id}:${o.type}:${o.allow}:${o.deny}`;
      const before = new Set(current.map(key));
      const after = new Set(overwrites.map(key));
      const changed = [...current.filter((o) => !after.has(key(o))), ...overwrites.filter((o) => !before.has(key(o)))];
      for (const o of changed) checkOverwriteBits(a, BigInt(o.allow), BigInt(o.deny));
      for (const [i, o] of overwrites.entries()) await checkOverwriteTarget(store, a, o, ['permission_overwrites', i, 'id']);
    }

    const newType = convertedType(c, body.type);
    if (newType !== null) await store.channels.setType(c.id, newType);
    // Fields and overwrite set in one transaction.
    const updated = Object.keys(patch).length || overwrites ? await store.channels.update(c.id, patch, { overwrites }) : newType !== null ? { ...c, type: newType } : c;
    if (forum && Object.keys(forumFieldsSchema).some((k) => (body as Record<string, unknown>)[k] !== undefined)) {
      await store.threads.putForum(forumSettingsFrom(c.id, c.type, body, () => ctx.deps.ids.next(), await store.threads.getForum(c.id)));
    }
    const json = await channelPayload(store, updated, user.id);
    ctx.dispatch.guild(c.guildId!, 'CHANNEL_UPDATE', json, { channelId: c.id });
    const before = channelJson(c);
    const changes = diffChanges(before, json, CHANNEL_UPDATE_AUDIT_KEYS);
    if (changes.length) await recordAudit(ctx, req, c.guildId!, { actionType: AuditLogEvent.CHANNEL_UPDATE, targetId: c.id, changes });
    if (overwrites) {
      const roles = a.guild!.roles;
      for (const input of overwriteAudits(c.id, previousOverwrites, overwrites, (id) => roles.find((r) => r.id === id)?.name)) {
        await recordAudit(ctx, req, c.guildId!, input);
      }
    }
    return json;
  }

  async function patchGroupDm(channel: ChannelRecord, raw: unknown, user: UserRecord) {
    const body = parse(groupDmPatch, raw);
    const patch: Parameters<typeof store.channels.update>[1] = {};
    if (body.name !== undefined) patch.name = body.name || null;
    if (body.icon !== undefined) patch.icon = await acceptImage(ctx.deps, body.icon, { field: 'icon', owner: { kind: 'channel-icons', id: channel.id }, current: channel.icon });
    const updated = Object.keys(patch).length ? await store.channels.update(channel.id, patch) : channel;
    for (const id of await store.channels.listRecipients(channel.id)) {
      ctx.dispatch.users([id], 'CHANNEL_UPDATE', await channelPayload(store, updated, id));
    }
    // Discord's CHANNEL_NAME_CHANGE system message: by the renamer, the new name as its content.
    if (patch.name !== undefined && updated.name !== channel.name) {
      await postSystemMessage(ctx, updated, user, MessageType.CHANNEL_NAME_CHANGE, { content: updated.name ?? '' });
    }
    return channelPayload(store, updated, user.id);
  }

  ctx.delete('/channels/:channelId', { limit: RouteLimits.channelEdit }, async (req) => {
    const a = await access(req.params.channelId, req.user);
    const c = a.channel;
    const json = await channelPayload(store, c, req.user.id);
    if (c.type === ChannelType.DM) {
      // Closing a DM hides it for the caller; the channel and its history stay.
      ctx.dispatch.users([req.user.id], 'CHANNEL_DELETE', json);
      return json;
    }
    if (c.type === ChannelType.GROUP_DM) {
      // One transaction: the caller leaves, an owner hands the group on, the last one out deletes it.
      const { channel: after, recipients: rest } = await store.channels.removeGroupRecipient(c.id, req.user.id);
      // The last one out deleted the group, and its messages' files with it.
      if (!after) await ctx.writes.channelFilesGone(c.id);
      ctx.dispatch.users([req.user.id], 'CHANNEL_DELETE', json);
      ctx.dispatch.users(rest, 'CHANNEL_RECIPIENT_REMOVE', { channel_id: c.id, user: publicUser(req.user) });
      if (after && after.ownerId !== c.ownerId) {
        for (const id of rest) ctx.dispatch.users([id], 'CHANNEL_UPDATE', await channelPayload(store, after, id));
      }
      return json;
    }
    if (isThread(c)) return deleteThread(ctx, a, req);
    requirePermission(a, Permissions.MANAGE_CHANNELS);
    // The channel's files go after the commit (messages/write.ts).
    const entry = auditEntry(ctx, req, c.guildId!, { actionType: AuditLogEvent.CHANNEL_DELETE, targetId: c.id, changes: deletedChanges(json, CHANNEL_AUDIT_KEYS) });
    // A category's channels stay, out of it: "will have their parent_id removed and a Channel Update Gateway
    // event will fire for each of them" (the store clears parent_id in the delete's transaction).
    const category = c.type === ChannelType.GUILD_CATEGORY;
    const children = new Set(category ? (await store.channels.listByGuild(c.guildId!)).filter((x) => x.parentId === c.id).map((x) => x.id) : []);
    // A stage's open instance goes with its channel (the foreign key); its watchers hear it closed first.
    const stage = c.type === ChannelType.GUILD_STAGE_VOICE ? await store.stageInstances.getByChannel(c.id) : null;
    // A lobby linked to it is unlinked by the delete (the foreign key); its members hear of it after.
    const linked = await store.lobbies.listLinkedTo([c.id]);
    await ctx.writes.deleteChannel(c.id, [entry]);
    await announceUnlinked(ctx, linked);
    if (stage) {
      ctx.dispatch.guild(c.guildId!, 'STAGE_INSTANCE_DELETE', stageInstanceJson(stage), { channelId: c.id });
      await moveStageEvent(ctx, stage, EventStatus.COMPLETED);
    }
    ctx.dispatch.guild(c.guildId!, 'CHANNEL_DELETE', json);
    if (children.size) {
      for (const child of (await store.channels.listByGuild(c.guildId!)).filter((x) => children.has(x.id))) {
        ctx.dispatch.guild(c.guildId!, 'CHANNEL_UPDATE', await channelPayload(store, child, req.user.id), { channelId: child.id });
      }
    }
    await publishAudit(ctx, entry);
    return json;
  });

  // ------------------------------------------------------------------------------ permission overwrites

  async function announceOverwrites(a: ChannelAccess, user: UserRecord) {
    const json = await channelPayload(store, a.channel, user.id);
    ctx.dispatch.guild(a.channel.guildId!, 'CHANNEL_UPDATE', json, { channelId: a.channel.id });
  }

  ctx.put('/channels/:channelId/permissions/:overwriteId', { limit: RouteLimits.channelEdit }, async (req) => {
    const a = await access(req.params.channelId, req.user);
    if (!a.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    const targetId = req.params.overwriteId;
    if (!isSnowflake(targetId)) throw new ApiError(ErrorCodes.UNKNOWN_OVERWRITE);
    const overwrite = toOverwrite(a.channel.id, targetId, parse(overwriteBody, req.body));
    // PUT replaces the whole overwrite, so the bits it drops change permissions as much as those it sets: an
    // empty PUT over `deny SEND_MESSAGES` must need SEND_MESSAGES too, or MANAGE_ROLES lifts denies it lacks.
    const previous = (await store.overwrites.listByChannel(a.channel.id)).find((o) => o.id === targetId);
    const changed = (o: { allow: string; deny: string } | undefined, key: 'allow' | 'deny') => BigInt(overwrite[key]) ^ BigInt(o?.[key] ?? '0');
    checkOverwriteBits(a, changed(previous, 'allow'), changed(previous, 'deny'));
    await checkOverwriteTarget(store, a, overwrite);
    await store.overwrites.put(overwrite);
    await announceOverwrites(a, req.user);
    const roles = a.guild!.roles;
    const rest = (await store.overwrites.listByChannel(a.channel.id)).filter((o) => o.id !== targetId);
    for (const input of overwriteAudits(a.channel.id, previous ? [...rest, previous] : rest, [...rest, overwrite], (id) => roles.find((r) => r.id === id)?.name)) {
      await recordAudit(ctx, req, a.channel.guildId, input);
    }
    return undefined;
  });

  ctx.delete('/channels/:channelId/permissions/:overwriteId', { limit: RouteLimits.channelEdit }, async (req) => {
    const a = await access(req.params.channelId, req.user);
    if (!a.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    requirePermission(a, Permissions.MANAGE_ROLES);
    const existing = (await store.overwrites.listByChannel(a.channel.id)).find((o) => o.id === req.params.overwriteId);
    if (!existing) throw new ApiError(ErrorCodes.UNKNOWN_OVERWRITE);
    checkOverwriteBits(a, BigInt(existing.allow), BigInt(existing.deny));
    await store.overwrites.delete(a.channel.id, existing.id);
    await announceOverwrites(a, req.user);
    const roles = a.guild!.roles;
    for (const input of overwriteAudits(a.channel.id, [existing], [], (id) => roles.find((r) => r.id === id)?.name)) {
      await recordAudit(ctx, req, a.channel.guildId, input);
    }
    return undefined;
  });

  // ------------------------------------------------------------------------------------------- invites

  // JSON, or a form with `target_users_file` (community invites, api/community-invites.ts).
  ctx.post('/channels/:channelId/invites', { uploads: true }, async (req) => {
    const a = await access(req.params.channelId, req.user);
    if (!a.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    requirePermission(a, Permissions.CREATE_INSTANT_INVITE);
    const read = await readInviteCreateBody(req, ctx.deps.config.jsonMaxDepth);
    const body = parse(inviteBody, read.body);
    refuseInviteTarget(body);
    const roles = checkInviteRoles(a.guild!, body.role_ids ?? []);
    const targetUserIds = checkTargetUsersFile(a.guild!, read.targetUsersFile, false);
    const roleIds = roles.map((r) => r.id);
    const now = ctx.deps.now();
    const maxAge = body.max_age ?? 86400;
    const maxUses = body.max_uses ?? 0;
    const temporary = body.temporary ?? false;
    const guild = a.guild!.guild;
    const guildRoles = a.guild!.roles;
    // Without `unique`, Discord reuses a similar invite: here, a live one of this channel by the same inviter with
    // the same max_age, max_uses, temporary and roles, for anyone (a targeted one never), not used up. It comes back
    // as it is (its own expiry and uses), with no INVITE_CREATE and no audit entry, since nothing was created.
    if (!body.unique && !targetUserIds) {
      const sameRoles = (i: InviteRecord) => (i.roleIds ?? []).length === roleIds.length && roleIds.every((r) => i.roleIds!.includes(r));
      const similar = (await store.invites.listByChannel(a.channel.id)).find((i) => i.inviterId === req.user.id && i.maxAge === maxAge && i.maxUses === maxUses
        && i.temporary === temporary && !i.targetUsersAt && sameRoles(i) && (i.expiresAt === null || i.expiresAt > now) && (i.maxUses === 0 || i.uses < i.maxUses));
      if (similar) return inviteJson(similar, { guild, channel: a.channel, inviter: req.user, withMetadata: true, roles: guildRoles });
    }
    let invite: InviteRecord | undefined;
    for (let attempt = 0; !invite; attempt++) {
      const record: InviteRecord = {
        code: inviteCode(),
        guildId: a.channel.guildId,
        channelId: a.channel.id,
        inviterId: req.user.id,
        uses: 0,
        maxUses,
        maxAge,
        temporary,
        createdAt: now,
        expiresAt: maxAge === 0 ? null : now + maxAge * 1000,
        roleIds,
      };
      try {
        invite = await store.invites.create(record, targetUserIds ? { targetUserIds } : {});
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= 4) throw err;
      }
    }
    ctx.dispatch.guild(guild.id, 'INVITE_CREATE', {
      channel_id: invite.channelId,
      guild_id: guild.id,
      code: invite.code,
      created_at: iso(invite.createdAt),
      inviter: publicUser(req.user),
      max_age: invite.maxAge,
      max_uses: invite.maxUses,
      temporary: invite.temporary,
      uses: invite.uses,
      type: 0,
      expires_at: invite.expiresAt ? iso(invite.expiresAt) : null,
      ...(roleIds.length > 0 ? { role_ids: roleIds } : {}),
    }, inviteEventAudience(invite.channelId));
    await recordAudit(ctx, req, guild.id, { actionType: AuditLogEvent.INVITE_CREATE, targetId: null, changes: createdChanges(inviteChanges(invite), INVITE_AUDIT_KEYS) });
    return inviteJson(invite, { guild, channel: a.channel, inviter: req.user, withMetadata: true, roles: guildRoles });
  });

  ctx.get('/channels/:channelId/invites', {}, async (req) => {
    const a = await access(req.params.channelId, req.user);
    if (!a.channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    requirePermission(a, Permissions.MANAGE_CHANNELS);
    const invites = await store.invites.listByChannel(a.channel.id);
    const now = ctx.deps.now();
    const live = invites.filter((i) => i.expiresAt === null || i.expiresAt > now);
    const inviters = new Map((await store.users.getMany([...new Set(live.flatMap((i) => (i.inviterId ? [i.inviterId] : [])))])).map((u) => [u.id, u]));
    return live.map((i) => inviteJson(i, { guild: a.guild!.guild, channel: a.channel, inviter: i.inviterId ? inviters.get(i.inviterId) : null, withMetadata: true, roles: a.guild!.roles }));
  });

  // ----------------------------------------------------------------------------------- typing and acks

  ctx.post('/channels/:channelId/typing', { limit: RouteLimits.typing }, async (req) => {
    const a = await access(req.params.channelId, req.user);
    // In a thread, whoever may send there (SEND_MESSAGES_IN_THREADS).
    requirePermission(a, isThread(a.channel) ? Permissions.SEND_MESSAGES_IN_THREADS : Permissions.SEND_MESSAGES);
    const member = a.guild?.member;
    await publishInChannel(ctx, a.channel, 'TYPING_START', {
      channel_id: a.channel.id,
      ...(a.channel.guildId ? { guild_id: a.channel.guildId } : {}),
      user_id: req.user.id,
      timestamp: Math.floor(ctx.deps.now() / 1000),
      ...(member ? { member: memberJson(member, req.user) } : {}),
    });
    return undefined;
  });

  ctx.post('/channels/:channelId/messages/:messageId/ack', {}, async (req) => {
    const a = await access(req.params.channelId, req.user);
    const messageId = parse(z.object({ message_id: snowflake }), { message_id: req.params.messageId }).message_id;
    const body = parse(ackBody, req.body);
    const previous = (await store.readStates.listForUser(req.user.id)).find((s) => s.channelId === a.channel.id);
    const now = ctx.deps.now();
    await store.readStates.ack({
      userId: req.user.id,
      channelId: a.channel.id,
      lastMessageId: messageId,
      mentionCount: body.mention_count ?? 0,
      lastPinTimestamp: previous?.lastPinTimestamp ?? null,
    });
    ctx.dispatch.users([req.user.id], 'MESSAGE_ACK', { channel_id: a.channel.id, message_id: messageId, version: now, ...(body.manual ? { manual: true, mention_count: body.mention_count ?? 0 } : {}) });
    return { token: null };
  });

}
