/**
 * RESUME of a session this node does not hold: rebuilt from the resume journal and the event log
 * (resume-journal.ts, docs/gateway-resume.md).
 *
 * 1. The session's record and frame batches are read; the client's seq must fall within what the journal holds,
 *    contiguously (else INVALID_SESSION false).
 * 2. The session is rebuilt here and subscribed to its guilds first (the subscription reaches the server before
 *    anything below is read), its guild snapshots loaded through the guild loader; live events for it wait in
 *    `session.holding` meanwhile.
 * 3. The event log is read for the session's subjects from a little before the journal's first needed batch:
 *    frames after the client's seq are rebuilt (bus events by key, others inline) with their original seq; then
 *    events the old node never sent (it died first, or they came after) are routed to the session with new seqs,
 *    skipping every key already sent and every event logged before the session identified (it was not subscribed
 *    yet, and its READY showed the outcome); then the held live events, skipping keys seen. Then RESUMED.
 *
 * Non-determinism: events after the journal's end are filtered with this node's current permissions, and
 * presence updates the old node dropped may be sent now — both only for events the client never received.
 */
import { Session, UNREPLAYED } from './session.ts';
import { MemberSubscriptions } from './member-subscriptions.ts';
import { EncodedDispatch, isObject } from './codec.ts';
import type { DispatchEnvelope } from '../contracts/index.ts';
import { GatewaySubjects, publishEvent } from '../contracts/index.ts';
import { EventJson } from './router.ts';
import type { Router } from './router.ts';
import {
  EVENT_LOG, eventKey, frameSubject, JOURNAL_LOG, recordSubject, RESUME_GAP_OVERLAP_MS,
  type JournalBatch, type JournalFrame, type SessionRecord,
} from './resume-journal.ts';
import type { Gateway } from './gateway.ts';
import { Intents } from '../protocol/intents.ts';
import type { UserRecord } from '../store/types.ts';

const SESSION_ID = /^[0-9a-f]{32}$/;

export interface RemoteResume {
  sessionId: string;
  seq: number;
  user: UserRecord;
}

type Frame = JournalFrame & { at: number };

/** Why a resume elsewhere is refused (logged), or the rebuilt session, not yet attached. */
export type Restored = { refused: string } | { session: Session; replayed: number };

