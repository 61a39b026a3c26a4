/**
 * Discord-style rate limits: fixed windows per route bucket and top-level resource (channel, guild, webhook),
 * plus a global per-user (or per-IP) limit. In-process by default: in a cluster each api node limits on its own,
 * which keeps the hot path free of a network round trip (a user spreading requests over N nodes gets up to N
 * times a figure). With ACCORD_RATE_LIMIT_SHARED the buckets marked `shared` (the write routes, where the
 * figure guards something: spam, brute force, webhook floods) are counted in the store's rate windows instead,
 * one upsert per request, exact across nodes; reads and the global limit stay per node, because a round trip on
 * every request would cost more than the limit saves (docs/scaling.md has the measured figures). When the store
 * cannot be reached, shared buckets fall back to the node's own count rather than refusing or stalling requests.
 *
 * Every response gets X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket; a 429 carries retry_after, global,
 * Retry-After and X-RateLimit-Scope.
 */
import { digest } from '../lib/digest.ts';
import type { RateWindowStore } from '../store/types.ts';

export interface RouteLimit {
  /** Name shared by routes in one bucket. */
  bucket: string;
  limit: number;
  windowMs: number;
  /** One window per top-level resource, whoever calls (a webhook's sends, by id or by token), not per caller. */
  perResource?: boolean;
  /** Counted across api nodes when ACCORD_RATE_LIMIT_SHARED is on. */
  shared?: boolean;
}

interface Window {
  count: number;
  resetAt: number;
}

export interface LimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetAt: number;
  resetAfterMs: number;
  bucketHash: string;
  scope?: 'user' | 'global' | 'shared';
  global?: boolean;
}

const MAX_KEYS = 200_000;
/** RateLimiter.bucketHash's answers, by bucket name (route buckets are declared in code: a few dozen). */
const bucketHashes = new Map<string, string>();

