/**
 * Which guilds each session receives. A guild is `pending` until its GUILD_CREATE is sent (READY lists it
 * unavailable): the snapshot comes from the guild node owning the guild's partition (GuildClient: a circuit
 * breaker per partition), retried with jittered exponential backoff while that partition is down, and seeds
 * the node's guild cache. Joins, guilds created by the user, removals and deletions
 * change the set afterwards; a change of membership is also a change of presence (memberOf fans it out).
 */
import type { GuildSnapshotReply, GuildSnapshotRequest } from '../contracts/index.ts';
import { guildClientFor, type GuildClient } from '../contracts/guild-client.ts';
import { Intents } from '../protocol/intents.ts';
import type { RoleDeps } from '../contracts/role.ts';
import { EncodedDispatch, GUILD_CREATE_CUTS, isObject } from './codec.ts';
import type { GuildPermissionCache } from './permission-cache.ts';
import type { PresenceLink } from './presence-link.ts';
import type { SessionRegistry } from './registry.ts';
import type { Session } from './session.ts';
import type { MemberRecord } from '../store/types.ts';

/**
 * Guild role retry while it is down: jittered exponential backoff from 250 ms, at most 10 s apart. When a guild
 * node announces a partition served again, the guilds waiting in it are retried spread over `servedSpreadMs`
 * (uniformly), so a takeover does not wait for the backoff and the new owner is not hit by every session at once.
 */
export const GUILD_RETRY = { initialMs: 250, maxMs: 10_000, servedSpreadMs: 500 } as const;

export class GuildLoader {
  readonly #guilds: GuildClient;
  readonly #stopServedListener: () => void;

  constructor(
    private readonly deps: Pick<RoleDeps, 'bus' | 'config' | 'store'> & Partial<Pick<RoleDeps, 'log'>>,
    private readonly cache: GuildPermissionCache,
    private readonly registry: SessionRegistry,
    private readonly presence: PresenceLink,
    private readonly counters: { guildRetries: number; guildRetriesOnServed: number },
  ) {
    this.#guilds = guildClientFor({ bus: deps.bus, partitions: deps.config.guildPartitions, timeoutMs: deps.config.roleTimeoutMs, log: deps.log });
    this.#stopServedListener = this.#guilds.onPartitionsServed((partitions) => this.#retryServed(new Set(partitions)));
  }

  close(): void {
    this.#stopServedListener();
  }

  /** Guilds waiting for a retry in partitions that are served again: retried now, spread, backoff restarted. */
  #retryServed(partitions: Set<number>): void {
    for (const session of this.registry.all()) {
      for (const [guildId, retry] of session.guildRetries) {
        if (!partitions.has(this.#guilds.partitionOf(guildId))) continue;
        clearTimeout(retry.timer);
        this.counters.guildRetriesOnServed++;
        const timer = setTimeout(() => {
          session.guildRetries.delete(guildId);
          void this.load(session, guildId);
        }, Math.round(Math.random() * GUILD_RETRY.servedSpreadMs));
        session.guildRetries.set(guildId, { timer, attempt: 0 });
      }
    }
  }

  /**
   * Asks the guild role for the guild's GUILD_CREATE; retries with backoff while it is down. Resolves (never
   * rejects) once this attempt has settled: GUILD_CREATE sent, or a retry scheduled.
   */
  load(session: Session, guildId: string, attempt = 0): Promise<void> {
    const req: GuildSnapshotRequest = {
      guildId,
      userId: session.user.id,
      largeThreshold: session.largeThreshold,
      presences: !session.bot || session.hasIntent(Intents.GUILD_PRESENCES),
      bot: session.bot,
      // #loaded reads the pieces, the member and the state; `guild` only when an older guild node sends no pieces.
      piecesOnly: true,
    };
    return this.#guilds
      .snapshot(req)
      .then((reply) => this.#loaded(session, guildId, reply))
      .catch((err: Error) => {
        if (session.ended || session.guilds.get(guildId) !== 'pending') return;
        const base = Math.min(GUILD_RETRY.maxMs, GUILD_RETRY.initialMs * 2 ** attempt);
        const delay = Math.round(base / 2 + (Math.random() * base) / 2);
        this.counters.guildRetries++;
        session.log.debug({ err: err.message, guildId, attempt, delay }, 'guild role did not answer; guild stays unavailable');
        const timer = setTimeout(() => {
          session.guildRetries.delete(guildId);
          void this.load(session, guildId, attempt + 1);
        }, delay);
        session.guildRetries.set(guildId, { timer, attempt });
      });
  }

  /**
   * A resumed session's guild that this node already routes (another local session receives it): the cached
   * permissions are current, so the guild is available at once, without asking the guild role — a resume must not
   * drop the guild's events while a snapshot is on its way. Only the user's roles may be missing, read from the
   * store. False when the guild is not cached here or the user is no longer a member (the snapshot path decides).
   */
  async adopt(session: Session, guildId: string): Promise<boolean> {
    if (!this.cache.has(guildId) || !this.registry.forGuild(guildId)?.size) return false;
    if (!this.registry.userHasGuild(session.user.id, guildId)) {
      const m = await this.deps.store.members.get(guildId, session.user.id);
      if (!m || !this.cache.has(guildId)) return false;
      this.cache.setMember(guildId, session.user.id, memberPayload(m));
    }
    if (session.ended || session.guilds.get(guildId) !== 'pending') return false;
    this.#markAvailable(session, guildId);
    return true;
  }

  async #loaded(session: Session, guildId: string, reply: GuildSnapshotReply): Promise<void> {
    if (session.ended || session.guilds.get(guildId) !== 'pending') return;
    if (!reply?.guild) {
      // Left the guild (or it is gone) since the guild list was read.
      session.guilds.delete(guildId);
      session.memberOf.delete(guildId);
      session.subscriptions?.dropGuild(guildId);
      session.dispatch('GUILD_DELETE', JSON.stringify({ id: guildId }));
      return;
    }
    // A guild already cached here is current (the router applies every event to it before routing it), and may
    // be newer than the guild role's answer: only a guild new to this node takes the snapshot's state.
    if (!this.cache.has(guildId)) {
      if (reply.state) this.cache.setFromState(reply.state);
      else this.cache.setFromGuildPayload(reply.guild);
    } else if (typeof reply.state?.memberCount === 'number') {
      // The count alone is taken from every snapshot: the ±1 of member events can miss a join the snapshot did not
      // count yet, or count one it did; the guild role recounts after each, so the next snapshot corrects it.
      this.cache.setMemberCount(guildId, reply.state.memberCount);
    }
    let member = reply.member ?? findMember(reply.guild, session.user.id);
    if (!member) {
      const m = await this.deps.store.members.get(guildId, session.user.id);
      if (session.ended || session.guilds.get(guildId) !== 'pending') return;
      member = m ? memberPayload(m) : null;
    }
    this.cache.setMember(guildId, session.user.id, member);
    this.#markAvailable(session, guildId);
    session.dispatch(
      'GUILD_CREATE',
      Array.isArray(reply.guildPieces)
        ? new EncodedDispatch('GUILD_CREATE', reply.guildPieces)
        : guildCreate(typeof reply.guildJson === 'string' ? reply.guildJson : JSON.stringify(reply.guild)),
    );
  }

  #markAvailable(session: Session, guildId: string): void {
    const retry = session.guildRetries.get(guildId);
    if (retry) clearTimeout(retry.timer);
    session.guildRetries.delete(guildId);
    session.guilds.set(guildId, 'available');
    this.registry.linkGuild(session, guildId);
  }

