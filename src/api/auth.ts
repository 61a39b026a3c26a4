/**
 * Resolving the Authorization header to a user. Bot tokens arrive as `Bot <token>`, user tokens bare
 * (Discord's user clients), `Bearer` is accepted as a user token. A bot token used bare, or a user token with
 * `Bot `, is refused, as on Discord.
 */
import { ApiError, ErrorCodes } from '../protocol/errors.ts';
import { resolveToken, type TokenLifetime } from '../lib/tokens.ts';
import type { Store, UserRecord } from '../store/types.ts';

/** Authenticates a request header; throws 401 with Discord's codes. */
export async function authenticate(store: Store, header: string | undefined, lifetime: TokenLifetime): Promise<{ user: UserRecord; token: string }> {
  if (!header) throw new ApiError(ErrorCodes.GENERAL, { status: 401, message: '401: Unauthorized' });
  let token = header.trim();
  let asBot = false;
  if (token.startsWith('Bot ')) {
    asBot = true;
    token = token.slice(4).trim();
  } else if (token.startsWith('Bearer ')) {
    token = token.slice(7).trim();
  }
  const user = (await resolveToken(store, token, lifetime))?.user;
  if (!user || user.bot !== asBot) throw new ApiError(ErrorCodes.GENERAL, { status: 401, message: '401: Unauthorized' });
  return { user, token };
}
