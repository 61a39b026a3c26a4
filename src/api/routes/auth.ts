/**
 * Accounts: POST /auth/register, /auth/login, /auth/logout, and the sessions list (GET /auth/sessions,
 * POST /auth/sessions/logout: each log-in token is one of Discord's "auth sessions"). Tokens have Discord's shape
 * (lib/secrets.ts); only the hash of their secret is stored, so a leaked database does not leak working tokens.
 * Token lifetimes: a user token unused for ACCORD_TOKEN_IDLE_DAYS expires (lib/tokens.ts); a user keeps at most
 * ACCORD_MAX_TOKENS_PER_USER, a new log-in beyond revoking the least recently used; bot tokens live until reset.
 */
import { AccountSubjects, publishEvent, type TokensRevoked } from '../../contracts/index.ts';
import { hashPassword, issueToken, parseToken, passwordNeedsRehash, tokenPublicId, verifyPassword } from '../../lib/secrets.ts';
import { ApiError, ErrorCodes, fieldError, formError } from '../../protocol/errors.ts';
import { ConflictError } from '../../store/errors.ts';
import type { TokenRecord } from '../../store/types.ts';
import { clientInfo } from '../client-info.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, z } from '../validate.ts';
import { mfaTicket } from './mfa.ts';

/**
 * Discord's rules for every username: it "cannot contain the following substrings: @, #, :, ```, discord" and
 * "cannot be: everyone, here".
 */
function allowedName(s: string): boolean {
  return !/[@#:]|```|discord/i.test(s) && s.toLowerCase() !== 'everyone' && s.toLowerCase() !== 'here';
}
const NOT_ALLOWED = { message: 'Username cannot contain @, #, :, ```, or "discord", nor be "everyone" or "here".', params: { discordCode: 'USERNAME_INVALID_CONTAINS' } };

/** Discord's "pomelo" usernames: lowercase letters, digits, `_` and `.`, 2–32 characters. */
export const usernameSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().min(2).max(32).regex(/^[a-z0-9_.]+$/, 'Username can only contain a-z, 0-9, _ and .').refine(allowedName, NOT_ALLOWED));

/**
 * A bot's username keeps Discord's older rules (bots were never migrated to pomelo names): 2–32 characters of
 * most of Unicode, case and spaces kept (discord.js `client.user.setUsername('Cool Bot')`).
 */
export const botUsernameSchema = z
  .string()
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  .pipe(z.string().min(2).max(32).refine(allowedName, NOT_ALLOWED));

const registerBody = z.object({
  username: usernameSchema,
  password: z.string().min(8).max(72),
  email: z.string().max(320).email().nullish(),
  global_name: z.string().max(32).nullish(),
});

const loginBody = z.object({
  login: z.string().min(1).max(320),
  password: z.string().min(1).max(128),
});

export function registerAuthRoutes(ctx: RouteContext): void {
  const { store, ids, config, now } = ctx.deps;

  ctx.post('/auth/register', { auth: 'none', limit: RouteLimits.auth, status: 201 }, async (req) => {
    if (!config.registrationOpen) throw new ApiError(ErrorCodes.GENERAL, { status: 403, message: 'Registration is closed on this server' });
    const body = parse(registerBody, req.body);
    const id = ids.next();
    const at = now();
    const issued = issueToken(id, at);
    // One transaction for the account and its first token: registration answers with a token or creates nothing.
    // A username or email already taken: 50035 with Discord's codes (rethrowAccountConflict).
    await store.users.create({
      id,
      username: body.username,
      discriminator: '0',
      globalName: body.global_name?.trim() || null,
      avatar: null,
      banner: null,
      bio: '',
      email: body.email ?? null,
      passwordHash: await hashPassword(body.password),
      bot: false,
      system: false,
      flags: 0,
      createdAt: at,
    }, userToken(req, id, issued.hash, at)).catch(rethrowAccountConflict);
    return { token: issued.token };
  });

  ctx.post('/auth/login', { auth: 'none', limit: RouteLimits.auth }, async (req) => {
    const body = parse(loginBody, req.body);
    const user = await store.users.findByLogin(body.login.trim());
    // verifyPassword hashes even without a stored hash: an unknown login and a wrong password take as long,
    // and answer the same, so the endpoint does not reveal which accounts exist.
    const ok = await verifyPassword(body.password, user && !user.bot ? user.passwordHash : null);
    if (!user || user.bot || !ok) {
      const message = 'Login or password is invalid.';
      throw formError([
        { path: ['login'], code: 'INVALID_LOGIN', message },
        { path: ['password'], code: 'INVALID_LOGIN', message },
      ]);
    }
    // A hash made at a lower cost than today's is replaced now that the password is at hand (lib/passwords.ts).
    if (user.passwordHash && passwordNeedsRehash(user.passwordHash)) {
      await store.users.replacePasswordHash(user.id, user.passwordHash, await hashPassword(body.password));
    }
    // With a second factor the password alone gives no token: a ticket to exchange with a code (routes/mfa.ts).
    if (user.mfaEnabled) {
      return { user_id: user.id, mfa: true, sms: false, totp: true, backup: true, webauthn: null, ticket: await mfaTicket(ctx, user.id), token: null };
    }
    return { token: await newUserToken(ctx, req, user.id), user_id: user.id };
  });

  ctx.post('/auth/logout', { auth: 'user', limit: RouteLimits.auth }, async (req) => {
    const parsed = parseToken(req.token);
    if (parsed) {
      await store.tokens.delete(parsed.userId, parsed.hash);
      revokeTokens(ctx, { userId: parsed.userId, tokenIds: [tokenPublicId(parsed.hash)] });
    }
    return undefined;
  });

  // Discord's shape; the current token is listed too (READY's auth_session_id_hash tells a client which it is).
  ctx.get('/auth/sessions', { auth: 'user' }, async (req) => {
    const tokens = (await store.tokens.listForUser(req.user.id)).filter((t) => t.kind === 'user');
    tokens.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
    return {
      user_sessions: tokens.map((t) => ({
        id_hash: tokenPublicId(t.hash),
        approx_last_used_time: new Date(t.lastUsedAt).toISOString(),
        // Accord has no IP geolocation: location is always null.
        client_info: { os: t.clientOs, platform: t.clientPlatform, location: null },
      })),
    };
  });

  // Unknown hashes are ignored (already logged out); the caller's own token may be among those named.
  ctx.post('/auth/sessions/logout', { auth: 'user', limit: RouteLimits.auth }, async (req) => {
    const body = parse(sessionsLogoutBody, req.body);
    const wanted = new Set(body.session_id_hashes);
    const gone = (await store.tokens.listForUser(req.user.id)).filter((t) => t.kind === 'user' && wanted.has(tokenPublicId(t.hash)));
    for (const t of gone) await store.tokens.delete(t.userId, t.hash);
    if (gone.length) revokeTokens(ctx, { userId: req.user.id, tokenIds: gone.map((t) => tokenPublicId(t.hash)) });
    return undefined;
  });
}

