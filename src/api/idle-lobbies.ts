/**
 * Idle lobbies, as Discord ends them: "if a lobby sits idle, with no one connected to it at all, for more than that
 * time [idle_timeout_seconds], we will automatically delete the lobby. But as long as one person is connected, the
 * lobby won't be deleted (and the timer resets too)."
 *
 * Every api node sweeps every LOBBY_SWEEP_MS: it takes the lobbies whose deadline passed (store.lobbies.dueIdle) and
 * asks the presence role which of their members have a live gateway session, invisible ones included. A lobby with
 * one starts its timer over (touch); one without is deleted, if still due (a touch by another node wins), and
 * LOBBY_DELETE goes to its members.
 *
 * Decided: "connected" means a live gateway session of the member's (Accord has no per-lobby SDK connection). When
 * the presence role does not answer, no lobby is deleted (never because presence could not be asked) and the
 * RoleClient backs off.
 */
import { PresenceSubjects } from '../contracts/presence.ts';
import { RoleClient } from '../contracts/role-client.ts';
import { PeriodicSweep } from '../lib/periodic-sweep.ts';
import type { ApiDeps } from './deps.ts';
import type { Dispatcher } from './dispatch.ts';

export const LOBBY_SWEEP_MS = 1000;
/** Lobbies one sweep looks at; the rest wait for the next. */
const BATCH = 100;

export class IdleLobbies extends PeriodicSweep {
  readonly #presence: RoleClient;
  readonly counts = { deleted: 0, kept: 0, unchecked: 0 };

  constructor(
    private readonly deps: ApiDeps,
    private readonly dispatch: Dispatcher,
    intervalMs = LOBBY_SWEEP_MS,
  ) {
    super(intervalMs);
    this.#presence = new RoleClient({ bus: deps.bus, role: 'presence', timeoutMs: deps.config.roleTimeoutMs, now: deps.now });
  }

  /** Deletes the lobbies idle past their timeout with nobody connected; how many it deleted. */
  protected async runOnce(): Promise<number> {
    const { store } = this.deps;
    let deleted = 0;
    try {
      const now = this.deps.now();
      const due = await store.lobbies.dueIdle(now, BATCH);
      if (!due.length) return 0;
      const members = new Map(await Promise.all(due.map(async (l) => [l.id, (await store.lobbies.members(l.id)).map((m) => m.userId)] as const)));
      const userIds = [...new Set([...members.values()].flat())];
      const connected = new Set<string>();
      if (userIds.length) {
        const reply = await this.#presence.request(PresenceSubjects.query, { userIds, connected: true });
        // An answer without the list (an older presence node) tells nothing: delete nothing.
        if (!Array.isArray(reply?.connected)) {
          this.counts.unchecked++;
          return 0;
        }
        for (const id of reply.connected) connected.add(id);
      }
      const live = due.filter((l) => members.get(l.id)!.some((u) => connected.has(u)));
      if (live.length) await store.lobbies.touch(live.map((l) => l.id), now);
      this.counts.kept += live.length;
      for (const lobby of due) {
        if (live.includes(lobby)) continue;
        const gone = await store.lobbies.deleteIfIdle(lobby.id, now);
        if (!gone) continue;
        deleted++;
        this.dispatch.users(gone.memberIds, 'LOBBY_DELETE', { id: lobby.id });
      }
      this.counts.deleted += deleted;
    } catch (err) {
      // The presence role or the store did not answer: nothing is deleted this time.
      this.counts.unchecked++;
      this.deps.log.warn({ err: (err as Error).message }, 'idle lobbies not checked; retried at the next sweep');
    }
    return deleted;
  }
}
