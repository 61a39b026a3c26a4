/**
 * THREAD_LIST_SYNC: Discord sends it when the current user gains access to a channel, with the channel's active
 * threads the user can now see and the user's memberships among them, so a client need not re-read them.
 *
 * Access changes with the events that change permissions (a channel's overwrites, a role's permissions or
 * deletion, the user's roles, the owner). Before such an event is applied to the node's permission cache, the
 * channels that can hold threads each affected session may VIEW are noted; after it, the channels it newly sees
 * are synced. The threads are read from the store once per event and sent only when there are some (a channel with
 * no active thread needs no sync). A sync for a session that ended meanwhile is dropped by Session.dispatch.
 *
 * The work is bounded: an event that would take more than MAX_CHECKS visibility checks (sessions × channels; a
 * role change in a very large guild) is not synced, and its clients keep reading threads on demand. One event reads
 * at most MAX_ACTIVE_THREADS threads (Discord's per-guild cap, as GUILD_CREATE): the newest active threads of the
 * channels gained, however many the guild holds in other channels.
 */
import { intentFor } from './event-intents.ts';
import type { GuildPermissionCache } from './permission-cache.ts';
import type { Session } from './session.ts';
import { threadJson, threadMemberJson } from '../shapes/thread.ts';
import type { Store } from '../store/types.ts';
import type { Logger } from '../lib/log.ts';
import { MAX_ACTIVE_THREADS } from '../protocol/thread-limits.ts';

const ACCESS_EVENTS = new Set(['CHANNEL_UPDATE', 'GUILD_ROLE_UPDATE', 'GUILD_ROLE_DELETE', 'GUILD_MEMBER_UPDATE', 'GUILD_UPDATE']);
const MAX_CHECKS = 100_000;

export interface PendingSync {
  guildId: string;
  seen: Map<Session, Set<string>>;
  channels: string[];
}

export class ThreadListSync {
  constructor(
    private readonly cache: GuildPermissionCache,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Before `t` is applied: what each session it may widen access for sees now, or null when it cannot widen any. */
  before(t: string, guildId: string, d: Record<string, unknown>, local: Iterable<Session> | undefined): PendingSync | null {
    if (!ACCESS_EVENTS.has(t) || !local) return null;
    let channels = this.cache.threadParents(guildId);
    if (t === 'CHANNEL_UPDATE') channels = channels.filter((c) => c === d.id);
    if (channels.length === 0) return null;
    const userId = t === 'GUILD_MEMBER_UPDATE' && d.user && typeof d.user === 'object' ? String((d.user as { id?: unknown }).id) : null;
    const sessions = [...local].filter((s) => !userId || s.user.id === userId);
    if (sessions.length === 0) return null;
    if (sessions.length * channels.length > MAX_CHECKS) {
      this.log.debug({ t, guildId, sessions: sessions.length, channels: channels.length }, 'THREAD_LIST_SYNC skipped: too many checks');
      return null;
    }
    const now = this.now();
    const seen = new Map<Session, Set<string>>();
    for (const s of sessions) seen.set(s, new Set(channels.filter((c) => this.cache.canView(guildId, c, s.user.id, now))));
    return { guildId, seen, channels };
  }

  /** After the event was applied: syncs the channels each session newly sees (reads the store; not awaited by routing). */
  after(p: PendingSync): void {
    const now = this.now();
    const gained = new Map<Session, string[]>();
    for (const [s, before] of p.seen) {
      const need = s.bot ? intentFor('THREAD_LIST_SYNC', true) : undefined;
      if (need && !s.hasIntent(need)) continue;
      const fresh = p.channels.filter((c) => !before.has(c) && this.cache.canView(p.guildId, c, s.user.id, now));
      if (fresh.length) gained.set(s, fresh);
    }
    if (gained.size === 0) return;
    this.#send(p.guildId, gained).catch((err) => this.log.warn({ err, guildId: p.guildId }, 'THREAD_LIST_SYNC failed'));
  }

  async #send(guildId: string, gained: Map<Session, string[]>): Promise<void> {
    const parents = [...new Set([...gained.values()].flat())];
    // The gained channels' own active threads, not the guild's first MAX_ACTIVE_THREADS filtered after: a guild past
    // the cap (concurrent creates, unarchiving by a message) would otherwise leave a gained channel's threads out.
    const active = await this.store.threads.listActiveDetailedIn(parents, MAX_ACTIVE_THREADS);
    if (active.length === 0) return;
    const now = this.now();
    for (const [s, channelIds] of gained) {
      const mine = active.filter((a) => channelIds.includes(a.thread.parentId));
      const memberships = new Map((await this.store.threads.membershipsOf(s.user.id, mine.map((a) => a.thread.channelId))).map((m) => [m.channelId, m]));
      const threads: Array<Record<string, unknown>> = [];
      for (const { thread: t, channel, memberCount } of mine) {
        if (channel.type === 12 && !memberships.has(t.channelId) && !this.cache.canManageThreads(guildId, t.parentId, s.user.id, now)) continue;
        threads.push(threadJson(channel, t, { memberCount, member: memberships.get(t.channelId) ?? null }));
      }
      if (threads.length === 0) continue;
      const members = threads.flatMap((t) => {
        const m = memberships.get(String(t.id));
        return m ? [threadMemberJson(m)] : [];
      });
      s.dispatch('THREAD_LIST_SYNC', JSON.stringify({ guild_id: guildId, channel_ids: channelIds, threads, members }));
    }
  }
}
