/**
 * The sessions node's coordinator: identify, resume, a session's lifetime (attach, detach, expiry, end),
 * reconnect requests, counters and shutdown. The rest is one idea per file and wired here: guild-loader (the
 * guilds each session receives, with backoff while the guild role is down), presence-link (publishing presence,
 * op 3, PRESENCES_REPLACE), member-requests (op 8). Connections (connection.ts) handle the socket protocol and
 * call in here; the router feeds events.
 */
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { randomHexId } from '../lib/secrets.ts';
import { resolveToken, tokenLifetime, type TokenLifetime } from '../lib/tokens.ts';
import { AccountSubjects, publishEvent, type SessionsReconnect, type SessionsTakeover } from '../contracts/index.ts';
import type { Logger } from '../lib/log.ts';
import type { RoleDeps } from '../contracts/role.ts';
import { IDENTIFY_WINDOW_MS, SESSION_START_WINDOW_MS } from '../protocol/gateway-limits.ts';
import type { UserRecord } from '../store/types.ts';
import { AdmissionQueue, IdentifyRateLimiter } from './admission.ts';
import { CloseCodes, type EncodedDispatch } from './codec.ts';
import { channelInfoRequest, channelInfoEntry, soundboardGuilds } from './gateway-requests.ts';
import { soundJson } from '../shapes/soundboard.ts';
import { PayloadEncoder } from './compression.ts';
import type { Connection, ConnectionHost } from './connection.ts';
import { newGatewayCounters, type GatewayStats } from './gateway-stats.ts';
import { GuildPermissionCache } from './permission-cache.ts';
import { GuildLoader } from './guild-loader.ts';
import { GuildInterest } from './interest.ts';
import { parseGuildSubscriptions } from './member-subscriptions.ts';
import { buildReady, checkIntents, parseIdentify, parseResume, platformOf, sessionPresence, type IdentifyPayload } from './identify.ts';
import { MemberRequests } from './member-requests.ts';
import { PresenceLink } from './presence-link.ts';
import { SessionRegistry } from './registry.ts';
import { Session } from './session.ts';
import { ResumeJournal } from './resume-journal.ts';
import type { ReconnectCatchUp } from './catch-up.ts';
import { restoreSession } from './resume-remote.ts';
import type { Router } from './router.ts';

export type { GatewayStats };

/** How long shutdown waits for a socket's queue to drain after op 7. */
export const SHUTDOWN_DRAIN_MS = 1_000;
/** Longest an identify keeps its admission slot waiting for its first GUILD_CREATEs (a slow guild role). */
export const IDENTIFY_SLOT_MAX_MS = 1_000;
/**
 * IDENTIFYs a user account (not a bot) may send per IDENTIFY_WINDOW_MS, times ACCORD_RATE_LIMIT_SCALE: a person
 * with several tabs and devices reconnecting at once stays under it; a script looping on IDENTIFY does not.
 */
export const USER_IDENTIFIES_PER_WINDOW = 10;

export class Gateway implements ConnectionHost {
  readonly registry = new SessionRegistry();
  readonly cache = new GuildPermissionCache();
  /** The guild subjects this node subscribes to (the router opens it). */
  readonly interest = new GuildInterest();
  readonly connections = new Set<Connection>();
  readonly log: Logger;
  readonly counters = newGatewayCounters();
  readonly presence: PresenceLink;
  readonly guilds: GuildLoader;
  readonly members: MemberRequests;
  /** Cross-node resume (NATS, ACCORD_RESUME_LOG_MAX_BYTES > 0): null until started, or when off. */
  journal: ResumeJournal | null = null;
  catchUp: ReconnectCatchUp | null = null;
  /** Set by the role (index.ts): a session restored from another node replays events through it. */
  router: Router | null = null;
  #peakOutbound = 0;
  #closing = false;
  readonly #identifies: AdmissionQueue;
  readonly #identifyRate: IdentifyRateLimiter;
  readonly #tokenLifetime: TokenLifetime;

