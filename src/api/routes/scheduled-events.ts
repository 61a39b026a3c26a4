/**
 * Guild scheduled events (https://discord.com/developers/docs/resources/guild-scheduled-event): list, create, get,
 * modify, delete, and the users interested in one; `PUT` / `DELETE …/users/@me` mark the caller interested or not,
 * as Discord's own client does.
 *
 * - Creating needs CREATE_EVENTS or MANAGE_EVENTS; editing or deleting needs MANAGE_EVENTS, or CREATE_EVENTS for an
 *   event the caller created. A voice event (entity_type 2) names a voice channel of the guild where the caller has
 *   VIEW_CHANNEL and CONNECT; an external one (3) has no channel, a location and an end time. Accord has no stage
 *   channels, so a stage event (1) finds no channel to name (50035 on channel_id).
 * - Status moves SCHEDULED → ACTIVE or CANCELED, ACTIVE → COMPLETED, as on Discord; a finished event
 *   (COMPLETED, CANCELED) cannot change (180000); a start in the past or an end before the start is 50035. At most 100
 *   events of a guild are SCHEDULED or ACTIVE (30038). Accord starts and ends nothing by itself: whoever manages
 *   the event does, from the API or the web client.
 * - An event in a channel the caller cannot view is hidden, as on Discord: left out of lists and GUILD_CREATE, 10070
 *   when asked for, and its dispatches go only to the channel's viewers.
 * - Gateway: GUILD_SCHEDULED_EVENT_CREATE / _UPDATE / _DELETE (the event) and _USER_ADD / _USER_REMOVE
 *   (`{guild_scheduled_event_id, user_id, guild_id}`), intent GUILD_SCHEDULED_EVENTS. Audit log 100 / 101 / 102.
 */
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { EventEntityType, EventStatus } from '../../protocol/scheduled-events.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { scheduledEventJson } from '../../shapes/scheduled-event.ts';
import { memberJson, publicUser } from '../../shapes/serialize.ts';
import { ChannelType, type ScheduledEventRecord, type ScheduledEventStatus } from '../../store/types.ts';
import { channelAccess, guildAccess, requirePermission, type GuildAccess } from '../access.ts';
import { createdChanges, deletedChanges, diffChanges, recordAudit } from '../audit-log.ts';
import { liveStageIds } from '../stage-events.ts';
import { STAGE_MODERATOR, announceStageClosed } from './stage-instances.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';

/** Discord's only privacy level: GUILD_ONLY. */
const GUILD_ONLY = 2;
const MAX_UNCOMPLETED = 100;
const isLiveStageEvent = (e: ScheduledEventRecord) => e.entityType === EventEntityType.STAGE_INSTANCE && e.status === EventStatus.ACTIVE;
/** The moves Discord allows, from → to. */
const TRANSITIONS: Record<number, readonly number[]> = { [EventStatus.SCHEDULED]: [EventStatus.ACTIVE, EventStatus.CANCELED], [EventStatus.ACTIVE]: [EventStatus.COMPLETED] };
const AUDIT_KEYS = ['name', 'description', 'channel_id', 'entity_type', 'status', 'privacy_level', 'location'] as const;

const time = z.iso.datetime({ offset: true });
const location = z.string().min(1).max(100);
const fields = {
  channel_id: snowflake.nullish(),
  entity_metadata: z.object({ location: location.optional() }).nullish(),
  name: z.string().min(1).max(100),
  privacy_level: z.literal(GUILD_ONLY),
  scheduled_start_time: time,
  scheduled_end_time: time.nullish(),
  description: z.string().max(1000).nullish(),
  entity_type: z.union([z.literal(1), z.literal(2), z.literal(3)]),
};
const createBody = z.object(fields);
const modifyBody = z.object({
  ...fields,
  name: fields.name.optional(),
  privacy_level: fields.privacy_level.optional(),
  scheduled_start_time: time.optional(),
  entity_type: fields.entity_type.optional(),
  status: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
});
const withUserCount = z.object({ with_user_count: queryBool.optional() });
const usersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  with_member: queryBool.optional(),
  before: snowflake.optional(),
  after: snowflake.optional(),
});

/** What the audit log compares (its keys are Discord's change keys for events). */
const auditView = (e: ScheduledEventRecord) => ({
  name: e.name, description: e.description, channel_id: e.channelId, entity_type: e.entityType, status: e.status, privacy_level: e.privacyLevel, location: e.location,
});

