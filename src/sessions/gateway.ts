/**
 * The sessions node: identify, resume, the guilds each session receives (snapshots from the guild role, with
 * jittered backoff while it is down), presence publishing, op 8 member requests, session expiry, counters.
 * Connections (connection.ts) handle the socket protocol and call in here; the router feeds events.
 */
import { randomBytes } from 'node:crypto';
import { resolveToken } from '../api/auth.ts';
import { requestRpc, type SessionsReconnect } from '../bus/events.ts';
import { GuildSubjects, type GuildMembersReply, type GuildMembersRequest, type GuildSnapshotReply, type GuildSnapshotRequest } from '../guild/contract.ts';
import type { Logger } from '../log.ts';
import { PresenceSubjects, type PresenceNodeHeartbeat, type PresenceQueryReply, type PresenceSessionGone, type PresenceSessionUpdate } from '../presence/contract.ts';
import { Intents } from '../protocol/intents.ts';
import { isSnowflake } from '../protocol/snowflake.ts';
import type { RoleDeps } from '../roles.ts';
import { AdmissionQueue } from './admission.ts';
import { CloseCodes, isObject, type EncodedDispatch } from './codec.ts';
import { PayloadEncoder } from './compression.ts';
import type { Connection, ConnectionHost } from './connection.ts';
import { GuildCache } from './guild-cache.ts';
import { buildReady, checkIntents, parseIdentify, parsePresence, parseResume, platformOf, type IdentifyPayload } from './identify.ts';
import { SessionRegistry } from './registry.ts';
import { Session } from './session.ts';

/** Guild role retry while it is down: jittered exponential backoff from 250 ms, at most 10 s apart. */
export const GUILD_RETRY = { initialMs: 250, maxMs: 10_000 } as const;
/** How often this node tells the presence role which sessions are alive; the TTL is three periods. */
export const PRESENCE_HEARTBEAT_MS = 5_000;
/** At most this many users' presences go into one PRESENCES_REPLACE. */
export const PRESENCES_REPLACE_MAX_USERS = 10_000;
/** GUILD_MEMBERS_CHUNK size (Discord: up to 1000 members per chunk). */
export const MEMBERS_CHUNK = 1000;
/** How long shutdown waits for a socket's queue to drain after op 7. */
export const SHUTDOWN_DRAIN_MS = 1_000;
/** Longest an identify keeps its admission slot waiting for its first GUILD_CREATEs (a slow guild role). */
export const IDENTIFY_SLOT_MAX_MS = 1_000;

export interface GatewayStats {
  sessions: number;
  connections: number;
  identifies: number;
  /** IDENTIFYs refused with INVALID_SESSION because the identify queue was full. */
  identifiesRefused: number;
  /** IDENTIFYs waiting for an admission slot right now. */
  identifyQueued: number;
  eventsOut: number;
  bytesOut: number;
  presencesDropped: number;
  resumes: number;
  invalidations: number;
  slowCloses: number;
  guildRetries: number;
  cachedGuilds: number;
  /** Bytes held by the fullest outbound queue right now, and the most any connection ever held. */
  outboundBytesNow: number;
  outboundBytesPeak: number;
  replayBytes: number;
}

export class Gateway implements ConnectionHost {
  readonly registry = new SessionRegistry();
  readonly cache = new GuildCache();
  readonly connections = new Set<Connection>();
  readonly log: Logger;
  readonly counters = { identifies: 0, identifiesRefused: 0, eventsOut: 0, bytesOut: 0, presencesDropped: 0, resumes: 0, invalidations: 0, slowCloses: 0, guildRetries: 0 };
  #peakOutbound = 0;
  #closing = false;
  #presenceTimer: NodeJS.Timeout | null = null;
  readonly #identifies: AdmissionQueue;

