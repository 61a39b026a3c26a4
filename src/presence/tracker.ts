/**
 * The presence role's state, without I/O: every live session's presence, merged per user, with expiry by TTL.
 * The role (index.ts) feeds it bus messages and publishes what `flush` returns; tests drive it with a fake clock.
 *
 * Merge rule (Discord keeps one status per account and merges devices; we derive it from the sessions):
 * - A session whose status is `invisible` (or `offline`) counts as offline: it never shows.
 * - The user's status and activities are those of the most recently updated visible session.
 * - client_status has one key per platform with a visible session: the status of that platform's most recently
 *   updated visible session. No visible session → status `offline`, activities [], client_status {}.
 *
 * Expiry: a session lives until `gone`, or until its TTL passes without its node listing it in a heartbeat
 * (an update also refreshes it). A crashed node therefore loses its sessions within one TTL, with no
 * disconnect callback involved.
 *
 * Bounds: at most `maxSessions` sessions in all (new sessions beyond are refused), at most
 * `maxSessionsPerUser` per user (the least recently updated is dropped), at most `maxActivities` activities per
 * session. Users exist only while they have a session; guild index entries only while they have a user.
 */
import type { Platform, PresenceJson, PresenceNodeHeartbeat, PresenceSessionGone, PresenceSessionUpdate, Status } from '../contracts/presence.ts';

export interface PresenceTrackerOptions {
  now: () => number;
  /** TTL of a session until its node's heartbeat says otherwise. */
  defaultTtlMs: number;
  maxSessions: number;
  maxSessionsPerUser: number;
  maxActivities: number;
}

export const PRESENCE_DEFAULTS = {
  /** A session not heard of (update or heartbeat) for this long expires, unless its node announced a TTL. */
  defaultTtlMs: 60_000,
  /** How often expired sessions are swept. */
  sweepIntervalMs: 1_000,
  /** Sessions tracked across the cluster; updates for new sessions beyond are dropped (and logged). */
  maxSessions: 1_000_000,
  /** Sessions of one user; the least recently updated is dropped beyond. */
  maxSessionsPerUser: 64,
  /** Activities kept per session (Discord shows a handful). */
  maxActivities: 16,
  /** How often a presence node announces itself to its peers (leader election for publishing). */
  peerIntervalMs: 2_000,
} as const;

type Visible = 'online' | 'idle' | 'dnd';

interface SessionState {
  key: string;
  nodeId: string;
  sessionId: string;
  userId: string;
  status: Status;
  activities: unknown[];
  platform: Platform;
  /** Order of updates (monotonic); the merge picks the highest visible one. */
  seq: number;
  expiresAt: number;
}

interface UserState {
  sessions: Map<string, SessionState>;
  guildIds: Set<string>;
  /** What was last announced for this user (offline before the first announcement). */
  published: PresenceJson;
  publishedKey: string;
}

/** A merged presence to announce in the listed guilds. */
export interface PresenceChange {
  userId: string;
  guildIds: string[];
  presence: PresenceJson;
}

const sessionKey = (nodeId: string, sessionId: string) => `${nodeId}/${sessionId}`;
const isVisible = (s: Status): s is Visible => s === 'online' || s === 'idle' || s === 'dnd';
const presenceKey = (p: PresenceJson) => `${p.status}|${JSON.stringify(p.client_status)}|${JSON.stringify(p.activities)}`;
const offline = (userId: string): PresenceJson => ({ user: { id: userId }, status: 'offline', activities: [], client_status: {} });

export class PresenceTracker {
  private readonly sessions = new Map<string, SessionState>();
  private readonly users = new Map<string, UserState>();
  private readonly guilds = new Map<string, Set<string>>();
  /** Sessions per node, so a heartbeat can refresh them and a node's TTL is remembered. */
  private readonly nodes = new Map<string, { ttlMs: number; sessions: Set<string>; seenAt: number }>();
  private readonly dirty = new Set<string>();
  private seq = 0;

  constructor(private readonly opts: PresenceTrackerOptions) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  get userCount(): number {
    return this.users.size;
  }

