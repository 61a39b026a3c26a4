/**
 * Per-node permission state of the guilds local sessions are in: role permissions, channel overwrites and
 * owner (from the guild role's snapshot, or from a GUILD_CREATE payload), and the roles of the *local* users
 * only. Kept current from the event stream (CHANNEL_*, GUILD_ROLE_*, GUILD_MEMBER_UPDATE, GUILD_UPDATE) before
 * each event is routed, so losing VIEW_CHANNEL stops events at once. Dropped when no local session needs it.
 *
 * It also keeps each guild's member count, which decides whether the guild is large for a session (its user
 * sessions then get only the presences they subscribed to: member-subscriptions.ts).
 *
 * canView runs once per session per event, so its answer is memoised per (channel, set of roles): without a
 * member overwrite for the user and unless they own the guild, VIEW_CHANNEL depends on nothing else (a timeout
 * keeps VIEW_CHANNEL). The memo is dropped whenever roles, channels or the owner change.
 */
import type { GuildPermissionState } from '../contracts/guild.ts';
import { computeChannelPermissions, Permissions, type PermissionOverwriteInput } from '../protocol/permissions.ts';
import { isObject } from './codec.ts';

interface CachedChannel {
  type: number;
  parentId: string | null;
  overwrites: PermissionOverwriteInput[];
  /** Users with a member overwrite here (their answer is not memoised). */
  memberOverwrites: Set<string>;
}

interface CachedMember {
  roles: string[];
  /** The role set as a memo key: sorted ids. */
  roleKey: string;
  communicationDisabledUntil: number | null;
}

interface CachedGuild {
  ownerId: string;
  roles: Map<string, bigint>;
  channels: Map<string, CachedChannel>;
  members: Map<string, CachedMember>;
  /** `channelId roleKey` → VIEW_CHANNEL. */
  view: Map<string, boolean>;
  /** Members in the guild, kept by GUILD_MEMBER_ADD / _REMOVE; 0 when no snapshot said. */
  memberCount: number;
}

/** Memo entries per guild before the memo is started afresh (channels × distinct role sets in use). */
const VIEW_MEMO_MAX = 50_000;

const big = (v: unknown): bigint => {
  try {
    return BigInt(String(v ?? '0'));
  } catch {
    return 0n;
  }
};

function overwritesFrom(list: unknown): PermissionOverwriteInput[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((o) => ({ id: String(o.id), type: o.type === 1 ? 1 : 0, allow: big(o.allow), deny: big(o.deny) }));
}

function cachedChannel(type: number, parentId: string | null, overwrites: PermissionOverwriteInput[]): CachedChannel {
  return { type, parentId, overwrites, memberOverwrites: new Set(overwrites.filter((o) => o.type === 1).map((o) => o.id)) };
}

function channelFrom(c: Record<string, unknown>): CachedChannel {
  return cachedChannel(Number(c.type ?? 0), typeof c.parent_id === 'string' ? c.parent_id : null, overwritesFrom(c.permission_overwrites));
}

/**
 * The member's permissions in the channel, from what the cache holds. Server-wide 2FA is not applied: the cache
 * does not know each account's 2FA (the routes, which do, stay the authority on every action).
 */
function permissionsIn(g: CachedGuild, guildId: string, channel: CachedChannel, userId: string, member: CachedMember, now: number): bigint {
  return computeChannelPermissions(
    { guildId, ownerId: g.ownerId, userId, memberRoleIds: member.roles, rolePermissions: g.roles, communicationDisabledUntil: member.communicationDisabledUntil, now },
    channel.overwrites,
  );
}

export class GuildPermissionCache {
  readonly #guilds = new Map<string, CachedGuild>();

  has(guildId: string): boolean {
    return this.#guilds.has(guildId);
  }
  get size(): number {
    return this.#guilds.size;
  }

