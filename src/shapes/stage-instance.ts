/** Discord's stage instance object (https://discord.com/developers/docs/resources/stage-instance). */
import type { StageInstanceRecord } from '../store/types.ts';

export function stageInstanceJson(s: StageInstanceRecord) {
  return {
    id: s.id,
    guild_id: s.guildId,
    channel_id: s.channelId,
    topic: s.topic,
    privacy_level: s.privacyLevel,
    // Deprecated by Discord and always false.
    discoverable_disabled: false,
    guild_scheduled_event_id: s.scheduledEventId,
  };
}
