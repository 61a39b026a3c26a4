/**
 * Stage channels for the web client: a stage is live while it has a stage instance (its topic). Starting, editing
 * and ending one needs a stage moderator's permissions (Manage Channels, Mute Members, Move Members), which the
 * server checks on every request (api/routes/stage-instances.ts); the client only decides what to offer.
 */
import { rest } from './api.ts';
import { P, has } from './perms.ts';
import type { StageInstance } from './types.ts';

export const STAGE_MODERATOR = P.MANAGE_CHANNELS | P.MUTE_MEMBERS | P.MOVE_MEMBERS;
/** Discord's topic length. */
export const STAGE_TOPIC_MAX = 120;

export const canModerateStage = (perms: bigint) => perms !== -1n && has(perms, STAGE_MODERATOR);

/** Opens the stage; with `eventId`, as that stage event's stage (the server starts the event, and ends it with the stage). */
export const startStage = (channelId: string, topic: string, eventId?: string) =>
  rest.post<StageInstance>('/stage-instances', { channel_id: channelId, topic, ...(eventId ? { guild_scheduled_event_id: eventId } : {}) });
export const editStageTopic = (channelId: string, topic: string) => rest.patch<StageInstance>(`/stage-instances/${channelId}`, { topic });
export const endStage = (channelId: string) => rest.delete(`/stage-instances/${channelId}`);
