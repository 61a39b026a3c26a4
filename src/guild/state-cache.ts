/**
 * Live guild state for the guild role: guild record, roles, channels with their overwrites, member count.
 * Members themselves are not cached (a guild may have millions); snapshots read the few they need.
 *
 * Contract:
 * - Bounded: at most `maxGuilds` guilds, least recently used evicted first.
 * - A guild is loaded from the store on first use; concurrent first uses share one load.
 * - Events from gateway.guild.<id> update a cached guild by re-reading only what the event names (a channel,
 *   a role, the member count) — the event payload is the wire shape, the store is the truth. Updates of one
 *   guild run one after another, and `get` waits for the ones already received, so a snapshot asked after an
 *   event reflects it. Events for guilds not cached are ignored (the next load reads the store anyway); an event
 *   that arrives while its guild is loading makes that load answer once but not be cached.
 * - A failed update evicts the guild, so the cache never serves state it knows may be wrong.
 * - At most `maxLoads` store loads run at once (the rest wait their turn): a node that just took over partitions
 *   warms lazily, as requests come, without stampeding the store.
 * - dropWhere evicts guilds (a partition handed over: its events are no longer followed here), and loads in
 *   flight for them are not cached.
 * - Snapshot parts (snapshot.ts: the guild object with its roles, the channel list, the permission state) are
 *   built at most once per change: any event that updates the guild drops them, a message drops only the
 *   channels (last_message_id).
 * - Member objects (member + user, the wire shape) of recently snapshotted members are kept per guild, at most
 *   `memberJsonMax` in all, each for at most MEMBER_JSON_TTL_MS (and not past the end of a timeout, whose
 *   field they show). GUILD_MEMBER_UPDATE / _REMOVE / GUILD_BAN_ADD drop the member's entry, USER_UPDATE
 *   (userChanged) drops the user's entries in every guild, and joins / leaves drop the guild's full member list.
 */
import type { DispatchEnvelope } from '../contracts/index.ts';
import type { Logger } from '../lib/log.ts';
import type { ChannelRecord, GuildRecord, OverwriteRecord, RoleRecord, Store } from '../store/types.ts';
import type { GuildPermissionState, SnapshotPiece } from '../contracts/guild.ts';

/** Wire-shaped pieces of a GUILD_CREATE shared by every snapshot of the guild until something changes. */
export interface SnapshotParts {
  /** guildJson with the sorted roles. */
  base?: Record<string, unknown>;
  channels?: Array<Record<string, unknown>>;
  permission?: GuildPermissionState;
  /** JSON of base; base with the emoji and stickers as a piece (no closing brace); channels as a piece (snapshot-pieces.ts). */
  baseText?: string;
  basePiece?: SnapshotPiece;
  channelsPiece?: SnapshotPiece;
  /** Every member object, when the guild was small enough to list whole (GUILD_LIMITS.membersPerReply). */
  allMembers?: { members: Array<Record<string, unknown>>; expiresAt: number };
  /** The guild's custom emoji and stickers as GUILD_CREATE carries them (GUILD_EMOJIS_UPDATE / GUILD_STICKERS_UPDATE reset them). */
  emojis?: Array<Record<string, unknown>>;
  stickers?: Array<Record<string, unknown>>;
  /** Its soundboard sounds as GUILD_CREATE carries them (GUILD_SOUNDBOARD_SOUND_* reset them). */
  sounds?: Array<Record<string, unknown>>;
  /** Its open stages as GUILD_CREATE carries them (STAGE_INSTANCE_* reset them). */
  stages?: Array<Record<string, unknown>>;
  /** Its scheduled events still to come or running, as GUILD_CREATE carries them (their events reset them). */
  scheduledEvents?: Array<Record<string, unknown>>;
}

export interface CachedMemberJson {
  json: Record<string, unknown>;
  joinedAt: number;
  expiresAt: number;
}

/**
 * Guild loads (five store reads each) one node runs at once: below the store's default pool of 10 connections,
 * so a node taking over many partitions leaves room for the snapshots' own reads.
 */
export const GUILD_LOAD_CONCURRENCY = 8;

/** How long a cached member object may be served (a backstop: the events above keep it current). */
export const MEMBER_JSON_TTL_MS = 60_000;

