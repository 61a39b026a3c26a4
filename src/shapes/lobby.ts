/** Discord's lobby, lobby member and lobby message objects (https://discord.com/developers/docs/resources/lobby). */
import type { LobbyMemberRecord, LobbyMessageRecord, LobbyMetadata, LobbyRecord, UserRecord } from '../store/types.ts';
import { publicUser } from './serialize.ts';

export function lobbyMemberJson(m: LobbyMemberRecord): Record<string, unknown> {
  return { id: m.userId, metadata: m.metadata, flags: m.flags, ...(m.additionalName !== null ? { additional_name: m.additionalName } : {}) };
}

/** `linkedChannel`: the channel object of the linked channel, when there is one. */
export function lobbyJson(l: LobbyRecord, members: readonly LobbyMemberRecord[], linkedChannel?: Record<string, unknown> | null): Record<string, unknown> {
  return { id: l.id, application_id: l.applicationId, metadata: l.metadata, members: members.map(lobbyMemberJson), ...(linkedChannel ? { linked_channel: linkedChannel } : {}) };
}

/** `metadata`: dispatch-only, given when the message is sent and never stored. */
export function lobbyMessageJson(m: LobbyMessageRecord, author: UserRecord, applicationId: string, metadata?: LobbyMetadata | null): Record<string, unknown> {
  return {
    id: m.id,
    type: 0,
    content: m.content,
    lobby_id: m.lobbyId,
    channel_id: m.lobbyId,
    author: publicUser(author),
    ...(m.additionalName !== null ? { lobby_member: { additional_name: m.additionalName } } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
    ...(m.moderationMetadata !== null ? { moderation_metadata: m.moderationMetadata } : {}),
    flags: m.flags,
    application_id: applicationId,
  };
}
