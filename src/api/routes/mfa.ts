/**
 * Two-factor log-in with an authenticator app (TOTP, lib/totp.ts), in Discord's user-API shapes:
 * - `POST /users/@me/mfa/totp/enable` `{secret, code, password}`: the client makes the secret (base32) and shows
 *   it; a code made from it and the account's password turn 2FA on. The answer carries ten one-use backup codes
 *   (`{user_id, code, consumed}`, shown this once; only their sha256 is kept) and a fresh `token`: every other
 *   log-in of the account, made with the password alone, is ended, as a password change ends them.
 * - `POST /users/@me/mfa/totp/disable` `{code}`: a code or a backup code turns it off (a fresh `token` again).
 * - `POST /users/@me/mfa/codes` `{password, regenerate: true}` (Discord's older route): ten new backup codes
 *   replace the old ones, shown this once. Only hashes are kept, so `regenerate: false` (show them again) is
 *   refused.
 * - `POST /auth/login` with the right password then answers `{user_id, mfa: true, totp: true, backup: true, sms:
 *   false, webauthn: null, ticket, token: null}` instead of a token; `POST /auth/mfa/totp` `{code, ticket}` (a
 *   code, or a backup code) gives the token. A ticket is good for 5 minutes and names its user, signed with the
 *   server's key (HMAC-SHA256), so nothing is stored per attempt.
 * A code is accepted once (the step it was made for is recorded), 60008 "Invalid two-factor code" otherwise; every
 * route here is under the auth rate limit. The user object's `mfa_enabled` says whether it is on.
 *
 * Decided: the secret is stored as it is (the database already holds what would unlock it); backup codes are
 * never shown twice. A guild's `mfa_level` (2FA required of moderators) is guild-mfa.ts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex, verifyPassword, issueToken, tokenPublicId } from '../../lib/secrets.ts';
import { base32Decode, base32Encode, matchTotp } from '../../lib/totp.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { privateUser } from '../../shapes/serialize.ts';
import type { UserRecord } from '../../store/types.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, z } from '../validate.ts';
import { newUserToken, revokeTokens, userToken } from './auth.ts';

const BACKUP_CODES = 10;
const TICKET_TTL_MS = 5 * 60_000;

const code = z.string().trim().min(6).max(12);
const enableBody = z.object({ secret: z.string().max(128), code, password: z.string().min(1).max(128) });
const disableBody = z.object({ code });
const totpLoginBody = z.object({ code, ticket: z.string().max(256) });
const codesBody = z.object({ password: z.string().min(1).max(128), regenerate: z.boolean().optional() });

/** Ten new backup codes: 8 characters of base32 (40 bits) each, lower case. */
const newBackupCodes = () => Array.from({ length: BACKUP_CODES }, () => base32Encode(randomBytes(5)).toLowerCase());

/** A backup code as typed: case, spaces and dashes do not matter. */
const normalBackupCode = (c: string) => c.toLowerCase().replace(/[\s-]/g, '');

