/**
 * What lets a session resume on another sessions node (docs/gateway-resume.md). NATS only: on the in-memory
 * bus one process holds every session.
 *
 * Two retained logs (bus.retain: JetStream streams, memory storage, max age = resume grace + margin):
 * - the event log: the gateway events themselves (`gateway.guild.*`, `gateway.user.*`), captured by the server
 *   from the publishes that exist anyway, so one stored copy per event, none per delivery;
 * - the journal: per session, `gateway.resume.<session>.m` (its record: user, intents, shard, guilds, seq) and
 *   `gateway.resume.<session>.f` (batches of what it was sent: for a bus event its dedupe key and subject,
 *   ~60 bytes; other dispatches — READY, a GUILD_CREATE from the guild role, member chunks — inline).
 *
 * Write-ahead: a dispatch reaches the socket only once its batch is stored, so a client never holds a seq no
 * other node can account for. Per event-loop turn the node publishes each session's batch (and record, when it
 * changed) as plain NATS publishes, then one acknowledged publish of a turn marker on `gateway.resume.<node>.t`
 * into the same stream: NATS delivers one connection's messages in order and the stream stores them in that
 * order, so the marker's ack says every batch before it is stored. One acked publish per node per turn, not one
 * per session. A turn whose marker is not acknowledged is released anyway (the socket matters more), leaving a
 * possible gap in the journal: a resume elsewhere across it finds a batch missing and gets INVALID_SESSION.
 *
 * Gaps heal: the node remembers, per session, the seqs a turn skipped or could not confirm, and the first turn
 * after the journal stops standing aside writes them again from the session's resume deque (with its record).
 * A graceful stop (checkpoint, before op 7) does the same at once and waits for the ack, so a client told to
 * reconnect resumes on another node even when the stop comes within a JetStream outage's backoff.
 */
import { createHash } from 'node:crypto';
import { BusNotRetainedError, type Bus } from '../bus/types.ts';
import type { Logger } from '../lib/log.ts';
import { EVENT_LOG, eventLogRetention, RESUME_LOG_MARGIN_MS } from '../contracts/gateway.ts';
import { publishEvent } from '../contracts/index.ts';
import type { Platform } from '../contracts/presence.ts';
import type { EncodedDispatch } from './codec.ts';
import type { GuildStatus, PresenceState, Session, DispatchJournal } from './session.ts';
import type { SubscriptionsRecord } from './member-subscriptions.ts';

export { EVENT_LOG, EVENT_SUBJECTS, RESUME_LOG_MARGIN_MS } from '../contracts/gateway.ts';
/** How far before the journal's last batch the event log is searched for the events a node had not sent yet. */
export const RESUME_GAP_OVERLAP_MS = 2_000;
/** Inline dispatches larger than this are not journaled (a resume elsewhere from before them gets op 9). */
export const JOURNAL_INLINE_MAX_BYTES = 256 * 1024;
/** After a failed journal write, dispatches skip the journal for this long. */
export const JOURNAL_BACKOFF_MS = 5_000;

export const JOURNAL_LOG = 'gateway-resume';
export const frameSubject = (sessionId: string) => `gateway.resume.${sessionId}.f` as const;
export const recordSubject = (sessionId: string) => `gateway.resume.${sessionId}.m` as const;
/** The turn markers of a node (subject tokens allow neither dots nor wildcards: those become `_`). */
export const turnSubject = (nodeId: string) => `gateway.resume.${nodeId.replace(/[.*>\s]/g, '_')}.t`;

/** One journaled dispatch: a bus event by reference (k, j, x) or anything else inline (t, d). */
export interface JournalFrame {
  s: number;
  k?: string;
  j?: string;
  /** The content variant: 1 stripped, 2 only the reply's content kept emptied, 3 only the outer one emptied (router.ts). */
  x?: 1 | 2 | 3;
  t?: string;
  d?: string;
  /** Not journaled (too large): a resume that needs it cannot be served. */
  lost?: 1;
}

export interface JournalBatch {
  /**
   * When the node stored it (ms): the event log is read from about here for what came after. A batch that heals a
   * gap carries when the gap began, and frames of seqs stored before (a turn that was not confirmed) come again:
   * readers keep one frame per seq.
   */
  at: number;
  f: JournalFrame[];
}

