/**
 * What the guild role answers over the bus. Sessions ask it for GUILD_CREATE payloads (READY, joins) and for
 * member lists (op 8); it keeps itself current from the gateway.guild.* event stream and the store.
 */
import { createHash } from 'node:crypto';
export const GuildSubjects = {
  /**
   * request: GuildSnapshotRequest → GuildSnapshotReply. Served by a queue group: any guild node answers,
   * forwarding to the owner of the guild's partition when that is not itself.
   */
  snapshot: 'guild.snapshot',
  /** request: GuildMembersRequest → GuildMembersReply (op 8 Request Guild Members). */
  members: 'guild.members',
  /**
   * request: GuildSnapshotRequest → GuildSnapshotReply, served only by the guild node that owns the guild's
   * partition (guildPartition). Callers use this; `snapshot` above forwards to it (older callers, tests).
   */
  partitionSnapshot: (partition: number) => `guild.p.${partition}.snapshot` as const,
  /** request: GuildMembersRequest → GuildMembersReply, served by the owner of the guild's partition. */
  partitionMembers: (partition: number) => `guild.p.${partition}.members` as const,
  /**
   * event: GuildPartitionsServed. A guild node announces partitions it has just begun serving (claimed at start,
   * taken over, rebalanced), once their request subjects are subscribed: callers retry the guilds they are
   * waiting for in those partitions now instead of at the end of their backoff.
   */
  partitionsServed: 'guild.partitions.served',
} as const;

export interface GuildPartitionsServed {
  partitions: number[];
  nodeId: string;
}

/**
 * The partition a guild's state lives in: FNV-1a (32 bit) of the id's decimal text, mod `partitions` (the
 * guildPartitions setting, the same on every node of a cluster). Snowflake low bits are a per-process counter,
 * so the id itself would spread badly; a hash of the text spreads evenly and needs no BigInt.
 */
export function guildPartition(guildId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < guildId.length; i++) {
    h ^= guildId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

export interface GuildSnapshotRequest {
  guildId: string;
  /** The user the snapshot is for (joined_at, and to always include their own member object). */
  userId: string;
  /** 50–250: above this member count a bot's snapshot leaves out offline members, a user's lists only the user. */
  largeThreshold: number;
  /** Whether to include presences (GUILD_PRESENCES intent or a user session). */
  presences: boolean;
  /**
   * The snapshot is for a bot's session: without `presences` (the GUILD_PRESENCES intent) its members and
   * presences are the bot's own only, as Discord documents (so is every session's in a guild of over 75,000).
   */
  bot?: boolean;
  /**
   * The caller reads only `guildPieces`, `member` and `state` (the sessions role): `guild` is then `{ id }`, not
   * the payload as an object, which over NATS was serialised and parsed a second time beside its pieces. Guild
   * nodes that do not know the field answer in full, which such a caller also reads.
   */
  piecesOnly?: boolean;
}

/**
 * A piece of a GUILD_CREATE payload. Long pieces that recur from one snapshot to the next (the guild with its roles,
 * the channel list, runs of member and presence objects) carry `key`, the base64 sha-256 of their text, computed
 * once by the guild node that reuses the piece: the sessions node shares such a piece's bytes by key between every
 * session holding the same text, without hashing it again. Every other piece is the session's own.
 */
export type SnapshotPiece = string | { text: string; key: string };

/** A piece's key: the one both the guild node (keying pieces) and the sessions node (hashing unkeyed segments) use. */
export function snapshotPieceKey(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

export interface GuildSnapshotReply {
  /** null when the guild does not exist or the user is not a member; `{ id }` alone when asked for piecesOnly. */
  guild: Record<string, unknown> | null;
  /**
   * `guild` serialised (the GUILD_CREATE payload) as pieces that concatenate to it, so a sessions node neither
   * serialises it again nor scans it for where to cut it: see SnapshotPiece.
   */
  guildPieces?: SnapshotPiece[];
  /** `guild` serialised in one string (guild nodes before guildPieces; sessions nodes still read it). */
  guildJson?: string;
  /** The requesting user's own member object (also in guild.members), so sessions need not search the list. */
  member?: Record<string, unknown>;
  /**
   * Permission state the sessions node caches to filter dispatches by VIEW_CHANNEL: roles (id → permissions
   * string), channel overwrites, owner id; kept current afterwards from CHANNEL_* / GUILD_ROLE_* events.
   */
  state?: GuildPermissionState;
  /** The node id of the guild node that built the reply (logs, tests); with `guild` only. */
  servedBy?: string;
}

export interface GuildPermissionState {
  guildId: string;
  ownerId: string;
  roles: Array<{ id: string; permissions: string; position: number }>;
  channels: Array<{ id: string; type: number; parentId: string | null; overwrites: Array<{ id: string; type: 0 | 1; allow: string; deny: string }> }>;
  /** The guild's member count when the snapshot was built (sessions nodes keep it current from member events). */
  memberCount?: number;
}

export interface GuildMembersRequest {
  guildId: string;
  query?: string;
  limit: number;
  userIds?: string[];
  presences: boolean;
  /**
   * Empty query with limit 0 (every member) is answered one page (1000 members) per reply: pass the previous
   * reply's `next` here to get the following page.
   */
  after?: string;
}

export interface GuildMembersReply {
  /** Member objects with `user`. */
  members: Array<Record<string, unknown>>;
  presences?: Array<Record<string, unknown>>;
  notFound?: string[];
  /** Set when an every-member request has more pages: the `after` for the next request. */
  next?: string;
}
