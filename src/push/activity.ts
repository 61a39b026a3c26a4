/**
 * Whether a user is looking: active on a live gateway session (online or dnd on some platform; idle counts as
 * away, as Discord then pushes to phones), asked of the presence role, or seen so within the grace
 * (ACCORD_PUSH_ACTIVE_GRACE_MS: a tab just closed or a client reconnecting). Sessions set invisible are not
 * reported by the presence role, so invisible users get pushes. Without an answer from the presence role only
 * the remembered activity counts: a push too many beats a lost one.
 */
import { requestRpc, subscribeEvent } from '../contracts/index.ts';
import { PresenceSubjects } from '../contracts/presence.ts';
import type { Bus, Subscription } from '../bus/types.ts';
import type { Snowflake } from '../protocol/snowflake.ts';

const ACTIVE = new Set(['online', 'dnd']);

export class UserActivity {
  /** userId → when last seen active (kept for the grace). */
  private readonly seen = new Map<Snowflake, number>();
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly opts: { now: () => number; graceMs: number; timeoutMs: number },
  ) {
    this.subs.push(
      subscribeEvent(bus, PresenceSubjects.update, (u) => {
        if (u && typeof u.userId === 'string' && ACTIVE.has(u.status) && !u.afk) this.mark(u.userId);
      }),
      // A session that ends was in use until now, when it was active.
      subscribeEvent(bus, PresenceSubjects.gone, (g) => {
        if (g && typeof g.userId === 'string' && this.seen.has(g.userId)) this.mark(g.userId);
      }),
    );
  }

  private mark(userId: Snowflake) {
    this.seen.set(userId, this.opts.now());
    if (this.seen.size > 100_000) this.sweep();
  }

  private sweep() {
    const cutoff = this.opts.now() - this.opts.graceMs;
    for (const [u, at] of this.seen) if (at < cutoff) this.seen.delete(u);
  }

  /** Users with a presence (not offline): @here's audience. */
  async present(userIds: Snowflake[]): Promise<Set<Snowflake>> {
    const reply = await this.query(userIds);
    return new Set((reply ?? []).map((p) => p.user.id));
  }

  /** The users of `userIds` who are looking now. */
  async active(userIds: Snowflake[]): Promise<Set<Snowflake>> {
    const out = new Set<Snowflake>();
    if (!userIds.length) return out;
    const cutoff = this.opts.now() - this.opts.graceMs;
    for (const u of userIds) if ((this.seen.get(u) ?? -Infinity) >= cutoff && this.opts.graceMs > 0) out.add(u);
    for (const p of (await this.query(userIds)) ?? []) {
      if (ACTIVE.has(p.status) || Object.values(p.client_status).some((s) => ACTIVE.has(s))) out.add(p.user.id);
    }
    return out;
  }

  private async query(userIds: Snowflake[]) {
    try {
      return (await requestRpc(this.bus, PresenceSubjects.query, { userIds }, { timeoutMs: this.opts.timeoutMs })).presences;
    } catch {
      return null;
    }
  }

  close() {
    for (const s of this.subs) s.unsubscribe();
    this.seen.clear();
  }
}
