/**
 * Closing the gateway sessions of revoked tokens. Every sessions node follows accounts.tokens.revoked; a session
 * opened with a token the event names is closed with 4004 (authentication failed: clients must not reconnect
 * with that token) and ended at once, so a RESUME of it fails too (it would anyway: RESUME resolves the token).
 *
 * An IDENTIFY that resolved its token just before the revocation committed registers its session after the
 * event has come and gone; so a revocation naming its tokens is applied again to its user's sessions every second
 * for a while. One of the form "every token but …" is applied once only: later it would hit tokens made since.

 */
import type { Subscription } from '../bus/types.ts';
import { AccountSubjects, revokes, subscribeEvent, type TokensRevoked } from '../contracts/index.ts';
import { CloseCodes } from './codec.ts';
import type { Gateway } from './gateway.ts';
import type { Session } from './session.ts';

/** How long a revocation keeps being applied to sessions that finish identifying after it arrived. */
export const REVOCATION_RECHECK_MS = 60_000;
const RECHECK_EVERY_MS = 1_000;
/** Revocations kept for re-checking; beyond, the oldest are dropped (each was applied once already). */
const RECHECK_MAX = 10_000;

export class TokenRevocations {
  #sub: Subscription | undefined;
  #recent: Array<{ event: TokensRevoked; until: number }> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly gateway: Gateway) {}

  start(): this {
    const { bus } = this.gateway.deps;
    this.#sub = subscribeEvent(bus, AccountSubjects.tokensRevoked, (event) => this.revoked(event));
    return this;
  }

  stop(): void {
    this.#sub?.unsubscribe();
    this.#sub = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#recent = [];
  }

  /** Applies a revocation to this node's sessions now and keeps it for the re-checks. */
  revoked(event: TokensRevoked): void {
    if (!event || typeof event.userId !== 'string') return;
    const closed = this.#apply(event);
    if (closed) this.gateway.log.info({ userId: event.userId, sessions: closed }, 'token revoked: sessions closed');
    if (!Array.isArray(event.tokenIds)) return;
    this.#recent.push({ event, until: this.gateway.now() + REVOCATION_RECHECK_MS });
    if (this.#recent.length > RECHECK_MAX) this.#recent.shift();
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#recheck(), RECHECK_EVERY_MS);
      this.#timer.unref();
    }
  }

  #recheck(): void {
    const now = this.gateway.now();
    this.#recent = this.#recent.filter((r) => r.until > now);
    for (const { event } of this.#recent) {
      const closed = this.#apply(event);
      if (closed) this.gateway.log.info({ userId: event.userId, sessions: closed }, 'token revoked: late sessions closed');
    }
    if (this.#recent.length === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #apply(event: TokensRevoked): number {
    const sessions = [...(this.gateway.registry.forUser(event.userId) ?? [])].filter((s) => !s.ended && revokes(event, s.tokenId));
    for (const s of sessions) this.#close(s);
    return sessions.length;
  }

  /** 4004 on the socket (not endSession's 4003), then the session ends for good. */
  #close(session: Session): void {
    const conn = session.connection;
    if (conn) {
      session.connection = null;
      conn.session = null;
      conn.close(CloseCodes.AUTHENTICATION_FAILED, 'token revoked');
    }
    this.gateway.endSession(session, 'token revoked');
  }
}
