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
import { TrackedGuilds, type GuildInterest } from './interest.ts';
import { MemberSubscriptions } from './member-subscriptions.ts';

/** Where a session's dispatches are written before they reach the socket (resume-journal.ts). */
export interface DispatchJournal {
  append(session: Session, seq: number, payload: EncodedDispatch): void;
  /** Something in the session's record changed without a dispatch (op 37): write the record with the next turn. */
  recordChanged(session: Session): void;
  /** The session ended for good: no node may resume it. */
  ended(session: Session): void;
}

interface HeldDispatch {
  seq: number;
  encoded: EncodedDispatch;
  kind: 'normal' | 'presence';
  bytes: number;
}

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
  /** The node's guild subscriptions, kept in step with `guilds`. */
  interest?: GuildInterest;
  /** When it identified (the node's clock); a session restored elsewhere keeps its first node's. */
  startedAt: number;
}

/** Dispatches never sent again on a resume (Session.dispatch). */
export const UNREPLAYED: ReadonlySet<string> = new Set(['READY', 'RESUMED']);

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
  /**
   * When it identified: a resume on another node routes no logged event older than this (resume-remote.ts), since
   * the session was not subscribed yet and its READY already showed the outcome.
   */
  readonly startedAt: number;
  presence: PresenceState;
  seq = 0;
  readonly replay: ReplayBuffer;
  connection: SessionConnection | null = null;
  /** Guilds this session receives (filtered by shard); the node subscribes to them (interest.ts). */
  readonly guilds = new TrackedGuilds<GuildStatus>();
  /** Pending guilds' retry timers (guild role down). */
  readonly guildRetries = new Map<string, { timer: NodeJS.Timeout; attempt: number }>();
  /** Every guild of the user (all shards): the presence role fans out presence to these. */
  readonly memberOf = new Set<string>();
  /** A user session's member subscriptions, friends and DM recipients (member-subscriptions.ts); null for a bot. */
  subscriptions: MemberSubscriptions | null;
  /** Presences were dropped (slow socket or detached): send PRESENCES_REPLACE when it catches up. */
  presencesStale = false;
  /** A PRESENCES_REPLACE is being fetched. */
  replacingPresences = false;
  expiryTimer: NodeJS.Timeout | null = null;
  ended = false;
  /**
   * Cross-node resume (resume-journal.ts): dispatches reach the socket only once the journal has stored them
   * (write-ahead), so a client never holds a seq another node cannot account for. Null: straight to the socket.
   */
  journal: DispatchJournal | null = null;
  /** Highest seq the journal has stored. */
  storedSeq = 0;
  /** Highest seq pushed to the current socket. */
  sentSeq = 0;
  /** Dispatched, waiting for the journal, oldest first. */
  #held: HeldDispatch[] = [];
  /** While a session is being restored from another node, live events wait here (resume-remote.ts). */
  holding: Array<{ t: string; payload: EncodedDispatch; kind: 'normal' | 'presence' }> | null = null;
  readonly #counters: SessionCounters;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.user = init.user;
    this.tokenId = init.tokenId;
    this.intents = init.intents;
    this.shard = init.shard;
    this.largeThreshold = init.largeThreshold;
    this.platform = init.platform;
    this.startedAt = init.startedAt;
    this.presence = init.presence;
    this.log = init.log;
    this.replay = new ReplayBuffer(init.replayMaxEvents, init.replayMaxBytes);
    this.#counters = init.counters;
    this.subscriptions = init.user.bot ? null : new MemberSubscriptions();
    if (init.interest) this.guilds.track(init.interest);
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
    if (this.holding) {
      this.holding.push({ t, payload: typeof payload === 'string' ? new EncodedDispatch(t, payload) : payload, kind });
      return true;
    }
    if (kind === 'presence' && (!this.connection || this.connection.outbound.shouldDropPresence())) {
      this.presencesStale = true;
      this.#counters.presencesDropped++;
      return false;
    }
    const encoded = typeof payload === 'string' ? new EncodedDispatch(t, payload) : payload;
    const seq = ++this.seq;
    const bytes = encoded.frameBytes(seq);
    // READY never needs a replay: a client can only RESUME with the session_id READY gave it, so it has READY.
    // Kept out, each idle session's deque no longer pins its own READY bytes for the session's lifetime. Nor does an
    // earlier RESUMED: replayed, it would tell the client the replay was over before the events after it (Discord:
    // the missed events come "finishing with a Resumed event"). The deque keeps a hole at their seqs.
    if (!UNREPLAYED.has(t)) this.replay.push(seq, encoded);
    this.#counters.eventsOut++;
    if (this.journal) {
      this.#held.push({ seq, encoded, kind, bytes });
      this.journal.append(this, seq, encoded);
      return true;
    }
    this.connection?.outbound.pushDispatch(encoded, seq, kind, bytes);
    this.sentSeq = seq;
    return true;
  }

  /** The journal stored everything up to `seq` (or gave up on it): those dispatches may go to the socket. */
  stored(seq: number): void {
    if (seq > this.storedSeq) this.storedSeq = seq;
    while (this.#held.length && this.#held[0]!.seq <= seq) {
      const h = this.#held.shift()!;
      if (this.connection && h.seq > this.sentSeq) {
        this.connection.outbound.pushDispatch(h.encoded, h.seq, h.kind, h.bytes);
        this.sentSeq = h.seq;
      }
    }
  }

  /**
   * A socket resumed at the client's `seq`: what it missed from the deque (only what the journal has stored; the
   * rest follows as it is stored). False when some of it was evicted.
   */
  replayTo(seq: number): number | null {
    const frames = this.replay.since(seq);
    if (!frames) return null;
    this.sentSeq = seq;
    let n = 0;
    for (const e of frames) {
      if (this.journal && e.seq > this.storedSeq) break;
      this.connection?.outbound.pushDispatch(e.payload, e.seq, 'force');
      this.sentSeq = e.seq;
      n++;
    }
    return n;
  }

  clearTimers(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    for (const { timer } of this.guildRetries.values()) clearTimeout(timer);
    this.guildRetries.clear();
  }
}