const sessionsLogoutBody = z.object({
  session_id_hashes: z.array(z.string().max(64)).min(1).max(100),
  // Discord may ask for the password (or an MFA code) here; Accord takes the log-in token as enough.
  password: z.string().max(128).optional(),
});

/** A new user token's record: used now, by the client the request describes. */
export function userToken(req: RouteRequest, userId: string, hash: string, at: number): TokenRecord {
  const client = clientInfo(req.headers);
  return { userId, hash, kind: 'user', createdAt: at, lastUsedAt: at, clientOs: client.os, clientPlatform: client.platform };
}

/** A log-in: a new token, and the user's least recently used tokens beyond the cap revoked. */
export async function newUserToken(ctx: RouteContext, req: RouteRequest, userId: string): Promise<string> {
  const at = ctx.deps.now();
  const issued = issueToken(userId, at);
  const evicted = await ctx.deps.store.tokens.createCapped(userToken(req, userId, issued.hash, at), ctx.deps.config.maxTokensPerUser);
  if (evicted.length) revokeTokens(ctx, { userId, tokenIds: evicted.map((t) => tokenPublicId(t.hash)) });
  return issued.token;
}

/**
 * Tells every sessions node that tokens stopped being valid, so the gateway sessions opened with them close
 * (sessions/revocation.ts). Published right after the store commit, not through the outbox: the commit alone
 * already makes every REST call, IDENTIFY and RESUME with those tokens fail; the event only closes sockets that
 * are open. Were the process to die between commit and publish, such a socket would go on receiving until it
 * drops, and could not come back. The token writes would otherwise have to carry outbox records through the
 * store, for that window alone.
 */
export function revokeTokens(ctx: RouteContext, event: TokensRevoked): void {
  try {
    publishEvent(ctx.deps.bus, AccountSubjects.tokensRevoked, event);
  } catch (err) {
    // The revocation itself is committed: the request succeeded; only open sockets are left until they drop.
    ctx.deps.log.warn({ err, userId: event.userId }, 'token revocation not published: gateway sessions of those tokens stay open until they drop');
  }
}

/**
 * A taken username or email, as Discord answers at registration and on PATCH /users/@me. Decision (issue 11):
 * Discord's own answer, EMAIL_ALREADY_REGISTERED on `email`, rather than a generic error. Without an e-mail
 * verification flow no answer can hide that an address is registered: the caller picks a fresh username, so any
 * refusal, however worded, means "this email exists". What limits probing is the per-IP auth rate limit that
 * registration shares with log-in; log-in itself reveals nothing (wrong password and unknown account answer alike).
 */
export function rethrowAccountConflict(err: unknown): never {
  if (err instanceof ConflictError && err.entity === 'user' && err.field === 'email') {
    throw fieldError('email', 'EMAIL_ALREADY_REGISTERED', 'Email is already registered.');
  }
  if (err instanceof ConflictError && err.entity === 'user' && err.field === 'username') {
    throw fieldError('username', 'USERNAME_ALREADY_TAKEN', 'Username is unavailable. Try adding numbers, letters, underscores _ , or periods.');
  }
  throw err;
}