  constructor(readonly deps: RoleDeps) {
    this.log = deps.log.child({ role: 'sessions' });
    this.#identifies = new AdmissionQueue(deps.config.identifyConcurrency, deps.config.identifyQueueMax);
    this.#identifyRate = new IdentifyRateLimiter(IDENTIFY_WINDOW_MS, deps.now);
    this.#tokenLifetime = tokenLifetime(deps.config.tokenIdleDays, deps.now);
    this.presence = new PresenceLink(deps, this.registry, this.cache);
    this.guilds = new GuildLoader(deps, this.cache, this.registry, this.presence, this.counters);
    this.members = new MemberRequests(deps);
  }

  get heartbeatIntervalMs(): number {
    return this.deps.config.heartbeatIntervalMs;
  }
  get identifyTimeoutMs(): number {
    return this.deps.config.identifyTimeoutMs;
  }
  get outboundMaxBytes(): number {
    return this.deps.config.outboundMaxBytes;
  }
  get presenceHoldMs(): number {
    return this.deps.config.presenceHoldMs;
  }
  now(): number {
    return this.deps.now();
  }

  start(): void {
    this.presence.start();
  }

  /** Turns on cross-node resume when the bus is NATS; without it, a session resumes only where it lives. */
  async startJournal(): Promise<void> {
    const { bus, config } = this.deps;
    if (bus.kind !== 'nats' || config.resumeLogMaxBytes <= 0) return;
    const journal = new ResumeJournal({
      bus, log: this.log, nodeId: config.nodeId, resumeGraceMs: config.resumeGraceMs, maxBytes: config.resumeLogMaxBytes,
      maxBatchesPerSession: config.replayMaxEvents, now: this.deps.now,
    });
    try {
      await journal.start(() => this.registry.all());
      this.journal = journal;
    } catch (err) {
      this.log.warn({ err }, 'resume journal unavailable: sessions resume only on the node that holds them');
    }
  }

  // ------------------------------------------------------------------------------------------ identify

