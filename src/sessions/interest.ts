/**
 * Gateway fan-out by interest: a sessions node subscribes to `gateway.guild.<id>` only for the guilds its
 * sessions receive or are loading, so no node receives every guild's events and adding nodes adds capacity.
 *
 * A guild is wanted from the moment a local session marks it pending (before its snapshot is requested, so the
 * subscription reaches the server ahead of the request on the same connection and no event between the
 * snapshot and the first routed event is lost) until the last local session lets go of it; the subscription
 * then lingers for lingerMs, so a user reconnecting (IDENTIFY again, the same guilds) does not churn it.
 * NATS keeps one subscription per guild in its sublist (thousands per connection are routine); the in-memory
 * bus indexes them the same way (subjects.ts SubjectIndex).
 */
import type { Subscription } from '../bus/types.ts';

/** How long a guild nobody here receives stays subscribed. */
export const INTEREST_LINGER_MS = 10_000;

interface Interest {
  holders: number;
  sub: Subscription | null;
  linger: NodeJS.Timeout | null;
}

export class GuildInterest {
  readonly #guilds = new Map<string, Interest>();
  #subscribe: ((guildId: string) => Subscription) | null = null;

  constructor(private readonly lingerMs = INTEREST_LINGER_MS) {}

  /** Guilds subscribed right now (lingering ones included). */
  get size(): number {
    return this.#guilds.size;
  }

  has(guildId: string): boolean {
    return this.#guilds.has(guildId);
  }

  /** Whether a local session holds the guild (false for a lingering subscription). */
  held(guildId: string): boolean {
    return (this.#guilds.get(guildId)?.holders ?? 0) > 0;
  }

  /** Starts subscribing (the router's handler); guilds wanted before are subscribed now. */
  open(subscribe: (guildId: string) => Subscription): void {
    this.#subscribe = subscribe;
    for (const [guildId, i] of this.#guilds) i.sub ??= subscribe(guildId);
  }

  /** One more local holder of the guild (a session that receives it or is loading it). */
  add(guildId: string): void {
    const i = this.#guilds.get(guildId);
    if (i) {
      i.holders++;
      if (i.linger) clearTimeout(i.linger);
      i.linger = null;
      return;
    }
    this.#guilds.set(guildId, { holders: 1, sub: this.#subscribe?.(guildId) ?? null, linger: null });
  }

  /** One holder fewer; the last one leaving starts the linger. */
  remove(guildId: string): void {
    const i = this.#guilds.get(guildId);
    if (!i || i.holders === 0) return;
    if (--i.holders > 0) return;
    if (this.lingerMs <= 0) return this.#drop(guildId, i);
    i.linger = setTimeout(() => this.#drop(guildId, i), this.lingerMs);
    i.linger.unref?.();
  }

  #drop(guildId: string, i: Interest): void {
    if (i.holders > 0) return;
    i.sub?.unsubscribe();
    this.#guilds.delete(guildId);
  }

  /** Unsubscribes from everything (shutdown). */
  close(): void {
    for (const i of this.#guilds.values()) {
      if (i.linger) clearTimeout(i.linger);
      i.sub?.unsubscribe();
    }
    this.#guilds.clear();
    this.#subscribe = null;
  }
}

/**
 * A session's guild map that tells the node's interest when a guild enters or leaves it, so every path that
 * changes a session's guilds (identify, the guild loader, the router) keeps the subscriptions right.
 */
export class TrackedGuilds<V> extends Map<string, V> {
  #interest: GuildInterest | null = null;
  /** Bumped on every change (the resume journal republishes a session's record when it moves). */
  version = 0;

  track(interest: GuildInterest): this {
    this.#interest = interest;
    for (const g of this.keys()) interest.add(g);
    return this;
  }

  override set(key: string, value: V): this {
    if (!this.has(key)) this.#interest?.add(key);
    if (this.get(key) !== value) this.version++;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    const had = super.delete(key);
    if (had) {
      this.version++;
      this.#interest?.remove(key);
    }
    return had;
  }

  override clear(): void {
    for (const g of this.keys()) this.#interest?.remove(g);
    this.version++;
    super.clear();
  }
}