export async function restoreSession(gw: Gateway, router: Router, req: RemoteResume): Promise<Restored> {
  const { bus, config } = gw.deps;
  if (!SESSION_ID.test(req.sessionId)) return { refused: 'unknown session' };
  const records = await bus.readLog<SessionRecord>(JOURNAL_LOG, { subjects: [recordSubject(req.sessionId)] });
  const record = records.at(-1)?.payload;
  if (!record) return { refused: 'unknown or expired session' };
  if (record.ended) return { refused: 'session ended' };
  if (record.userId !== req.user.id) return { refused: 'session of another user' };
  const batches = await bus.readLog<JournalBatch>(JOURNAL_LOG, { subjects: [frameSubject(req.sessionId)] });
  // One frame per seq, in seq order: a batch that healed a gap (resume-journal.ts) comes after newer ones, and may
  // repeat frames a turn had stored without its ack.
  const bySeq = new Map<number, Frame>();
  for (const b of batches) for (const f of b.payload.f) bySeq.set(f.s, { ...f, at: b.payload.at });
  const frames: Frame[] = [...bySeq.values()].sort((a, b) => a.s - b.s);
  const lastSeq = Math.max(record.seq, frames.at(-1)?.s ?? 0);
  if (req.seq > lastSeq) return { refused: 'seq beyond the journal' };
  const needed = frames.filter((f) => f.s > req.seq);
  if (needed.length !== lastSeq - req.seq || needed.some((f, i) => f.s !== req.seq + 1 + i || f.lost)) return { refused: 'journal does not hold every missed dispatch' };

  // Another node may still hold it (the client moved while its old node lived): that copy ends, quietly.
  publishEvent(bus, GatewaySubjects.sessionsTakeover, { sessionId: req.sessionId, nodeId: config.nodeId });
  const session = new Session({
    id: req.sessionId,
    user: req.user,
    tokenId: record.tokenId,
    intents: record.intents,
    shard: record.shard,
    largeThreshold: record.largeThreshold,
    platform: record.platform,
    presence: record.presence,
    replayMaxEvents: config.replayMaxEvents,
    replayMaxBytes: config.replayMaxBytes,
    log: gw.log.child({ sessionId: req.sessionId, userId: req.user.id }),
    counters: gw.counters,
    interest: gw.interest,
    startedAt: record.startedAt ?? 0,
  });
  // Journaled from the start: what is routed to it below is stored before it reaches the socket, like any dispatch.
  session.journal = gw.journal;
  session.seq = lastSeq;
  session.storedSeq = lastSeq;
  session.sentSeq = req.seq;
  for (const g of record.memberOf) session.memberOf.add(g);
  if (session.subscriptions) session.subscriptions = MemberSubscriptions.fromRecord(record.subscriptions);
  session.holding = [];
  gw.registry.add(session);
  const hadGuild = new Set<string>();
  for (const [g, status] of record.guilds) {
    session.guilds.set(g, 'pending'); // subscribes
    if (status === 'available') hadGuild.add(g);
  }
  try {
    await bus.flush();
    // A guild this node already routes is available at once (its cached permissions are current). The others ask
    // the guild role: snapshots seed the permission cache; the GUILD_CREATEs they produce are held and dropped for
    // guilds the client already had. A guild whose snapshot is late stays pending: the client is told it is
    // unavailable (below) and gets its GUILD_CREATE when the snapshot comes.
    await Promise.all([...hadGuild].map((g) => gw.guilds.adopt(session, g)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...session.guilds].filter(([, status]) => status === 'pending').map(([g]) => gw.guilds.load(session, g))),
      new Promise((resolve) => (timer = setTimeout(resolve, config.roleTimeoutMs * 2))),
    ]);
    clearTimeout(timer);

    const subjects = new Set<string>([GatewaySubjects.userDispatch(req.user.id)]);
    for (const g of session.guilds.keys()) subjects.add(GatewaySubjects.guildDispatch(g));
    for (const f of needed) if (f.j) subjects.add(f.j);
    const lastAt = batches.reduce((t, b) => Math.max(t, b.payload.at), 0) || record.at;
    const since = needed.reduce((t, f) => Math.min(t, f.at), lastAt) - RESUME_GAP_OVERLAP_MS;
    const log = await bus.readLog<DispatchEnvelope>(EVENT_LOG, { subjects: [...subjects], sinceMs: since });
    if (session.ended) return { refused: 'session ended while restoring' };

    // From here on synchronous: nothing else runs until the session is whole.
    const events = log.filter((e) => isObject(e.payload) && typeof e.payload.t === 'string' && isObject(e.payload.d));
    const keyed = events.map((e) => ({ ...e, key: eventKey(e.payload, JSON.stringify(e.payload.d)) }));
    const byKey = new Map(keyed.map((e) => [e.key, e]));
    for (const f of needed) {
      let encoded: EncodedDispatch;
      if (f.k) {
        const e = byKey.get(f.k);
        if (!e) return abandon(gw, session, 'a missed event is no longer in the event log');
        const json = new EventJson(e.payload.t, e.payload.d, e.payload, e.subject);
        encoded = f.x === 2 ? json.outerOnly : f.x === 3 ? json.replyOnly : f.x ? json.stripped : json.full;
      } else encoded = new EncodedDispatch(f.t ?? 'UNKNOWN', f.d ?? '{}');
      // The journal holds every seq (it proves none is missing); READY and an earlier RESUMED are not replayed.
      if (!UNREPLAYED.has(encoded.t)) session.replay.push(f.s, encoded);
    }
    const seen = new Set(frames.flatMap((f) => (f.k ? [f.k] : [])));
    const held = session.holding;
    session.holding = null;
    let routed = 0;
    for (const e of keyed) {
      // The overlap can reach back before the session existed: what was published then, it never had to get.
      if (e.at < lastAt - RESUME_GAP_OVERLAP_MS || e.at < session.startedAt || seen.has(e.key)) continue;
      seen.add(e.key);
      const before = session.seq;
      const target = e.subject.slice(e.subject.lastIndexOf('.') + 1);
      if (e.subject.startsWith('gateway.guild.')) router.onGuildEvent(e.payload, target, session);
      else router.onUserEvent(e.payload, target, session);
      routed += session.seq - before;
    }
    for (const h of held ?? []) {
      const key = h.payload.ref?.key;
      if (key !== undefined) {
        if (seen.has(key)) continue;
        seen.add(key);
      } else if (h.t === 'GUILD_CREATE' && hadGuild.has(guildIdOf(h.payload))) continue;
      session.dispatch(h.t, h.payload, h.kind);
    }
    // The client had these guilds and their events cannot be filtered here yet: an outage, as Discord says it.
    if (!session.bot || session.hasIntent(Intents.GUILDS)) {
      for (const g of hadGuild) {
        if (session.guilds.get(g) === 'pending') session.dispatch('GUILD_DELETE', JSON.stringify({ id: g, unavailable: true }));
      }
    }
    return { session, replayed: needed.length + routed };
  } catch (err) {
    abandon(gw, session, 'restore failed');
    throw err;
  }
}

function abandon(gw: Gateway, session: Session, why: string): { refused: string } {
  session.holding = null;
  gw.endSession(session, 'moved');
  return { refused: why };
}

function guildIdOf(payload: EncodedDispatch): string {
  try {
    const d: unknown = JSON.parse(payload.payloadJson());
    return isObject(d) && typeof d.id === 'string' ? d.id : '';
  } catch {
    return '';
  }
}