  /** Records a session's presence. Returns false when refused (session limit reached). */
  update(u: PresenceSessionUpdate): boolean {
    const key = sessionKey(u.nodeId, u.sessionId);
    let session = this.sessions.get(key);
    if (session && session.userId !== u.userId) {
      this.remove(session);
      session = undefined;
    }
    if (!session && this.sessions.size >= this.opts.maxSessions) return false;
    const user = this.user(u.userId);
    if (!session) {
      if (user.sessions.size >= this.opts.maxSessionsPerUser) this.remove(this.oldest(user));
      session = { key, nodeId: u.nodeId, sessionId: u.sessionId, userId: u.userId, status: 'offline', activities: [], platform: 'desktop', seq: 0, expiresAt: 0 };
      this.sessions.set(key, session);
      user.sessions.set(key, session);
      this.node(u.nodeId).sessions.add(key);
    }
    session.status = u.status;
    session.activities = Array.isArray(u.activities) ? u.activities.slice(0, this.opts.maxActivities) : [];
    session.platform = u.platform;
    session.seq = ++this.seq;
    session.expiresAt = this.opts.now() + (this.nodes.get(u.nodeId)?.ttlMs ?? this.opts.defaultTtlMs);
    if (Array.isArray(u.guildIds)) this.setGuilds(u.userId, user, u.guildIds);
    this.dirty.add(u.userId);
    return true;
  }

  gone(g: PresenceSessionGone): void {
    const session = this.sessions.get(sessionKey(g.nodeId, g.sessionId));
    if (session) this.remove(session);
  }

  /** Refreshes the listed sessions of the node; the node's unlisted sessions are left to expire. */
  /** Extends the listed sessions' lives; returns the listed sessions it does not know (their update was lost). */
  heartbeat(h: PresenceNodeHeartbeat): string[] {
    const node = this.node(h.nodeId);
    if (h.ttlMs > 0) node.ttlMs = h.ttlMs;
    node.seenAt = this.opts.now();
    const expiresAt = node.seenAt + node.ttlMs;
    const unknown: string[] = [];
    for (const sessionId of h.sessionIds) {
      const session = this.sessions.get(sessionKey(h.nodeId, sessionId));
      if (session) session.expiresAt = expiresAt;
      else unknown.push(sessionId);
    }
    return unknown;
  }

  /** Removes sessions whose TTL passed; returns how many. */
  sweep(): number {
    const now = this.opts.now();
    let expired = 0;
    for (const session of this.sessions.values()) {
      if (session.expiresAt <= now) {
        this.remove(session);
        expired++;
      }
    }
    // Node ids change with every restart: forget nodes with no sessions that went quiet.
    for (const [nodeId, node] of this.nodes) {
      if (node.sessions.size === 0 && node.seenAt + 2 * node.ttlMs <= now) this.nodes.delete(nodeId);
    }
    return expired;
  }

  /** The user joined a guild: track it, and return their presence for that guild if they are visible. */
  memberAdded(userId: string, guildId: string): PresenceChange | null {
    const user = this.users.get(userId);
    if (!user || user.guildIds.has(guildId)) return null;
    user.guildIds.add(guildId);
    this.index(guildId, userId, true);
    return user.published.status === 'offline' ? null : { userId, guildIds: [guildId], presence: user.published };
  }

  memberRemoved(userId: string, guildId: string): void {
    const user = this.users.get(userId);
    if (!user || !user.guildIds.delete(guildId)) return;
    this.index(guildId, userId, false);
  }

  guildDeleted(guildId: string): void {
    const members = this.guilds.get(guildId);
    if (!members) return;
    for (const userId of members) this.users.get(userId)?.guildIds.delete(guildId);
    this.guilds.delete(guildId);
  }

  /**
   * Merged presences that changed since the last flush (one per user however many updates came in), to
   * announce in the user's guilds. Users left without sessions are forgotten after their offline announcement.
   */
  flush(): PresenceChange[] {
    const out: PresenceChange[] = [];
    for (const userId of this.dirty) {
      const user = this.users.get(userId);
      if (!user) continue;
      const presence = this.merge(userId, user);
      const key = presenceKey(presence);
      if (key !== user.publishedKey) {
        user.published = presence;
        user.publishedKey = key;
        if (user.guildIds.size > 0) out.push({ userId, guildIds: [...user.guildIds], presence });
      }
      if (user.sessions.size === 0) this.forget(userId, user);
    }
    this.dirty.clear();
    return out;
  }

  /** Whether flush has work. */
  get pending(): boolean {
    return this.dirty.size > 0;
  }