export function registerScheduledEventsRoutes(ctx: RouteContext): void {
  const { store, ids } = ctx.deps;
  const now = () => ctx.deps.now();
  const base = '/guilds/:guildId/scheduled-events';

  /**
   * Whether the caller may see events in `channelId` (VIEW_CHANNEL there; Discord hides the others). An event whose
   * channel is gone stays visible to the guild, as Discord keeps it.
   */
  const seesChannel = async (channelId: string | null, userId: string) => {
    if (!channelId || !(await store.channels.get(channelId))) return true;
    // channelAccess refuses a channel the caller cannot view (50001 / 10003): hidden then.
    const inChannel = await channelAccess(store, channelId, userId, now()).catch(() => null);
    return inChannel !== null && hasPermission(inChannel.permissions, Permissions.VIEW_CHANNEL);
  };
  /** The event, if the caller may see it: 10070 otherwise, as for an unknown one. */
  const load = async (guildId: string, eventId: string, userId: string) => {
    const event = isSnowflake(eventId) ? await store.scheduledEvents.get(guildId, eventId) : null;
    if (!event || !(await seesChannel(event.channelId, userId))) throw new ApiError(ErrorCodes.UNKNOWN_GUILD_SCHEDULED_EVENT);
    return event;
  };
  /** A dispatch about an event in a channel goes only to those who can view the channel. */
  const scope = (e: ScheduledEventRecord) => (e.channelId ? { channelId: e.channelId } : {});
  const render = async (events: ScheduledEventRecord[], counts: boolean) => {
    const creators = new Map((await store.users.getMany([...new Set(events.flatMap((e) => (e.creatorId ? [e.creatorId] : [])))])).map((u) => [u.id, u]));
    const userCounts = counts ? await store.scheduledEvents.countUsers(events.map((e) => e.id)) : null;
    // A live stage event names its stage (entity_id): the guild's open stages are read only when one is live.
    const live = events.some(isLiveStageEvent) ? await liveStageIds(store, events[0]!.guildId) : null;
    return events.map((e) => scheduledEventJson(e, {
      creator: e.creatorId ? creators.get(e.creatorId) : null, ...(userCounts ? { userCount: userCounts.get(e.id) ?? 0 } : {}), entityId: live?.get(e.id) ?? null,
    }));
  };
  /** MANAGE_EVENTS, or CREATE_EVENTS for the caller's own event. */
  const requireManage = (access: GuildAccess, event: ScheduledEventRecord, userId: string) => {
    const manages = hasPermission(access.permissions, Permissions.MANAGE_EVENTS);
    const ownsIt = event.creatorId === userId && hasPermission(access.permissions, Permissions.CREATE_EVENTS);
    if (!manages && !ownsIt) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  };
  /** The entity's rules: a voice channel of the guild the caller may join, or a location and an end time. */
  const checkEntity = async (req: RouteRequest, access: GuildAccess, e: Pick<ScheduledEventRecord, 'entityType' | 'channelId' | 'location' | 'scheduledStartTime' | 'scheduledEndTime'>) => {
    if (e.entityType === EventEntityType.EXTERNAL) {
      if (e.channelId !== null) throw fieldError('channel_id', 'GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED', 'An external event has no channel.');
      if (e.location === null) throw fieldError('entity_metadata.location', 'BASE_TYPE_REQUIRED', 'This field is required');
      if (e.scheduledEndTime === null) throw fieldError('scheduled_end_time', 'BASE_TYPE_REQUIRED', 'This field is required');
    } else {
      if (e.channelId === null) throw fieldError('channel_id', 'BASE_TYPE_REQUIRED', 'This field is required');
      const wanted = e.entityType === EventEntityType.VOICE ? ChannelType.GUILD_VOICE : ChannelType.GUILD_STAGE_VOICE;
      const channel = await store.channels.get(e.channelId);
      if (!channel || channel.guildId !== access.guild.id || channel.type !== wanted) {
        throw fieldError('channel_id', 'GUILD_SCHEDULED_EVENT_INVALID_CHANNEL', e.entityType === EventEntityType.VOICE ? 'Must be a voice channel of this server.' : 'Must be a stage channel of this server.');
      }
      const inChannel = await channelAccess(store, channel.id, req.user.id, now());
      if (!hasPermission(inChannel.permissions, Permissions.VIEW_CHANNEL | Permissions.CONNECT)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    }
    if (e.scheduledEndTime !== null && e.scheduledEndTime <= e.scheduledStartTime) {
      throw fieldError('scheduled_end_time', 'GUILD_SCHEDULED_EVENT_END_BEFORE_START', 'The end time must be after the start time.');
    }
  };

  ctx.get(base, {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const q = parse(withUserCount, req.query);
    const events = await store.scheduledEvents.listByGuild(access.guild.id);
    const visible = new Map<string, boolean>();
    for (const channelId of new Set(events.flatMap((e) => (e.channelId ? [e.channelId] : [])))) visible.set(channelId, await seesChannel(channelId, req.user.id));
    return render(events.filter((e) => !e.channelId || visible.get(e.channelId)), q.with_user_count ?? false);
  });

  ctx.post(base, {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    if (!hasPermission(access.permissions, Permissions.CREATE_EVENTS) && !hasPermission(access.permissions, Permissions.MANAGE_EVENTS)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const body = parse(createBody, req.body);
    const event: ScheduledEventRecord = {
      id: ids.next(), guildId: access.guild.id, channelId: body.channel_id ?? null, creatorId: req.user.id, name: body.name,
      description: body.description ?? null, scheduledStartTime: Date.parse(body.scheduled_start_time),
      scheduledEndTime: body.scheduled_end_time ? Date.parse(body.scheduled_end_time) : null, privacyLevel: body.privacy_level,
      status: EventStatus.SCHEDULED, entityType: body.entity_type, location: body.entity_metadata?.location ?? null,
    };
    if (event.scheduledStartTime <= now()) throw fieldError('scheduled_start_time', 'GUILD_SCHEDULED_EVENT_SCHEDULE_PAST', 'Cannot schedule event in the past.');
    await checkEntity(req, access, event);
    if ((await store.scheduledEvents.countUncompleted(access.guild.id)) >= MAX_UNCOMPLETED) throw new ApiError(ErrorCodes.MAX_UNCOMPLETED_SCHEDULED_EVENTS);
    const created = await store.scheduledEvents.create(event);
    const json = scheduledEventJson(created, { creator: req.user });
    ctx.dispatch.guild(access.guild.id, 'GUILD_SCHEDULED_EVENT_CREATE', json, scope(created));
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.GUILD_SCHEDULED_EVENT_CREATE, targetId: created.id, changes: createdChanges(auditView(created), AUDIT_KEYS) });
    return json;
  });

  ctx.get(`${base}/:eventId`, {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const q = parse(withUserCount, req.query);
    const [json] = await render([await load(access.guild.id, req.params.eventId, req.user.id)], q.with_user_count ?? false);
    return json;
  });

  ctx.patch(`${base}/:eventId`, {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const event = await load(access.guild.id, req.params.eventId, req.user.id);
    requireManage(access, event, req.user.id);
    const body = parse(modifyBody, req.body);
    if (event.status === EventStatus.COMPLETED || event.status === EventStatus.CANCELED) throw new ApiError(ErrorCodes.CANNOT_UPDATE_FINISHED_EVENT);
    const status = (body.status ?? event.status) as ScheduledEventStatus;
    if (status !== event.status && !TRANSITIONS[event.status]?.includes(status)) {
      throw fieldError('status', 'GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION', `An event cannot go from status ${event.status} to ${status}.`);
    }
    const entityType = body.entity_type ?? event.entityType;
    // Moving to an external event drops the channel; moving away from one drops the location.
    const external = entityType === EventEntityType.EXTERNAL;
    const next: ScheduledEventRecord = {
      ...event,
      name: body.name ?? event.name,
      description: body.description === undefined ? event.description : body.description,
      privacyLevel: body.privacy_level ?? event.privacyLevel,
      entityType,
      channelId: body.channel_id !== undefined ? body.channel_id : external ? null : event.channelId,
      location: body.entity_metadata !== undefined ? (body.entity_metadata?.location ?? null) : external ? event.location : null,
      scheduledStartTime: body.scheduled_start_time ? Date.parse(body.scheduled_start_time) : event.scheduledStartTime,
      scheduledEndTime: body.scheduled_end_time !== undefined ? (body.scheduled_end_time ? Date.parse(body.scheduled_end_time) : null) : event.scheduledEndTime,
      status,
    };
    if (body.scheduled_start_time && event.status === EventStatus.SCHEDULED && next.scheduledStartTime <= now()) {
      throw fieldError('scheduled_start_time', 'GUILD_SCHEDULED_EVENT_SCHEDULE_PAST', 'Cannot schedule event in the past.');
    }
    await checkEntity(req, access, next);
    // Ending a stage event ends the stage it is live in (Discord's "End Event"), which is a stage moderator's to do,
    // as DELETE /stage-instances: checked before anything is written.
    const live = event.entityType === EventEntityType.STAGE_INSTANCE && event.channelId ? await store.stageInstances.getByChannel(event.channelId) : null;
    const linked = live?.scheduledEventId === event.id ? live : null;
    if (linked && status === EventStatus.COMPLETED) requirePermission(await channelAccess(store, linked.channelId, req.user.id, now()), STAGE_MODERATOR);
    const { id: _id, guildId: _g, creatorId: _c, ...patch } = next;
    const updated = (await store.scheduledEvents.update(access.guild.id, event.id, patch)) ?? next;
    const creator = updated.creatorId ? await store.users.get(updated.creatorId) : null;
    // A live stage event names its stage.
    const json = scheduledEventJson(updated, { creator, entityId: linked && updated.status === EventStatus.ACTIVE ? linked.id : null });
    ctx.dispatch.guild(access.guild.id, 'GUILD_SCHEDULED_EVENT_UPDATE', json, scope(updated));
    // The stage closes only if it is still the one that was live (one reopened meanwhile stays), with its audit entry.
    const closed = linked && updated.status === EventStatus.COMPLETED ? await store.stageInstances.delete(linked.channelId, { id: linked.id }) : null;
    if (closed) await announceStageClosed(ctx, req, closed);
    const changes = diffChanges(auditView(event), auditView(updated), AUDIT_KEYS);
    if (changes.length) await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.GUILD_SCHEDULED_EVENT_UPDATE, targetId: event.id, changes });
    return json;
  });

  ctx.delete(`${base}/:eventId`, {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const event = await load(access.guild.id, req.params.eventId, req.user.id);
    requireManage(access, event, req.user.id);
    if (!(await store.scheduledEvents.delete(access.guild.id, event.id))) throw new ApiError(ErrorCodes.UNKNOWN_GUILD_SCHEDULED_EVENT);
    const creator = event.creatorId ? await store.users.get(event.creatorId) : null;
    ctx.dispatch.guild(access.guild.id, 'GUILD_SCHEDULED_EVENT_DELETE', scheduledEventJson(event, { creator }), scope(event));
    await recordAudit(ctx, req, access.guild.id, { actionType: AuditLogEvent.GUILD_SCHEDULED_EVENT_DELETE, targetId: event.id, changes: deletedChanges(auditView(event), AUDIT_KEYS) });
    return undefined;
  });

  ctx.get(`${base}/:eventId/users`, {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const event = await load(access.guild.id, req.params.eventId, req.user.id);
    const q = parse(usersQuery, req.query);
    const userIds = await store.scheduledEvents.listUsers(event.id, { before: q.before, after: q.after, limit: q.limit });
    const users = new Map((await store.users.getMany(userIds)).map((u) => [u.id, u]));
    const members = q.with_member ? new Map((await store.members.getMany(access.guild.id, userIds)).map((m) => [m.userId, m])) : null;
    return userIds.flatMap((id) => {
      const user = users.get(id);
      if (!user) return [];
      const member = members?.get(id);
      const { user: _u, ...memberFields } = member ? memberJson(member, user) : { user: null };
      return [{ guild_scheduled_event_id: event.id, user: publicUser(user), ...(member ? { member: memberFields } : {}) }];
    });
  });

  /** The caller marks an event interested (`add`) or not: Discord's client's RSVP, for a member of the guild. */
  const interest = async (req: RouteRequest<{ guildId: string; eventId: string }>, add: boolean) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const event = await load(access.guild.id, req.params.eventId, req.user.id);
    if (add && (event.status === EventStatus.COMPLETED || event.status === EventStatus.CANCELED)) throw new ApiError(ErrorCodes.CANNOT_UPDATE_FINISHED_EVENT);
    const changed = add ? await store.scheduledEvents.addUser(event.id, req.user.id) : await store.scheduledEvents.removeUser(event.id, req.user.id);
    if (changed) {
      ctx.dispatch.guild(access.guild.id, add ? 'GUILD_SCHEDULED_EVENT_USER_ADD' : 'GUILD_SCHEDULED_EVENT_USER_REMOVE', {
        guild_scheduled_event_id: event.id, user_id: req.user.id, guild_id: access.guild.id,
      }, scope(event));
    }
    return undefined;
  };
  ctx.put(`${base}/:eventId/users/@me`, {}, (req) => interest(req, true));
  ctx.delete(`${base}/:eventId/users/@me`, {}, (req) => interest(req, false));
}