  /**
   * IDENTIFY goes through admission control (admission.ts): a malformed payload is refused at once, the rest
   * wait for one of identifyConcurrency slots (at most identifyQueueMax waiting; beyond, INVALID_SESSION false).
   * A slot is held until READY is sent and the first GUILD_CREATE attempts have settled (or IDENTIFY_SLOT_MAX_MS),
   * since the guild snapshots are most of an identify's cost. Once its token resolves, the account's identify
   * rate is checked (too fast: INVALID_SESSION false) and a bot's start is counted against its daily budget.
   */
  async identify(conn: Connection, d: unknown): Promise<void> {
    const parsed = parseIdentify(d, this.deps.now());
    if ('close' in parsed) return conn.close(parsed.close, parsed.reason);
    const run = this.#identifies.submit(() => (conn.closed || this.#closing ? Promise.resolve() : this.#identify(conn, parsed)));
    if (run) return run;
    this.counters.identifiesRefused++;
    conn.log.info({ queued: this.#identifies.queued }, 'identify queue full: INVALID_SESSION');
    conn.invalidate(false);
  }

  async #identify(conn: Connection, parsed: IdentifyPayload): Promise<void> {
    const { store, config } = this.deps;
    const resolved = await resolveToken(store, parsed.token, this.#tokenLifetime);
    if (conn.closed) return;
    if (!resolved) return conn.close(CloseCodes.AUTHENTICATION_FAILED, 'authentication failed');
    const user = resolved.user;
    if (!this.#identifyRate.take(user.id, this.#identifiesPerWindow(user))) {
      // Discord: "If your app exceeds this limit, Discord will respond with an Invalid Session (opcode 9)".
      conn.log.debug({ userId: user.id }, 'identify too fast: INVALID_SESSION');
      this.counters.identifiesTooFast++;
      return conn.invalidate(false);
    }
    const app = user.bot ? await store.applications.getByBotUser(user.id) : null;
    const intents = checkIntents(user, parsed.intents, app?.flags ?? 0);
    if (typeof intents !== 'number') return conn.close(intents.close, intents.reason);
    if (user.bot) {
      const starts = await store.sessionStarts.take(user.id, this.now(), SESSION_START_WINDOW_MS);
      if (starts.count > config.sessionStartLimit) return this.#sessionStartLimitReached(conn, user);
      if (conn.closed) return;
    }

    const id = randomHexId();
    const log = this.log.child({ sessionId: id, userId: user.id });
    const session = new Session({
      id,
      user,
      tokenId: resolved.id,
      intents,
      shard: parsed.shard,
      largeThreshold: parsed.largeThreshold,
      platform: platformOf(parsed.properties),
      presence: sessionPresence(parsed.presence, user.bot),
      replayMaxEvents: config.replayMaxEvents,
      replayMaxBytes: config.replayMaxBytes,
      log,
      counters: this.counters,
      interest: this.interest,
      startedAt: this.deps.now(),
    });
    session.journal = this.journal;
    const allGuilds = await store.guilds.listIdsForUser(user.id);
    const guildIds = allGuilds.filter((g) => session.ownsGuild(g));
    for (const g of allGuilds) session.memberOf.add(g);
    for (const g of guildIds) session.guilds.set(g, 'pending');
    const ready = await buildReady({
      store, user, tokenId: resolved.id, sessionId: id, resumeUrl: conn.resumeUrl, guildIds, shard: parsed.shard,
      application: app ? { id: app.id, flags: app.flags } : null, version: conn.version,
    });
    if (conn.closed || this.#closing) return;
    if (!this.#makeRoomFor(user.id)) return conn.close(CloseCodes.TOO_MANY_SESSIONS, 'too many sessions');
    session.subscriptions?.setContacts(ready);

    // Payload compression only when the transport is not compressed already (Discord: mutually exclusive).
    if (parsed.compress && conn.outbound.compression === 'none') conn.outbound.setEncoder(new PayloadEncoder());
    this.registry.add(session);
    this.attach(session, conn);
    this.counters.identifies++;
    session.dispatch('READY', JSON.stringify(ready));
    log.info({ guilds: guildIds.length, bot: user.bot, shard: parsed.shard, compression: conn.outbound.compression }, 'session identified');
    this.presence.publish(session);
    // READY leaves before the guild loads start: frames wait in the corked socket until the event-loop turn ends
    // (write-batch.ts), and the snapshots of a user in 100 guilds, answered in this turn's microtasks, held READY
    // back ~20 ms (ready bench: READY p50 3.3 ms before write batching, 25–30 ms with it).
    // The loads start even if the socket closed meanwhile: the session stays resumable and needs its guilds.
    await setImmediatePromise();
    const loads = guildIds.map((g) => this.guilds.load(session, g));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(loads), new Promise((resolve) => (timer = setTimeout(resolve, IDENTIFY_SLOT_MAX_MS)))]);
    clearTimeout(timer);
  }

  /**
   * Discord's identify rate (max_concurrency per 5 s). Accord counts a bot's IDENTIFYs per window as a whole; a
   * client that starts its shards bucket by bucket (shard_id % max_concurrency), as libraries do, stays within it.
   */
  #identifiesPerWindow(user: UserRecord): number {
    const { config } = this.deps;
    if (user.bot) return config.identifyMaxConcurrency;
    return Math.max(1, Math.round(USER_IDENTIFIES_PER_WINDOW * config.rateLimitScale));
  }

  /**
   * A bot started more sessions than its daily budget. Discord's rule: "all active sessions for the app will be
   * terminated, the bot token will be reset" — so its bot tokens are deleted (the owner gets a new one with
   * POST /applications/{id}/bot/reset) and the revocation goes to every sessions node, this one included, which
   * close the bot's sessions with 4004 (sessions/revocation.ts). Logged once per reset: Accord has no e-mail to
   * tell the owner.
   */
  async #sessionStartLimitReached(conn: Connection, user: UserRecord): Promise<void> {
    const { store, config, bus } = this.deps;
    const removed = await store.tokens.deleteForUser(user.id, 'bot');
    conn.close(CloseCodes.AUTHENTICATION_FAILED, 'session start limit reached: token reset');
    publishEvent(bus, AccountSubjects.tokensRevoked, { userId: user.id, allExcept: [] });
    if (removed > 0) this.log.warn({ userId: user.id, limit: config.sessionStartLimit }, 'bot exceeded its daily session start limit: bot token reset, sessions closed');
  }

