/**
 * Gateway dispatches on their way to sessions, and orders to sessions nodes. Every REST write, the guild role and
 * the presence role publish dispatches here; sessions nodes subscribe and fan them out to their sockets.
 */
export const GatewaySubjects = {
  /** publish: DispatchEnvelope for everyone in a guild (narrowed by channelId / userIds). */
  guildDispatch: (guildId: string) => `gateway.guild.${guildId}` as const,
  /** publish: DispatchEnvelope for one user's sessions (DMs, GUILD_DELETE after a kick, USER_UPDATE …). */
  userDispatch: (userId: string) => `gateway.user.${userId}` as const,
  /** subscribe pattern: every guild dispatch (guild role, presence role, sessions). */
  allGuildDispatches: 'gateway.guild.*',
  /** subscribe pattern: every user dispatch (guild role, sessions). */
  allUserDispatches: 'gateway.user.*',
  /** publish: SessionsReconnect. */
  sessionsReconnect: 'sessions.reconnect',
  /** publish: SessionsTakeover (a node resumed a session another node may still hold). */
  sessionsTakeover: 'sessions.takeover',
} as const;

/** The guild id (or user id) a dispatch subject names: its last token. */
export function dispatchTarget(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}

/** A gateway dispatch on its way to sessions; `d` is exactly what clients receive. */
export interface DispatchEnvelope {
  /** Gateway event name, e.g. MESSAGE_CREATE. */
  t: string;
  d: Record<string, unknown>;
  guildId?: string;
  /** When set, only sessions whose user may VIEW_CHANNEL there receive it. */
  channelId?: string;
  /** When set on a guild event, only these users receive it. */
  userIds?: string[];
  /**
   * With channelId: only sessions whose user holds these permissions in that channel (a decimal bitfield), e.g.
   * INVITE_CREATE and INVITE_DELETE, which Discord sends only to those who may manage the channel's invites.
   */
  permissions?: string;
  /**
   * The outbox record id of an event that followed a committed write (contracts/outbox.ts). Such an event may be
   * published twice; receivers drop a repeat of an id they have seen.
   */
  id?: string;
}

/** Ask sessions nodes to send op 7 RECONNECT (rolling restarts, moving users between nodes). */
export interface SessionsReconnect {
  /** Only sessions held by this node; absent means every node. */
  nodeId?: string;
  /** Only these users' sessions; absent means all of them. */
  userIds?: string[];
  reason: string;
}

/** A sessions node resumed this session from the resume journal; any other node holding it ends its copy quietly. */
export interface SessionsTakeover {
  sessionId: string;
  /** The node that holds it now. */
  nodeId: string;
}

/**
 * The event log: a retained log (a JetStream stream) of every gateway event, captured by the server from the
 * publishes on `gateway.guild.*` and `gateway.user.*`. Sessions nodes read it to resume a session another node
 * held (sessions/resume-remote.ts) and to catch up on what they missed while disconnected from NATS
 * (sessions/catch-up.ts); api nodes retain it too, so after a NATS restart it exists before they publish again.
 */
export const EVENT_LOG = 'gateway-events';

/** An entry of the resume journal (its records and frame batches: sessions/resume-journal.ts); each says when. */
export interface ResumeJournalEntry {
  at: number;
}
export const EVENT_SUBJECTS = ['gateway.guild.*', 'gateway.user.*'];
/** Event-log and journal entries are kept this much longer than the resume grace (clock skew, slow resumes). */
export const RESUME_LOG_MARGIN_MS = 30_000;

/** The event log's retention for the resume grace and ACCORD_RESUME_LOG_MAX_BYTES (the same on every node). */
export function eventLogRetention(resumeGraceMs: number, maxBytes: number): { subjects: string[]; maxAgeMs: number; maxBytes: number } {
  return { subjects: EVENT_SUBJECTS, maxAgeMs: resumeGraceMs + RESUME_LOG_MARGIN_MS, maxBytes };
}