/** Seqs of a session that may be missing from the journal: a turn stood aside or was not acknowledged. */
interface Gap {
  from: number;
  to: number;
  /** When the first of them was due (ms). */
  at: number;
}

/** The journal frame of one dispatch: a bus event by reference, anything else inline (or lost, when too large). */
function frameOf(seq: number, payload: EncodedDispatch): JournalFrame {
  const ref = payload.ref;
  if (ref) {
    const x = ref.variant ?? (ref.stripped ? 1 : undefined);
    return x ? { s: seq, k: ref.key, j: ref.subject, x } : { s: seq, k: ref.key, j: ref.subject };
  }
  if (payload.size > JOURNAL_INLINE_MAX_BYTES) return { s: seq, lost: 1 };
  return { s: seq, t: payload.t, d: payload.payloadJson() };
}

/** A session's record: enough to rebuild it elsewhere. */
export interface SessionRecord {
  userId: string;
  tokenId: string;
  intents: number;
  shard: [number, number] | null;
  largeThreshold: number;
  platform: Platform;
  presence: PresenceState;
  guilds: Array<[string, GuildStatus]>;
  memberOf: string[];
  /** A user session's member subscriptions, friends and DM recipients (member-subscriptions.ts). */
  subscriptions?: SubscriptionsRecord;
  /** The session's seq when written (frames may be newer). */
  seq: number;
  at: number;
  /** When the session identified (Session.startedAt); absent in records of nodes from before it was written. */
  startedAt?: number;
  nodeId: string;
  /** Ended for good (closed by the client, expired, invalidated): not resumable anywhere. */
  ended?: boolean;
}

/** The dedupe key of a bus event: its outbox id, or a digest of what it says. */
export function eventKey(env: { id?: unknown; t: string }, fullJson: string): string {
  if (typeof env.id === 'string') return env.id;
  return 'h' + createHash('sha1').update(env.t).update('\0').update(fullJson).digest('base64url').slice(0, 22);
}

export interface ResumeJournalOptions {
  bus: Bus;
  log: Logger;
  nodeId: string;
  resumeGraceMs: number;
  /** Bound of each retained log. */
  maxBytes: number;
  /** Frame batches kept per session (the deque's count bound). */
  maxBatchesPerSession: number;
  now: () => number;
}

export class ResumeJournal implements DispatchJournal {
  readonly #pending = new Map<Session, JournalFrame[]>();
  readonly #recordVersion = new WeakMap<Session, string>();
  /** Sessions whose journal may miss some dispatches, written again by the next turn that does not stand aside. */
  readonly #gaps = new Map<Session, Gap>();
  #heal: NodeJS.Timeout | null = null;
  #stopped = false;
  /** The turns in flight, in order: each settles after the one before. */
  #chain: Promise<void> = Promise.resolve();
  #failedBefore = false;
  #scheduled = false;
  #downUntil = 0;
  #refresh: NodeJS.Timeout | null = null;
  #retain: (() => Promise<void>) | null = null;
  #retaining: Promise<void> | null = null;
  /** Counters for /metrics (turns: acknowledged markers, one per node per turn). */
  readonly counts = { batches: 0, frames: 0, failures: 0, turns: 0 };

  constructor(private readonly opts: ResumeJournalOptions) {}