export interface GuildState {
  /** Snapshot pieces; replaced by {} whenever the guild changes. */
  parts: SnapshotParts;
  /** User id → member object (with user), for snapshots. */
  memberJson: Map<string, CachedMemberJson>;
  /** Bumped whenever member objects are dropped: a snapshot that read the store before does not cache what it read. */
  memberJsonGen: number;
  guild: GuildRecord;
  roles: Map<string, RoleRecord>;
  channels: Map<string, ChannelRecord>;
  /** Channel id → its overwrites. */
  overwrites: Map<string, OverwriteRecord[]>;
  memberCount: number;
  /** When memberCount was read (Unix ms). */
  countedAt: number;
}

/** Events that change what the cache holds; everything else (messages, typing …) is ignored at once. */
const RELEVANT = new Set([
  'GUILD_UPDATE', 'GUILD_DELETE',
  'CHANNEL_CREATE', 'CHANNEL_UPDATE', 'CHANNEL_DELETE',
  'GUILD_ROLE_CREATE', 'GUILD_ROLE_UPDATE', 'GUILD_ROLE_DELETE',
  'GUILD_MEMBER_ADD', 'GUILD_MEMBER_REMOVE', 'GUILD_BAN_ADD', 'GUILD_MEMBER_UPDATE',
  // Nothing in the state to change: they only reset the snapshot parts that hold the emoji, stickers, sounds, events
  // and stages.
  'GUILD_EMOJIS_UPDATE', 'GUILD_STICKERS_UPDATE',
  'GUILD_SOUNDBOARD_SOUND_CREATE', 'GUILD_SOUNDBOARD_SOUND_UPDATE', 'GUILD_SOUNDBOARD_SOUND_DELETE',
  'GUILD_SCHEDULED_EVENT_CREATE', 'GUILD_SCHEDULED_EVENT_UPDATE', 'GUILD_SCHEDULED_EVENT_DELETE',
  'STAGE_INSTANCE_CREATE', 'STAGE_INSTANCE_UPDATE', 'STAGE_INSTANCE_DELETE',
]);

