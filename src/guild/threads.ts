/**
 * GUILD_CREATE's `threads`: the guild's active threads the member may see — those whose parent they may
 * VIEW_CHANNEL, a private one only as its member or with MANAGE_THREADS — each with `member` when they are in it,
 * as Discord sends them. Read from the store per snapshot (thread changes do not pass through the state cache),
 * in three reads whatever the number of threads.
 */
import { Permissions, computeChannelPermissions, hasPermission } from '../protocol/permissions.ts';
import type { ChannelRecord, ForumSettingsRecord, MemberRecord, Store } from '../store/types.ts';
import { forumFields, threadJson } from '../shapes/thread.ts';
import { MAX_ACTIVE_THREADS } from '../protocol/thread-limits.ts';
import type { GuildState } from './state-cache.ts';

/** The member's permissions in each channel of the guild state, worked out once per channel asked about. */
export function channelPermissionsOf(state: GuildState, me: MemberRecord): (channelId: string) => bigint {
  const ctx = {
    guildId: state.guild.id, ownerId: state.guild.ownerId, userId: me.userId, memberRoleIds: me.roles,
    rolePermissions: new Map([...state.roles.values()].map((r) => [r.id, BigInt(r.permissions)])),
    communicationDisabledUntil: me.communicationDisabledUntil, now: Date.now(),
  };
  const perms = new Map<string, bigint>();
  return (channelId: string) => {
    let p = perms.get(channelId);
    if (p === undefined) {
      const ow = (state.overwrites.get(channelId) ?? []).map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) }));
      perms.set(channelId, (p = computeChannelPermissions(ctx, ow)));
    }
    return p;
  };
}

export async function visibleActiveThreads(store: Store, state: GuildState, me: MemberRecord): Promise<Array<Record<string, unknown>>> {
  // At most as many active threads as a guild may hold go into one GUILD_CREATE (the rest come from the active-threads route).
  const active = await store.threads.listActiveDetailed(state.guild.id, MAX_ACTIVE_THREADS);
  if (active.length === 0) return [];
  const permsIn = channelPermissionsOf(state, me);
  const mine = new Map((await store.threads.membershipsOf(me.userId, active.map((a) => a.thread.channelId))).map((m) => [m.channelId, m]));
  const out: Array<Record<string, unknown>> = [];
  for (const { thread: t, channel, memberCount } of active) {
    const p = permsIn(t.parentId);
    if (!hasPermission(p, Permissions.VIEW_CHANNEL)) continue;
    if (channel.type === 12 && !mine.has(t.channelId) && !hasPermission(p, Permissions.MANAGE_THREADS)) continue;
    out.push(threadJson(channel, t, { memberCount, member: mine.get(t.channelId) ?? null }));
  }
  return out;
}

/** The settings of the guild's forum and media channels, read when the snapshot's channel list is (re)built. */
export async function forumSettingsOf(store: Store, state: GuildState): Promise<Map<string, ForumSettingsRecord | null>> {
  const out = new Map<string, ForumSettingsRecord | null>();
  for (const c of state.channels.values()) if (c.type === 15 || c.type === 16) out.set(c.id, await store.threads.getForum(c.id));
  return out;
}

/** A forum or media channel's own fields for GUILD_CREATE (nothing for other channels). */
export function forumExtra(c: ChannelRecord, forums: Map<string, ForumSettingsRecord | null> | null): Record<string, unknown> {
  return forums && (c.type === 15 || c.type === 16) ? forumFields(c, forums.get(c.id) ?? null) : {};
}
