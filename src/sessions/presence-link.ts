/**
 * This node's side of the presence role: publishes each session's presence (op 3, identify, guild membership
 * changes) and its end, heartbeats the list of live sessions so the presence role can expire them if this node
 * dies, and builds the PRESENCES_REPLACE a session gets after its presence updates were dropped.
 */
import { PresenceSubjects, publishEvent, requestRpc, subscribeEvent, type PresenceSessionUpdate } from '../contracts/index.ts';
import type { Subscription } from '../bus/types.ts';
import { Intents } from '../protocol/intents.ts';
import type { RoleDeps } from '../contracts/role.ts';
import type { Connection } from './connection.ts';
import { parsePresence, sessionPresence } from './identify.ts';
import type { GuildPermissionCache } from './permission-cache.ts';
import type { SessionRegistry } from './registry.ts';
import type { Session } from './session.ts';

/** How often this node tells the presence role which sessions are alive; the TTL is three periods. */
export const PRESENCE_HEARTBEAT_MS = 5_000;
/** At most this many users' presences go into one PRESENCES_REPLACE. */
export const PRESENCES_REPLACE_MAX_USERS = 10_000;

export class PresenceLink {
  #timer: NodeJS.Timeout | null = null;
  #resync: Subscription | null = null;

  constructor(
    private readonly deps: Pick<RoleDeps, 'bus' | 'config' | 'store' | 'now'>,
    private readonly registry: SessionRegistry,
    private readonly cache: GuildPermissionCache,
  ) {}

  /** Starts the node heartbeat, and answers the presence role's requests to publish presences again. */
  start(): void {
    this.#timer = setInterval(() => this.#publishNodeHeartbeat(), PRESENCE_HEARTBEAT_MS);
    this.#resync = subscribeEvent(this.deps.bus, PresenceSubjects.resync, (req) => {
      if (req?.nodeId !== undefined && req.nodeId !== this.deps.config.nodeId) return;
      this.#republish(Array.isArray(req?.sessionIds) ? req.sessionIds : null);
    });
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#resync?.unsubscribe();
    this.#resync = null;
  }

  /** Every session's presence again (or those listed), a thousand per event-loop turn. */
  #republish(sessionIds: string[] | null): void {
    const sessions = sessionIds ? sessionIds.flatMap((id) => this.registry.get(id) ?? []) : [...this.registry.all()];
    const step = (from: number) => {
      for (const s of sessions.slice(from, from + 1000)) this.publish(s);
      if (from + 1000 < sessions.length) setImmediate(() => step(from + 1000));
    };
    step(0);
  }

  /** op 3 PRESENCE_UPDATE from the client; an invalid one (activities included) closes 4001, as on Discord. */
  update(conn: Connection, session: Session, d: unknown): void {
    const p = parsePresence(d, this.deps.now());
    if ('close' in p) return conn.close(p.close, p.reason);
    session.presence = sessionPresence(p, session.bot, session.presence.activities);
    this.publish(session);
  }

  /** The session's status, activities and guilds (memberOf, every shard) to the presence role. */
  publish(session: Session): void {
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
    publishEvent(this.deps.bus, PresenceSubjects.update, update);
  }

  /** The session ended: its presence goes now rather than at the heartbeat TTL. */
  gone(session: Session): void {
    publishEvent(this.deps.bus, PresenceSubjects.gone, { nodeId: this.deps.config.nodeId, sessionId: session.id, userId: session.user.id });
  }

  #publishNodeHeartbeat(): void {
    const sessionIds = [...this.registry.all()].map((s) => s.id);
    publishEvent(this.deps.bus, PresenceSubjects.heartbeat, { nodeId: this.deps.config.nodeId, sessionIds, ttlMs: PRESENCE_HEARTBEAT_MS * 3 });
  }

  /** The socket caught up (or the session resumed) after presences were dropped: one PRESENCES_REPLACE. */
  drained(session: Session): void {
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
    const contacts = session.subscriptions?.contacts;
    for (const [guildId, status] of session.guilds) {
      if (status !== 'available') continue;
      // A user session in a large guild gets only whom it follows there (member-subscriptions.ts), here as live:
      // its subscriptions, and those of its friends and DM recipients who are members.
      if (session.subscriptions && this.cache.isLarge(guildId, session.largeThreshold)) {
        for (const id of session.subscriptions.membersIn(guildId)) users.add(id);
        if (contacts?.size) for (const m of await this.deps.store.members.getMany(guildId, [...contacts])) users.add(m.userId);
        if (users.size >= PRESENCES_REPLACE_MAX_USERS) break;
        continue;
      }
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
    const reply = await requestRpc(this.deps.bus, PresenceSubjects.query, { userIds: [...users] }, { timeoutMs: this.deps.config.roleTimeoutMs });
    return reply.presences;
  }
}
