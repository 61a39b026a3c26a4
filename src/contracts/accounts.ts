/**
 * Account events between the api role and sessions nodes. A revoked token must stop working everywhere at once:
 * REST refuses it from the store (or from a lone process's identity cache, which the revoking write itself empties:
 * store/identity-cache.ts), and every sessions node closes the gateway sessions it opened (sessions/revocation.ts)
 * when it hears of the revocation here.
 */
export const AccountSubjects = {
  /** publish: TokensRevoked, to every sessions node. */
  tokensRevoked: 'accounts.tokens.revoked',
} as const;

/**
 * Tokens of one user stopped being valid (log-out, a device logged out from the sessions list, the per-user cap,
 * a password change, a bot token reset, a bot over its session start limit). Tokens are named by their public id
 * (lib/secrets.ts tokenPublicId), never by the hash the store checks against. Exactly one of the two is set.
 */
export interface TokensRevoked {
  userId: string;
  /** These tokens were removed. Preferred: it stays true later, so receivers may apply it again for a while. */
  tokenIds?: string[];
  /** Every token of the user but these was removed ([]: all of them); true only of the tokens existing now. */
  allExcept?: string[];
}

/** Whether the revocation covers the token with public id `tokenId` (unknown: covered only by `allExcept`). */
export function revokes(event: TokensRevoked, tokenId: string | undefined): boolean {
  if (Array.isArray(event.tokenIds)) return tokenId !== undefined && event.tokenIds.includes(tokenId);
  if (Array.isArray(event.allExcept)) return tokenId === undefined || !event.allExcept.includes(tokenId);
  return false;
}
