/**
 * A stage event follows its stage, as Discord's "Start Event" and "End Stage" have it: opening a stage with
 * `guild_scheduled_event_id` starts the event (SCHEDULED → ACTIVE) and closing the stage, or deleting its channel,
 * completes it (ACTIVE → COMPLETED). An event not in the status the move starts from is left as it is (a canceled
 * one stays canceled), the status compared and set in the store so that a concurrent edit is not overwritten. While
 * live, the event's `entity_id` is its stage's id: an event started by hand and then linked is announced again with it.
 */
import { EventStatus } from '../protocol/scheduled-events.ts';
import { scheduledEventJson } from '../shapes/scheduled-event.ts';
import type { StageInstanceRecord, Store } from '../store/types.ts';
import type { RouteContext } from './route.ts';

export async function moveStageEvent(ctx: RouteContext, stage: StageInstanceRecord, to: typeof EventStatus.ACTIVE | typeof EventStatus.COMPLETED): Promise<void> {
  if (!stage.scheduledEventId) return;
  const { store } = ctx.deps;
  const event = await store.scheduledEvents.get(stage.guildId, stage.scheduledEventId);
  const from = to === EventStatus.ACTIVE ? EventStatus.SCHEDULED : EventStatus.ACTIVE;
  if (!event) return;
  const relinked = to === EventStatus.ACTIVE && event.status === EventStatus.ACTIVE;
  if (event.status !== from && !relinked) return;
  const updated = relinked ? event : await store.scheduledEvents.update(stage.guildId, event.id, { status: to }, { ifStatus: from });
  if (!updated) return;
  const creator = updated.creatorId ? await store.users.get(updated.creatorId) : null;
  const json = scheduledEventJson(updated, { creator, entityId: to === EventStatus.ACTIVE ? stage.id : null });
  ctx.dispatch.guild(stage.guildId, 'GUILD_SCHEDULED_EVENT_UPDATE', json, updated.channelId ? { channelId: updated.channelId } : {});
}

/** Event id → the id of the open stage it is live in, for `entity_id` (from the guild's open stages). */
export async function liveStageIds(store: Store, guildId: string): Promise<Map<string, string>> {
  const stages = await store.stageInstances.listByGuild(guildId);
  return new Map(stages.flatMap((s) => (s.scheduledEventId ? [[s.scheduledEventId, s.id] as [string, string]] : [])));
}