  /**
   * Non-offline merged presences of the listed users and of the users known to be in `guildId` (from the
   * per-guild index). A user with no change since the last flush answers with what flush announced — equal to a
   * fresh merge — so a guild snapshot costs a lookup per member, not a walk of every member's sessions. The
   * objects returned are shared: callers must not modify them.
   */
  query(userIds: readonly string[] = [], guildId?: string): PresenceJson[] {
    const out: PresenceJson[] = [];
    const members = guildId ? this.guilds.get(guildId) : undefined;
    const add = (userId: string) => {
      const user = this.users.get(userId);
      if (!user) return;
      const presence = this.dirty.has(userId) ? this.current(userId, user) : user.published;
      if (presence.status !== 'offline') out.push(presence);
    };
    if (userIds.length === 0) {
      if (members) for (const id of members) add(id);
      return out;
    }
    const seen = new Set<string>();
    for (const id of userIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      add(id);
    }
    if (members) for (const id of members) if (!seen.has(id)) add(id);
    return out;
  }

  /** Those of `userIds` with a live session, invisible ones included (connected, whatever they show). */
  connected(userIds: readonly string[]): string[] {
    return userIds.filter((id) => (this.users.get(id)?.sessions.size ?? 0) > 0);
  }

  /** The user's merged presence now (offline when unknown). */
  get(userId: string): PresenceJson {
    const user = this.users.get(userId);
    return user ? this.merge(userId, user) : offline(userId);
  }

  clear(): void {
    this.sessions.clear();
    this.users.clear();
    this.guilds.clear();
    this.nodes.clear();
    this.dirty.clear();
  }

  private merge(userId: string, user: UserState): PresenceJson {
    let top: SessionState | undefined;
    const perPlatform = new Map<Platform, SessionState>();
    for (const s of user.sessions.values()) {
      if (!isVisible(s.status)) continue;
      if (!top || s.seq > top.seq) top = s;
      const current = perPlatform.get(s.platform);
      if (!current || s.seq > current.seq) perPlatform.set(s.platform, s);
    }
    if (!top) return offline(userId);
    const clientStatus: PresenceJson['client_status'] = {};
    for (const platform of ['desktop', 'mobile', 'web'] as const) {
      const s = perPlatform.get(platform);
      if (s) clientStatus[platform] = s.status as Visible;
    }
    return { user: { id: userId }, status: top.status as Visible, activities: top.activities, client_status: clientStatus };
  }

  private user(userId: string): UserState {
    let user = this.users.get(userId);
    if (!user) {
      const published = offline(userId);
      user = { sessions: new Map(), guildIds: new Set(), published, publishedKey: presenceKey(published) };
      this.users.set(userId, user);
    }
    return user;
  }

  private node(nodeId: string) {
    let node = this.nodes.get(nodeId);
    if (!node) {
      node = { ttlMs: this.opts.defaultTtlMs, sessions: new Set(), seenAt: this.opts.now() };
      this.nodes.set(nodeId, node);
    }
    return node;
  }

  private oldest(user: UserState): SessionState {
    let oldest: SessionState | undefined;
    for (const s of user.sessions.values()) if (!oldest || s.seq < oldest.seq) oldest = s;
    return oldest!;
  }

  private remove(session: SessionState): void {
    this.sessions.delete(session.key);
    const node = this.nodes.get(session.nodeId);
    node?.sessions.delete(session.key);
    const user = this.users.get(session.userId);
    user?.sessions.delete(session.key);
    // The user stays until flush announces the change (possibly offline), then is forgotten if empty.
    this.dirty.add(session.userId);
  }

  /**
   * The user's merged presence; while it equals the one last published, that object itself. A user's update that
   * changes nothing (another session, the same status) then keeps their presence's identity, which GUILD_CREATE
   * snapshots memoise by (guild/snapshot.ts): a fresh object per pending update made every identify of a storm
   * serialise and hash again the presences of the users identifying at that moment.
   */
  private current(userId: string, user: UserState): PresenceJson {
    const merged = this.merge(userId, user);
    return presenceKey(merged) === user.publishedKey ? user.published : merged;
  }

  private setGuilds(userId: string, user: UserState, guildIds: readonly string[]): void {
    const next = new Set(guildIds);
    for (const id of user.guildIds) if (!next.has(id)) this.index(id, userId, false);
    for (const id of next) if (!user.guildIds.has(id)) this.index(id, userId, true);
    user.guildIds = next;
  }

  private index(guildId: string, userId: string, add: boolean): void {
    let members = this.guilds.get(guildId);
    if (add) {
      if (!members) this.guilds.set(guildId, (members = new Set()));
      members.add(userId);
    } else if (members) {
      members.delete(userId);
      if (members.size === 0) this.guilds.delete(guildId);
    }
  }

  private forget(userId: string, user: UserState): void {
    for (const guildId of user.guildIds) this.index(guildId, userId, false);
    this.users.delete(userId);
  }
}
