/**
 * Stage instances (https://discord.com/developers/docs/resources/stage-instance): a stage channel (type 13) is live
 * while it has one, with a topic. `POST /stage-instances` opens it, `GET/PATCH/DELETE /stage-instances/{channel_id}`
 * read, edit and close it. Opening, editing and closing need a stage moderator, as on Discord: MANAGE_CHANNELS,
 * MUTE_MEMBERS and MOVE_MEMBERS in the channel; `send_start_notification` needs MENTION_EVERYONE. Reading needs
 * only VIEW_CHANNEL. One per channel (150006 when open), 10067 when there is none, 50024 for another channel type.
 * Each change sends STAGE_INSTANCE_CREATE / _UPDATE / _DELETE to those who see the channel and records an audit
 * entry (83 / 84 / 85, target the instance, options.channel_id); GUILD_CREATE lists the guild's open stages.
 * Deleting the channel closes its stage (routes/channels.ts sends the DELETE).
 *
 * Decided: `privacy_level` takes only 2 (GUILD_ONLY): Discord deprecated 1 (PUBLIC). Accord has no voice, so a
 * stage is its topic and its text chat; `send_start_notification` is checked and then has nothing to send (no
 * push of stage starts). `guild_scheduled_event_id` must name a stage event of this channel that has not ended; the
 * event then follows the stage (api/stage-events.ts): started with it, completed when it closes.
 */
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { hasPermission, Permissions } from '../../protocol/permissions.ts';
import { EventEntityType, EventStatus, isUpcoming } from '../../protocol/scheduled-events.ts';
import { stageInstanceJson } from '../../shapes/stage-instance.ts';
import { ConflictError } from '../../store/errors.ts';
import { ChannelType, type StageInstanceRecord } from '../../store/types.ts';
import { channelAccess, type ChannelAccess, requirePermission } from '../access.ts';
import { createdChanges, deletedChanges, diffChanges, recordAudit } from '../audit-log.ts';
import { moveStageEvent } from '../stage-events.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

/** What makes a member a stage moderator (Discord: "Stage Moderator" permissions). */
export const STAGE_MODERATOR = Permissions.MANAGE_CHANNELS | Permissions.MUTE_MEMBERS | Permissions.MOVE_MEMBERS;
const STAGE_AUDIT_KEYS = ['topic', 'privacy_level'] as const;

/** A stage closed by `req`'s caller (DELETE here, or "End Event"): STAGE_INSTANCE_DELETE to its watchers, audit 85. */
export async function announceStageClosed(ctx: RouteContext, req: RouteRequest, stage: StageInstanceRecord): Promise<void> {
  const json = stageInstanceJson(stage);
  ctx.dispatch.guild(stage.guildId, 'STAGE_INSTANCE_DELETE', json, { channelId: stage.channelId });
  await recordAudit(ctx, req, stage.guildId, { actionType: AuditLogEvent.STAGE_INSTANCE_DELETE, targetId: stage.id, changes: deletedChanges(json, STAGE_AUDIT_KEYS), options: { channel_id: stage.channelId } });
}

const topic = z.string().trim().min(1).max(120);
const privacyLevel = z.literal(2);
const createBody = z.object({
  channel_id: snowflake,
  topic,
  privacy_level: privacyLevel.optional(),
  send_start_notification: z.boolean().optional(),
  guild_scheduled_event_id: snowflake.nullish(),
});
const modifyBody = z.object({ topic: topic.optional(), privacy_level: privacyLevel.optional() });

