/** Discord's guild scheduled event object. */
import type { ScheduledEventRecord, UserRecord } from '../store/types.ts';
import { publicUser } from './serialize.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `creator` where the answer includes it; `userCount` with `with_user_count=true`; `entityId`, a live stage event's
 * stage instance (api/stage-events.ts).
 */
export function scheduledEventJson(e: ScheduledEventRecord, opts: { creator?: UserRecord | null; userCount?: number; entityId?: string | null } = {}) {
  return {
    id: e.id,
    guild_id: e.guildId,
    channel_id: e.channelId,
    creator_id: e.creatorId,
    name: e.name,
    description: e.description,
    scheduled_start_time: iso(e.scheduledStartTime),
    scheduled_end_time: e.scheduledEndTime === null ? null : iso(e.scheduledEndTime),
    privacy_level: e.privacyLevel,
    status: e.status,
    entity_type: e.entityType,
    entity_id: opts.entityId ?? null,
    entity_metadata: e.location === null ? null : { location: e.location },
    ...(opts.creator ? { creator: publicUser(opts.creator) } : {}),
    ...(opts.userCount !== undefined ? { user_count: opts.userCount } : {}),
    image: null,
    recurrence_rule: null,
  };
}