  /** Creates (or joins) the two logs; refreshes records of idle sessions so they outlive the log's max age. */
  async start(sessions: () => Iterable<Session>): Promise<void> {
    const { bus, resumeGraceMs, maxBytes, maxBatchesPerSession } = this.opts;
    const maxAgeMs = resumeGraceMs + RESUME_LOG_MARGIN_MS;
    this.#retain = async () => {
      await bus.retain(EVENT_LOG, eventLogRetention(resumeGraceMs, maxBytes));
      await bus.retain(JOURNAL_LOG, { subjects: ['gateway.resume.*.*'], maxAgeMs, maxBytes, maxMsgsPerSubject: maxBatchesPerSession });
    };
    await this.#retain();
    this.#refresh = setInterval(() => {
      for (const s of sessions()) {
        if (s.ended || !s.journal) continue;
        this.#recordVersion.delete(s);
        this.#enqueue(s);
      }
    }, Math.max(1000, Math.floor(resumeGraceMs / 3)));
    this.#refresh.unref?.();
  }

  stop(): void {
    if (this.#refresh) clearInterval(this.#refresh);
    this.#refresh = null;
    if (this.#heal) clearTimeout(this.#heal);
    this.#heal = null;
    this.#stopped = true;
  }

  append(session: Session, seq: number, payload: EncodedDispatch): void {
    this.#enqueue(session).push(frameOf(seq, payload));
  }

  recordChanged(session: Session): void {
    this.#enqueue(session);
  }

  /**
   * A graceful stop, before op 7: what only this node holds is stored now — every session's record, and the
   * dispatches a skipped or unconfirmed turn left out (from the resume deques) — and the call waits for the ack,
   * so the clients told to reconnect can resume on another node. Tried even while standing aside: a stop is the
   * last chance (a JetStream still failing costs one write timeout). True when stored.
   */
  checkpoint(sessions: Iterable<Session>): Promise<boolean> {
    this.#downUntil = 0;
    for (const s of sessions) {
      if (s.ended || s.journal !== this) continue;
      this.#recordVersion.delete(s);
      this.#enqueue(s);
    }
    return this.drain();
  }

  /** Writes what is pending now and waits for every turn in flight; true when the last one was acknowledged. */
  drain(): Promise<boolean> {
    return this.#flush();
  }

  /** The session is gone for good: no node may resume it. */
  ended(session: Session): void {
    this.#pending.delete(session);
    this.#gaps.delete(session);
    const tombstone: SessionRecord = { ...this.record(session), ended: true };
    // Standing aside (JetStream failing), the tombstone is skipped rather than queued behind a timeout: the record
    // then expires with the log's max age.
    this.#chain = this.#chain
      .then(() => (this.opts.now() < this.#downUntil ? undefined : this.opts.bus.append(recordSubject(session.id), tombstone)))
      .catch((err: unknown) => this.#failed(err, session));
  }

  record(session: Session): SessionRecord {
    return {
      userId: session.user.id,
      tokenId: session.tokenId,
      intents: session.intents,
      shard: session.shard,
      largeThreshold: session.largeThreshold,
      platform: session.platform,
      presence: session.presence,
      guilds: [...session.guilds],
      memberOf: [...session.memberOf],
      ...(session.subscriptions ? { subscriptions: session.subscriptions.toRecord() } : {}),
      seq: session.seq,
      at: this.opts.now(),
      startedAt: session.startedAt,
      nodeId: this.opts.nodeId,
    };
  }

  #enqueue(session: Session): JournalFrame[] {
    let frames = this.#pending.get(session);
    if (!frames) this.#pending.set(session, (frames = []));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
    return frames;
  }

  #flush(): Promise<boolean> {
    this.#scheduled = false;
    const { bus, now, nodeId } = this.opts;
    const standingAside = now() < this.#downUntil;
    // Sessions with a gap come along with any turn that writes: the gap heals. One that ended cannot (its deque is
    // gone), and its record is no longer this node's to write (moved: another node holds it now).
    if (!standingAside) {
      for (const s of this.#gaps.keys()) {
        if (s.ended) this.#gaps.delete(s);
        else if (!this.#pending.has(s)) this.#pending.set(s, []);
      }
    }
    const batch = [...this.#pending];
    this.#pending.clear();
    if (batch.length === 0) return this.#chain.then(() => true);
    const at = now();
    let frameCount = 0;
    let batches = 0;
    /** Per session, the seqs this turn wrote or skipped: a gap unless the turn is confirmed. */
    const covers = new Map<Session, Gap>();
    for (const [session, frames] of batch) if (frames.length) covers.set(session, { from: frames[0]!.s, to: frames[frames.length - 1]!.s, at });
    if (!standingAside) {
      for (const [session, frames] of batch) {
        const gap = this.#gaps.get(session);
        let repair: JournalFrame[] | null = null;
        if (gap) {
          this.#gaps.delete(session);
          // Evicted past the gap, or ended meanwhile: it cannot heal; a resume across it gets op 9.
          repair = session.ended ? null : this.#repairFrames(session, gap);
          if (repair) {
            const c = covers.get(session);
            covers.set(session, c ? { from: Math.min(c.from, gap.from), to: Math.max(c.to, gap.to), at: gap.at } : gap);
          }
        }
        const version = `${session.guilds.version}:${session.memberOf.size}:${session.presence.status}:${session.subscriptions?.version ?? 0}`;
        if (this.#recordVersion.get(session) !== version) {
          this.#recordVersion.set(session, version);
          publishEvent(bus, recordSubject(session.id), this.record(session));
        }
        if (repair?.length) {
          const entry: JournalBatch = { at: gap!.at, f: repair };
          publishEvent(bus, frameSubject(session.id), entry);
          batches++;
          frameCount += repair.length;
        }
        if (frames.length) {
          const entry: JournalBatch = { at, f: frames };
          publishEvent(bus, frameSubject(session.id), entry);
          batches++;
          frameCount += frames.length;
        }
      }
    }
    const release = () => {
      for (const [session, frames] of batch) if (frames.length) session.stored(frames[frames.length - 1]!.s);
    };
    let asideNow = standingAside;
    let confirmed = false;
    this.#chain = this.#chain
      .then(async () => {
        // A turn queued behind one that failed stands aside too: turns never wait out one timeout each.
        asideNow ||= now() < this.#downUntil;
        if (asideNow) return;
        await bus.append(turnSubject(nodeId), { at: now() });
        confirmed = true;
        this.counts.turns++;
        this.#failedBefore = false;
        this.counts.batches += batches;
        this.counts.frames += frameCount;
      })
      .catch((err: unknown) => {
        this.#failed(err, batch[0]![0]);
      })
      .then(() => {
        if (!confirmed) {
          // Records published in this turn may not be stored: written again with the next batch. So are its frames
          // (a gap), from the deque, by the first turn that does not stand aside.
          for (const [session] of batch) this.#recordVersion.delete(session);
          for (const [session, c] of covers) if (!session.ended) this.#markGap(session, c);
          this.#healLater();
        }
        release();
      });
    return this.#chain.then(() => confirmed);
  }

  #markGap(session: Session, gap: Gap): void {
    const had = this.#gaps.get(session);
    this.#gaps.set(session, had ? { from: Math.min(had.from, gap.from), to: Math.max(had.to, gap.to), at: Math.min(had.at, gap.at) } : { ...gap });
  }

  /** The frames of a gap again, from the session's resume deque; null when some were evicted (READY is never there). */
  #repairFrames(session: Session, gap: Gap): JournalFrame[] | null {
    const entries = session.replay.since(gap.from - 1);
    if (!entries) return null;
    const out: JournalFrame[] = [];
    for (const e of entries) {
      if (e.seq > gap.to) break;
      out.push(frameOf(e.seq, e.payload));
    }
    return out;
  }

  /** Once the backoff is over, a turn heals the gaps even if no session dispatches anything. */
  #healLater(): void {
    if (this.#heal || this.#stopped) return;
    const wait = Math.max(0, this.#downUntil - this.opts.now()) + 10;
    this.#heal = setTimeout(() => {
      this.#heal = null;
      if (this.#gaps.size === 0 || this.#scheduled) return;
      if (this.opts.now() < this.#downUntil) return this.#healLater();
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }, wait);
    this.#heal.unref?.();
  }

  /**
   * A turn's marker (or a tombstone) was not acknowledged. The journal stands aside for JOURNAL_BACKOFF_MS
   * (dispatches go straight out, leaving a gap), so a slow or missing JetStream never holds sockets back for
   * longer than one write.
   */
  #failed(err: unknown, session: Session): void {
    const { now } = this.opts;
    if (now() >= this.#downUntil) this.#downUntil = now() + JOURNAL_BACKOFF_MS;
    // The logs are gone (a NATS restart loses memory streams): create them again, or no write ever succeeds
    // until this process restarts.
    if (err instanceof BusNotRetainedError && this.#retain && !this.#retaining) {
      this.#retaining = this.#retain()
        .then(() => session.log.info('resume journal logs created again after they vanished'))
        .catch((e: unknown) => session.log.warn({ err: e }, 'resume journal logs could not be created again'))
        .finally(() => (this.#retaining = null));
    }
    this.counts.failures++;
    // Logged once per outage: a missing stream fails every turn until it is back.
    if (!this.#failedBefore) session.log.warn({ err }, 'resume journal write failed: a resume on another node across it gets op 9');
    this.#failedBefore = true;
  }
}