export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;
  readonly #globalPerSecond: number;
  readonly #scale: number;
  #lastSweep = 0;
  readonly #shared: RateWindowStore | undefined;
  readonly #onSharedError: (err: unknown) => void;
  #lastSharedSweep = 0;

  constructor(opts: { globalPerSecond: number; scale: number; now?: () => number; shared?: RateWindowStore; onSharedError?: (err: unknown) => void }) {
    this.#globalPerSecond = opts.globalPerSecond;
    this.#scale = opts.scale;
    this.#now = opts.now ?? Date.now;
    this.#shared = opts.shared;
    this.#onSharedError = opts.onSharedError ?? (() => {});
  }

  /** Opaque per-bucket id like Discord's X-RateLimit-Bucket; bucket names are a fixed set, so each is hashed once. */
  static bucketHash(bucket: string): string {
    let hash = bucketHashes.get(bucket);
    if (hash === undefined) {
      hash = digest('sha1', bucket, 'hex').slice(0, 16);
      bucketHashes.set(bucket, hash);
    }
    return hash;
  }

  #hit(key: string, limit: number, windowMs: number): { window: Window; allowed: boolean } {
    const now = this.#now();
    this.#sweep(now);
    let window = this.#windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, window);
    }
    if (window.count >= limit) return { window, allowed: false };
    window.count += 1;
    return { window, allowed: true };
  }

  /** The global limit for an identity (user id or ip). */
  checkGlobal(identity: string): LimitResult | null {
    const { window, allowed } = this.#hit(`g:${identity}`, this.#globalPerSecond, 1000);
    if (allowed) return null;
    const now = this.#now();
    return { allowed: false, limit: this.#globalPerSecond, remaining: 0, resetAt: window.resetAt, resetAfterMs: window.resetAt - now, bucketHash: 'global', scope: 'global', global: true };
  }

  /** A route hit: the key combines bucket, major parameter and identity. */
  check(route: RouteLimit, major: string, identity: string): LimitResult {
    const limit = Math.max(1, Math.round(route.limit * this.#scale));
    const who = route.perResource ? '*' : identity;
    const { window, allowed } = this.#hit(`r:${route.bucket}:${major}:${who}`, limit, route.windowMs);
    const now = this.#now();
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetAt: window.resetAt,
      resetAfterMs: Math.max(0, window.resetAt - now),
      bucketHash: RateLimiter.bucketHash(route.bucket),
      // A per-resource limit is everyone's on that resource: Discord's `shared`, which its 429s do not count against the caller.
      scope: allowed ? undefined : route.perResource ? 'shared' : 'user',
    };
  }

  /** A route hit, counted in the store's shared windows when the bucket is `shared` and sharing is on. */
  async checkRoute(route: RouteLimit, major: string, identity: string): Promise<LimitResult> {
    const windows = this.#shared;
    if (!route.shared || !windows) return this.check(route, major, identity);
    const limit = Math.max(1, Math.round(route.limit * this.#scale));
    const who = route.perResource ? '*' : identity;
    const now = this.#now();
    let hit: { count: number; resetAt: number };
    try {
      hit = await windows.hit(`r:${route.bucket}:${major}:${who}`, now, now + route.windowMs);
    } catch (err) {
      this.#onSharedError(err);
      return this.check(route, major, identity);
    }
    this.#sweepShared(windows, now);
    const allowed = hit.count <= limit;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - hit.count),
      resetAt: hit.resetAt,
      resetAfterMs: Math.max(0, hit.resetAt - now),
      bucketHash: RateLimiter.bucketHash(route.bucket),
      // A per-resource limit is everyone's on that resource: Discord's `shared`, which its 429s do not count against the caller.
      scope: allowed ? undefined : route.perResource ? 'shared' : 'user',
    };
  }

  /** Ended shared windows go once a minute per node, off the request; a minute late, for clock skew between nodes. */
  #sweepShared(windows: RateWindowStore, now: number) {
    if (now - this.#lastSharedSweep < 60_000) return;
    this.#lastSharedSweep = now;
    void windows.prune(now - 60_000).catch((err) => this.#onSharedError(err));
  }

  /** Bounded memory: expired windows are dropped, and past MAX_KEYS the oldest entries go first. */
  #sweep(now: number) {
    if (now - this.#lastSweep < 10_000 && this.#windows.size < MAX_KEYS) return;
    this.#lastSweep = now;
    for (const [key, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(key);
    if (this.#windows.size >= MAX_KEYS) {
      let excess = this.#windows.size - MAX_KEYS / 2;
      for (const key of this.#windows.keys()) {
        if (excess-- <= 0) break;
        this.#windows.delete(key);
      }
    }
  }
}

/** Default route buckets. Discord does not publish its figures; these follow what its headers show for bots. */
export const RouteLimits = {
  default: { bucket: 'default', limit: 50, windowMs: 1000 },
  messageCreate: { bucket: 'messages.create', limit: 10, windowMs: 5000, shared: true },
  messageDelete: { bucket: 'messages.delete', limit: 10, windowMs: 5000, shared: true },
  reactions: { bucket: 'reactions', limit: 4, windowMs: 1000, shared: true },
  typing: { bucket: 'typing', limit: 5, windowMs: 5000 },
  auth: { bucket: 'auth', limit: 5, windowMs: 60_000, shared: true },
  channelEdit: { bucket: 'channels.edit', limit: 10, windowMs: 10_000, shared: true },
  guildCreate: { bucket: 'guilds.create', limit: 10, windowMs: 60_000, shared: true },
  invitesUse: { bucket: 'invites.use', limit: 10, windowMs: 60_000, shared: true },
  /** Setting a voice channel's status, per channel. */
  voiceStatus: { bucket: 'channels.voice-status', limit: 10, windowMs: 10_000, perResource: true, shared: true },
  /** Replacing a targeted invite's list (up to 100,000 users a time, one write transaction). */
  inviteTargetUsers: { bucket: 'invites.target-users', limit: 5, windowMs: 60_000, shared: true },
  /** Executing a webhook (plain, Slack, GitHub): 5 per 2 s per webhook, the figure Discord's headers show. */
  webhookExecute: { bucket: 'webhooks.execute', limit: 5, windowMs: 2000, perResource: true, shared: true },
  /** Publishing from an announcement channel: Discord allows 10 per hour per channel, whoever publishes. */
  crosspost: { bucket: 'messages.crosspost', limit: 10, windowMs: 3_600_000, perResource: true, shared: true },
  /** The OAuth2 token endpoint, per address: a site exchanging its users' codes, not a guesser of 192-bit secrets. */
  oauth2Token: { bucket: 'oauth2.token', limit: 60, windowMs: 60_000, shared: true },
  /** Reading, editing and deleting a webhook or its messages, per webhook. */
  webhookManage: { bucket: 'webhooks.manage', limit: 5, windowMs: 1000, perResource: true },
} as const satisfies Record<string, RouteLimit>;