  /**
   * Keeps a user under maxSessionsPerUser on this node: at the cap the oldest session without a socket (one only
   * waiting for a RESUME) is ended to make room; when every session is live, there is no room.
   */
  #makeRoomFor(userId: string): boolean {
    const mine = this.registry.forUser(userId);
    if (!mine || mine.size < this.deps.config.maxSessionsPerUser) return true;
    for (const s of mine) {
      if (!s.connection) {
        this.endSession(s, 'evicted: too many sessions');
        return true;
      }
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------- resume

  async resume(conn: Connection, d: unknown): Promise<void> {
    const parsed = parseResume(d);
    if ('close' in parsed) return conn.close(parsed.close, parsed.reason);
    const user = (await resolveToken(this.deps.store, parsed.token, this.#tokenLifetime))?.user;
    if (conn.closed) return;
    const session = this.registry.get(parsed.sessionId);
    if (user && !session && this.journal && this.router && !this.#closing) return this.#resumeElsewhere(conn, parsed.sessionId, parsed.seq, user);
    if (!user || !session || session.ended || session.user.id !== user.id || this.#closing) {
      this.counters.invalidations++;
      conn.log.info({ sessionId: parsed.sessionId, known: Boolean(session) }, 'resume refused: unknown session');
      return conn.invalidate(false);
    }
    if (parsed.seq > session.seq) {
      session.log.info({ seq: parsed.seq, last: session.seq }, 'resume refused: seq ahead of the session');
      this.endSession(session, 'invalid seq');
      return conn.close(CloseCodes.INVALID_SEQ, 'invalid seq');
    }
    const frames = session.replay.since(parsed.seq);
    if (!frames) {
      session.log.info({ seq: parsed.seq }, 'resume refused: events since that seq were evicted');
      this.endSession(session, 'replay gap');
      return conn.invalidate(false);
    }
    const old = session.connection;
    if (old) {
      // The same session on a new socket: the old one is a zombie the client gave up on.
      session.connection = null;
      old.session = null;
      old.close(CloseCodes.UNKNOWN_ERROR, 'session resumed on another connection');
    }
    this.attach(session, conn);
    session.replayTo(parsed.seq);
    session.dispatch('RESUMED', '{}');
    this.counters.resumes++;
    session.log.info({ seq: parsed.seq, replayed: frames.length }, 'session resumed');
    if (session.presencesStale) this.presencesDrained(session);
  }

  /** A session another node held (it died, or the client moved): rebuilt from the resume journal (resume-remote.ts). */
  async #resumeElsewhere(conn: Connection, sessionId: string, seq: number, user: UserRecord): Promise<void> {
    let restored: Awaited<ReturnType<typeof restoreSession>>;
    try {
      restored = await restoreSession(this, this.router!, { sessionId, seq, user });
    } catch (err) {
      // NATS trouble mid-restore: the client identifies again rather than retrying a resume that keeps failing.
      conn.log.warn({ err, sessionId }, 'restoring a session from another node failed');
      restored = { refused: 'restore failed' };
    }
    if ('refused' in restored || conn.closed || this.#closing) {
      if ('session' in restored) this.endSession(restored.session, 'moved');
      this.counters.invalidations++;
      conn.log.info({ sessionId, why: 'refused' in restored ? restored.refused : 'socket closed' }, 'resume elsewhere refused');
      if (!conn.closed) conn.invalidate(false);
      return;
    }
    const { session, replayed } = restored;
    this.attach(session, conn);
    session.replayTo(seq);
    session.dispatch('RESUMED', '{}');
    this.counters.resumes++;
    this.counters.resumesElsewhere++;
    session.log.info({ seq, replayed }, 'session resumed from another node');
    this.presence.publish(session);
  }

  /** sessions.takeover: another node resumed a session this one still holds; this copy ends without a word. */
  takenOver(req: SessionsTakeover): void {
    if (!req || req.nodeId === this.deps.config.nodeId) return;
    const session = this.registry.get(req.sessionId);
    if (session) this.endSession(session, 'moved');
  }

  attach(session: Session, conn: Connection): void {
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = null;
    session.connection = conn;
    conn.session = session;
    conn.state = 'ready';
    conn.log = session.log;
  }

  // ----------------------------------------------------------------------------------- socket & session end

  connectionClosed(conn: Connection, keepSession: boolean): void {
    this.connections.delete(conn);
    if (conn.outbound.peakBytes > this.#peakOutbound) this.#peakOutbound = conn.outbound.peakBytes;
    const session = conn.session;
    if (!session || session.connection !== conn || session.ended) return;
    session.connection = null;
    if (this.#closing) return this.endSession(session, 'shutdown');
    if (!keepSession) return this.endSession(session, 'closed');
    const grace = this.deps.config.resumeGraceMs;
    session.log.debug({ graceMs: grace }, 'session detached; resumable');
    session.expiryTimer = setTimeout(() => this.endSession(session, 'expired'), grace);
  }

  /** Ends a session for good: timers, indexes, cache, presence. Idempotent. */
  endSession(session: Session, why: string): void {
    if (session.ended) return;
    session.ended = true;
    session.clearTimers();
    session.replay.clear();
    const conn = session.connection;
    session.connection = null;
    if (conn) {
      conn.session = null;
      conn.close(CloseCodes.NOT_AUTHENTICATED, 'session invalidated');
    }
    for (const guildId of this.registry.remove(session)) this.cache.drop(guildId);
    for (const [guildId, status] of session.guilds) {
      if (status === 'available' && !this.registry.userHasGuild(session.user.id, guildId)) this.cache.forgetMember(guildId, session.user.id);
    }
    if (why !== 'shutdown' && why !== 'moved') this.counters.invalidations++;
    // Shut down or moved, it stays resumable on another node; otherwise no node may resume it.
    if (session.journal && why !== 'shutdown' && why !== 'moved') session.journal.ended(session);
    session.log.info({ why }, 'session ended');
    this.presence.gone(session);
    session.guilds.clear();
  }

  // ------------------------------------------------------ guilds, presence, op 8: the router and connections call these

  joinGuild(session: Session, guildId: string): void {
    this.guilds.join(session, guildId);
  }
  addGuildFromPayload(session: Session, d: Record<string, unknown>, json: string | EncodedDispatch): void {
    this.guilds.addFromPayload(session, d, json);
  }
  removeGuild(session: Session, guildId: string, sendDelete: boolean): void {
    this.guilds.remove(session, guildId, sendDelete);
  }
  updatePresence(conn: Connection, session: Session, d: unknown): void {
    this.presence.update(conn, session, d);
  }
  presencesDrained(session: Session): void {
    this.presence.drained(session);
  }
  requestGuildMembers(conn: Connection, session: Session, d: unknown): void {
    this.members.request(conn, session, d);
  }
  /** op 14 / op 37: a user session's member subscriptions (member-subscriptions.ts); a bot's are ignored (intents decide). */
  subscribeGuilds(conn: Connection, session: Session, op: 14 | 37, d: unknown): void {
    const requests = parseGuildSubscriptions(op, d);
    if ('close' in requests) return conn.close(requests.close, requests.reason);
    if (!session.subscriptions) return;
    for (const r of requests) if (r.members && session.guilds.has(r.guildId)) session.subscriptions.subscribe(r.guildId, r.members);
    session.journal?.recordChanged(session);
  }

  /** op 31 / op 43: answered from what Accord has (gateway-requests.ts); a malformed request closes 4002. */
  requestGuildInfo(conn: Connection, session: Session, op: 31 | 43, d: unknown): void {
    if (op === 31) return this.#soundboardSounds(conn, session, d);
    const asked = channelInfoRequest(session, d);
    if ('close' in asked) return conn.close(CloseCodes.DECODE_ERROR, asked.close);
    const { guildId, fields } = asked;
    if (!guildId) return;
    void (async () => {
      const channels = await this.deps.store.channels.listByGuild(guildId);
      if (session.ended) return;
      const now = this.now();
      const entries = channels
        .filter((c) => c.voiceStatus && this.cache.canView(guildId, c.id, session.user.id, now))
        .map((c) => channelInfoEntry(c.id, c.voiceStatus!, fields));
      session.dispatch('CHANNEL_INFO', JSON.stringify({ guild_id: guildId, channels: entries }));
    })().catch((err) => this.log.warn({ err }, 'op 43: the channels could not be read'));
  }

  /** op 31: one SOUNDBOARD_SOUNDS per guild asked for that the session is in, its sounds read from the store. */
  #soundboardSounds(conn: Connection, session: Session, d: unknown): void {
    const asked = soundboardGuilds(session, d);
    if ('close' in asked) return conn.close(CloseCodes.DECODE_ERROR, asked.close);
    void (async () => {
      for (const guildId of asked.guildIds) {
        const sounds = (await this.deps.store.guildSounds.listByGuild(guildId)).map((s) => soundJson(s));
        if (session.ended) return;
        session.dispatch('SOUNDBOARD_SOUNDS', JSON.stringify({ guild_id: guildId, soundboard_sounds: sounds }));
      }
    })().catch((err) => this.log.warn({ err }, 'op 31: the soundboard sounds could not be read'));
  }

  /** sessions.reconnect: op 7 then a resumable close for the matching sockets (rolling restarts). */
  reconnectRequested(req: SessionsReconnect): void {
    if (!req || (req.nodeId && req.nodeId !== this.deps.config.nodeId)) return;
    const users = req.userIds ? new Set(req.userIds) : null;
    let n = 0;
    for (const c of [...this.connections]) {
      if (!c.session || (users && !users.has(c.session.user.id))) continue;
      n++;
      void c.reconnect(SHUTDOWN_DRAIN_MS);
    }
    this.log.info({ reason: req.reason, connections: n }, 'reconnect requested over the bus');
  }

  // ------------------------------------------------------------------------------------- counters & close

  countPresencesDropped(n: number): void {
    this.counters.presencesDropped += n;
  }
  countBytesOut(n: number): void {
    this.counters.bytesOut += n;
  }
  countSlowClose(): void {
    this.counters.slowCloses++;
  }

  stats(): GatewayStats {
    let now = 0;
    let peak = this.#peakOutbound;
    for (const c of this.connections) {
      now = Math.max(now, c.outbound.bytes);
      peak = Math.max(peak, c.outbound.peakBytes);
    }
    let replayBytes = 0;
    for (const s of this.registry.all()) replayBytes += s.replay.bytes;
    return {
      sessions: this.registry.size,
      connections: this.connections.size,
      ...this.counters,
      identifyQueued: this.#identifies.queued,
      cachedGuilds: this.cache.size,
      guildSubscriptions: this.interest.size,
      outboundBytesNow: now,
      outboundBytesPeak: peak,
      replayBytes,
      resumeJournalBatches: this.journal?.counts.batches ?? 0,
      resumeJournalFailures: this.journal?.counts.failures ?? 0,
      catchUpEvents: this.catchUp?.counts.events ?? 0,
    };
  }

  /**
   * op 7 to every socket, close them resumably, end every session, stop timers. First the resume journal stores
   * what only this node holds (every session's record, and what it skipped while JetStream was failing): a client
   * that follows op 7 resumes on another node, not INVALID_SESSION. Last, the turns in flight are acknowledged
   * before the bus closes.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.presence.stop();
    this.guilds.close();
    if (this.journal) {
      const sessions = this.registry.size;
      if (await this.journal.checkpoint(this.registry.all())) this.log.info({ sessions }, 'sessions stored in the resume journal before op 7');
      else this.log.warn({ sessions }, 'sessions could not be stored in the resume journal: a resume on another node may get op 9');
    }
    await Promise.all([...this.connections].map((c) => c.reconnect(SHUTDOWN_DRAIN_MS)));
    for (const s of [...this.registry.all()]) this.endSession(s, 'shutdown');
    await this.journal?.drain();
  }
}
