/**
 * What the sessions node counts: monotonic counters (bumped by the gateway, its sessions and connections) and
 * the snapshot GET /metrics reads (index.ts names and describes each field there).
 */

export interface GatewayCounters {
  identifies: number;
  /** IDENTIFYs refused with INVALID_SESSION because the identify queue was full. */
  identifiesRefused: number;
  eventsOut: number;
  bytesOut: number;
  presencesDropped: number;
  resumes: number;
  invalidations: number;
  slowCloses: number;
  guildRetries: number;
  /** Waiting guilds retried at once because a guild node announced their partition served (a takeover). */
  guildRetriesOnServed: number;
  /** Outbox dispatches received a second time and dropped. */
  duplicatesDropped: number;
  /** IDENTIFYs refused with INVALID_SESSION for coming faster than the account's identify rate. */
  identifiesTooFast: number;
  /** Upgrades refused with 429: the address holds its socket cap, or is banned for invalid requests. */
  upgradesRefused: number;
  /** Dispatches received on gateway.guild.<id> subjects. */
  guildEventsIn: number;
  /** Of those, the ones for a guild no local session holds (a lingering subscription): fan-out wasted on this node. */
  guildEventsUnrouted: number;
  /** Sessions resumed from another node's journal (resume-remote.ts). */
  resumesElsewhere: number;
}

export function newGatewayCounters(): GatewayCounters {
  return { identifies: 0, identifiesRefused: 0, eventsOut: 0, bytesOut: 0, presencesDropped: 0, resumes: 0, invalidations: 0, slowCloses: 0, guildRetries: 0, guildRetriesOnServed: 0, duplicatesDropped: 0, identifiesTooFast: 0, upgradesRefused: 0, guildEventsIn: 0, guildEventsUnrouted: 0, resumesElsewhere: 0 };
}

export interface GatewayStats extends GatewayCounters {
  sessions: number;
  connections: number;
  /** IDENTIFYs waiting for an admission slot right now. */
  identifyQueued: number;
  cachedGuilds: number;
  /** Guild subjects this node subscribes to (interest.ts). */
  guildSubscriptions: number;
  /** Bytes held by the fullest outbound queue right now, and the most any connection ever held. */
  outboundBytesNow: number;
  outboundBytesPeak: number;
  replayBytes: number;
  /** Resume journal batches stored, and writes that failed (resume-journal.ts). */
  resumeJournalBatches: number;
  resumeJournalFailures: number;
  catchUpEvents: number;
}
