/**
 * Calling another role over the bus without letting its outage spread: a timeout on every call, and a circuit
 * breaker so that a role that is down costs callers nothing but a thrown RoleUnavailableError.
 *
 * Contract:
 * - Use one RoleClient per role you call (the breaker tracks that role, not one subject).
 * - `closed`: calls go to the bus. A call that times out or finds no responder counts as a failure; any reply
 *   (and a BusRemoteError: the role is up, it just refused this request) resets the failure count.
 * - After `failureThreshold` consecutive failures the breaker opens for a backoff period: calls reject at once
 *   with RoleUnavailableError, without touching the bus. Each time it reopens without a success in between the
 *   period doubles, from `backoffInitialMs` up to `backoffMaxMs`, with ±`jitter` (a fraction) so many callers
 *   that saw one outage do not retry in lockstep (the thundering herd of Discord's presence incident).
 * - `half-open`: once the period has passed, exactly one call goes through as a probe; others keep failing
 *   fast until it settles. A success closes the breaker and resets the backoff; a failure reopens it.
 * - No timers: the state advances when `request` is called and reads `now()`, so a fake clock drives tests and
 *   there is nothing to clear on shutdown.
 */
import { BusNoRespondersError, BusTimeoutError, type Bus } from '../bus/types.ts';
import { requestRpc, type RpcMap, type RpcSubject } from './index.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface RoleClientOptions {
  bus: Bus;
  /** Name of the role called, for errors and logs (e.g. `presence`). */
  role: string;
  /** Default per-call timeout. */
  timeoutMs: number;
  /** Consecutive failures that open the breaker. Default 3. */
  failureThreshold?: number;
  /** First open period. Default 1000 ms. */
  backoffInitialMs?: number;
  /** Longest open period. Default 30000 ms. */
  backoffMaxMs?: number;
  /** Random spread of each open period, as a fraction of it (0–1). Default 0.2. */
  jitter?: number;
  now?: () => number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

export const ROLE_CLIENT_DEFAULTS = {
  failureThreshold: 3,
  backoffInitialMs: 1000,
  backoffMaxMs: 30_000,
  jitter: 0.2,
} as const;

/** The role is considered down (breaker open, or a probe is already in flight): fail fast and degrade. */
export class RoleUnavailableError extends Error {
  constructor(
    readonly role: string,
    readonly subject: string,
    /** Milliseconds until the breaker lets a probe through (0 while a probe is in flight). */
    readonly retryInMs: number,
  ) {
    super(`${role} unavailable (${subject}); retry in ${retryInMs} ms`);
    this.name = 'RoleUnavailableError';
  }
}

/** Whether an error means "that role is down" (as opposed to a refusal by a live role). */
export function isRoleDown(err: unknown): boolean {
  return err instanceof RoleUnavailableError || err instanceof BusTimeoutError || err instanceof BusNoRespondersError;
}

export class RoleClient {
  readonly role: string;
  private readonly bus: Bus;
  private readonly timeoutMs: number;
  private readonly failureThreshold: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly jitter: number;
  private readonly now: () => number;
  private readonly random: () => number;

  private failures = 0;
  /** How many times the breaker opened since the last success (drives the exponential backoff). */
  private opens = 0;
  private openUntil = 0;
  private isOpen = false;
  private probing = false;

  constructor(opts: RoleClientOptions) {
    this.bus = opts.bus;
    this.role = opts.role;
    this.timeoutMs = opts.timeoutMs;
    this.failureThreshold = Math.max(1, opts.failureThreshold ?? ROLE_CLIENT_DEFAULTS.failureThreshold);
    this.backoffInitialMs = opts.backoffInitialMs ?? ROLE_CLIENT_DEFAULTS.backoffInitialMs;
    this.backoffMaxMs = Math.max(this.backoffInitialMs, opts.backoffMaxMs ?? ROLE_CLIENT_DEFAULTS.backoffMaxMs);
    this.jitter = Math.min(1, Math.max(0, opts.jitter ?? ROLE_CLIENT_DEFAULTS.jitter));
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  state(): BreakerState {
    if (!this.isOpen) return 'closed';
    return this.probing || this.now() >= this.openUntil ? 'half-open' : 'open';
  }

  async request<S extends RpcSubject>(subject: S, payload: RpcMap[S]['request'], opts: { timeoutMs?: number } = {}): Promise<RpcMap[S]['reply']> {
    let probe = false;
    if (this.isOpen) {
      const wait = this.openUntil - this.now();
      if (wait > 0 || this.probing) throw new RoleUnavailableError(this.role, subject, Math.max(0, wait));
      probe = this.probing = true;
    }
    try {
      const reply = await requestRpc(this.bus, subject, payload, { timeoutMs: opts.timeoutMs ?? this.timeoutMs });
      this.succeeded();
      return reply;
    } catch (err) {
      if (isRoleDown(err)) this.failed(probe);
      else this.succeeded();
      throw err;
    } finally {
      if (probe) this.probing = false;
    }
  }

  /** The role says it is serving again (an announcement, not a reply): close the breaker and reset its backoff. */
  reset(): void {
    this.succeeded();
  }

  private succeeded(): void {
    this.failures = 0;
    this.opens = 0;
    this.isOpen = false;
  }

  private failed(probe: boolean): void {
    // A call that started before the breaker opened must not extend the open period.
    if (this.isOpen && !probe) return;
    this.failures++;
    if (!probe && this.failures < this.failureThreshold) return;
    const base = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** this.opens);
    const spread = base * this.jitter * (this.random() * 2 - 1);
    this.opens++;
    this.isOpen = true;
    this.openUntil = this.now() + Math.max(0, Math.round(base + spread));
  }
}