  constructor(readonly deps: RoleDeps) {
    this.log = deps.log.child({ role: 'sessions' });
    this.#identifies = new AdmissionQueue(deps.config.identifyConcurrency, deps.config.identifyQueueMax);
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
  now(): number {
    return this.deps.now();
  }

  start(): void {
    this.#presenceTimer = setInterval(() => this.#publishNodeHeartbeat(), PRESENCE_HEARTBEAT_MS);
  }

  // ------------------------------------------------------------------------------------------ identify

  /**
   * IDENTIFY goes through admission control (admission.ts): a malformed payload is refused at once, the rest
   * wait for one of identifyConcurrency slots (at most identifyQueueMax waiting; beyond, INVALID_SESSION false).
   * A slot is held until READY is sent and the first GUILD_CREATE attempts have settled (or IDENTIFY_SLOT_MAX_MS),
   * since the guild snapshots are most of an identify's cost.
   */
  async identify(conn: Connection, d: unknown): Promise<void> {
    const parsed = parseIdentify(d);
    if ('close' in parsed) return conn.close(parsed.close, parsed.reason);
    const run = this.#identifies.submit(() => (conn.closed || this.#closing ? Promise.resolve() : this.#identify(conn, parsed)));
    if (run) return run;
    this.counters.identifiesRefused++;
    conn.log.info({ queued: this.#identifies.queued }, 'identify queue full: INVALID_SESSION');
    conn.invalidate(false);
  }

  async #identify(conn: Connection, parsed: IdentifyPayload): Promise<void> {
    const { store, config } = this.deps;
    const user = await resolveToken(store, parsed.token);
    if (conn.closed) return;
    if (!user) return conn.close(CloseCodes.AUTHENTICATION_FAILED, 'authentication failed');
    const app = user.bot ? await store.applications.getByBotUser(user.id) : null;
    const intents = checkIntents(user, parsed.intents, app?.flags ?? 0);
    if (typeof intents !== 'number') return conn.close(intents.close, intents.reason);

    const id = randomBytes(16).toString('hex');
    const log = this.log.child({ sessionId: id, userId: user.id });
    const session = new Session({
      id,
      user,
      intents,
      shard: parsed.shard,
      largeThreshold: parsed.largeThreshold,
      platform: platformOf(parsed.properties),
      presence: parsed.presence,
      replayMaxEvents: config.replayMaxEvents,
      replayMaxBytes: config.replayMaxBytes,
      log,
      counters: this.counters,
    });
    const allGuilds = await store.guilds.listIdsForUser(user.id);
    const guildIds = allGuilds.filter((g) => session.ownsGuild(g));
    for (const g of allGuilds) session.memberOf.add(g);
    for (const g of guildIds) session.guilds.set(g, 'pending');
    const ready = await buildReady({
      store, user, sessionId: id, resumeUrl: conn.resumeUrl, guildIds, shard: parsed.shard,
      application: app ? { id: app.id, flags: app.flags } : null,
    });
    if (conn.closed || this.#closing) return;
    if (!this.#makeRoomFor(user.id)) return conn.close(CloseCodes.TOO_MANY_SESSIONS, 'too many sessions');

    // Payload compression only when the transport is not compressed already (Discord: mutually exclusive).
    if (parsed.compress && conn.outbound.compression === 'none') conn.outbound.setEncoder(new PayloadEncoder());
    this.registry.add(session);
    this.#attach(session, conn);
    this.counters.identifies++;
    session.dispatch('READY', JSON.stringify(ready));
    log.info({ guilds: guildIds.length, bot: user.bot, shard: parsed.shard, compression: conn.outbound.compression }, 'session identified');
    this.#publishPresence(session);
    const loads = guildIds.map((g) => this.#loadGuild(session, g, 0));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(loads), new Promise((resolve) => (timer = setTimeout(resolve, IDENTIFY_SLOT_MAX_MS)))]);
    clearTimeout(timer);
  }

  // -------------------------------------------------------------------------------------------- resume

  async resume(conn: Connection, d: unknown): Promise<void> {
    const parsed = parseResume(d);
    if ('close' in parsed) return conn.close(parsed.close, parsed.reason);
    const user = await resolveToken(this.deps.store, parsed.token);
    if (conn.closed) return;
    const session = this.registry.get(parsed.sessionId);
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
    this.#attach(session, conn);
    for (const e of frames) conn.outbound.pushDispatch(e.payload, e.seq, 'force');
    session.dispatch('RESUMED', '{}');
    this.counters.resumes++;
    session.log.info({ seq: parsed.seq, replayed: frames.length }, 'session resumed');
    if (session.presencesStale) this.presencesDrained(session);
  }

  #attach(session: Session, conn: Connection): void {
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
    if (why !== 'shutdown') this.counters.invalidations++;
    session.log.info({ why }, 'session ended');
    this.deps.bus.publish(PresenceSubjects.gone, { nodeId: this.deps.config.nodeId, sessionId: session.id, userId: session.user.id } satisfies PresenceSessionGone);
  }

  // ----------------------------------------------------------------------------------------------- guilds

  /**
   * Asks the guild role for the guild's GUILD_CREATE; retries with backoff while it is down. Resolves (never
   * rejects) once this attempt has settled: GUILD_CREATE sent, or a retry scheduled.
   */
  #loadGuild(session: Session, guildId: string, attempt: number): Promise<void> {
    const req: GuildSnapshotRequest = {
      guildId,
      userId: session.user.id,
      largeThreshold: session.largeThreshold,
      presences: !session.bot || session.hasIntent(Intents.GUILD_PRESENCES),
    };
    return this.deps.bus
      .request<GuildSnapshotReply>(GuildSubjects.snapshot, req, { timeoutMs: this.deps.config.roleTimeoutMs })
      .then((reply) => this.#guildLoaded(session, guildId, reply))
      .catch((err: Error) => {
        if (session.ended || session.guilds.get(guildId) !== 'pending') return;
        const base = Math.min(GUILD_RETRY.maxMs, GUILD_RETRY.initialMs * 2 ** attempt);
        const delay = Math.round(base / 2 + (Math.random() * base) / 2);
        this.counters.guildRetries++;
        session.log.debug({ err: err.message, guildId, attempt, delay }, 'guild role did not answer; guild stays unavailable');
        const timer = setTimeout(() => {
          session.guildRetries.delete(guildId);
          void this.#loadGuild(session, guildId, attempt + 1);
        }, delay);
        session.guildRetries.set(guildId, { timer, attempt });
      });
  }

  async #guildLoaded(session: Session, guildId: string, reply: GuildSnapshotReply): Promise<void> {
    if (session.ended || session.guilds.get(guildId) !== 'pending') return;
    if (!reply?.guild) {
      // Left the guild (or it is gone) since the guild list was read.
      session.guilds.delete(guildId);
      session.memberOf.delete(guildId);
      session.dispatch('GUILD_DELETE', JSON.stringify({ id: guildId }));
      return;
    }
    // A guild already cached here is current (the router applies every event to it before routing it), and may
    // be newer than the guild role's answer: only a guild new to this node takes the snapshot's state.
    if (!this.cache.has(guildId)) {
      if (reply.state) this.cache.setFromState(reply.state);
      else this.cache.setFromGuildPayload(reply.guild);
    }
    let member = reply.member ?? findMember(reply.guild, session.user.id);
    if (!member) {
      const m = await this.deps.store.members.get(guildId, session.user.id);
      if (session.ended || session.guilds.get(guildId) !== 'pending') return;
      member = m ? { roles: m.roles, communication_disabled_until: m.communicationDisabledUntil ? new Date(m.communicationDisabledUntil).toISOString() : null } : null;
    }
    this.cache.setMember(guildId, session.user.id, member);
    this.#markAvailable(session, guildId);
    session.dispatch('GUILD_CREATE', typeof reply.guildJson === 'string' ? reply.guildJson : JSON.stringify(reply.guild));
  }

  #markAvailable(session: Session, guildId: string): void {
    const retry = session.guildRetries.get(guildId);
    if (retry) clearTimeout(retry.timer);
    session.guildRetries.delete(guildId);
    session.guilds.set(guildId, 'available');
    this.registry.linkGuild(session, guildId);
  }

  /** The user joined a guild (GUILD_MEMBER_ADD about them): fetch and send its GUILD_CREATE. */
  joinGuild(session: Session, guildId: string): void {
    if (session.ended || session.guilds.has(guildId)) return;
    session.memberOf.add(guildId);
    this.#publishPresence(session);
    if (!session.ownsGuild(guildId)) return;
    session.guilds.set(guildId, 'pending');
    void this.#loadGuild(session, guildId, 0);
  }

  /** GUILD_CREATE addressed to the user (a guild they created): the payload is the snapshot. */
  addGuildFromPayload(session: Session, d: Record<string, unknown>, json: string | EncodedDispatch): void {
    const guildId = String(d.id);
    if (session.ended || session.guilds.get(guildId) === 'available') return;
    const known = session.memberOf.has(guildId);
    session.memberOf.add(guildId);
    if (!known) this.#publishPresence(session);
    if (!session.ownsGuild(guildId)) return;
    this.cache.setFromGuildPayload(d);
    this.cache.setMember(guildId, session.user.id, findMember(d, session.user.id));
    this.#markAvailable(session, guildId);
    session.dispatch('GUILD_CREATE', json);
  }

  /** The user left, was removed or banned, or the guild was deleted: stop routing it (and say so). */
  removeGuild(session: Session, guildId: string, sendDelete: boolean): void {
    const status = session.guilds.get(guildId);
    const wasMember = session.memberOf.delete(guildId);
    if (wasMember) this.#publishPresence(session);
    if (!status) return;
    session.guilds.delete(guildId);
    const retry = session.guildRetries.get(guildId);
    if (retry) clearTimeout(retry.timer);
    session.guildRetries.delete(guildId);
    if (status === 'available') {
      if (this.registry.unlinkGuild(session, guildId)) this.cache.drop(guildId);
      else if (!this.registry.userHasGuild(session.user.id, guildId)) this.cache.forgetMember(guildId, session.user.id);
    }
    if (sendDelete) session.dispatch('GUILD_DELETE', JSON.stringify({ id: guildId }));
  }

  // --------------------------------------------------------------------------------------------- presence

  updatePresence(conn: Connection, session: Session, d: unknown): void {
    const p = parsePresence(d);
    if ('close' in p) return conn.close(p.close, p.reason);
    session.presence = p;
    this.#publishPresence(session);
  }

  #publishPresence(session: Session): void {
    if (session.ended) return;
    const update: PresenceSessionUpdate = {
      nodeId: this.deps.config.nodeId,
      sessionId: session.id,
      userId: session.user.id,
      guildIds: [...session.memberOf],
      status: session.presence.status,
      activities: session.presence.activities,
      platform: session.platform,
      since: session.presence.since,
      afk: session.presence.afk,
    };
    this.deps.bus.publish(PresenceSubjects.update, update);
  }

  #publishNodeHeartbeat(): void {
    const sessionIds = [...this.registry.all()].map((s) => s.id);
    this.deps.bus.publish(PresenceSubjects.heartbeat, { nodeId: this.deps.config.nodeId, sessionIds, ttlMs: PRESENCE_HEARTBEAT_MS * 3 } satisfies PresenceNodeHeartbeat);
  }