  /** The user joined a guild (GUILD_MEMBER_ADD about them): fetch and send its GUILD_CREATE. */
  join(session: Session, guildId: string): void {
    if (session.ended || session.guilds.has(guildId)) return;
    session.memberOf.add(guildId);
    this.presence.publish(session);
    if (!session.ownsGuild(guildId)) return;
    session.guilds.set(guildId, 'pending');
    void this.load(session, guildId);
  }

  /** GUILD_CREATE addressed to the user (a guild they created): the payload is the snapshot. */
  addFromPayload(session: Session, d: Record<string, unknown>, json: string | EncodedDispatch): void {
    const guildId = String(d.id);
    if (session.ended || session.guilds.get(guildId) === 'available') return;
    const known = session.memberOf.has(guildId);
    session.memberOf.add(guildId);
    if (!known) this.presence.publish(session);
    if (!session.ownsGuild(guildId)) return;
    this.cache.setFromGuildPayload(d);
    this.cache.setMember(guildId, session.user.id, findMember(d, session.user.id));
    this.#markAvailable(session, guildId);
    session.dispatch('GUILD_CREATE', typeof json === 'string' ? guildCreate(json) : json);
  }

  /** The user left, was removed or banned, or the guild was deleted: stop routing it (and say so). */
  remove(session: Session, guildId: string, sendDelete: boolean): void {
    const status = session.guilds.get(guildId);
    const wasMember = session.memberOf.delete(guildId);
    if (wasMember) this.presence.publish(session);
    session.subscriptions?.dropGuild(guildId);
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
}

/**
 * A GUILD_CREATE is built per session (joined_at, counts) but its member list and presences are the same for every
 * member identifying meanwhile: the resume deques share those segments (codec.ts GUILD_CREATE_CUTS).
 */
function guildCreate(json: string): EncodedDispatch {
  return new EncodedDispatch('GUILD_CREATE', json, GUILD_CREATE_CUTS);
}

/** The parts of a stored member the permission cache reads, shaped like a gateway member object. */
function memberPayload(m: MemberRecord): Record<string, unknown> {
  return { roles: m.roles, communication_disabled_until: m.communicationDisabledUntil ? new Date(m.communicationDisabledUntil).toISOString() : null };
}

function findMember(guild: Record<string, unknown>, userId: string): Record<string, unknown> | null {
  if (!Array.isArray(guild.members)) return null;
  return (guild.members.find((m) => isObject(m) && isObject(m.user) && m.user.id === userId) as Record<string, unknown> | undefined) ?? null;
}