export function byPositionThenId(a: { position: number; id: string }, b: { position: number; id: string }): number {
  if (a.position !== b.position) return a.position - b.position;
  return a.id.length !== b.id.length ? a.id.length - b.id.length : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class GuildStateCache {
  private readonly entries = new Map<string, GuildState>();
  private readonly loading = new Map<string, Promise<GuildState | null>>();
  /** Guilds whose in-flight load saw an event: do not cache that load. */
  private readonly staleLoads = new Set<string>();
  /** Per-guild chain of pending updates. */
  private readonly work = new Map<string, Promise<void>>();
  private closed = false;
  /** Member objects cached across all guilds. */
  private memberJsonCount = 0;

  constructor(
    private readonly store: Store,
    private readonly maxGuilds: number,
    private readonly log: Logger,
    private readonly memberJsonMax = 200_000,
    private readonly maxLoads = GUILD_LOAD_CONCURRENCY,
  ) {}

  /** Store loads running, and waiting for a slot. */
  private loadsRunning = 0;
  private readonly loadQueue: Array<() => void> = [];

  get loadsInFlight(): number {
    return this.loadsRunning;
  }

  get loadsWaiting(): number {
    return this.loadQueue.length;
  }

  /** Evicts every cached guild `which` picks; loads in flight for them answer once but are not cached. */
  dropWhere(which: (guildId: string) => boolean): number {
    let dropped = 0;
    for (const guildId of [...this.entries.keys()]) {
      if (!which(guildId)) continue;
      this.dropGuild(guildId);
      dropped++;
    }
    for (const guildId of this.loading.keys()) if (which(guildId)) this.staleLoads.add(guildId);
    return dropped;
  }

  get size(): number {
    return this.entries.size;
  }

  has(guildId: string): boolean {
    return this.entries.has(guildId);
  }

  async get(guildId: string): Promise<GuildState | null> {
    const pending = this.work.get(guildId);
    if (pending) await pending;
    const hit = this.entries.get(guildId);
    if (hit) {
      // Map order is insertion order: re-inserting makes this the most recently used.
      this.entries.delete(guildId);
      this.entries.set(guildId, hit);
      return hit;
    }
    let load = this.loading.get(guildId);
    if (!load) {
      load = this.load(guildId).finally(() => {
        this.loading.delete(guildId);
        this.staleLoads.delete(guildId);
      });
      this.loading.set(guildId, load);
    }
    return load;
  }

  /** A cached member object, or undefined (missing or expired). */
  getMemberJson(state: GuildState, userId: string, now: number): CachedMemberJson | undefined {
    const hit = state.memberJson.get(userId);
    if (!hit) return undefined;
    if (hit.expiresAt > now) return hit;
    this.forgetMemberJson(state, userId);
    return undefined;
  }

  /** Caches a member object unless the total bound is reached (then snapshots keep reading the store). */
  putMemberJson(state: GuildState, userId: string, entry: CachedMemberJson, gen: number): void {
    if (state.memberJsonGen !== gen) return; // a member changed while this was read
    if (this.entries.get(state.guild.id) !== state) return; // an uncached (stale) load or an evicted guild
    if (state.memberJson.has(userId)) this.memberJsonCount--;
    else if (this.memberJsonCount >= this.memberJsonMax) return;
    state.memberJson.set(userId, entry);
    this.memberJsonCount++;
  }

  private forgetMemberJson(state: GuildState, userId: string): void {
    state.memberJsonGen++;
    if (state.memberJson.delete(userId)) this.memberJsonCount--;
  }

  private forgetAllMemberJson(state: GuildState): void {
    state.memberJsonGen++;
    this.memberJsonCount -= state.memberJson.size;
    state.memberJson.clear();
  }

  private dropGuild(guildId: string): void {
    const state = this.entries.get(guildId);
    if (!state) return;
    this.forgetAllMemberJson(state);
    this.entries.delete(guildId);
  }

  /** USER_UPDATE: the user's name, avatar … changed; their cached member objects are stale everywhere. */
  userChanged(userId: string): void {
    for (const state of this.entries.values()) {
      this.forgetMemberJson(state, userId);
      if (state.parts.allMembers?.members.some((m) => (m.user as { id?: string } | undefined)?.id === userId)) state.parts.allMembers = undefined;
    }
  }

  /** Takes one dispatch envelope from gateway.guild.<id>. */
  apply(event: DispatchEnvelope): void {
    if (event.t === 'MESSAGE_CREATE') return this.noteMessage(event);
    if (!RELEVANT.has(event.t)) return;
    const guildId = event.guildId ?? (event.d?.guild_id as string | undefined) ?? (event.t === 'GUILD_DELETE' ? (event.d?.id as string) : undefined);
    if (!guildId) return;
    if (this.loading.has(guildId)) this.staleLoads.add(guildId);
    if (!this.entries.has(guildId)) return;
    const previous = this.work.get(guildId) ?? Promise.resolve();
    const next = previous
      .then(() => this.update(guildId, event))
      .catch((err) => {
        this.log.warn({ err, guildId, t: event.t }, 'guild cache update failed; guild evicted');
        this.dropGuild(guildId);
      })
      .finally(() => {
        if (this.work.get(guildId) === next) this.work.delete(guildId);
      });
    this.work.set(guildId, next);
  }

  /**
   * Keeps channel.last_message_id current for GUILD_CREATE (clients compare it with their read state to show
   * unread markers). The hot path: no store read, no queueing behind other updates, ids only move forward.
   */
  private noteMessage(event: DispatchEnvelope): void {
    const state = event.guildId ? this.entries.get(event.guildId) : undefined;
    const channelId = event.channelId ?? (event.d?.channel_id as string | undefined);
    const messageId = event.d?.id as string | undefined;
    if (!state || !channelId || !messageId) return;
    const channel = state.channels.get(channelId);
    if (channel && (!channel.lastMessageId || BigInt(messageId) > BigInt(channel.lastMessageId))) {
      state.channels.set(channelId, { ...channel, lastMessageId: messageId });
      state.parts.channels = undefined;
      state.parts.channelsPiece = undefined;
    }
  }

  /** Re-reads the member count (also used by snapshots that know the cached count predates a join). */
  async recount(state: GuildState): Promise<void> {
    const countedAt = Date.now();
    const count = await this.store.members.count(state.guild.id);
    if (countedAt >= state.countedAt) {
      state.memberCount = count;
      state.countedAt = countedAt;
    }
  }

  clear(): void {
    this.closed = true;
    this.entries.clear();
    this.memberJsonCount = 0;
    this.staleLoads.clear();
  }

  private async load(guildId: string): Promise<GuildState | null> {
    if (this.loadsRunning >= this.maxLoads) await new Promise<void>((resume) => this.loadQueue.push(resume));
    this.loadsRunning++;
    try {
      return await this.loadNow(guildId);
    } finally {
      this.loadsRunning--;
      this.loadQueue.shift()?.();
    }
  }

  private async loadNow(guildId: string): Promise<GuildState | null> {
    const guild = await this.store.guilds.get(guildId);
    if (!guild) return null;
    const countedAt = Date.now();
    const [roles, channels, overwrites, memberCount] = await Promise.all([
      this.store.roles.listByGuild(guildId),
      this.store.channels.listByGuild(guildId),
      this.store.overwrites.listByGuild(guildId),
      this.store.members.count(guildId),
    ]);
    const state: GuildState = {
      parts: {},
      memberJson: new Map(),
      memberJsonGen: 0,
      guild,
      roles: new Map(roles.map((r) => [r.id, r])),
      channels: new Map(channels.map((c) => [c.id, c])),
      overwrites: new Map(),
      memberCount,
      countedAt,
    };
    for (const o of overwrites) {
      const list = state.overwrites.get(o.channelId);
      if (list) list.push(o);
      else state.overwrites.set(o.channelId, [o]);
    }
    if (!this.staleLoads.has(guildId) && !this.closed) {
      this.entries.set(guildId, state);
      while (this.entries.size > this.maxGuilds) this.dropGuild(this.entries.keys().next().value!);
    }
    return state;
  }

  private async update(guildId: string, event: DispatchEnvelope): Promise<void> {
    const state = this.entries.get(guildId);
    if (!state) return;
    await this.updateState(guildId, state, event);
    // After the change (the store reads above are awaited): snapshots from now on rebuild their parts.
    state.parts = {};
    const d = event.d ?? {};
    const userId = (d.user as { id?: unknown } | undefined)?.id;
    if (typeof userId === 'string') this.forgetMemberJson(state, userId);
    if (event.t === 'GUILD_ROLE_DELETE') {
      // Members lose the role in the store without a GUILD_MEMBER_UPDATE each.
      this.forgetAllMemberJson(state);
    }
  }

  private async updateState(guildId: string, state: GuildState, event: DispatchEnvelope): Promise<void> {
    const d = event.d ?? {};
    switch (event.t) {
      case 'GUILD_UPDATE': {
        const guild = await this.store.guilds.get(guildId);
        if (guild) state.guild = guild;
        else this.dropGuild(guildId);
        return;
      }
      case 'GUILD_DELETE':
        this.dropGuild(guildId);
        return;
      case 'CHANNEL_CREATE':
      case 'CHANNEL_UPDATE': {
        const id = String(d.id);
        const [channel, overwrites] = await Promise.all([this.store.channels.get(id), this.store.overwrites.listByChannel(id)]);
        if (channel && channel.guildId === guildId) {
          state.channels.set(id, channel);
          state.overwrites.set(id, overwrites);
        } else {
          state.channels.delete(id);
          state.overwrites.delete(id);
        }
        return;
      }
      case 'CHANNEL_DELETE': {
        const id = String(d.id);
        state.channels.delete(id);
        state.overwrites.delete(id);
        // Children of a deleted category lose their parent in the store; follow it.
        for (const [childId, child] of state.channels) {
          if (child.parentId === id) state.channels.set(childId, { ...child, parentId: null });
        }
        return;
      }
      case 'GUILD_ROLE_CREATE':
      case 'GUILD_ROLE_UPDATE': {
        const id = String((d.role as { id?: string } | undefined)?.id);
        const role = await this.store.roles.get(guildId, id);
        if (role) state.roles.set(id, role);
        else state.roles.delete(id);
        return;
      }
      case 'GUILD_ROLE_DELETE': {
        const id = String(d.role_id);
        state.roles.delete(id);
        // The store deletes the role's overwrites with it.
        for (const [channelId, list] of state.overwrites) {
          if (list.some((o) => o.id === id)) state.overwrites.set(channelId, list.filter((o) => o.id !== id));
        }
        return;
      }
      case 'GUILD_MEMBER_ADD':
      case 'GUILD_MEMBER_REMOVE':
      case 'GUILD_BAN_ADD':
        // A ban is followed by GUILD_MEMBER_REMOVE only when the user was a member: count, do not guess.
        await this.recount(state);
        return;
    }
  }
}