export function registerMfaRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;
  /** Whether `given` is one of the user's valid codes now: a TOTP code (its step claimed) or an unused backup code. */
  const acceptCode = async (userId: string, given: string): Promise<boolean> => {
    const mfa = await store.users.getMfa(userId);
    if (!mfa) return false;
    const step = matchTotp(mfa.secret, given, now());
    if (step !== null) return store.users.claimMfaStep(userId, step);
    const backup = normalBackupCode(given);
    return /^[a-z0-9]{8}$/.test(backup) && store.users.consumeBackupCode(userId, sha256Hex(backup));
  };

  /** A fresh token for the caller, every other user token of theirs revoked (in one transaction). */
  const rotateToken = async (req: RouteRequest, userId: string): Promise<string> => {
    const at = now();
    const issued = issueToken(userId, at);
    const revoked = await store.tokens.replaceForUser(userId, 'user', userToken(req, userId, issued.hash, at));
    revokeTokens(ctx, { userId, tokenIds: revoked.map((t) => tokenPublicId(t.hash)) });
    return issued.token;
  };
  const announce = async (userId: string) => {
    const user = await store.users.get(userId);
    if (user) ctx.dispatch.users([userId], 'USER_UPDATE', privateUser(user));
  };

  ctx.post('/users/@me/mfa/totp/enable', { auth: 'user', limit: RouteLimits.auth }, async (req) => {
    const body = parse(enableBody, req.body);
    if (await store.users.getMfa(req.user.id)) throw new ApiError(ErrorCodes.GENERAL, { status: 400, message: 'Two-factor authentication is already enabled' });
    if (!(await verifyPassword(body.password, req.user.passwordHash))) throw fieldError('password', 'PASSWORD_DOES_NOT_MATCH', 'Password does not match.');
    const secretBytes = base32Decode(body.secret);
    // At least 80 bits (RFC 4226's minimum is 128; authenticator apps' own secrets are 80 or 160).
    if (!secretBytes || secretBytes.length < 10) throw fieldError('secret', 'BASE_TYPE_INVALID', 'Must be a base32 secret of at least 16 characters');
    const secret = base32Encode(secretBytes);
    const step = matchTotp(secret, body.code, now());
    if (step === null) throw new ApiError(ErrorCodes.TWO_FACTOR_INVALID_CODE);
    const codes = newBackupCodes();
    await store.users.setMfa(req.user.id, secret, { backupCodeHashes: codes.map(sha256Hex), lastStep: step });
    const token = await rotateToken(req, req.user.id);
    await announce(req.user.id);
    return { token, backup_codes: codes.map((c) => ({ user_id: req.user.id, code: c, consumed: false })) };
  });

  ctx.post('/users/@me/mfa/totp/disable', { auth: 'user', limit: RouteLimits.auth }, async (req) => {
    const body = parse(disableBody, req.body);
    if (!(await store.users.getMfa(req.user.id))) throw new ApiError(ErrorCodes.GENERAL, { status: 400, message: 'Two-factor authentication is not enabled' });
    if (!(await acceptCode(req.user.id, body.code))) throw new ApiError(ErrorCodes.TWO_FACTOR_INVALID_CODE);
    await store.users.setMfa(req.user.id, null);
    const token = await rotateToken(req, req.user.id);
    await announce(req.user.id);
    return { token };
  });

  ctx.post('/users/@me/mfa/codes', { auth: 'user', limit: RouteLimits.auth }, async (req) => {
    const body = parse(codesBody, req.body);
    if (!req.user.mfaEnabled) throw new ApiError(ErrorCodes.GENERAL, { status: 400, message: 'Two-factor authentication is not enabled' });
    if (!(await verifyPassword(body.password, req.user.passwordHash))) throw fieldError('password', 'PASSWORD_DOES_NOT_MATCH', 'Password does not match.');
    if (body.regenerate !== true) throw fieldError('regenerate', 'BASE_TYPE_INVALID', 'Backup codes are shown once; regenerate them to see new ones');
    const codes = newBackupCodes();
    // Only the codes are replaced: the secret and its last accepted step stay as they are.
    if (!(await store.users.replaceBackupCodes(req.user.id, codes.map(sha256Hex)))) throw new ApiError(ErrorCodes.GENERAL, { status: 400, message: 'Two-factor authentication is not enabled' });
    return { backup_codes: codes.map((c) => ({ user_id: req.user.id, code: c, consumed: false })) };
  });

  ctx.post('/auth/mfa/totp', { auth: 'none', limit: RouteLimits.auth }, async (req) => {
    const body = parse(totpLoginBody, req.body);
    const user = await userOfTicket(ctx, body.ticket);
    if (!user || !(await acceptCode(user.id, body.code))) throw new ApiError(ErrorCodes.TWO_FACTOR_INVALID_CODE);
    return { token: await newUserToken(ctx, req, user.id), user_id: user.id };
  });
}

/** The server's key for log-in tickets, read (or made) once per store. */
const ticketKeys = new WeakMap<object, Promise<Buffer>>();
function signTicket(ctx: RouteContext, payload: string): Promise<string> {
  const { store, now } = ctx.deps;
  let key = ticketKeys.get(store);
  if (!key) {
    key = store.secrets.getOrCreate('mfa-ticket-key', randomBytes(32).toString('base64url'), now()).then((k) => Buffer.from(k));
    ticketKeys.set(store, key);
    // A store that could not answer is asked again next time.
    key.catch(() => ticketKeys.delete(store));
  }
  return key.then((k) => createHmac('sha256', k).update(payload).digest('base64url'));
}

/** A log-in ticket for `userId`, to be exchanged with a code at POST /auth/mfa/totp. */
export async function mfaTicket(ctx: RouteContext, userId: string): Promise<string> {
  const payload = Buffer.from(`${userId}:${ctx.deps.now() + TICKET_TTL_MS}`).toString('base64url');
  return `${payload}.${await signTicket(ctx, payload)}`;
}

/** The user a ticket from /auth/login names, while it is fresh, signed by this server, and their 2FA still on. */
async function userOfTicket(ctx: RouteContext, ticket: string): Promise<UserRecord | null> {
  const [payload, mac] = ticket.split('.');
  if (!payload || !mac) return null;
  const expected = Buffer.from(await signTicket(ctx, payload));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const [userId, expiresAt] = Buffer.from(payload, 'base64url').toString().split(':');
  if (!userId || !(Number(expiresAt) > ctx.deps.now())) return null;
  const user = await ctx.deps.store.users.get(userId);
  return user?.mfaEnabled ? user : null;
}
