/**
 * Temporary membership, as Discord's `temporary` invites grant it: a member who joined through one is removed
 * once they disconnect, unless they have been given a role.
 *
 * Every api node sweeps every ACCORD_TEMPORARY_MEMBER_SWEEP_MS: it pages through the temporary memberships (an
 * index of those rows only) and asks the presence role which of their users still have a live session, invisible
 * ones included (a session in its resume grace still counts: the presence role keeps it until the grace ends).
 * Those without one, holding no role and joined at least one sweep ago, are removed with GUILD_MEMBER_REMOVE, as a
 * kick. The removal is conditional in the store (still temporary, still no role), so two nodes remove a member
 * once and a role granted meanwhile wins.
 *
 * Decided: "disconnect" means no live gateway session at all; a member who joined over REST without ever
 * connecting is removed at the first sweep a full interval after joining. When the presence role does not answer,
 * nobody is removed (a member is never kicked because presence could not be asked) and the RoleClient backs off.
 */
import { PresenceSubjects } from '../contracts/presence.ts';
import { RoleClient } from '../contracts/role-client.ts';
import { PeriodicSweep } from '../lib/periodic-sweep.ts';
import type { TemporaryMembership } from '../store/types.ts';
import { publicUser } from '../shapes/serialize.ts';
import type { ApiDeps } from './deps.ts';
import type { Dispatcher } from './dispatch.ts';

/** Memberships read per store page and asked of the presence role at once. */
const PAGE = 500;
/** Pages one sweep goes through at most; the next sweep carries on from there. */
const MAX_PAGES = 20;

export class TemporaryMembers extends PeriodicSweep {
  readonly #presence: RoleClient;
  /** Where the last sweep stopped, when it stopped before the end. */
  #cursor: { userId: string; guildId: string } | null = null;
  readonly counts = { removed: 0, unchecked: 0 };

  constructor(
    private readonly deps: ApiDeps,
    private readonly dispatch: Dispatcher,
    intervalMs = deps.config.temporaryMemberSweepMs,
  ) {
    super(intervalMs);
    this.#presence = new RoleClient({ bus: deps.bus, role: 'presence', timeoutMs: deps.config.roleTimeoutMs, now: deps.now });
  }

  /** Removes the temporary members with no live session; how many it removed. */
  protected async runOnce(): Promise<number> {
    let removed = 0;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const list = await this.deps.store.members.listTemporary(this.#cursor, PAGE);
        const last = list.at(-1);
        this.#cursor = list.length === PAGE && last ? { userId: last.userId, guildId: last.guildId } : null;
        const due = list.filter((m) => !m.hasRoles && m.joinedAt <= this.deps.now() - this.intervalMs);
        if (due.length) removed += await this.#removeDisconnected(due);
        if (!this.#cursor) break;
      }
    } catch (err) {
      // The presence role or the store did not answer: nobody is removed this time; the RoleClient backs off.
      this.counts.unchecked++;
      this.#cursor = null;
      this.deps.log.warn({ err: (err as Error).message }, 'temporary members not checked; retried at the next sweep');
    }
    return removed;
  }

  async #removeDisconnected(due: TemporaryMembership[]): Promise<number> {
    const userIds = [...new Set(due.map((m) => m.userId))];
    const reply = await this.#presence.request(PresenceSubjects.query, { userIds, connected: true });
    // An answer without the list (an older presence node) tells nothing: keep everyone.
    if (!Array.isArray(reply?.connected)) return 0;
    const connected = new Set(reply.connected);
    let removed = 0;
    for (const m of due) {
      if (connected.has(m.userId)) continue;
      if (!(await this.deps.store.members.removeTemporary(m.guildId, m.userId))) continue;
      const user = await this.deps.store.users.get(m.userId);
      if (user) this.dispatch.guild(m.guildId, 'GUILD_MEMBER_REMOVE', { guild_id: m.guildId, user: publicUser(user) });
      removed++;
      this.counts.removed++;
    }
    return removed;
  }
}
