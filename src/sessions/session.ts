/**
 * A gateway session: who identified, with which intents and shard, the guilds it receives, its sequence
 * counter and resume deque. It outlives its socket for resumeGraceMs (still filling the deque, still counted as
 * present), then expires. At most one connection is attached at a time.
 */
import type { Logger } from '../lib/log.ts';
import type { Platform, Status } from '../contracts/presence.ts';
import type { UserRecord } from '../store/types.ts';
import { EncodedDispatch } from './codec.ts';
import type { Outbound } from './outbound.ts';
import { ReplayBuffer } from './replay.ts';

/** What a session needs from the connection it is attached to. */
export interface SessionConnection {
  readonly outbound: Outbound;
  /** Back-reference, cleared when the session moves to another socket or ends. */
  session: Session | null;
  /** Closes the socket (the one close path of the connection). */
  close(code: number, reason: string): void;
}

export interface PresenceState {
  status: Status;
  activities: unknown[];
  since: number | null;
  afk: boolean;
}

export interface SessionCounters {
  eventsOut: number;
  presencesDropped: number;
}

/** pending: waiting for the guild role (READY listed it unavailable); available: GUILD_CREATE sent, events flow. */
export type GuildStatus = 'pending' | 'available';

export interface SessionInit {
  id: string;
  user: UserRecord;
  /** Public id of the token it identified with: revoking that token ends the session (revocation.ts). */
  tokenId: string;
  intents: number;
  shard: [number, number] | null;
  largeThreshold: number;
  platform: Platform;
  presence: PresenceState;
  replayMaxEvents: number;
  replayMaxBytes: number;
  log: Logger;
  counters: SessionCounters;
}

export class Session {
  readonly id: string;
  user: UserRecord;
  /** Public id of the token it identified with (from the user record resolveToken gave): revoking it ends the session. */
  readonly tokenId: string;
  readonly intents: number;
  readonly shard: [number, number] | null;
  readonly largeThreshold: number;
  readonly platform: Platform;
  readonly log: Logger;
  presence: PresenceState;
  seq = 0;
  readonly replay: ReplayBuffer;
  connection: SessionConnection | null = null;
  /** Guilds this session receives (filtered by shard). */
  readonly guilds = new Map<string, GuildStatus>();
  /** Pending guilds' retry timers (guild role down). */
  readonly guildRetries = new Map<string, { timer: NodeJS.Timeout; attempt: number }>();
  /** Every guild of the user (all shards): the presence role fans out presence to these. */
  readonly memberOf = new Set<string>();
  /** Presences were dropped (slow socket or detached): send PRESENCES_REPLACE when it catches up. */
  presencesStale = false;
  /** A PRESENCES_REPLACE is being fetched. */
  replacingPresences = false;
  expiryTimer: NodeJS.Timeout | null = null;
  ended = false;
  readonly #counters: SessionCounters;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.user = init.user;
    this.tokenId = init.tokenId;
    this.intents = init.intents;
    this.shard = init.shard;
    this.largeThreshold = init.largeThreshold;
    this.platform = init.platform;
    this.presence = init.presence;
    this.log = init.log;
    this.replay = new ReplayBuffer(init.replayMaxEvents, init.replayMaxBytes);
    this.#counters = init.counters;
  }

  get bot(): boolean {
    return this.user.bot;
  }

  hasIntent(bits: number): boolean {
    return (this.intents & bits) === bits;
  }

  /** Whether a guild's events belong to this session's shard. */
  ownsGuild(guildId: string): boolean {
    if (!this.shard) return true;
    return Number((BigInt(guildId) >> 22n) % BigInt(this.shard[1])) === this.shard[0];
  }

  /** DMs and other events without a guild go to shard 0 only. */
  get ownsPrivate(): boolean {
    return !this.shard || this.shard[0] === 0;
  }

  /**
   * Sends a dispatch: the next seq, into the deque, onto the socket if one is attached. Fan-out passes one
   * EncodedDispatch to every session (`t` must be its event name); a string is encoded here for this session. A presence update is
   * dropped instead (no seq, not in the deque) while the socket lags or is gone; PRESENCES_REPLACE follows.
   */
  dispatch(t: string, payload: string | EncodedDispatch, kind: 'normal' | 'presence' = 'normal'): boolean {
    if (this.ended) return false;
    if (kind === 'presence' && (!this.connection || this.connection.outbound.shouldDropPresence())) {
      this.presencesStale = true;
      this.#counters.presencesDropped++;
      return false;
    }
    const encoded = typeof payload === 'string' ? new EncodedDispatch(t, payload) : payload;
    const seq = ++this.seq;
    const bytes = encoded.frameBytes(seq);
    this.replay.push(seq, encoded, bytes);
    this.#counters.eventsOut++;
    this.connection?.outbound.pushDispatch(encoded, seq, kind, bytes);
    return true;
  }

  clearTimers(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    for (const { timer } of this.guildRetries.values()) clearTimeout(timer);
    this.guildRetries.clear();
  }
}
