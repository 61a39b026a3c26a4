/**
 * A raw token (no `Bot ` / `Bearer ` prefix) to its user: what REST authentication and the gateway's IDENTIFY
 * both need. The token's secret is compared against every stored hash of the user in constant time.
 *
 * Resolving also keeps a token's lifecycle: a user token unused for longer than the idle limit is refused and
 * deleted (bot tokens never expire), and each use is recorded, at most once a minute per token, so that
 * authenticating stays one read in the common case (the user and their tokens together).
 */
import { parseToken, sameHash, tokenPublicId } from './secrets.ts';
import type { Store, TokenRecord, UserRecord } from '../store/types.ts';

/** Uses closer together than this are not written back (lastUsedAt is "approximate", as Discord says). */
export const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export interface TokenLifetime {
  /** A user token unused this long is expired (ACCORD_TOKEN_IDLE_DAYS). */
  idleMs: number;
  now: () => number;
}

export function tokenLifetime(idleDays: number, now: () => number): TokenLifetime {
  return { idleMs: idleDays * 86_400_000, now };
}

export interface ResolvedToken {
  user: UserRecord;
  token: TokenRecord;
  /**
   * The token's public id (tokenPublicId): what the sessions list and revocations name it by. Computed when read:
   * IDENTIFY reads it, a REST request does not (a sha-256 saved per request).
   */
  readonly id: string;
}

/** The user a raw token belongs to, with the token's record and public id; null when it is not a live token. */
export async function resolveToken(store: Store, rawToken: string, lifetime: TokenLifetime): Promise<ResolvedToken | null> {
  const parsed = parseToken(rawToken);
  if (!parsed) return null;
  // The user comes with the tokens, in one read: every authenticated request and IDENTIFY needs both.
  const found = await store.tokens.listWithUser(parsed.userId);
  if (!found) return null;
  let match: TokenRecord | undefined;
  // Compare against every token of the user so that the time taken does not depend on which one matched.
  for (const t of found.tokens) if (sameHash(t.hash, parsed.hash)) match = t;
  if (!match) return null;
  const now = lifetime.now();
  if (match.kind === 'user' && now - match.lastUsedAt > lifetime.idleMs) {
    await store.tokens.delete(match.userId, match.hash);
    return null;
  }
  const user = found.user;
  if ((match.kind === 'bot') !== user.bot) return null;
  if (now - match.lastUsedAt >= TOKEN_TOUCH_INTERVAL_MS) await store.tokens.touch(match.userId, match.hash, now);
  const hash = match.hash;
  return { user, token: match, get id() { return tokenPublicId(hash); } };
}
