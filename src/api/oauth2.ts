/**
 * OAuth2 as Discord documents it (https://discord.com/developers/docs/topics/oauth2), for applications other than
 * their bot: the authorization code grant (with refresh tokens), the client credentials grant, revocation, and
 * what an access token may do (route.ts: each route names the scope it takes).
 *
 * - Client secrets, codes, access and refresh tokens are 32 random characters (192 bits), handed out once and stored
 *   only as their sha-256 (store/sql/oauth2.ts). A client secret is compared in constant time.
 * - A code lives 10 minutes and is exchanged once, with the redirect_uri it was issued for. An access token lives
 *   7 days (Discord's `expires_in: 604800`); a refresh token is used once and replaced with the new access token.
 * - Scopes Accord grants: identify, email, guilds, guilds.join, gdm.join, guilds.members.read, connections,
 *   role_connections.write (routes/role-connections.ts). The `bot` and
 *   `applications.commands` installs keep their own flow (routes/applications.ts).
 */
import { randomBytes } from 'node:crypto';
import { sameHash, sha256Hex } from '../lib/secrets.ts';
import type { OAuth2TokenRecord, Store, UserRecord } from '../store/types.ts';

export const OAUTH2_SCOPES: ReadonlySet<string> = new Set(['identify', 'email', 'guilds', 'guilds.join', 'gdm.join', 'guilds.members.read', 'connections', 'role_connections.write', 'sdk.social_layer']);
/** Scopes the client credentials grant may ask for (a token for the application's owner). */
export const CLIENT_CREDENTIALS_SCOPES: ReadonlySet<string> = new Set(['identify', 'email', 'guilds', 'connections']);
export const CODE_TTL_MS = 10 * 60_000;
export const ACCESS_TOKEN_TTL_S = 604_800;
export const MAX_REDIRECT_URIS = 10;

/** What an access token stands for. */
export interface OAuth2Grant {
  user: UserRecord;
  applicationId: string;
  scopes: string[];
  expiresAt: number;
}

/** A secret of 32 URL-safe characters without dots (a Bearer value without a dot is an access token: auth.ts). */
export function newOAuth2Secret(): string {
  return randomBytes(24).toString('base64url');
}

/** The grant an access token carries, or null when it is unknown or expired. */
export async function resolveAccessToken(store: Store, token: string, now: number): Promise<OAuth2Grant | null> {
  if (!token || token.length > 128) return null;
  const record = await store.oauth2.getToken(sha256Hex(token));
  if (!record || record.expiresAt <= now) return null;
  const user = await store.users.get(record.userId);
  return user ? { user, applicationId: record.applicationId, scopes: record.scopes, expiresAt: record.expiresAt } : null;
}

/**
 * The user an access token lets `applicationId` act for with `scope` (guilds.join, gdm.join): the token must be
 * live, issued to that application and carry the scope; null otherwise (the caller answers 50025).
 */
export async function grantedUser(store: Store, token: string, applicationId: string, scope: string, now: number): Promise<UserRecord | null> {
  const grant = await resolveAccessToken(store, token.replace(/^Bearer\s+/, ''), now);
  return grant && grant.applicationId === applicationId && grant.scopes.includes(scope) ? grant.user : null;
}

/** Issues an access token (and a refresh token unless `refresh` is false) and stores their hashes. */
export async function issueAccessToken(
  store: Store, grant: { applicationId: string; userId: string; scopes: string[] }, now: number, refresh = true,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; refresh_token?: string; scope: string }> {
  const access = newOAuth2Secret();
  const refreshToken = refresh ? newOAuth2Secret() : null;
  const record: OAuth2TokenRecord = {
    accessHash: sha256Hex(access), refreshHash: refreshToken ? sha256Hex(refreshToken) : null, applicationId: grant.applicationId, userId: grant.userId,
    scopes: grant.scopes, expiresAt: now + ACCESS_TOKEN_TTL_S * 1000, createdAt: now,
  };
  await store.oauth2.createToken(record);
  return { access_token: access, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_S, ...(refreshToken ? { refresh_token: refreshToken } : {}), scope: grant.scopes.join(' ') };
}

/** Whether `secret` is the client secret whose hash is stored (constant time: secrets.ts sameHash). */
export function secretMatches(storedHash: string | null, secret: string): boolean {
  return Boolean(storedHash && secret) && sameHash(storedHash!, sha256Hex(secret));
}

/** Scopes as a request spells them (space- or plus-separated), each once, in the order given. */
export function parseScopes(raw: string | undefined): string[] {
  return [...new Set((raw ?? '').split(/[\s+]+/).filter(Boolean))];
}

/**
 * Whether `uri` may receive the user: it must be one of the application's registered redirect URIs, exactly, as
 * Discord requires (no prefix matching, so no open redirect).
 */
export function redirectAllowed(registered: readonly string[], uri: string): boolean {
  return registered.includes(uri);
}

/** `uri` with the query parameters added (code, state, error …). */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}