  /** Replaces roles, channels and owner from the guild role's state; the local members' roles are kept. */
  setFromState(state: GuildPermissionState): void {
    const g = this.#ensure(state.guildId, state.ownerId);
    g.ownerId = state.ownerId;
    if (typeof state.memberCount === 'number') g.memberCount = state.memberCount;
    g.roles = new Map(state.roles.map((r) => [r.id, big(r.permissions)]));
    g.channels = new Map(
      state.channels.map((c) => [c.id, cachedChannel(c.type, c.parentId, c.overwrites.map((o) => ({ id: o.id, type: o.type, allow: big(o.allow), deny: big(o.deny) })))]),
    );
    g.view.clear();
  }

  /** Same, from a GUILD_CREATE payload (roles and channels with permission_overwrites, owner_id). */
  setFromGuildPayload(d: Record<string, unknown>): void {
    const guildId = String(d.id);
    const g = this.#ensure(guildId, String(d.owner_id ?? ''));
    g.ownerId = String(d.owner_id ?? g.ownerId);
    if (typeof d.member_count === 'number') g.memberCount = d.member_count;
    if (Array.isArray(d.roles)) g.roles = new Map(d.roles.filter(isObject).map((r) => [String(r.id), big(r.permissions)]));
    if (Array.isArray(d.channels)) g.channels = new Map(d.channels.filter(isObject).map((c) => [String(c.id), channelFrom(c)]));
    if (Array.isArray(d.members)) {
      for (const m of d.members.filter(isObject)) {
        const userId = isObject(m.user) ? String(m.user.id) : undefined;
        if (userId && g.members.has(userId)) g.members.set(userId, memberFrom(m));
      }
    }
    g.view.clear();
  }

  /** Records a local user's roles in the guild (from their own member object). */
  setMember(guildId: string, userId: string, member: Record<string, unknown> | null): void {
    const g = this.#guilds.get(guildId);
    if (!g) return;
    g.members.set(userId, member ? memberFrom(member) : { roles: [], roleKey: '', communicationDisabledUntil: null });
  }

  forgetMember(guildId: string, userId: string): void {
    this.#guilds.get(guildId)?.members.delete(userId);
  }

  drop(guildId: string): void {
    this.#guilds.delete(guildId);
  }

  /** Applies an event that changes who sees what. Unknown guilds are ignored. */
  apply(t: string, guildId: string, d: Record<string, unknown>): void {
    const g = this.#guilds.get(guildId);
    if (!g) return;
    switch (t) {
      case 'CHANNEL_CREATE':
      case 'CHANNEL_UPDATE':
        if (d.id) g.channels.set(String(d.id), channelFrom(d));
        g.view.clear();
        break;
      case 'CHANNEL_DELETE':
        if (d.id) g.channels.delete(String(d.id));
        g.view.clear();
        break;
      case 'GUILD_ROLE_CREATE':
      case 'GUILD_ROLE_UPDATE':
        if (isObject(d.role)) g.roles.set(String(d.role.id), big(d.role.permissions));
        g.view.clear();
        break;
      case 'GUILD_ROLE_DELETE':
        if (d.role_id) {
          const roleId = String(d.role_id);
          g.roles.delete(roleId);
          for (const m of g.members.values()) {
            m.roles = m.roles.filter((r) => r !== roleId);
            m.roleKey = roleKeyOf(m.roles);
          }
          for (const c of g.channels.values()) c.overwrites = c.overwrites.filter((o) => !(o.type === 0 && o.id === roleId));
        }
        g.view.clear();
        break;
      case 'GUILD_MEMBER_ADD':
        g.memberCount++;
        break;
      case 'GUILD_MEMBER_REMOVE':
        g.memberCount = Math.max(0, g.memberCount - 1);
        break;
      case 'GUILD_MEMBER_UPDATE': {
        const userId = isObject(d.user) ? String(d.user.id) : undefined;
        if (userId && g.members.has(userId)) g.members.set(userId, memberFrom(d));
        break;
      }
      case 'GUILD_UPDATE':
        if (d.owner_id) g.ownerId = String(d.owner_id);
        g.view.clear();
        break;
    }
  }

