/**
 * The send path's limits that must hold across api nodes (docs/scaling.md, "Send limits across api nodes"):
 * enforce_nonce and slowmode live in the store, not in the process, so a retry or a second send landing on any
 * api node meets the same state. One code path for SQLite (one process) and PostgreSQL (a cluster).
 *
 * - enforce_nonce: the message write claims (channel, author, nonce) in its own transaction (MessageStore
 *   .createOnce); a concurrent or later retry on any node gets the stored message back. Only sends with
 *   enforce_nonce pay for the claim row.
 * - slowmode: a conditional upsert per send takes the (channel, user) hold (SlowmodeStore). Only channels with
 *   rate_limit_per_user, for members without a bypass permission, pay for it.
 *
 * Claims and holds are minutes-lived; each node sweeps the ended ones at most once a minute, off the request.
 */
import type { Logger } from '../../lib/log.ts';
import type { ChannelRecord, Store } from '../../store/types.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';

/** Any of these lets a member send past a channel's slowmode (Discord's Manage Messages, Manage Channel, Bypass Slowmode). */
const BYPASS_SLOWMODE = Permissions.MANAGE_MESSAGES | Permissions.MANAGE_CHANNELS | Permissions.BYPASS_SLOWMODE;

/** Whether a send into `channel` with `permissions` there waits out its slowmode. */
export function slowedIn(channel: Pick<ChannelRecord, 'guildId' | 'rateLimitPerUser'>, permissions: bigint): boolean {
  return channel.guildId !== null && channel.rateLimitPerUser > 0 && (permissions & BYPASS_SLOWMODE) === 0n;
}

/**
 * How far back enforce_nonce looks for an earlier send with the same nonce. Discord documents "checked for
 * uniqueness in the past few minutes"; five minutes covers every client's retry schedule with room to spare.
 */
export const NONCE_WINDOW_MS = 5 * 60 * 1000;

const SWEEP_EVERY_MS = 60_000;
/** Holds are swept a minute after they end, so a node whose clock runs ahead cannot drop another's live hold. */
const CLOCK_SLACK_MS = 60_000;

export class SendLimits {
  #lastSweep: number;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.#lastSweep = now();
  }

  /**
   * Takes the user's slowmode hold for one send, or throws Discord's 429 (code 20016, retry_after in seconds). The
   * returned function gives the hold back when the send fails afterwards, so a failed send does not use it up.
   */
  async holdSlowmode(channelId: string, userId: string, seconds: number): Promise<() => Promise<void>> {
    const now = this.now();
    const until = now + seconds * 1000;
    const heldUntil = await this.store.slowmode.reserve(channelId, userId, now, until);
    this.#sweepSoon();
    if (heldUntil !== null) {
      const wait = Math.max(0.001, (heldUntil - now) / 1000);
      throw new ApiError(ErrorCodes.SLOWMODE_RATE_LIMIT, { extra: { retry_after: Number(wait.toFixed(3)), global: false } });
    }
    return () => this.store.slowmode.release(channelId, userId, until);
  }

  /** The earliest time a nonce claim still holds, for createOnce; also schedules a sweep. */
  nonceSince(): number {
    this.#sweepSoon();
    return this.now() - NONCE_WINDOW_MS;
  }

  #sweepSoon(): void {
    const now = this.now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    void Promise.all([this.store.messages.pruneNonces(now - NONCE_WINDOW_MS - CLOCK_SLACK_MS), this.store.slowmode.prune(now - CLOCK_SLACK_MS)])
      .catch((err) => this.log.warn({ err }, 'sweeping send limits failed; the next sweep retries'));
  }
}

/** The send path's cluster-wide limits; one per app (the routes are mounted under three prefixes). */
const perApp = new WeakMap<ApiDeps, SendLimits>();
export function sendLimits(deps: ApiDeps): SendLimits {
  let l = perApp.get(deps);
  if (!l) perApp.set(deps, (l = new SendLimits(deps.store, deps.now, deps.log)));
  return l;
}
