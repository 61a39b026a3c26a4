/**
 * Resolving the Authorization header to a user. Bot tokens arrive as `Bot <token>`, user tokens bare (Discord's
 * user clients). `Bearer <token>` is an OAuth2 access token (api/oauth2.ts): the user who granted it, with the
 * grant's scopes and application, which only routes declaring a scope accept (route.ts). A `Bearer` followed by a
 * user token (dotted, Discord's shape) is still taken as that user token, as Accord always has. A bot token used
 * bare, or a user token with `Bot `, is refused, as on Discord.
 */
import { ApiError, ErrorCodes } from '../protocol/errors.ts';
import { resolveToken, type TokenLifetime } from '../lib/tokens.ts';
import type { Store, UserRecord } from '../store/types.ts';
import { resolveAccessToken, type OAuth2Grant } from './oauth2.ts';

const unauthorized = () => new ApiError(ErrorCodes.GENERAL, { status: 401, message: '401: Unauthorized' });

/** Authenticates a request header; throws 401 with Discord's codes. `oauth` is set for an OAuth2 access token. */
export async function authenticate(
  store: Store, header: string | undefined, lifetime: TokenLifetime,
): Promise<{ user: UserRecord; token: string; oauth?: OAuth2Grant }> {
  if (!header) throw unauthorized();
  let token = header.trim();
  let asBot = false;
  if (token.startsWith('Bot ')) {
    asBot = true;
    token = token.slice(4).trim();
  } else if (token.startsWith('Bearer ')) {
    token = token.slice(7).trim();
    if (!token.includes('.')) {
      const grant = await resolveAccessToken(store, token, lifetime.now());
      if (!grant) throw unauthorized();
      return { user: grant.user, token, oauth: grant };
    }
  }
  const user = (await resolveToken(store, token, lifetime))?.user;
  if (!user || user.bot !== asBot) throw unauthorized();
  return { user, token };
}