  /** The socket caught up (or the session resumed) after presences were dropped: one PRESENCES_REPLACE. */
  presencesDrained(session: Session): void {
    if (!session.presencesStale || session.replacingPresences || session.ended) return;
    if (session.bot && !session.hasIntent(Intents.GUILD_PRESENCES)) {
      session.presencesStale = false;
      return;
    }
    session.replacingPresences = true;
    session.presencesStale = false;
    this.#currentPresences(session)
      .then((presences) => {
        if (!session.ended) session.dispatch('PRESENCES_REPLACE', JSON.stringify(presences));
      })
      .catch((err: Error) => {
        session.presencesStale = true;
        session.log.info({ err: err.message }, 'presence role did not answer; PRESENCES_REPLACE postponed');
      })
      .finally(() => (session.replacingPresences = false));
  }

  async #currentPresences(session: Session): Promise<unknown[]> {
    const users = new Set<string>();
    for (const [guildId, status] of session.guilds) {
      if (status !== 'available') continue;
      let after: string | undefined;
      while (users.size < PRESENCES_REPLACE_MAX_USERS) {
        const page = await this.deps.store.members.list(guildId, { after, limit: 1000 });
        for (const m of page) users.add(m.userId);
        if (page.length < 1000) break;
        after = page[page.length - 1]!.userId;
      }
    }
    users.delete(session.user.id);
    if (users.size === 0) return [];
    const reply = await this.deps.bus.request<PresenceQueryReply>(PresenceSubjects.query, { userIds: [...users] }, { timeoutMs: this.deps.config.roleTimeoutMs });
    return reply.presences;
  }

  // ------------------------------------------------------------------------------------------ op 8 members

  requestGuildMembers(conn: Connection, session: Session, d: unknown): void {
    if (!isObject(d)) return conn.close(CloseCodes.DECODE_ERROR, 'invalid request guild members payload');
    const guildId = Array.isArray(d.guild_id) ? String(d.guild_id[0]) : String(d.guild_id ?? '');
    const rawIds = typeof d.user_ids === 'string' ? [d.user_ids] : Array.isArray(d.user_ids) ? d.user_ids.slice(0, 100) : undefined;
    // Only ids that can name a user reach the guild role (anything else made it log a store error). An empty
    // list must not fall through to the guild role either: there, no user_ids and no query means "every
    // member", which let a bot without GUILD_MEMBERS list the whole guild with `user_ids: []`.
    const userIds = rawIds?.filter((id): id is string => isSnowflake(id));
    const query = typeof d.query === 'string' ? d.query : '';
    const limit = typeof d.limit === 'number' && Number.isInteger(d.limit) && d.limit >= 0 ? d.limit : 0;
    const presences = d.presences === true;
    const nonce = typeof d.nonce === 'string' && Buffer.byteLength(d.nonce) <= 32 ? d.nonce : undefined;
    if (session.bot) {
      if (presences && !session.hasIntent(Intents.GUILD_PRESENCES)) return conn.close(CloseCodes.INVALID_INTENTS, 'presences require the GUILD_PRESENCES intent');
      if (!userIds && query === '' && limit === 0 && !session.hasIntent(Intents.GUILD_MEMBERS)) {
        return conn.close(CloseCodes.INVALID_INTENTS, 'requesting all members requires the GUILD_MEMBERS intent');
      }
    }
    if (session.guilds.get(guildId) !== 'available') {
      session.log.debug({ guildId }, 'op 8 for a guild the session does not receive: ignored');
      return;
    }
    if (userIds && userIds.length === 0) {
      const invalid = (rawIds ?? []).map(String);
      return this.#sendChunks(session, guildId, { members: [], ...(invalid.length ? { notFound: invalid } : {}) }, presences, nonce);
    }
    const req: GuildMembersRequest = {
      guildId,
      ...(userIds ? { userIds } : { query }),
      limit: userIds ? userIds.length : query !== '' ? Math.min(limit || 100, 100) : limit,
      presences,
    };
    this.#fetchMembers(req)
      .catch((err: Error): GuildMembersReply => {
        session.log.info({ err: err.message, guildId }, 'guild role did not answer op 8; sending an empty chunk');
        return { members: [] };
      })
      .then((reply) => this.#sendChunks(session, guildId, reply, presences, nonce));
  }

  /** Every page of the answer (the guild role pages every-member requests 1000 at a time). */
  async #fetchMembers(req: GuildMembersRequest): Promise<GuildMembersReply> {
    const opts = { timeoutMs: this.deps.config.roleTimeoutMs };
    const first = await requestRpc(this.deps.bus, 'guild.members', req, opts);
    const members = [...(first.members ?? [])];
    const presences = [...(first.presences ?? [])];
    let next = first.next;
    while (next) {
      const page = await requestRpc(this.deps.bus, 'guild.members', { ...req, after: next }, opts);
      members.push(...(page.members ?? []));
      presences.push(...(page.presences ?? []));
      next = page.next && page.next !== next ? page.next : undefined;
    }
    return { members, presences, ...(first.notFound ? { notFound: first.notFound } : {}) };
  }

  #sendChunks(session: Session, guildId: string, reply: GuildMembersReply, presences: boolean, nonce: string | undefined): void {
    if (session.ended) return;
    const members = reply.members ?? [];
    const count = Math.max(1, Math.ceil(members.length / MEMBERS_CHUNK));
    for (let i = 0; i < count; i++) {
      const chunk = members.slice(i * MEMBERS_CHUNK, (i + 1) * MEMBERS_CHUNK);
      const d: Record<string, unknown> = { guild_id: guildId, members: chunk, chunk_index: i, chunk_count: count };
      if (i === 0 && reply.notFound?.length) d.not_found = reply.notFound;
      if (presences) {
        const ids = new Set(chunk.map((m) => (isObject(m.user) ? m.user.id : undefined)));
        d.presences = (reply.presences ?? []).filter((p) => isObject(p.user) && ids.has(p.user.id as string));
      }
      if (nonce !== undefined) d.nonce = nonce;
      session.dispatch('GUILD_MEMBERS_CHUNK', JSON.stringify(d));
    }
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
      outboundBytesNow: now,
      outboundBytesPeak: peak,
      replayBytes,
    };
  }

  /** op 7 to every socket, close them resumably, end every session, stop timers. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#presenceTimer) clearInterval(this.#presenceTimer);
    this.#presenceTimer = null;
    await Promise.all([...this.connections].map((c) => c.reconnect(SHUTDOWN_DRAIN_MS)));
    for (const s of [...this.registry.all()]) this.endSession(s, 'shutdown');
  }
}

function findMember(guild: Record<string, unknown>, userId: string): Record<string, unknown> | null {
  if (!Array.isArray(guild.members)) return null;
  return (guild.members.find((m) => isObject(m) && isObject(m.user) && m.user.id === userId) as Record<string, unknown> | undefined) ?? null;
}
