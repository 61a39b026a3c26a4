/**
 * A raw token (no `Bot ` / `Bearer ` prefix) to its user: what REST authentication and the gateway's IDENTIFY
 * both need. The token's secret is compared against every stored hash of the user in constant time.
 */
import { parseToken, sameHash } from './secrets.ts';
import type { Store, UserRecord } from '../store/types.ts';

export async function resolveToken(store: Store, rawToken: string): Promise<UserRecord | null> {
  const parsed = parseToken(rawToken);
  if (!parsed) return null;
  const tokens = await store.tokens.listForUser(parsed.userId);
  let match: (typeof tokens)[number] | undefined;
  // Compare against every token of the user so that the time taken does not depend on which one matched.
  for (const t of tokens) if (sameHash(t.hash, parsed.hash)) match = t;
  if (!match) return null;
  const user = await store.users.get(parsed.userId);
  if (!user || (match.kind === 'bot') !== user.bot) return null;
  return user;
}