  /**
   * Whether the user may VIEW_CHANNEL in the channel. Unknown guild, channel or member → false: the cache is
   * filled before a guild's events are routed to a session, so "unknown" means "not allowed (yet)".
   */
  canView(guildId: string, channelId: string, userId: string, now: number): boolean {
    const g = this.#guilds.get(guildId);
    const channel = g?.channels.get(channelId);
    const member = g?.members.get(userId);
    if (!g || !channel || !member) return false;
    const compute = () => (permissionsIn(g, guildId, channel, userId, member, now) & Permissions.VIEW_CHANNEL) !== 0n;
    if (userId === g.ownerId || channel.memberOverwrites.has(userId)) return compute();
    const key = channelId + ' ' + member.roleKey;
    let view = g.view.get(key);
    if (view === undefined) {
      view = compute();
      if (g.view.size >= VIEW_MEMO_MAX) g.view.clear();
      g.view.set(key, view);
    }
    return view;
  }

  /**
   * Whether the user holds every bit of `bits` in the channel (VIEW_CHANNEL among them, so a channel they cannot see
   * grants nothing). For the rare events kept to holders of a permission (INVITE_CREATE / _DELETE: Manage Channels),
   * so computed each time, not memoised. Unknown guild, channel or member → false, as for canView.
   */
  holds(guildId: string, channelId: string, userId: string, bits: bigint, now: number): boolean {
    const g = this.#guilds.get(guildId);
    const channel = g?.channels.get(channelId);
    const member = g?.members.get(userId);
    if (!g || !channel || !member) return false;
    const needed = bits | Permissions.VIEW_CHANNEL;
    return (permissionsIn(g, guildId, channel, userId, member, now) & needed) === needed;
  }

  setMemberCount(guildId: string, count: number): void {
    const g = this.#guilds.get(guildId);
    if (g) g.memberCount = count;
  }

  /**
   * Whether the guild is large for a session with this IDENTIFY `large_threshold`: its user sessions then get the
   * presences of whom they subscribed to alone (member-subscriptions.ts). Unknown guilds are not.
   */
  isLarge(guildId: string, largeThreshold: number): boolean {
    return this.memberCount(guildId) > largeThreshold;
  }

  /** The guild's member count as this node knows it (0 unknown). */
  memberCount(guildId: string): number {
    return this.#guilds.get(guildId)?.memberCount ?? 0;
  }

  /** The guild's channels that can hold threads (text, announcement, forum, media), for THREAD_LIST_SYNC. */
  threadParents(guildId: string): string[] {
    const g = this.#guilds.get(guildId);
    if (!g) return [];
    const out: string[] = [];
    for (const [id, c] of g.channels) if (THREAD_PARENT_TYPES.has(c.type)) out.push(id);
    return out;
  }

  /** Whether the user holds MANAGE_THREADS in the channel (sees its private threads); not memoised, it is rare. */
  canManageThreads(guildId: string, channelId: string, userId: string, now: number): boolean {
    return this.holds(guildId, channelId, userId, Permissions.MANAGE_THREADS, now);
  }

  #ensure(guildId: string, ownerId: string): CachedGuild {
    let g = this.#guilds.get(guildId);
    if (!g) {
      g = { ownerId, roles: new Map(), channels: new Map(), members: new Map(), view: new Map(), memberCount: 0 };
      this.#guilds.set(guildId, g);
    }
    return g;
  }
}

const THREAD_PARENT_TYPES = new Set([0, 5, 15, 16]);

const roleKeyOf = (roles: readonly string[]): string => [...roles].sort().join(',');

function memberFrom(m: Record<string, unknown>): CachedMember {
  const until = typeof m.communication_disabled_until === 'string' ? Date.parse(m.communication_disabled_until) : NaN;
  const roles = Array.isArray(m.roles) ? m.roles.map(String) : [];
  return { roles, roleKey: roleKeyOf(roles), communicationDisabledUntil: Number.isFinite(until) ? until : null };
}
