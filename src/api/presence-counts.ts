/**
 * approximate_presence_count: how many of a guild's members are not offline, asked of the presence role (which
 * indexes live sessions by guild) through a RoleClient. Counts are approximate, as Discord says: each is kept for
 * a few seconds, so a busy invite page costs the presence role one query per guild per COUNT_TTL_MS, not one per
 * request. When the presence role does not answer in time the count is 0 and the request goes on.
 */
import { PresenceSubjects } from '../contracts/presence.ts';
import { RoleClient } from '../contracts/role-client.ts';
import type { ApiDeps } from './deps.ts';

const COUNT_TTL_MS = 15_000;
/** Guilds whose count one api node remembers; the oldest entries go first beyond. */
const MAX_CACHED_GUILDS = 10_000;

/** One per api role (one RoleClient, one circuit breaker), shared by the routes under every prefix. */
export class PresenceCounts {
  readonly #client: RoleClient;
  readonly #cache = new Map<string, { count: number; until: number }>();
  readonly #inflight = new Map<string, Promise<number>>();

  constructor(private readonly deps: Pick<ApiDeps, 'bus' | 'config' | 'now'>) {
    // Like the guild role's snapshot: a short wait, so a slow presence role costs an invite lookup little.
    const timeoutMs = Math.min(500, Math.max(50, Math.floor(deps.config.roleTimeoutMs / 4)));
    this.#client = new RoleClient({ bus: deps.bus, role: 'presence', timeoutMs, now: deps.now });
  }

  /** Members of the guild that are online, idle or dnd (invisible counts as offline); 0 when presence is down. */
  async online(guildId: string): Promise<number> {
    const cached = this.#cache.get(guildId);
    if (cached && cached.until > this.deps.now()) return cached.count;
    const running = this.#inflight.get(guildId);
    if (running) return running;
    const query = this.#ask(guildId).finally(() => this.#inflight.delete(guildId));
    this.#inflight.set(guildId, query);
    return query;
  }

  async #ask(guildId: string): Promise<number> {
    try {
      const reply = await this.#client.request(PresenceSubjects.query, { guildId });
      const count = Array.isArray(reply?.presences) ? reply.presences.length : 0;
      this.#cache.delete(guildId);
      this.#cache.set(guildId, { count, until: this.deps.now() + COUNT_TTL_MS });
      if (this.#cache.size > MAX_CACHED_GUILDS) this.#cache.delete(this.#cache.keys().next().value!);
      return count;
    } catch {
      // Down, slow or refusing: degrade to no count rather than fail the invite (not cached: next call asks again).
      return 0;
    }
  }
}
