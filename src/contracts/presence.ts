/**
 * What the presence role takes and answers over the bus. Sessions publish updates and heartbeats; the presence
 * role merges a user's sessions (across nodes) into one presence with client_status, expires sessions whose
 * node stopped heartbeating (TTL, never only a disconnect callback), and publishes PRESENCE_UPDATE on
 * gateway.guild.<id> for each guild of the user.
 */
export const PresenceSubjects = {
  /** publish: PresenceSessionUpdate — a session set or changed its presence. */
  update: 'presence.update',
  /** publish: PresenceSessionGone — a session ended (after its resume grace). */
  gone: 'presence.gone',
  /** publish: PresenceNodeHeartbeat — every few seconds per sessions node; sessions not listed expire. */
  heartbeat: 'presence.heartbeat',
  /** request: PresenceQuery → PresenceQueryReply. */
  query: 'presence.query',
  /**
   * publish: PresencePeerAnnounce — presence nodes announce themselves to each other. Every presence node keeps
   * the whole state (it sees every update), but only one — the live node with the lowest nodeId — publishes
   * PRESENCE_UPDATE, so a cluster with several presence nodes does not send each update several times.
   */
  peer: 'presence.peer',
  /**
   * publish: PresenceResync — a presence node asks sessions nodes to publish their sessions' presences again: all
   * of them when it starts (a restarted node knows nothing), or the sessions a node's heartbeat lists that it does
   * not know (an update lost while NATS was away).
   */
  resync: 'presence.resync',
} as const;

export interface PresenceResync {
  /** The sessions node asked; absent: every sessions node. */
  nodeId?: string;
  /** The sessions to publish again; absent: all of that node's sessions. */
  sessionIds?: string[];
}

export type Status = 'online' | 'idle' | 'dnd' | 'invisible' | 'offline';
export type Platform = 'desktop' | 'mobile' | 'web';

export interface PresenceSessionUpdate {
  nodeId: string;
  sessionId: string;
  userId: string;
  /** Guilds the user is in (so the presence role can fan out without a store read). */
  guildIds: string[];
  status: Status;
  activities: unknown[];
  platform: Platform;
  since: number | null;
  afk: boolean;
}

export interface PresenceSessionGone {
  nodeId: string;
  sessionId: string;
  userId: string;
}

export interface PresenceNodeHeartbeat {
  nodeId: string;
  sessionIds: string[];
  /** How long until the presence role may consider these sessions dead without a newer heartbeat. */
  ttlMs: number;
}

/** Presence as Discord sends it, without guild_id. */
export interface PresenceJson {
  user: { id: string };
  status: 'online' | 'idle' | 'dnd' | 'offline';
  activities: unknown[];
  client_status: Partial<Record<Platform, 'online' | 'idle' | 'dnd'>>;
}

export interface PresenceQuery {
  /** Users to report on. */
  userIds?: string[];
  /**
   * Also report every non-offline user whose sessions said they are in this guild (the guild role uses it for
   * large guilds, where it cannot list every member); the caller should check membership itself.
   */
  guildId?: string;
  /** Also say which of `userIds` have a live session at all, invisible ones included (PresenceQueryReply.connected). */
  connected?: boolean;
}

export interface PresencePeerAnnounce {
  nodeId: string;
  /** Consider the peer gone after this long without a newer announcement. */
  ttlMs: number;
}

export interface PresenceQueryReply {
  /** Only users that are not offline. */
  presences: PresenceJson[];
  /** With `connected`: those of the asked users with a live session (temporary members stay while connected). */
  connected?: string[];
}