export function registerStageInstanceRoutes(ctx: RouteContext): void {
  const { store, ids, now } = ctx.deps;

  /** The stage channel as the caller sees it: 50024 for another type, 50013 unless a moderator when `moderate`. */
  const stageChannel = async (channelId: string, userId: string, moderate: boolean): Promise<ChannelAccess> => {
    const a = await channelAccess(store, channelId, userId, now());
    if (a.channel.type !== ChannelType.GUILD_STAGE_VOICE) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    if (moderate) requirePermission(a, STAGE_MODERATOR);
    return a;
  };
  const openStage = async (channelId: string): Promise<StageInstanceRecord> => {
    const stage = await store.stageInstances.getByChannel(channelId);
    if (!stage) throw new ApiError(ErrorCodes.UNKNOWN_STAGE_INSTANCE);
    return stage;
  };

  ctx.post('/stage-instances', {}, async (req) => {
    const body = parse(createBody, req.body);
    const a = await stageChannel(body.channel_id, req.user.id, true);
    if (body.send_start_notification && !hasPermission(a.permissions, Permissions.MENTION_EVERYONE)) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
    const guildId = a.channel.guildId!;
    if (body.guild_scheduled_event_id) {
      const event = await store.scheduledEvents.get(guildId, body.guild_scheduled_event_id);
      if (!event || event.entityType !== EventEntityType.STAGE_INSTANCE || event.channelId !== a.channel.id || !isUpcoming(event.status)) {
        throw fieldError('guild_scheduled_event_id', 'GUILD_SCHEDULED_EVENT_INVALID', 'Must be a stage event of this channel that has not ended.');
      }
    }
    let stage: StageInstanceRecord;
    try {
      stage = await store.stageInstances.create({
        id: ids.next(), guildId, channelId: a.channel.id, topic: body.topic, privacyLevel: body.privacy_level ?? 2, scheduledEventId: body.guild_scheduled_event_id ?? null,
      });
    } catch (err) {
      if (err instanceof ConflictError) throw new ApiError(ErrorCodes.STAGE_ALREADY_OPEN);
      throw err;
    }
    const json = stageInstanceJson(stage);
    ctx.dispatch.guild(guildId, 'STAGE_INSTANCE_CREATE', json, { channelId: stage.channelId });
    await recordAudit(ctx, req, guildId, { actionType: AuditLogEvent.STAGE_INSTANCE_CREATE, targetId: stage.id, changes: createdChanges(json, STAGE_AUDIT_KEYS), options: { channel_id: stage.channelId } });
    await moveStageEvent(ctx, stage, EventStatus.ACTIVE);
    return json;
  });

  ctx.get('/stage-instances/:channelId', {}, async (req) => {
    const a = await stageChannel(req.params.channelId, req.user.id, false);
    return stageInstanceJson(await openStage(a.channel.id));
  });

  ctx.patch('/stage-instances/:channelId', {}, async (req) => {
    const a = await stageChannel(req.params.channelId, req.user.id, true);
    const before = await openStage(a.channel.id);
    const body = parse(modifyBody, req.body ?? {});
    const patch: Partial<Pick<StageInstanceRecord, 'topic' | 'privacyLevel'>> = {};
    if (body.topic !== undefined) patch.topic = body.topic;
    if (body.privacy_level !== undefined) patch.privacyLevel = body.privacy_level;
    const after = Object.keys(patch).length ? await store.stageInstances.update(a.channel.id, patch) : before;
    if (!after) throw new ApiError(ErrorCodes.UNKNOWN_STAGE_INSTANCE);
    const json = stageInstanceJson(after);
    const changes = diffChanges(stageInstanceJson(before), json, STAGE_AUDIT_KEYS);
    if (changes.length) {
      ctx.dispatch.guild(after.guildId, 'STAGE_INSTANCE_UPDATE', json, { channelId: after.channelId });
      await recordAudit(ctx, req, after.guildId, { actionType: AuditLogEvent.STAGE_INSTANCE_UPDATE, targetId: after.id, changes, options: { channel_id: after.channelId } });
    }
    return json;
  });

  ctx.delete('/stage-instances/:channelId', { status: 204 }, async (req) => {
    const a = await stageChannel(req.params.channelId, req.user.id, true);
    const stage = await store.stageInstances.delete(a.channel.id);
    if (!stage) throw new ApiError(ErrorCodes.UNKNOWN_STAGE_INSTANCE);
    await announceStageClosed(ctx, req, stage);
    await moveStageEvent(ctx, stage, EventStatus.COMPLETED);
    return undefined;
  });
}
