/**
 * op 8 Request Guild Members: validates the request against the session's intents and guilds, asks the guild
 * role for every page of the answer and sends it as GUILD_MEMBERS_CHUNKs (MEMBERS_CHUNK members each, the
 * matching presences alongside), each once the socket has taken most of the one before. When the guild role
 * does not answer, one empty chunk still goes out so the client's request settles.
 */
import { guildClientFor } from '../contracts/guild-client.ts';
import type { GuildMembersReply, GuildMembersRequest } from '../contracts/guild.ts';
import { Intents } from '../protocol/intents.ts';
import { isSnowflake } from '../protocol/snowflake.ts';
import type { RoleDeps } from '../contracts/role.ts';
import { CloseCodes, isObject } from './codec.ts';
import type { Connection } from './connection.ts';
import type { Session } from './session.ts';
import { RequestWindow } from './request-window.ts';

/** GUILD_MEMBERS_CHUNK size (Discord: up to 1000 members per chunk). */
export const MEMBERS_CHUNK = 1000;

/**
 * Discord's limit on a bot asking for every member (`query: ''`, `limit: 0`): "1 request per guild per bot every 30
 * seconds"; a request over it gets a RATE_LIMITED dispatch instead of chunks. Kept per sessions node (a bot's
 * shards on two nodes may each ask once per window).
 */
export const ALL_MEMBERS_INTERVAL_MS = 30_000;
/** Bots × guilds remembered for that limit (request-window.ts). */
const ALL_MEMBERS_TRACKED_MAX = 10_000;

export class MemberRequests {
  /** Keyed `${botUserId}:${guildId}`. */
  readonly #allMembers: RequestWindow;

  constructor(private readonly deps: Pick<RoleDeps, 'bus' | 'config'> & Partial<Pick<RoleDeps, 'log' | 'now'>>) {
    this.#allMembers = new RequestWindow(ALL_MEMBERS_INTERVAL_MS, ALL_MEMBERS_TRACKED_MAX, deps.now ?? Date.now);
  }

  request(conn: Connection, session: Session, d: unknown): void {
    if (!isObject(d)) return conn.close(CloseCodes.DECODE_ERROR, 'invalid request guild members payload');
    // Only strings and numbers become ids: String() of an object such as {"toString": 1} throws.
    const rawGuildId = Array.isArray(d.guild_id) ? d.guild_id[0] : d.guild_id;
    const guildId = typeof rawGuildId === 'string' || typeof rawGuildId === 'number' ? String(rawGuildId) : '';
    const rawIds = typeof d.user_ids === 'string' ? [d.user_ids] : Array.isArray(d.user_ids) ? d.user_ids.slice(0, 100) : undefined;
    // Only ids that can name a user reach the guild role (anything else made it log a store error). An empty
    // list must not fall through to the guild role either: there, no user_ids and no query means "every
    // member", which let a bot without GUILD_MEMBERS list the whole guild with `user_ids: []`.
    const userIds = rawIds?.filter((id): id is string => isSnowflake(id));
    // Discord: "When passing an invalid ID to REQUEST_GUILD_MEMBERS, it will be returned here" (not_found).
    const invalidIds = (rawIds ?? []).filter((id) => (typeof id === 'string' || typeof id === 'number') && !isSnowflake(id)).map(String);
    const query = typeof d.query === 'string' ? d.query : '';
    const limit = typeof d.limit === 'number' && Number.isInteger(d.limit) && d.limit >= 0 ? d.limit : 0;
    // Discord: "GUILD_PRESENCES intent is required to set presences = true. Otherwise, it will always be false".
    const presences = d.presences === true && (!session.bot || session.hasIntent(Intents.GUILD_PRESENCES));
    const nonce = typeof d.nonce === 'string' && Buffer.byteLength(d.nonce) <= 32 ? d.nonce : undefined;
    // "GUILD_MEMBERS intent is required to request the entire member list—(query=‘’, limit=0<=n)": any limit.
    if (session.bot && !userIds && query === '' && !session.hasIntent(Intents.GUILD_MEMBERS)) {
      return conn.close(CloseCodes.INVALID_INTENTS, 'requesting all members requires the GUILD_MEMBERS intent');
    }
    if (session.guilds.get(guildId) !== 'available') {
      session.log.debug({ guildId }, 'op 8 for a guild the session does not receive: ignored');
      return;
    }
    if (userIds && userIds.length === 0) {
      // One chunk: sent at once, no wait.
      void this.#sendChunks(session, guildId, { members: [], ...(invalidIds.length ? { notFound: invalidIds } : {}) }, presences, nonce);
      return;
    }
    if (session.bot && !userIds && query === '' && limit === 0) {
      const retryAfterMs = this.#allMembers.take(`${session.user.id}:${guildId}`);
      if (retryAfterMs > 0) {
        session.dispatch('RATE_LIMITED', JSON.stringify({
          opcode: 8, retry_after: Math.ceil(retryAfterMs) / 1000, meta: { guild_id: guildId, ...(nonce !== undefined ? { nonce } : {}) },
        }));
        return;
      }
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
      .then((reply) => (invalidIds.length ? { ...reply, notFound: [...(reply.notFound ?? []), ...invalidIds] } : reply))
      .then((reply) => this.#sendChunks(session, guildId, reply, presences, nonce))
      .catch((err: Error) => session.log.warn({ err, guildId }, 'sending GUILD_MEMBERS_CHUNKs failed'));
  }

  /**
   * Every page of the answer: the guild role answers 1000 members at a time and names the next page while more
   * are wanted (every member for `limit: 0`, else up to `limit`).
   */
  async #fetchMembers(req: GuildMembersRequest): Promise<GuildMembersReply> {
    // The owner of the guild's partition, through its breaker (shared with guild-loader.ts).
    const guilds = guildClientFor({ bus: this.deps.bus, partitions: this.deps.config.guildPartitions, timeoutMs: this.deps.config.roleTimeoutMs, log: this.deps.log });
    const first = await guilds.members(req);
    const members = [...(first.members ?? [])];
    const presences = [...(first.presences ?? [])];
    let next = first.next;
    while (next && (req.limit === 0 || members.length < req.limit)) {
      const page = await guilds.members({ ...req, after: next, ...(req.limit > 0 ? { limit: req.limit - members.length } : {}) });
      members.push(...(page.members ?? []));
      presences.push(...(page.presences ?? []));
      next = page.next && page.next !== next ? page.next : undefined;
    }
    return { members, presences, ...(first.notFound ? { notFound: first.notFound } : {}) };
  }

  async #sendChunks(session: Session, guildId: string, reply: GuildMembersReply, presences: boolean, nonce: string | undefined): Promise<void> {
    if (session.ended) return;
    const members = reply.members ?? [];
    const count = Math.max(1, Math.ceil(members.length / MEMBERS_CHUNK));
    for (let i = 0; i < count; i++) {
      if (i > 0) await this.#roomFor(session);
      if (session.ended) return;
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

  /**
   * Chunks go out no faster than the socket takes them: each after the first waits until the connection's outbound
   * queue is under a quarter of its bound (Outbound.room). Dispatched all at once, every member of a large guild
   * (100 chunks of ~350 KB for 100,000 members) overflowed the queue, which closes the socket (4000) — the request
   * could never complete. A session without a socket (detached, resumable) does not wait: its chunks go to the
   * resume deque, which keeps what fits.
   */
  async #roomFor(session: Session): Promise<void> {
    await session.connection?.outbound.room(this.deps.config.outboundMaxBytes / 4);
  }
}
